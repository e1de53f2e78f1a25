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

package tracing

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// manager is one manager's tracer; a test makes a new one to restart.
func manager(rec *tracetest.SpanRecorder) *Rollouts {
	return NewRollouts(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithIDGenerator(ids{})))
}

func at(t0 time.Time, s int) *metav1.Time {
	t := metav1.NewTime(t0.Add(time.Duration(s) * time.Second))
	return &t
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// TestARolloutIsOneTraceAcrossReconcilesAndRestarts walks a rollout
// through the statuses the reconciler writes (queued, deploying, ready,
// promoted, scaled down), with a manager restart in the middle: one trace,
// whose root span has the IDs status kept since the rollout began and
// spans from the times status kept.
func TestARolloutIsOneTraceAcrossReconcilesAndRestarts(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	r := manager(rec)
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop"}}
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	now := func(s int) time.Time { return at(t0, s).Time }

	serving := &apiv1.BlueGreenStatus{State: apiv1.StateIdle, ActiveRevision: "r1", Attempt: 1}
	Stamp(nil, serving, now(-60))
	if serving.TraceParent != "" {
		t.Fatalf("a first deployment straight to serving got a trace: %s", serving.TraceParent)
	}
	queued := serving.DeepCopy()
	queued.State, queued.QueuedAt = apiv1.StateQueued, at(t0, 0)
	Stamp(serving, queued, now(0))
	if queued.TraceParent == "" || !queued.TraceStartedAt.Equal(at(t0, 0)) {
		t.Fatalf("joining the queue begins a rollout: %q %v", queued.TraceParent, queued.TraceStartedAt)
	}
	r.Record(rapi, serving, queued, []scope.Event{{Reason: apiv1.EventQueued, Action: "Deploy"}}, nil, now(0))

	deploying := queued.DeepCopy()
	deploying.State, deploying.Attempt, deploying.PreviewRevision, deploying.PreviewStartedAt = apiv1.StateDeploying, 2, "r2", at(t0, 30)
	Stamp(queued, deploying, now(30))
	if deploying.TraceParent != queued.TraceParent {
		t.Fatal("the preview of a queued rollout began a new trace")
	}
	r.Record(rapi, queued, deploying, []scope.Event{{Reason: apiv1.EventDeploying, Action: "Deploy"}}, nil, now(30))

	r = manager(rec) // the manager restarts: nothing but status carries on
	ready := deploying.DeepCopy()
	ready.State, ready.PreviewReadyAt = apiv1.StateAwaitingPromotion, at(t0, 50)
	Stamp(deploying, ready, now(50))
	r.Record(rapi, deploying, ready, []scope.Event{{Reason: apiv1.EventAnalysisPassed, Action: "Analyse"}},
		[]scope.Measurement{{Check: "success-rate", Result: "Passed"}}, now(50))

	promoted := ready.DeepCopy()
	promoted.State, promoted.ActiveRevision, promoted.PreviousRevision, promoted.PreviewRevision, promoted.PromotedAt =
		apiv1.StateScalingDown, "r2", "r1", "", at(t0, 60)
	Stamp(ready, promoted, now(60))
	r.Record(rapi, ready, promoted, []scope.Event{{Reason: apiv1.EventPromoted, Action: "Promote"}}, nil, now(60))

	idle := promoted.DeepCopy()
	idle.State = apiv1.StateIdle
	Stamp(promoted, idle, now(90))
	r.Record(rapi, promoted, idle, []scope.Event{{Reason: apiv1.EventScaledDown, Action: "ScaleDown"}}, nil, now(90))
	if idle.TraceParent != queued.TraceParent {
		t.Fatal("the trace context changed within the rollout")
	}

	spans := rec.Ended()
	var names []string
	root := -1
	for i, s := range spans {
		names = append(names, s.Name())
		if s.Parent().IsValid() {
			continue
		}
		root = i
	}
	want := []string{SpanQueued, SpanDeploy, SpanPreview, SpanAnalysis, SpanMeasure, SpanAwaiting, SpanSwitch, SpanWarm, "rollout r2"}
	if !slices.Equal(names, want) {
		t.Fatalf("spans %v, want %v", names, want)
	}
	if root != len(spans)-1 {
		t.Fatalf("root span at %d of %v", root, names)
	}
	rs := spans[root]
	if tp := "00-" + rs.SpanContext().TraceID().String() + "-" + rs.SpanContext().SpanID().String() + "-01"; tp != queued.TraceParent {
		t.Errorf("root span %s, want the IDs of status's traceParent %s", tp, queued.TraceParent)
	}
	if !rs.StartTime().Equal(now(0)) || !rs.EndTime().Equal(now(90)) || attr(rs, "restapi.outcome") != "Idle" {
		t.Errorf("root span %s → %s, outcome %q: want the rollout from joining the queue to the scale-down",
			rs.StartTime(), rs.EndTime(), attr(rs, "restapi.outcome"))
	}
	for _, s := range spans[:root] {
		if s.Parent().SpanID() != rs.SpanContext().SpanID() || s.SpanContext().TraceID() != rs.SpanContext().TraceID() {
			t.Errorf("span %s is not a child of the rollout's root span", s.Name())
		}
		if attr(s, "restapi.revision") != "r2" && s.Name() != SpanQueued {
			t.Errorf("span %s: revision %q, want r2", s.Name(), attr(s, "restapi.revision"))
		}
	}
	windows := map[string][2]int{SpanQueued: {0, 30}, SpanPreview: {30, 50}, SpanAwaiting: {50, 60}, SpanWarm: {60, 90}}
	for _, s := range spans {
		if w, ok := windows[s.Name()]; ok && (!s.StartTime().Equal(now(w[0])) || !s.EndTime().Equal(now(w[1]))) {
			t.Errorf("span %s %s → %s, want %ds → %ds", s.Name(), s.StartTime(), s.EndTime(), w[0], w[1])
		}
	}
	if e := attr(spans[6], "restapi.event"); e != apiv1.EventPromoted {
		t.Errorf("the switch's Event %q", e)
	}
}

// TestAnAbortEndsTheRolloutInError and a rollout superseded by a new
// attempt ends where the new one begins.
func TestAnAbortEndsTheRolloutInErrorAndASupersededOneEnds(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	r := manager(rec)
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop"}}
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	serving := &apiv1.BlueGreenStatus{State: apiv1.StateIdle, ActiveRevision: "r1", Attempt: 1}
	first := serving.DeepCopy()
	first.State, first.Attempt, first.PreviewRevision, first.PreviewStartedAt = apiv1.StateDeploying, 2, "r2", at(t0, 0)
	Stamp(serving, first, t0)

	second := first.DeepCopy()
	second.Attempt, second.PreviewRevision, second.PreviewStartedAt = 3, "r3", at(t0, 10)
	Stamp(first, second, at(t0, 10).Time)
	if second.TraceParent == first.TraceParent {
		t.Fatal("a new attempt over a running one kept its trace")
	}
	r.Record(rapi, first, second, []scope.Event{{Reason: apiv1.EventDeploying, Action: "Deploy"}}, nil, at(t0, 10).Time)

	waiting := second.DeepCopy()
	waiting.Reason, waiting.WaitingSince = apiv1.ReasonWaitingForCapacity, at(t0, 12)
	aborted := waiting.DeepCopy()
	aborted.State, aborted.AbortedRevision, aborted.PreviewRevision, aborted.Reason = apiv1.StateAborted, "r3", "",
		apiv1.ReasonProgressDeadlineExceeded
	Stamp(waiting, aborted, at(t0, 40).Time)
	r.Record(rapi, waiting, aborted, []scope.Event{{Warning: true, Reason: apiv1.ReasonProgressDeadlineExceeded, Action: "Abort"}},
		nil, at(t0, 40).Time)

	got := make([]string, 0, len(rec.Ended()))
	for _, s := range rec.Ended() {
		d := s.Name() + " " + attr(s, "restapi.outcome") + attr(s, "restapi.reason")
		if s.Status().Code == codes.Error {
			d += " (error)"
		}
		got = append(got, strings.TrimSpace(d))
	}
	want := []string{
		"rollout r2 Superseded",
		"deploy",
		"wait " + apiv1.ReasonWaitingForCapacity,
		"abort " + apiv1.ReasonProgressDeadlineExceeded,
		"rollout r3 Aborted: " + apiv1.ReasonProgressDeadlineExceeded + " (error)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("spans\n %q\nwant\n %q", got, want)
	}
}

// TestAHookIsASpanOfItsJobsRun: a hook's Job is a span of the rollout's
// trace from the Job's start to its end, recorded once, by the status
// write that says it finished; a PostPromotion hook after the rollout
// ended is in the same trace.
func TestAHookIsASpanOfItsJobsRun(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	r := manager(rec)
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop"}}
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	expand := apiv1.HookStatus{Name: "expand", Phase: apiv1.HookPrePromotion, Job: "shop-expand-2", Revision: "r2", Attempt: 2,
		Result: apiv1.HookRunning, StartedAt: at(t0, 20)}
	ready := &apiv1.BlueGreenStatus{State: apiv1.StateAwaitingPromotion, Attempt: 2, PreviewRevision: "r2", TraceParent: NewTraceParent(),
		TraceStartedAt: at(t0, 0), Hooks: []apiv1.HookStatus{expand}}
	passed := ready.DeepCopy()
	passed.Hooks[0].Result, passed.Hooks[0].FinishedAt = apiv1.HookSucceeded, at(t0, 50)
	r.Record(rapi, ready, passed, nil, nil, at(t0, 52).Time)
	r.Record(rapi, passed, passed.DeepCopy(), nil, nil, at(t0, 60).Time) // nothing new

	idle := passed.DeepCopy()
	idle.State, idle.ActiveRevision, idle.PreviewRevision = apiv1.StateIdle, "r2", ""
	contract := idle.DeepCopy()
	contract.Hooks = append(contract.Hooks, apiv1.HookStatus{Name: "contract", Phase: apiv1.HookPostPromotion, Job: "shop-contract-2",
		Revision: "r2", Attempt: 2, Result: apiv1.HookFailed, StartedAt: at(t0, 200), FinishedAt: at(t0, 230)})
	r.Record(rapi, idle, contract, nil, nil, at(t0, 231).Time)

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want one per finished hook", len(spans))
	}
	for i, want := range []struct {
		hook, phase, event string
		from, to           int
	}{
		{"expand", "PrePromotion", apiv1.EventHookSucceeded, 20, 50},
		{"contract", "PostPromotion", apiv1.ReasonHookFailed, 200, 230},
	} {
		s := spans[i]
		if s.Name() != SpanHook || attr(s, "restapi.hook") != want.hook || attr(s, "restapi.hook.phase") != want.phase ||
			attr(s, "restapi.event") != want.event || !s.StartTime().Equal(at(t0, want.from).Time) || !s.EndTime().Equal(at(t0, want.to).Time) {
			t.Errorf("span %d: %s %s %s %s, %s → %s; want %+v", i, s.Name(), attr(s, "restapi.hook"), attr(s, "restapi.hook.phase"),
				attr(s, "restapi.event"), s.StartTime(), s.EndTime(), want)
		}
		if s.SpanContext().TraceID().String() != TraceID(ready.TraceParent) {
			t.Errorf("span %d is not in the rollout's trace", i)
		}
	}
}

// TestNothingIsRecordedWithoutATracer: a manager with no OTEL_*
// environment records nothing and fails nothing.
func TestNothingIsRecordedWithoutATracer(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	r, shutdown, err := FromEnv(t.Context())
	if r != nil || err != nil || shutdown(t.Context()) != nil {
		t.Fatalf("no environment: %v %v", r, err)
	}
	r.Record(&apiv1.RestAPI{}, nil, &apiv1.BlueGreenStatus{TraceParent: NewTraceParent()}, nil, nil, time.Now())

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
	if _, _, err := FromEnv(t.Context()); err == nil || !strings.Contains(err.Error(), "http/json") {
		t.Errorf("an unknown protocol: %v", err)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	r, shutdown, err = FromEnv(t.Context())
	if r == nil || err != nil {
		t.Fatalf("grpc: %v %v", r, err)
	}
	_ = shutdown(t.Context())
	if TraceID("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") != "4bf92f3577b34da6a3ce929d0e0e4736" || TraceID("x") != "" {
		t.Error("TraceID")
	}
}
