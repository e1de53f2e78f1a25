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
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// A rollout is one trace. Its context is status.blueGreen.traceParent,
// set in the status write that begins the rollout (Stamp), so every
// reconcile after, by this manager or the next, records into it. Its
// steps are spans recorded once the status that says they happened is
// written (Record), each from times status keeps, never from a
// manager's memory:
//
//	queued     queuedAt → the preview begins          (Queued)
//	deploy     the preview begins                     (Deploying)
//	preview    previewStartedAt → previewReadyAt      (first seen fully available)
//	wait       waitingSince → the wait ends           (Waiting*, WaitEnded)
//	analysis   a span per measurement and verdict     (AnalysisStarted/Passed/...)
//	awaiting promotion  previewReadyAt → the switch
//	switch     the switch of the stable Services      (Promoted)
//	warm       promotedAt → the old colour scaled down (ScaledDown)
//	abort, rollback                                   (their reasons)
//
// and the root span, rollout <revision>, from traceStartedAt to the end
// (scale-down, abort or rollback; or a new rollout that superseded it),
// with the span ID every step names as its parent. Spans carry the
// revision, the attempt, the reason and the Event they stand for
// (restapi.event).

// Span names.
const (
	SpanRollout  = "rollout"
	SpanQueued   = "queued"
	SpanDeploy   = "deploy"
	SpanPreview  = "preview"
	SpanWait     = "wait"
	SpanAnalysis = "analysis"
	SpanMeasure  = "measure"
	SpanAwaiting = "awaiting promotion"
	SpanSwitch   = "switch"
	SpanWarm     = "warm"
	SpanAbort    = "abort"
	SpanRollback = "rollback"
	SpanHook     = "hook"
)

// Rollouts records rollouts as traces; nil records nothing.
type Rollouts struct {
	tracer trace.Tracer
}

// NewRollouts records with p's tracer. p must generate IDs with ids (as
// FromEnv's provider does), or the root spans get IDs of their own.
func NewRollouts(p trace.TracerProvider) *Rollouts {
	return &Rollouts{tracer: p.Tracer("github.com/restapi-operator/restapi-operator/internal/tracing")}
}

// NewTraceParent is a new sampled W3C trace context.
func NewTraceParent() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "00-" + hex.EncodeToString(b[:16]) + "-" + hex.EncodeToString(b[16:]) + "-01"
}

// TraceID is the trace ID of a traceparent ("" if it is not one).
func TraceID(traceParent string) string {
	sc := parse(traceParent)
	if !sc.IsValid() {
		return ""
	}
	return sc.TraceID().String()
}

func parse(traceParent string) trace.SpanContext {
	if traceParent == "" {
		return trace.SpanContext{}
	}
	ctx := propagation.TraceContext{}.Extract(context.Background(),
		propagation.MapCarrier{"traceparent": traceParent})
	return trace.SpanContextFromContext(ctx)
}

// inProgress says a rollout runs: queued, preparing or awaiting its
// promotion, or promoted with the old colour still warm.
func inProgress(st *apiv1.BlueGreenStatus) bool {
	if st == nil {
		return false
	}
	switch st.State {
	case apiv1.StateQueued, apiv1.StateDeploying, apiv1.StateAwaitingPromotion, apiv1.StateScalingDown:
		return true
	}
	return false
}

// Stamp gives after, the status about to be written, a new rollout's
// trace context when this write begins a rollout: the revision joins the
// queue, or a preview attempt begins that did not wait in the queue. It
// is called whether or not traces are exported, so that a manager that
// exports later, or the next one, records into the same trace.
func Stamp(before, after *apiv1.BlueGreenStatus, now time.Time) {
	if after == nil {
		return
	}
	var wasQueued bool
	var attempt int64
	if before != nil {
		wasQueued, attempt = before.State == apiv1.StateQueued, before.Attempt
	}
	// A first deployment, straight to serving, is no rollout: it runs
	// nothing to trace.
	begins := (after.State == apiv1.StateQueued && !wasQueued) || (after.Attempt > attempt && !wasQueued)
	if inProgress(after) && (begins || after.TraceParent == "") {
		t := metav1.NewTime(now)
		after.TraceParent, after.TraceStartedAt = NewTraceParent(), &t
	}
}

