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
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Preparing a preview: deploying the desired revision into the idle colour,
// waiting for it, and promoting or aborting it.

// prepare deploys the desired revision into the idle colour, then promotes
// it, or aborts it.
func (d *decider) prepare(active, idle Colour) {
	in := d.in
	desired := in.DesiredRevision
	other := in.States[idle]
	starting := d.st.PreviewRevision != desired
	if d.st.PreviewRevision == "" && d.st.State == apiv1.StateQueued && in.AbortRequest != "" && in.AbortRequest == desired {
		// Aborted while it waited in the queue: nothing was deployed, and
		// nothing will be.
		d.consume(apiv1.AnnotationAbort)
		d.abortQueued(active, idle)
		return
	}
	if d.st.PreviewRevision == "" && in.Turn != nil && !in.Turn.Admitted && (!d.warm(idle) || !other.Ready) {
		// A new preview needs room the queue does not give yet (one being
		// prepared keeps its slot through a spec change); going back to the
		// warm colour needs none.
		d.queued(active, idle)
		return
	}
	d.plan.Actions[idle] = Render
	d.st.Reason, d.st.WaitingSince = "", nil
	if starting {
		queued := ""
		if at, ok := Queued(&d.in.Status); ok {
			queued = fmt.Sprintf(" after %s in the queue", in.Now.Sub(at).Round(time.Second))
		}
		warm := d.warm(idle)
		d.clearPreview()
		d.st.Attempt++
		d.st.Hooks = nil // a new attempt never reuses a hook's result
		d.st.PreviewRevision, d.st.PreviewStartedAt = desired, d.now()
		d.event(false, apiv1.EventDeploying, "Deploy", "Deploying revision %s to %s (preview)%s", desired, idle, queued)
		if !warm && active != Legacy {
			// The preview is deployed over the idle colour: whatever
			// revision stayed warm there is gone, and going back to it is
			// a new rollout from now on. Status says so before anything is
			// deployed (the idle colour is kept as it is until the next
			// decision): a manager that stops in between finds the new
			// attempt recorded, never a colour re-rendered with the
			// previous revision that status still calls warm.
			d.st.PreviousRevision = ""
			d.plan.Actions[idle] = Keep
			d.plan.Again = true
			d.st.State = apiv1.StateDeploying
			d.st.Message = fmt.Sprintf("deploying revision %s to %s; %s serves", desired, idle, describe(active))
			return
		}
	}
	ready := other.Revision == desired && other.Ready && !other.Failed
	// A smaller preview being scaled to full size before its switch stays
	// full size: the decision to scale was taken once its promotion fell due.
	// Moving from the single-colour Deployments is never reduced: they may
	// not be serving, and the move promotes as soon as the colour is ready.
	reduced := in.ReducedPreview && active != Legacy
	scaling := reduced && other.Revision == desired && other.Enlarged
	d.plan.ReducePreview = reduced && !scaling

	if in.AbortRequest != "" && in.AbortRequest == desired {
		d.consume(apiv1.AnnotationAbort)
		d.abort(idle, apiv1.ReasonAbortRequested, fmt.Sprintf("revision %s was aborted on request; %s keeps serving", desired, active))
		return
	}
	failed := other.Revision == desired && other.Failed
	if failed && in.HealingEnabled {
		d.abort(idle, apiv1.ReasonPreviewUnhealthy, fmt.Sprintf("revision %s is unhealthy in %s: %s; %s keeps serving", desired, idle, other.FailedMessage, active))
		d.plan.Healing = append(d.plan.Healing, HealingAbort)
		return
	}
	if !ready {
		d.notReady(active, idle, other, failed, scaling)
		return
	}
	d.whenReady(active, idle, other)
}

// notReady: the preview is not available yet; it is aborted at its
// deadline, and until then waited on.
func (d *decider) notReady(active, idle Colour, other ColourState, failed, scaling bool) {
	in := d.in
	desired := in.DesiredRevision
	deadline := d.deadline()
	waiting := other.Revision == desired && !failed && other.Waiting != ""
	if !in.Now.Before(deadline) {
		why := ""
		if waiting {
			why = fmt.Sprintf(" (it waited for %s: %s)", waitsFor(other.Waiting), other.WaitingMessage)
		}
		d.abort(idle, apiv1.ReasonProgressDeadlineExceeded, fmt.Sprintf("revision %s did not become available in %s within %s%s; %s keeps serving",
			desired, idle, in.ProgressDeadline, why, active))
		return
	}
	d.st.State = apiv1.StateDeploying
	d.st.Message = fmt.Sprintf("deploying revision %s to %s; %s serves", desired, idle, describe(active))
	if scaling && d.st.PreviewReadyAt != nil {
		d.st.Message = fmt.Sprintf("revision %s passed its checks at its preview size in %s; scaling it to full size before the switch; %s serves",
			desired, idle, describe(active))
	} else {
		d.st.PreviewReadyAt = nil
	}
	if waiting {
		d.wait(other, deadline)
	}
	if failed {
		// Healing is off: report, and let the progress deadline decide.
		d.st.Message = fmt.Sprintf("revision %s is unhealthy in %s: %s; healing is disabled, so it is aborted only at the progress deadline, %s; %s serves",
			desired, idle, other.FailedMessage, deadline.UTC().Format(time.RFC3339), describe(active))
		d.plan.ProblemReason, d.plan.ProblemMessage = apiv1.ReasonPreviewUnhealthy, d.st.Message
	}
	d.requeue(deadline)
}

