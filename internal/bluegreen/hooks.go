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

package bluegreen

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// Hooks (spec.blueGreen.hooks): Jobs bound to one attempt. The Job is the
// record: the decision reads each hook's Job of the attempt (Input.HookJobs,
// found by name) and asks for the ones due (Plan.RunHooks); status only
// mirrors them, and says which OnAbort hooks an abort started.
//
//   - PrePromotion, once the preview is ready and before its analysis: the
//     switch waits for every one to succeed; one that fails aborts.
//   - PostPromotion, once the colour switched to serves alone: no Pod of
//     the old colour is left. A failure leaves the revision serving,
//     Degraded.
//   - OnAbort, after an abort or a rollback of the revision the spec asks
//     for, with that revision's colour.
//
// The hooks of a phase run one after the other, in the spec's order.

// HookRun is what the cluster shows of one hook's Job.
type HookRun struct {
	// Revision and Attempt the Job was made for (its labels).
	Revision string
	Attempt  int64
	// Result: Running, Succeeded or Failed (never Pending: the Job exists).
	Result apiv1.HookResult
	// Message says why it failed.
	Message string
	// StartedAt and FinishedAt are the Job's own times: its startTime, and
	// its completionTime or when it was marked failed.
	StartedAt, FinishedAt *metav1.Time
}

// HookJob is a hook's Job to create: hook Hook of revision Revision for
// attempt Attempt, in colour Colour's Pod of the hook's component.
type HookJob struct {
	Hook     apiv1.Hook
	Colour   Colour
	Revision string
	Attempt  int64
}

// hookOutcome is where the hooks of one phase stand.
type hookOutcome int

const (
	hooksDone hookOutcome = iota
	hooksRunning
	hooksFailed
	// hooksBlocked: a Job of that name exists that was made for another
	// attempt or revision; nothing is decided until it is gone.
	hooksBlocked
)

// runHooks drives the hooks of phase for one attempt of revision in colour:
// it asks for the first one without a Job, and reports the first that runs
// or failed (st, its status). Status keeps one entry per hook, of the
// latest phase it ran at.
func (d *decider) runHooks(phase apiv1.HookPhase, colour Colour, revision string, attempt int64) (hookOutcome, *apiv1.HookStatus) {
	for _, h := range d.in.HooksOf(phase) {
		job := render.HookJobName(d.in.Name, h.Name, attempt)
		st := d.hookStatus(h, job, revision, attempt)
		run, ok := d.in.HookJobs[job]
		switch {
		case ok && (run.Revision != revision || run.Attempt != attempt):
			d.plan.ProblemReason = apiv1.ReasonChildConflict
			d.plan.ProblemMessage = fmt.Sprintf("Job %s exists but was made for attempt %d of revision %s, not attempt %d of revision %s; "+
				"hook %s waits until it is deleted", job, run.Attempt, run.Revision, attempt, revision, h.Name)
			st.Result, st.Message = apiv1.HookPending, d.plan.ProblemMessage
			return hooksBlocked, st
		case !ok:
			// Running from now: the reconcile that records this creates
			// the Job (a failed create is reported, and asked again).
			if st.Result == "" || st.Result == apiv1.HookPending {
				st.Result, st.Message = apiv1.HookRunning, ""
				d.hookEvent(h, false, apiv1.EventHookStarted, "Started %s hook %s of revision %s in %s: Job %s", phase, h.Name, revision, colour, job)
			}
			d.plan.RunHooks = append(d.plan.RunHooks, HookJob{Hook: h, Colour: colour, Revision: revision, Attempt: attempt})
			return hooksRunning, st
		case run.Result == apiv1.HookSucceeded:
			st.StartedAt, st.FinishedAt = run.StartedAt, run.FinishedAt
			if st.Result != apiv1.HookSucceeded {
				st.Result, st.Message = apiv1.HookSucceeded, ""
				d.hookEvent(h, false, apiv1.EventHookSucceeded, "%s hook %s of revision %s succeeded: Job %s", phase, h.Name, revision, job)
			}
		case run.Result == apiv1.HookFailed:
			st.StartedAt, st.FinishedAt = run.StartedAt, run.FinishedAt
			if st.Result != apiv1.HookFailed {
				st.Result, st.Message = apiv1.HookFailed, run.Message
				d.hookEvent(h, true, apiv1.ReasonHookFailed, "%s hook %s of revision %s failed: Job %s: %s", phase, h.Name, revision, job, run.Message)
			}
			return hooksFailed, st
		default:
			st.Result, st.Message = apiv1.HookRunning, ""
			st.StartedAt, st.FinishedAt = run.StartedAt, nil
			return hooksRunning, st
		}
	}
	return hooksDone, nil
}

// hookEvent is event for a hook's Job, which the metrics count by hook.
func (d *decider) hookEvent(h apiv1.Hook, warning bool, reason, format string, args ...any) {
	d.event(warning, reason, "Hook", format, args...)
	e := &d.plan.Events[len(d.plan.Events)-1]
	e.Hook, e.HookPhase = h.Name, h.Phase
}