// Record records the steps of the rollout that this reconcile's written
// status and Events say happened (before: the status it started from),
// ending at now: the moment that status was written, when its Events go
// out too.
func (r *Rollouts) Record(rapi *apiv1.RestAPI, before, after *apiv1.BlueGreenStatus, events []scope.Event, measured []scope.Measurement, now time.Time) {
	if r == nil || after == nil {
		return
	}
	if before != nil && before.TraceParent != "" && before.TraceParent != after.TraceParent && inProgress(before) {
		// A new rollout began over one still running: that one ends here.
		r.end(rapi, before, now, "Superseded", codes.Unset)
	}
	rec := r.on(rapi, after)
	if rec == nil {
		return
	}
	if before == nil {
		before = &apiv1.BlueGreenStatus{}
	}
	if after.PreviewReadyAt != nil && before.PreviewReadyAt == nil && after.PreviewStartedAt != nil {
		rec.span(SpanPreview, after.PreviewStartedAt.Time, after.PreviewReadyAt.Time, "", "")
	}
	rec.events(before, events, now)
	rec.hooks(before, after)
	for _, m := range measured {
		rec.span(SpanMeasure, now, now, m.Result, "", attribute.String("restapi.check", m.Check))
	}
	if inProgress(before) && !inProgress(after) && before.TraceParent == after.TraceParent {
		status := codes.Unset
		if after.State == apiv1.StateAborted || after.State == apiv1.StateRolledBack {
			status = codes.Error
		}
		r.end(rapi, after, now, string(after.State)+reasonSuffix(after.Reason), status)
	}
}

// events records the spans of the rollout Events this reconcile
// announced.
func (rec *recorder) events(before *apiv1.BlueGreenStatus, events []scope.Event, now time.Time) {
	for _, e := range events {
		switch e.Action {
		case "Deploy":
			switch e.Reason {
			case apiv1.EventDeploying:
				if before.QueuedAt != nil && before.State == apiv1.StateQueued {
					rec.span(SpanQueued, before.QueuedAt.Time, now, "", "")
				}
				rec.span(SpanDeploy, now, now, "", e.Reason)
			case apiv1.ReasonWaitEnded:
				if before.WaitingSince != nil {
					rec.span(SpanWait, before.WaitingSince.Time, now, before.Reason, e.Reason)
				}
			}
		case "Analyse":
			rec.span(SpanAnalysis, now, now, e.Reason, e.Reason)
		case "Promote":
			if before.PreviewReadyAt != nil {
				rec.span(SpanAwaiting, before.PreviewReadyAt.Time, now, "", "")
			}
			rec.span(SpanSwitch, now, now, "", e.Reason)
		case "Abort":
			if before.WaitingSince != nil {
				rec.span(SpanWait, before.WaitingSince.Time, now, before.Reason, "")
			}
			rec.span(SpanAbort, now, now, e.Reason, e.Reason)
		case "Rollback":
			rec.span(SpanRollback, now, now, e.Reason, e.Reason)
		case "ScaleDown":
			start := now
			if before.PromotedAt != nil {
				start = before.PromotedAt.Time
			}
			rec.span(SpanWarm, start, now, "", e.Reason)
		}
	}
}

