/*
Copyright 2026 The RestAPI Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller

import (
	"fmt"
	"time"

	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/autoscaling"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// predictiveRecheck is how often a RestAPI with predictive scaling is looked
// at although nothing changed: to record what its HPAs ask for, and to raise
// or lower floors as peaks come and go.
const predictiveRecheck = 5 * time.Minute

// scaling is what predictive scaling decided in one reconcile.
type scaling struct {
	// floors raised above the spec's minReplicas, by component.
	floors floors
	// notes say, per autoscaled component, what predictive scaling does.
	notes map[apiv1.ComponentName]string
	// history is the history ConfigMap to keep; nil when predictive
	// scaling is off (an old one is then deleted).
	history *corev1ac.ConfigMapApplyConfiguration
	requeue time.Duration
}

// HistoryName is the name of a RestAPI's predictive scaling history.
func HistoryName(r *apiv1.RestAPI) string { return r.Name + "-scaling-history" }

// predict records what each autoscaled component's HPA asks for in the
// history and predicts each one's floor for the lead window ahead.
func predict(rapi *apiv1.RestAPI, kids children, now time.Time) scaling {
	p := rapi.Spec.AutoScaling.Predictive
	if p == nil || !p.Enabled {
		return scaling{}
	}
	lead := time.Duration(orDefault(p.LeadMinutes, 15)) * time.Minute
	old := map[string]string{}
	if cm := kids.configMaps[HistoryName(rapi)]; cm != nil {
		old = cm.Data
	}
	out := scaling{floors: floors{}, notes: map[apiv1.ComponentName]string{}, requeue: min(predictiveRecheck, autoscaling.NextBucket(now).Sub(now))}
	data := map[string]string{}
	for _, c := range rapi.Spec.Components() {
		a := render.ResolveAutoscaling(rapi, c)
		if !c.IsEnabled() || a == nil {
			continue
		}
		series, err := autoscaling.ParseSeries(old[string(c.Name)])
		if err != nil {
			series = autoscaling.NewSeries() // a first start, or a history edited by hand
		}
		if h := kids.hpas[render.HPAName(rapi, c.Name)]; h != nil && h.Status.DesiredReplicas > 0 {
			floor := a.MinReplicas
			if h.Spec.MinReplicas != nil {
				floor = *h.Spec.MinReplicas
			}
			series.Record(now, autoscaling.Observed(h.Status.DesiredReplicas, floor, a.MinReplicas))
		}
		data[string(c.Name)] = series.String()

		pred := autoscaling.Predict(series, now, lead)
		if f := autoscaling.Floor(pred, a.MinReplicas, a.MaxReplicas); f > a.MinReplicas {
			out.floors[c.Name] = f
			note := fmt.Sprintf("floor raised to %d for %s: %s", f, pred.At.Format("Mon 15:04 UTC"), pred.Reason)
			if f < pred.Replicas {
				note += fmt.Sprintf(" (capped at maxReplicas %d)", a.MaxReplicas)
			}
			out.notes[c.Name] = note
		} else {
			out.notes[c.Name] = fmt.Sprintf("no recurring peak above minReplicas %d in the next %s", a.MinReplicas, lead)
		}
	}
	out.history = corev1ac.ConfigMap(HistoryName(rapi), rapi.Namespace).
		WithLabels(render.InstanceLabels(rapi)).
		WithLabels(map[string]string{apiv1.LabelName: apiv1.AppName, apiv1.LabelPartOf: rapi.Name}).
		WithOwnerReferences(render.OwnerReference(rapi)).
		WithData(data)
	return out
}

// showPredictions puts predictive scaling's floors and reasons into the
// components' autoscaler status.
func showPredictions(st *apiv1.RestAPIStatus, s scaling) {
	for i := range st.Components {
		c := &st.Components[i]
		if c.Autoscaler == nil {
			continue
		}
		if note, ok := s.notes[c.Name]; ok {
			c.Autoscaler.PredictedMinReplicas = s.floors[c.Name]
			c.Autoscaler.Prediction = note
		}
	}
}