// hookStatus is the status entry of hook h for job, made (with no result
// yet) when status has none for that Job.
func (d *decider) hookStatus(h apiv1.Hook, job, revision string, attempt int64) *apiv1.HookStatus {
	for i := range d.st.Hooks {
		if d.st.Hooks[i].Name == h.Name {
			if d.st.Hooks[i].Job != job || d.st.Hooks[i].Phase != h.Phase {
				d.st.Hooks[i] = apiv1.HookStatus{Name: h.Name, Phase: h.Phase, Job: job, Revision: revision, Attempt: attempt}
			}
			return &d.st.Hooks[i]
		}
	}
	d.st.Hooks = append(d.st.Hooks, apiv1.HookStatus{Name: h.Name, Phase: h.Phase, Job: job, Revision: revision, Attempt: attempt})
	return &d.st.Hooks[len(d.st.Hooks)-1]
}

// prePromotionHooksPassed: every PrePromotion hook of this attempt
// succeeded. Otherwise the rollout waits for them, or is aborted (traffic
// never moved) when one failed.
func (d *decider) prePromotionHooksPassed(active, idle Colour) bool {
	desired := d.in.DesiredRevision
	outcome, st := d.runHooks(apiv1.HookPrePromotion, idle, desired, d.st.Attempt)
	switch outcome {
	case hooksDone:
		if d.st.Reason == apiv1.ReasonHookRunning {
			d.st.Reason = ""
		}
		return true
	case hooksFailed:
		d.abort(idle, apiv1.ReasonHookFailed, fmt.Sprintf("PrePromotion hook %s of revision %s failed (Job %s: %s); %s keeps serving",
			st.Name, desired, st.Job, st.Message, describe(active)))
		return false
	}
	d.st.State = apiv1.StateAwaitingPromotion
	d.st.Reason = apiv1.ReasonHookRunning
	d.st.Message = fmt.Sprintf("revision %s is ready in %s; PrePromotion hook %s runs before its promotion (Job %s); %s serves",
		desired, idle, st.Name, st.Job, describe(active))
	if outcome == hooksBlocked {
		d.st.Message = st.Message
	}
	return false
}

// postPromotionHooks runs the PostPromotion hooks of the attempt switched
// to, once it serves alone: the previous colour (and the single-colour
// Deployments) have no Pod left, terminating ones included. A failure
// moves no traffic: the revision serves, Degraded.
func (d *decider) postPromotionHooks(active, idle Colour) {
	in := d.in
	if d.st.State != apiv1.StateIdle || d.st.PromotedAttempt == 0 || d.st.PromotedAttempt != d.st.Attempt ||
		len(in.HooksOf(apiv1.HookPostPromotion)) == 0 {
		return
	}
	if n := in.States[idle].Pods + in.States[Legacy].Pods; n > 0 {
		d.st.Reason = apiv1.ReasonHookRunning
		d.st.Message = fmt.Sprintf("revision %s serves from %s; its PostPromotion hooks wait for the last %d Pod(s) of the previous revision to go",
			in.DesiredRevision, active, n)
		return
	}
	outcome, st := d.runHooks(apiv1.HookPostPromotion, active, in.DesiredRevision, d.st.Attempt)
	switch outcome {
	case hooksDone:
		if d.st.Reason == apiv1.ReasonHookRunning {
			d.st.Reason = ""
		}
	case hooksFailed:
		d.st.Reason = apiv1.ReasonHookFailed
		d.st.Message = fmt.Sprintf("revision %s serves from %s; its PostPromotion hook %s failed (Job %s: %s); fix it and ship a new revision",
			in.DesiredRevision, active, st.Name, st.Job, st.Message)
		d.plan.ProblemReason, d.plan.ProblemMessage = apiv1.ReasonHookFailed, d.st.Message
	case hooksRunning:
		d.st.Reason = apiv1.ReasonHookRunning
		d.st.Message = fmt.Sprintf("revision %s serves from %s; PostPromotion hook %s runs (Job %s)", in.DesiredRevision, active, st.Name, st.Job)
	case hooksBlocked:
		d.st.Reason = apiv1.ReasonHookRunning
		d.st.Message = st.Message
	}
}

// startOnAbort begins the OnAbort hooks of this attempt for revision, in
// colour, after an abort or a rollback: only when the spec asks for that
// revision (the Job is made from it) and it has a preview attempt.
func (d *decider) startOnAbort(colour Colour, revision string) {
	if revision != d.in.DesiredRevision || d.st.Attempt == 0 || len(d.in.HooksOf(apiv1.HookOnAbort)) == 0 {
		return
	}
	d.onAbortHooks(colour, revision)
}

// onAbortHooks drives the OnAbort hooks an abort started (status records
// them for this attempt) while the spec still asks for the revision that
// lost; a failure is reported on top of the abort's own reason.
func (d *decider) onAbortHooks(colour Colour, revision string) {
	outcome, st := d.runHooks(apiv1.HookOnAbort, colour, revision, d.st.Attempt)
	switch outcome {
	case hooksFailed:
		msg := fmt.Sprintf("; its OnAbort hook %s failed (Job %s: %s)", st.Name, st.Job, st.Message)
		if !strings.HasSuffix(d.st.Message, msg) {
			d.st.Message += msg
		}
	case hooksBlocked:
		d.plan.ProblemMessage = st.Message
	}
}

// onAbortStarted: status records OnAbort hooks of this attempt.
func (d *decider) onAbortStarted() bool {
	for _, h := range d.st.Hooks {
		if h.Phase == apiv1.HookOnAbort && h.Attempt == d.st.Attempt && h.Revision == d.in.DesiredRevision {
			return true
		}
	}
	return false
}