// hooks records a span for each hook's Job that this status write says
// finished, from the Job's start to its end (the times status copied from
// the Job). A PostPromotion hook runs after the rollout's root span ended
// (at the scale-down): its span is in the same trace, later.
func (rec *recorder) hooks(before, after *apiv1.BlueGreenStatus) {
	for _, h := range after.Hooks {
		if h.FinishedAt == nil || (h.Result != apiv1.HookSucceeded && h.Result != apiv1.HookFailed) {
			continue
		}
		if slices.ContainsFunc(before.Hooks, func(b apiv1.HookStatus) bool { return b.Job == h.Job && b.Result == h.Result }) {
			continue // recorded when it finished
		}
		start := h.FinishedAt.Time
		if h.StartedAt != nil {
			start = h.StartedAt.Time
		}
		event, reason := apiv1.EventHookSucceeded, ""
		if h.Result == apiv1.HookFailed {
			event, reason = apiv1.ReasonHookFailed, apiv1.ReasonHookFailed
		}
		rec.span(SpanHook, start, h.FinishedAt.Time, reason, event, attribute.String("restapi.hook", h.Name),
			attribute.String("restapi.hook.phase", string(h.Phase)), attribute.String("k8s.job.name", h.Job),
			attribute.Int64("restapi.attempt", h.Attempt), attribute.String("restapi.revision", h.Revision))
	}
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

// recorder records the steps of one rollout.
type recorder struct {
	r      *Rollouts
	parent context.Context
	base   []attribute.KeyValue
}

// on is the recorder of st's rollout; nil when st names none.
func (r *Rollouts) on(rapi *apiv1.RestAPI, st *apiv1.BlueGreenStatus) *recorder {
	sc := parse(st.TraceParent)
	if !sc.IsValid() {
		return nil
	}
	return &recorder{r: r, parent: trace.ContextWithRemoteSpanContext(context.Background(), sc), base: []attribute.KeyValue{
		attribute.String("k8s.namespace.name", rapi.Namespace),
		attribute.String("restapi.name", rapi.Name),
		attribute.String("restapi.revision", rolloutRevision(st)),
		attribute.Int64("restapi.attempt", st.Attempt),
	}}
}

// rolloutRevision is the revision a rollout ships.
func rolloutRevision(st *apiv1.BlueGreenStatus) string {
	if st.PreviewRevision != "" {
		return st.PreviewRevision
	}
	if st.AbortedRevision != "" && (st.State == apiv1.StateAborted || st.State == apiv1.StateRolledBack) {
		return st.AbortedRevision
	}
	return st.ActiveRevision
}

func (rec *recorder) span(name string, start, end time.Time, reason, event string, extra ...attribute.KeyValue) {
	attrs := append(append([]attribute.KeyValue{}, rec.base...), extra...)
	if reason != "" {
		attrs = append(attrs, attribute.String("restapi.reason", reason))
	}
	if event != "" {
		attrs = append(attrs, attribute.String("restapi.event", event))
	}
	_, s := rec.r.tracer.Start(rec.parent, name, trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	s.End(trace.WithTimestamp(end))
}

// end records a rollout's root span, with the IDs of its traceParent.
func (r *Rollouts) end(rapi *apiv1.RestAPI, st *apiv1.BlueGreenStatus, now time.Time, outcome string, status codes.Code) {
	rec := r.on(rapi, st)
	if rec == nil {
		return
	}
	sc := trace.SpanContextFromContext(rec.parent)
	start := now
	if st.TraceStartedAt != nil {
		start = st.TraceStartedAt.Time
	}
	ctx := context.WithValue(context.Background(), fixedIDs{}, sc)
	_, s := r.tracer.Start(ctx, fmt.Sprintf("%s %s", SpanRollout, rolloutRevision(st)), trace.WithTimestamp(start),
		trace.WithNewRoot(), trace.WithAttributes(append(rec.base, attribute.String("restapi.outcome", outcome))...))
	if status == codes.Error {
		s.SetStatus(codes.Error, outcome)
	}
	s.End(trace.WithTimestamp(now))
}

// fixedIDs, in a context, are the IDs the next root span takes.
type fixedIDs struct{}

// ids is the SDK's ID generator, except for a span whose context fixes
// its IDs: a rollout's root span, recorded when the rollout ends with the
// IDs its steps named as their parent since it began.
type ids struct{}

func (ids) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if sc, ok := ctx.Value(fixedIDs{}).(trace.SpanContext); ok {
		return sc.TraceID(), sc.SpanID()
	}
	var t trace.TraceID
	var s trace.SpanID
	_, _ = rand.Read(t[:])
	_, _ = rand.Read(s[:])
	return t, s
}

func (ids) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var s trace.SpanID
	_, _ = rand.Read(s[:])
	return s
}