// whenReady: the preview is fully available; it is promoted when its
// promotion is due (at once for a flip or a move from the single-colour
// Deployments, after autoPromotionSeconds, or on approval).
func (d *decider) whenReady(active, idle Colour, other ColourState) {
	in := d.in
	desired := in.DesiredRevision
	if d.st.PreviewReadyAt == nil {
		d.st.PreviewReadyAt = d.now()
	}
	rollbackToWarm := d.warm(idle)
	migrating := active == Legacy
	// The PrePromotion hooks (hooks.go) come before the analysis. Going
	// back to the warm colour and moving from the single-colour
	// Deployments run none, as they are not analysed: the revision going
	// back served a moment ago on this schema, and the move (blue-green
	// just switched on) takes traffic as soon as it is ready.
	if !rollbackToWarm && !migrating && !d.prePromotionHooksPassed(active, idle) {
		return
	}
	// Going back to the warm colour and moving from the single-colour
	// Deployments are not analysed: the first served before, the second
	// takes traffic as soon as it is ready (docs/analysis.md).
	if in.PreAnalysis && !rollbackToWarm && !migrating {
		if !d.prePromotionPassed(active, idle) {
			return
		}
		if d.st.Analysis.Verdict == apiv1.VerdictInconclusive {
			// Approved by a person (prePromotionPassed): promoted now.
			if d.promoteFull(active, idle, other) {
				d.consume(apiv1.AnnotationPromote)
			}
			return
		}
	}
	switch {
	case rollbackToWarm || migrating:
		d.promoteFull(active, idle, other)
	case !in.AutoPromotion:
		if in.PromoteRequest == desired {
			if d.promoteFull(active, idle, other) {
				d.consume(apiv1.AnnotationPromote)
			}
			return
		}
		d.st.State = apiv1.StateAwaitingPromotion
		d.st.Message = fmt.Sprintf("revision %s is ready in %s; approve it with: kubectl annotate rapi NAME %s=%s --overwrite",
			desired, idle, apiv1.AnnotationPromote, desired)
	default:
		at := d.st.PreviewReadyAt.Add(in.AutoPromoteAfter)
		if !in.Now.Before(at) {
			d.promoteFull(active, idle, other)
			return
		}
		d.st.State = apiv1.StateAwaitingPromotion
		d.st.Message = fmt.Sprintf("revision %s is ready in %s; promoting at %s", desired, idle, at.UTC().Format(time.RFC3339))
		d.requeue(at)
	}
}

// warm: going to the desired revision is going back to the warm colour,
// a selector flip with no analysis and no approval. Only when the idle
// colour is the previous revision's, kept warm since it last served: its
// Deployments' pod templates still run that revision (read from the
// cluster, not from memory) and it has pods. A colour a preview was
// deployed over since is not warm, even if it runs the revision again.
func (d *decider) warm(idle Colour) bool {
	other := d.in.States[idle]
	desired := d.in.DesiredRevision
	return desired != "" && desired == d.st.PreviousRevision && other.Revision == desired && other.Replicas > 0
}

// clearPreview forgets the preview: nothing is being prepared.
func (d *decider) clearPreview() {
	d.st.PreviewRevision, d.st.PreviewStartedAt, d.st.PreviewReadyAt, d.st.PreviewScalingAt = "", nil, nil, nil
}

// deadline is when the preview must be available: progressDeadlineSeconds
// after it started, or after it started scaling to full size.
func (d *decider) deadline() time.Time {
	start := d.st.PreviewStartedAt
	if d.st.PreviewScalingAt != nil {
		start = d.st.PreviewScalingAt
	}
	if start == nil {
		// Status edited by hand (a preview with no start): the deadline
		// counts from now, and the next status write records it.
		d.st.PreviewStartedAt = d.now()
		start = d.st.PreviewStartedAt
	}
	return start.Add(d.in.ProgressDeadline)
}

// promoteFull promotes a preview whose promotion is due once it runs at
// full size: a smaller preview (spec.blueGreen.previewReplicas) is first
// scaled up, and switched in a later reconcile when the full size is
// available. It reports whether it promoted.
func (d *decider) promoteFull(active, idle Colour, other ColourState) bool {
	if d.in.ReducedPreview && active != Legacy && !other.Full {
		d.plan.ReducePreview = false
		if d.st.PreviewScalingAt == nil {
			d.st.PreviewScalingAt = d.now()
		}
		d.st.State = apiv1.StateDeploying
		d.st.Message = fmt.Sprintf("revision %s passed its checks at its preview size in %s; scaling it to full size before the switch; %s serves",
			d.in.DesiredRevision, idle, describe(active))
		d.requeue(d.deadline())
		return false
	}
	d.promote(active, idle)
	return true
}
