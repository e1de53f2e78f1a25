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

package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
)

// TestRolloutsWaitingCountsEachRestAPIOnce: the gauge counts each waiting
// rollout under its current reason, moves it when the reason changes, and
// lets it go when the wait ends or the RestAPI is gone.
func TestRolloutsWaitingCountsEachRestAPIOnce(t *testing.T) {
	gauge := func(reason string) float64 { return testutil.ToFloat64(RolloutsWaiting.WithLabelValues(reason)) }
	capacity, image := gauge(apiv1.ReasonWaitingForCapacity), gauge(apiv1.ReasonWaitingForImage)
	a, b := types.NamespacedName{Namespace: "w", Name: "a"}, types.NamespacedName{Namespace: "w", Name: "b"}
	SetWaiting(a, apiv1.ReasonWaitingForCapacity)
	SetWaiting(a, apiv1.ReasonWaitingForCapacity)
	SetWaiting(b, apiv1.ReasonWaitingForCapacity)
	if got := gauge(apiv1.ReasonWaitingForCapacity) - capacity; got != 2 {
		t.Fatalf("two waiting for capacity, counted %v", got)
	}
	SetWaiting(a, apiv1.ReasonWaitingForImage)
	if gauge(apiv1.ReasonWaitingForCapacity)-capacity != 1 || gauge(apiv1.ReasonWaitingForImage)-image != 1 {
		t.Fatal("a reason that changed is not moved")
	}
	SetWaiting(a, "")
	Forget(b)
	if gauge(apiv1.ReasonWaitingForCapacity) != capacity || gauge(apiv1.ReasonWaitingForImage) != image {
		t.Fatal("an ended wait or a deleted RestAPI is still counted")
	}
}

// TestARenamedCheckLeavesNoSeries: the measurement series of a check the
// spec no longer has go at the next observation; those of the others stay.
func TestARenamedCheckLeavesNoSeries(t *testing.T) {
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "m", Name: "renamed"}}
	rapi.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{PrePromotion: []apiv1.AnalysisCheck{{Name: "errors"}, {Name: "smoke"}}}
	Measured("m", "renamed", "errors", "success")
	Measured("m", "renamed", "smoke", "failure")
	series := func() int { return testutil.CollectAndCount(AnalysisMeasurements) }
	before := series()
	rapi.Spec.BlueGreen.Analysis.PrePromotion[1].Name = "smoke-v2"
	Observe(rapi, nil, apiv1.RestAPIStatus{}, bluegreen.Plan{}, nil, time.Now())
	if got := series(); got != before-1 {
		t.Errorf("%d measurement series after the rename, want %d: the renamed check's series stays", got, before-1)
	}
	if v := testutil.ToFloat64(AnalysisMeasurements.WithLabelValues("m", "renamed", "errors", "success")); v != 1 {
		t.Errorf("the kept check's count is %v", v)
	}
	in := func(ns string) bool { return ns == "m" }
	Forget(types.NamespacedName{Namespace: "m", Name: "renamed"})
	if n := Remembered(in); n != 0 {
		t.Errorf("%d entries remembered of a RestAPI that is gone", n)
	}
}

func TestHookRunsAreCountedByHookPhaseAndResult(t *testing.T) {
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "h", Name: "shop"}}
	hook := func(reason string, phase apiv1.HookPhase) bluegreen.Event {
		return bluegreen.Event{Reason: reason, Action: "Hook", Hook: "expand", HookPhase: phase}
	}
	plan := bluegreen.Plan{Events: []bluegreen.Event{
		hook(apiv1.EventHookStarted, apiv1.HookPrePromotion), hook(apiv1.ReasonHookFailed, apiv1.HookPrePromotion),
		{Reason: apiv1.ReasonHookFailed, Action: "Abort", Transition: bluegreen.Abortion}, // the abort it caused: no hook run
	}}
	Observe(rapi, nil, apiv1.RestAPIStatus{}, plan, nil, time.Now())
	Observe(rapi, nil, apiv1.RestAPIStatus{}, bluegreen.Plan{Events: []bluegreen.Event{hook(apiv1.EventHookSucceeded, apiv1.HookPostPromotion)}}, nil, time.Now())
	for _, c := range []struct {
		phase  apiv1.HookPhase
		result string
		want   float64
	}{{apiv1.HookPrePromotion, "started", 1}, {apiv1.HookPrePromotion, "failed", 1}, {apiv1.HookPostPromotion, "succeeded", 1}, {apiv1.HookPrePromotion, "succeeded", 0}} {
		if v := testutil.ToFloat64(hookRuns.WithLabelValues("h", "shop", "expand", string(c.phase), c.result)); v != c.want {
			t.Errorf("%s %s: %v, want %v", c.phase, c.result, v, c.want)
		}
	}
	if n := testutil.CollectAndCount(hookRuns); n != 4 {
		t.Errorf("%d series, want 4", n)
	}
	Forget(types.NamespacedName{Namespace: "h", Name: "shop"})
	if n := testutil.CollectAndCount(hookRuns); n != 0 {
		t.Errorf("%d series left of a RestAPI that is gone", n)
	}
}
