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

// Package bluegreen decides which colour serves, which one is being
// prepared, when to switch, abort, roll back and scale down. Decide is pure:
// it reads only what the cluster holds (the colours' Deployments, the
// RestAPI's status and annotations) and the clock, so a restarted manager
// takes the same decision from the same state.
package bluegreen

import (
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Decide takes the blue-green decision for one reconcile.
func Decide(in Input) Plan {
	if !in.Enabled {
		return decideDisabled(in)
	}
	d := decider{in: in, st: in.Status, plan: Plan{Actions: map[Colour]Action{}}}
	d.decide()
	d.endWait()
	if d.st.State != apiv1.StateQueued {
		d.st.QueuedAt, d.st.QueuePosition = nil, nil
	}
	d.consumeStale()
	d.plan.Status = &d.st
	d.plan.Serving = d.plan.Active
	if d.plan.Deployed {
		d.plan.DeployedRevision = d.st.ActiveRevision
	}
	return d.plan
}

type decider struct {
	in   Input
	st   apiv1.BlueGreenStatus
	plan Plan
	// waited: this decision found the preview waiting (see wait).
	waited bool
}

func (d *decider) consume(annotation string) {
	if !slices.Contains(d.plan.Consumed, annotation) {
		d.plan.Consumed = append(d.plan.Consumed, annotation)
	}
}

// consumeStale drops requests that can no longer apply: a promotion or an
// abort of a revision that is not the one being prepared, a rollback of a
// revision that does not serve. A request for the revision being prepared
// stays until it can act (an early approval waits for readiness).
func (d *decider) consumeStale() {
	in := d.in
	preparing := d.st.PreviewRevision
	if d.st.State == apiv1.StateQueued {
		preparing = in.DesiredRevision // an early approval waits through the queue
	}
	if in.PromoteRequest != "" && in.PromoteRequest != preparing {
		d.consume(apiv1.AnnotationPromote)
	}
	if in.AbortRequest != "" && in.AbortRequest != preparing {
		d.consume(apiv1.AnnotationAbort)
	}
	if in.RollbackRequest != "" && in.RollbackRequest != d.st.ActiveRevision {
		d.consume(apiv1.AnnotationRollback)
	}
}

func (d *decider) now() *metav1.Time { t := metav1.NewTime(d.in.Now); return &t }

func (d *decider) requeue(at time.Time) {
	after := at.Sub(d.in.Now)
	if after <= 0 {
		after = time.Second
	}
	if d.plan.RequeueAfter == 0 || after < d.plan.RequeueAfter {
		d.plan.RequeueAfter = after
	}
}

func (d *decider) event(warning bool, reason, action, format string, args ...any) {
	d.plan.Events = append(d.plan.Events, Event{Warning: warning, Reason: reason, Action: action, Message: fmt.Sprintf(format, args...)})
}

// transition is event for a change the metrics count.
func (d *decider) transition(t Transition, warning bool, reason, action, format string, args ...any) {
	d.event(warning, reason, action, format, args...)
	d.plan.Events[len(d.plan.Events)-1].Transition = t
}

func (d *decider) decide() {
	in := d.in
	desired := in.DesiredRevision
	legacy := in.States[Legacy]

	// Nothing serves yet: the first revision goes to blue, and the stable
	// Services select blue from the start (nothing has served to protect).
	if !in.HasActive && !legacy.Exists {
		d.plan.Active, d.plan.Preview = apiv1.EnvironmentBlue, apiv1.EnvironmentGreen
		d.plan.Actions[apiv1.EnvironmentBlue] = Render
		if in.States[apiv1.EnvironmentGreen].Replicas > 0 {
			d.plan.Actions[apiv1.EnvironmentGreen] = ScaleDown
		}
		d.st.ActiveRevision = desired
		d.st.State = apiv1.StateDeploying
		d.st.Message = fmt.Sprintf("deploying revision %s to blue", desired)
		return
	}

	active := in.Active
	if !in.HasActive {
		active = Legacy // blue-green was just turned on: the legacy objects serve
	}
	idle := Other(active)
	d.plan.Active, d.plan.Preview = active, idle
	if active != Legacy && legacy.Exists {
		d.plan.Actions[Legacy] = Delete // blue-green was turned on and a colour serves now
	}
	activeRev := in.States[active].Revision
	if activeRev == "" {
		// The serving colour is incomplete (a Deployment deleted by hand, or
		// not in the cache yet): what it serves is what was promoted. Steady
		// state then restores it in place instead of deploying elsewhere.
		activeRev = d.st.ActiveRevision
	}
	if active == Legacy {
		activeRev = "" // the legacy objects must move to a colour, whatever they run
	}

	if in.RollbackRequest != "" && in.RollbackRequest == activeRev && active != Legacy {
		d.consume(apiv1.AnnotationRollback)
		if d.rollback(active, idle, apiv1.ReasonRolledBack, "on request") {
			return
		}
		d.event(true, apiv1.EventRollbackRefused, "Rollback", "Cannot roll back from revision %s: the previous revision is no longer warm in %s; apply its spec to deploy it again",
			activeRev, idle)
	}

	// Healing: a colour that turns unhealthy while the previous one is still
	// warm goes back to it at once, a selector flip.
	// A serving colour losing ready pods is enough: the warm one is known
	// good, and flipping back before the last pod goes keeps traffic served.
	if in.HealingEnabled && desired == activeRev && active != Legacy && in.States[active].Degraded && d.st.State == apiv1.StateScalingDown {
		if d.rollback(active, idle, apiv1.ReasonUnhealthyAfterPromotion, "because it turned unhealthy: "+in.States[active].DegradedMessage) {
			return
		}
	}

	if desired == activeRev && d.postPromotionFailed(active, idle) {
		return
	}
	if desired == activeRev {
		d.steady(active, idle)
		return
	}
	// From here the spec asks for a revision that does not serve. The serving
	// colour is never rendered from the spec: it keeps running its revision.
	d.plan.Actions[active] = Keep
	if desired != d.st.AbortedRevision {
		d.st.AbortedRevision = ""
	}
	if desired == d.st.AbortedRevision {
		d.aborted(idle)
		return
	}
	d.prepare(active, idle)
}

// steady: the serving colour runs the desired revision.
func (d *decider) steady(active, idle Colour) {
	in := d.in
	d.plan.Actions[active] = Render // repairs drift; changes nothing when nothing drifted
	d.st.AbortedRevision, d.st.Reason = "", ""
	firstDeploy := d.st.State == apiv1.StateDeploying && d.st.PreviewRevision == ""
	d.clearPreview()
	d.st.ActiveRevision = in.DesiredRevision
	if firstDeploy {
		if !in.States[active].Ready {
			d.st.Message = fmt.Sprintf("deploying revision %s to %s", in.DesiredRevision, active)
			return
		}
		d.plan.Deployed = true
		d.event(false, apiv1.EventDeployed, "Deploy", "Revision %s serves from %s", in.DesiredRevision, active)
	}
	other := in.States[idle]
	warmUntil := time.Time{}
	if d.st.PromotedAt != nil {
		warmUntil = d.st.PromotedAt.Add(in.ScaleDownDelay)
	}
	warm := other.Replicas > 0 && other.Revision != "" && other.Revision == d.st.PreviousRevision
	// The post-promotion analysis keeps the old colour warm past its delay.
	hold := warm && d.postPromotionHolds(active, idle)
	switch {
	case warm && (in.Now.Before(warmUntil) || hold):
		d.st.State = apiv1.StateScalingDown
		if !hold {
			d.st.Message = warmMessage(in.DesiredRevision, active, idle, other.Revision, warmUntil)
		}
		if in.Now.Before(warmUntil) {
			d.requeue(warmUntil)
		}
	case other.Replicas > 0:
		d.plan.Actions[idle] = ScaleDown
		if d.st.State == apiv1.StateScalingDown {
			d.event(false, apiv1.EventScaledDown, "ScaleDown", "Scaled %s (revision %s) down to zero", idle, other.Revision)
		}
		d.st.State = apiv1.StateIdle
		d.st.Message = fmt.Sprintf("revision %s serves from %s", in.DesiredRevision, active)
	default:
		d.st.State = apiv1.StateIdle
		d.st.Message = fmt.Sprintf("revision %s serves from %s", in.DesiredRevision, active)
	}
	if d.st.State != apiv1.StateScalingDown {
		// The previous revision is (being) scaled down: going back to it is
		// a new deploy, not a selector flip.
		d.st.PreviousRevision = ""
	}
	d.postPromotionFailedWithNothingWarm(active)
	d.postPromotionHooks(active, idle)
}

// aborted: the spec still asks for a revision that was aborted or rolled
// back from; it is not tried again until the spec changes.
func (d *decider) aborted(idle Colour) {
	in := d.in
	other := in.States[idle]
	switch {
	case other.Replicas > 0 && other.Revision == in.DesiredRevision:
		// A colour that served until a rollback goes only once the
		// EndpointSlices had time to follow the switch; a preview that never
		// served goes at once.
		until := time.Time{}
		if d.st.State == apiv1.StateRolledBack && d.st.AbortedAt != nil {
			until = d.st.AbortedAt.Add(RollbackGrace)
		}
		if in.Now.Before(until) {
			d.requeue(until)
		} else {
			d.plan.Actions[idle] = ScaleDown
		}
	default:
		// Aborted while queued: the previous revision may still be warm.
		d.coolDown(idle)
	}
	if d.st.State != apiv1.StateRolledBack {
		d.st.State = apiv1.StateAborted
	}
	d.clearPreview()
	if d.st.Reason == "" {
		d.st.Reason = string(d.st.State)
	}
	d.plan.ProblemReason = d.st.Reason
	if d.st.Message == "" {
		d.st.Message = fmt.Sprintf("revision %s was aborted; change the spec to try again", in.DesiredRevision)
	}
	if d.onAbortStarted() {
		d.onAbortHooks(idle, in.DesiredRevision)
	}
	d.plan.ProblemMessage = d.st.Message
}

func warmMessage(rev string, active, warm Colour, warmRev string, until time.Time) string {
	return fmt.Sprintf("revision %s serves from %s; %s stays warm with %s until %s",
		rev, active, warm, warmRev, until.UTC().Format(time.RFC3339))
}

func describe(c Colour) string {
	if c == Legacy {
		return "the single-colour deployment"
	}
	return string(c)
}

// promote switches the stable Services to the prepared colour.
func (d *decider) promote(active, idle Colour) {
	in := d.in
	d.plan.Active, d.plan.Preview = idle, active
	d.plan.Deployed = true
	d.st.PreviousRevision = in.States[active].Revision
	if active == Legacy {
		d.st.PreviousRevision = ""
	}
	d.st.ActiveRevision = in.DesiredRevision
	d.st.PromotedAt = d.now()
	d.st.PromotedAttempt = d.st.Attempt
	d.clearPreview()
	if active == Legacy {
		// The stable Services selected every colour until now, so the
		// single-colour pods can go in the same reconcile.
		d.plan.Actions[Legacy] = Delete
		d.st.State = apiv1.StateIdle
		d.st.Message = fmt.Sprintf("revision %s serves from %s", in.DesiredRevision, idle)
	} else {
		d.st.State = apiv1.StateScalingDown
		d.st.Message = warmMessage(in.DesiredRevision, idle, active, d.st.PreviousRevision, in.Now.Add(in.ScaleDownDelay))
		d.requeue(in.Now.Add(in.ScaleDownDelay))
		if in.PostAnalysis {
			d.postPromotionSettling(idle, active)
		}
	}
	d.transition(Promotion, false, apiv1.EventPromoted, "Promote", "Switched traffic from %s to %s: revision %s serves", describe(active), idle, in.DesiredRevision)
}

// abort stops preparing the idle colour; traffic never moved.
func (d *decider) abort(idle Colour, reason, msg string) {
	d.plan.Actions[idle] = ScaleDown
	d.st.AbortedRevision = d.in.DesiredRevision
	d.st.AbortedAt = d.now()
	d.clearPreview()
	d.st.State = apiv1.StateAborted
	d.st.Reason = reason
	d.st.Message = msg
	d.plan.ProblemReason, d.plan.ProblemMessage = reason, msg
	d.transition(Abortion, true, reason, "Abort", "%s", msg)
	d.startOnAbort(idle, d.in.DesiredRevision)
}

// rollback flips traffic back to the warm previous colour; false when the
// previous revision is not warm and ready.
func (d *decider) rollback(active, idle Colour, reason, why string) bool {
	in := d.in
	other := in.States[idle]
	if other.Revision == "" || other.Revision != d.st.PreviousRevision || !other.Ready || other.Replicas == 0 {
		return false
	}
	bad := in.States[active].Revision
	d.plan.Active, d.plan.Preview = idle, active
	// The colour rolled back from keeps its pods a little longer: endpoints
	// follow a selector change with a delay (see aborted).
	d.plan.Actions[active] = Keep
	d.plan.Actions[idle] = Keep
	d.requeue(in.Now.Add(RollbackGrace))
	d.plan.Deployed = true
	d.st.ActiveRevision = other.Revision
	d.st.AbortedRevision = bad
	d.st.AbortedAt = d.now()
	d.st.PreviousRevision = ""
	d.st.PromotedAttempt = 0
	d.clearPreview()
	d.st.State = apiv1.StateRolledBack
	d.st.Reason = reason
	d.st.Message = fmt.Sprintf("rolled back from revision %s to %s (%s) %s; change the spec to deploy again", bad, other.Revision, idle, why)
	d.plan.ProblemReason, d.plan.ProblemMessage = reason, d.st.Message
	d.transition(Rollback, true, reason, "Rollback", "%s", d.st.Message)
	if reason == apiv1.ReasonUnhealthyAfterPromotion {
		d.plan.Healing = append(d.plan.Healing, HealingRollback)
	}
	d.startOnAbort(active, bad)
	return true
}
