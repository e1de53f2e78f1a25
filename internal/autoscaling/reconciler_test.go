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
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/scope/scopetest"
)

var reconcileAt = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func autoscaledShop() *apiv1.RestAPI {
	return &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop", UID: "u1", Generation: 2},
		Spec:       apiv1.RestAPISpec{Image: "registry.example/shop:1.0.0", AutoScaling: apiv1.AutoScalingSpec{Enabled: new(true)}},
	}
}

func TestTheHPAsFollowTheServingColourAndAreReported(t *testing.T) {
	w := &scopetest.Writer{}
	s := scopetest.Scope(autoscaledShop(), w, reconcileAt)
	s.Serving = apiv1.EnvironmentGreen
	s.Status.Components = []apiv1.ComponentStatus{{Name: apiv1.ComponentModel}, {Name: apiv1.ComponentView}}
	sc := Forecast(s)
	if sc.history != nil || s.Floors != nil {
		t.Fatalf("predictive scaling is off, yet: %+v, floors %v", sc, s.Floors)
	}
	Reconcile(t.Context(), s, sc)
	if len(w.Applied) != 4 || !slices.Contains(w.Applied, "HorizontalPodAutoscaler/shop-model") {
		t.Fatalf("applied %v, want an HPA per component", w.Applied)
	}
	h := s.Children.HPAs["shop-model"]
	if h == nil || h.Spec.ScaleTargetRef.Name != "shop-model-green" {
		t.Fatalf("the HPA as applied is not among the children, or does not target the serving colour: %+v", h)
	}
	if a := s.Status.Components[0].Autoscaler; a == nil || a.Target != "shop-model-green" {
		t.Errorf("autoscaler status %+v", a)
	}
	if !s.Kept("HorizontalPodAutoscaler", "shop-view") {
		t.Error("an HPA the spec wants is not kept: the cleanup would delete it")
	}
}

func TestPredictiveFloorsComeFirstAndTheHistoryIsKeptQuietly(t *testing.T) {
	rapi := autoscaledShop()
	rapi.Spec.AutoScaling.Predictive = &apiv1.PredictiveScalingSpec{Enabled: true}
	w := &scopetest.Writer{}
	s := scopetest.Scope(rapi, w, reconcileAt)
	// No history yet: one starts, and the floors stay at minReplicas.
	sc := Forecast(s)
	if sc.history == nil || s.Floors == nil || len(s.Floors) != 0 || s.Requeue() == 0 || s.Requeue() > PredictiveRecheck {
		t.Fatalf("history %v, floors %v, requeue %v", sc.history, s.Floors, s.Requeue())
	}
	if _, ok := sc.notes[apiv1.ComponentModel]; !ok {
		t.Errorf("no prediction note for the model: %v", sc.notes)
	}
	Reconcile(t.Context(), s, sc)
	if !slices.Contains(w.Applied, "ConfigMap/"+HistoryName(rapi)) || !s.Kept("ConfigMap", HistoryName(rapi)) {
		t.Fatalf("history not written and kept: %v", w.Applied)
	}
	if created, _, _ := s.Writes(); slices.ContainsFunc(created, func(c string) bool { return strings.Contains(c, HistoryName(rapi)) }) {
		t.Error("the history, recorded all the time, is announced as a write")
	}
}

func TestVPAsWithoutTheirCRDAreAConditionNotAFailure(t *testing.T) {
	rapi := autoscaledShop()
	rapi.Spec.AutoScaling.Vertical = &apiv1.VerticalScalingSpec{Enabled: true}
	s := scopetest.Scope(rapi, &scopetest.Writer{}, reconcileAt)
	Reconcile(t.Context(), s, Scaling{})
	c := meta.FindStatusCondition(s.Status.Conditions, apiv1.ConditionVerticalScaling)
	if c == nil || c.Reason != apiv1.ReasonCRDNotInstalled || s.Err() != nil {
		t.Fatalf("condition %+v, failure %v", c, s.Err())
	}

	w := &scopetest.Writer{Kinds: map[schema.GroupVersionKind][]*unstructured.Unstructured{VPAGroupVersionKind: nil}}
	s = scopetest.Scope(rapi, w, reconcileAt)
	s.Serving = apiv1.EnvironmentBlue
	Reconcile(t.Context(), s, Scaling{})
	if c := meta.FindStatusCondition(s.Status.Conditions, apiv1.ConditionVerticalScaling); c == nil || c.Reason != apiv1.ReasonVPAsActive {
		t.Fatalf("condition %+v", c)
	}
	if !slices.Contains(w.Applied, "VerticalPodAutoscaler/shop-model-blue") || !slices.Contains(w.Applied, "VerticalPodAutoscaler/shop-model-green") {
		t.Errorf("applied %v", w.Applied)
	}
}
