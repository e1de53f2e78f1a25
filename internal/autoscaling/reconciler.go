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

package autoscaling

import (
	"context"
	"fmt"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// The autoscaling phases of a reconcile: Forecast, before the blue-green
// phase (a colour created for an autoscaled component starts at its
// floor), and Reconcile, after it (the HPAs and VPAs follow the serving
// colour).

// PredictiveRecheck is how often a RestAPI with predictive scaling is
// looked at although nothing changed: to record what its HPAs ask for, and
// to raise or lower floors as peaks come and go.
const PredictiveRecheck = 5 * time.Minute

// Scaling is what predictive scaling decided in one reconcile.
type Scaling struct {
	// notes say, per autoscaled component, what predictive scaling does.
	notes map[apiv1.ComponentName]string
	// history is the history ConfigMap to keep; nil when predictive
	// scaling is off (an old one is then deleted).
	history *corev1ac.ConfigMapApplyConfiguration
}

// HistoryName is the name of a RestAPI's predictive scaling history.
func HistoryName(r *apiv1.RestAPI) string { return r.Name + "-scaling-history" }

// Forecast records what each autoscaled component's HPA asks for in the
// history and predicts each one's floor for the lead window ahead: the
// floors raised go to s.Floors.
func Forecast(s *scope.Scope) Scaling {
	rapi, kids, now := s.RestAPI, s.Children, s.Now
	p := rapi.Spec.AutoScaling.Predictive
	if p == nil || !p.Enabled {
		return Scaling{}
	}
	lead := p.Lead()
	old := map[string]string{}
	if cm := kids.ConfigMaps[HistoryName(rapi)]; cm != nil {
		old = cm.Data
	}
	s.Floors = scope.Floors{}
	s.RequeueAfter(min(PredictiveRecheck, NextBucket(now).Sub(now)))
	out := Scaling{notes: map[apiv1.ComponentName]string{}}
	data := map[string]string{}
	for _, c := range rapi.Spec.Components() {
		a := render.ResolveAutoscaling(rapi, c)
		if !c.IsEnabled() || a == nil {
			continue
		}
		series, err := ParseSeries(old[string(c.Name)])
		if err != nil {
			series = NewSeries() // a first start, or a history edited by hand
		}
		if h := kids.HPAs[render.HPAName(rapi, c.Name)]; h != nil && h.Status.DesiredReplicas > 0 {
			floor := a.MinReplicas
			if h.Spec.MinReplicas != nil {
				floor = *h.Spec.MinReplicas
			}
			series.Record(now, Observed(h.Status.DesiredReplicas, floor, a.MinReplicas))
		}
		data[string(c.Name)] = series.String()

		pred := Predict(series, now, lead)
		if f := Floor(pred, a.MinReplicas, a.MaxReplicas); f > a.MinReplicas {
			s.Floors[c.Name] = f
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

// Reconcile writes an HPA per autoscaled component, targeting the serving
// colour at its floor, the predictive history, and a VPA per component
// when the spec asks for them and the VPA CRD is installed; then it reports
// each component's autoscaler in status (after the health phase set
// status.components).
func Reconcile(ctx context.Context, s *scope.Scope, sc Scaling) {
	rapi, kids := s.RestAPI, s.Children
	for _, c := range rapi.Spec.Components() {
		a := render.ResolveAutoscaling(rapi, c)
		if !c.IsEnabled() || a == nil {
			continue
		}
		hpa := render.HPA(rapi, c.Name, a, s.Serving, s.Floors.Of(c.Name, a.MinReplicas))
		_, _ = s.Apply(ctx, scope.Live(kids.HPAs, *hpa.Name), hpa)
	}
	if sc.history != nil {
		// Recorded all the time: kept, but no Event for it.
		name := *sc.history.Name
		s.Keep("ConfigMap", name)
		res, err := s.Write(ctx, scope.Live(kids.ConfigMaps, name), sc.history)
		if res == scope.Created || res == scope.Updated {
			res = scope.Unchanged
		}
		s.Record("ConfigMap", name, res, err)
	}
	vertical(ctx, s)
	report(s, sc)
}

// report shows each component's HPA in status, with predictive scaling's
// floor and reason.
func report(s *scope.Scope, sc Scaling) {
	for i := range s.Status.Components {
		c := &s.Status.Components[i]
		c.Autoscaler = status(s.Children.HPAs[render.HPAName(s.RestAPI, c.Name)])
		if c.Autoscaler == nil {
			continue
		}
		if note, ok := sc.notes[c.Name]; ok {
			c.Autoscaler.PredictedMinReplicas = s.Floors[c.Name]
			c.Autoscaler.Prediction = note
		}
	}
}

// status reports an HPA as status shows it; nil when there is none.
func status(h *autoscalingv2.HorizontalPodAutoscaler) *apiv1.AutoscalerStatus {
	if h == nil {
		return nil
	}
	st := &apiv1.AutoscalerStatus{
		Name:            h.Name,
		Target:          h.Spec.ScaleTargetRef.Name,
		MaxReplicas:     h.Spec.MaxReplicas,
		CurrentReplicas: h.Status.CurrentReplicas,
		DesiredReplicas: h.Status.DesiredReplicas,
	}
	if h.Spec.MinReplicas != nil {
		st.MinReplicas = *h.Spec.MinReplicas
	}
	return st
}
