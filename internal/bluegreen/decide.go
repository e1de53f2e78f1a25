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

// Colour is blue, green, or Legacy: the single set of Deployments used
// without blue-green.
type Colour = apiv1.Environment

// Legacy is the "colour" of the objects used when blue-green is off.
const Legacy Colour = ""

// Colours are the two blue-green colours.
var Colours = []Colour{apiv1.EnvironmentBlue, apiv1.EnvironmentGreen}

// Other returns the colour that is not c (blue for Legacy).
func Other(c Colour) Colour {
	if c == apiv1.EnvironmentBlue {
		return apiv1.EnvironmentGreen
	}
	return apiv1.EnvironmentBlue
}

// ColourState is what the cluster shows of one colour's Deployments, over
// every enabled component.
type ColourState struct {
	// Exists: at least one component has a Deployment of this colour.
	Exists bool
	// Revision the colour runs, when every component's Deployment carries the
	// same one and every enabled component has a Deployment; "" otherwise.
	Revision string
	// Replicas is the sum of the Deployments' desired replicas.
	Replicas int32
	// Ready: every component is fully available (observed, updated, ready, no
	// old pods) with at least one pod.
	Ready bool
	// Failed: some component is broken: it cannot become available by
	// itself (health.Judge: a crash loop past its restarts, an image that
	// keeps failing to pull...).
	Failed bool
	// FailedMessage says why, for a person.
	FailedMessage string
	// Waiting names what the colour waits for while it is not ready and
	// nothing in it is broken (a reason such as WaitingForCapacity); empty
	// when it waits for nothing in particular. WaitingMessage says what.
	Waiting, WaitingMessage string
	// BrokenAt is when something the colour waits for counts as broken if
	// it lasts (an image pull past its grace); zero when only the progress
	// deadline ends the wait.
	BrokenAt time.Time
	// With a smaller preview (Input.ReducedPreview): Enlarged, some
	// component of the colour runs more than its preview size (the scale-up
	// before the switch started); Full, every component runs its full size.
	Enlarged, Full bool
	// Degraded: some component lost ready pods after its rollout finished
	// (or is Failed); DegradedMessage says which and why.
	Degraded        bool
	DegradedMessage string
}

// Input is everything a decision depends on.
type Input struct {
	Enabled          bool
	DesiredRevision  string
	AutoPromotion    bool
	AutoPromoteAfter time.Duration
	ScaleDownDelay   time.Duration
	ProgressDeadline time.Duration
	// HealingEnabled lets the decision abort an unhealthy preview and roll
	// back an unhealthy promotion on its own (spec.healthCheck.healing.enabled).
	HealingEnabled bool

	// States of blue, green and Legacy.
	States map[Colour]ColourState
	// Active is status.activeEnvironment; HasActive is false when nothing
	// serves yet (status says nothing and no Service selects a colour).
	Active    Colour
	HasActive bool
	// Status is the current status.blueGreen (zero when absent).
	Status apiv1.BlueGreenStatus
	// ReducedPreview: spec.blueGreen.previewReplicas makes the preview
	// smaller than its full size for some component; it is checked at that
	// size and scaled to full size when its promotion is due.
	ReducedPreview bool
	// Turn is this rollout's place in the rollout queue; nil when no limit
	// applies (see queue.go). It matters only to a rollout about to start
	// preparing a preview.
	Turn *Turn
	// Requests from annotations (revision each names, "" when absent).
	PromoteRequest, AbortRequest, RollbackRequest string
	Now                                           time.Time
}

// Action is what to do with one colour's Deployments and ConfigMaps.
type Action int

const (
	// Keep leaves the colour as it is: no write.
	Keep Action = iota
	// Render brings the colour to the desired revision.
	Render
	// ScaleDown sets the colour's replicas to zero, keeping its template.
	ScaleDown
	// Delete removes the colour's objects.
	Delete
)

// Event is an Event the controller records on the RestAPI.
type Event struct {
	Warning        bool
	Reason, Action string
	Message        string
	// Transition says what the Event records of traffic, for the metrics;
	// most Events record none.
	Transition Transition
}

// Transition is a change of where traffic goes, or of a rollout's fate,
// as the metrics count it.
type Transition int

const (
	// NoTransition: the Event changes nothing the metrics count (a refused
	// rollback among them: traffic stays).
	NoTransition Transition = iota
	// Promotion: traffic switched to a newly prepared colour.
	Promotion
	// Abortion: a rollout stopped before traffic moved.
	Abortion
	// Rollback: traffic went back to the warm previous colour.
	Rollback
)

// Plan is the decision.
type Plan struct {
	// Active is the colour the stable Services select (Legacy: no colour
	// selector, which matches every colour of the component).
	Active Colour
	// Preview is the colour the preview Services select; Legacy when there
	// are no preview Services (blue-green off).
	Preview Colour
	// Serving is the colour recorded as serving (status.activeEnvironment).
	// It differs from Active only while blue-green is being switched off: the
	// stable Services then select every colour, and the colour that served
	// stays recorded until the single-colour Deployments are ready.
	Serving Colour
	// Actions per colour (blue, green, Legacy); a missing entry is Keep.
	Actions map[Colour]Action
	// ReducePreview renders the preview at spec.blueGreen.previewReplicas
	// rather than at its full size: it is checked small, until its
	// promotion is due.
	ReducePreview bool
	// Status is the new status.blueGreen; nil when blue-green is off and no
	// colour is left.
	Status *apiv1.BlueGreenStatus
	// Deployed is set when a revision started serving (lastDeploymentTime).
	Deployed bool
	// Problem, when set, makes the RestAPI Degraded with this reason.
	ProblemReason, ProblemMessage string
	Events                        []Event
	// RequeueAfter is when the decision must be looked at again although
	// nothing in the cluster changes (a deadline or a delay runs out).
	RequeueAfter time.Duration
	// Consumed lists the request annotations acted on, refused or stale; the
	// controller removes them so that a request never acts twice or late.
	Consumed []string
	// Healing lists the automatic healing actions this decision takes.
	Healing []HealingAction
}

// RollbackGrace is how long the colour rolled back from keeps its pods after
// the stable Services left it, for endpoints to follow the switch.
const RollbackGrace = 10 * time.Second

// HealingAction names an automatic action taken on an unhealthy application.
type HealingAction string

const (
	// HealingAbort: a preview colour turned unhealthy and was aborted at
	// once, without waiting for the progress deadline.
	HealingAbort HealingAction = "abort"
	// HealingRollback: a newly promoted colour turned unhealthy inside the
	// warm window and traffic went back to the previous colour.
	HealingRollback HealingAction = "rollback"
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
		d.event(true, "RollbackRefused", "Rollback", "Cannot roll back from revision %s: the previous revision is no longer warm in %s; apply its spec to deploy it again",
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
		d.event(false, "Deployed", "Deploy", "Revision %s serves from %s", in.DesiredRevision, active)
	}
	other := in.States[idle]
	warmUntil := time.Time{}
	if d.st.PromotedAt != nil {
		warmUntil = d.st.PromotedAt.Add(in.ScaleDownDelay)
	}
	switch {
	case other.Replicas > 0 && other.Revision != "" && other.Revision == d.st.PreviousRevision && in.Now.Before(warmUntil):
		d.st.State = apiv1.StateScalingDown
		d.st.Message = warmMessage(in.DesiredRevision, active, idle, other.Revision, warmUntil)
		d.requeue(warmUntil)
	case other.Replicas > 0:
		d.plan.Actions[idle] = ScaleDown
		if d.st.State == apiv1.StateScalingDown {
			d.event(false, "ScaledDown", "ScaleDown", "Scaled %s (revision %s) down to zero", idle, other.Revision)
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
}

// aborted: the spec still asks for a revision that was aborted or rolled
// back from; it is not tried again until the spec changes.
func (d *decider) aborted(idle Colour) {
	in := d.in
	other := in.States[idle]
	if other.Replicas > 0 && other.Revision == in.DesiredRevision {
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
	d.plan.ProblemMessage = d.st.Message
}

// prepare deploys the desired revision into the idle colour, then promotes
// it, or aborts it.
func (d *decider) prepare(active, idle Colour) {
	in := d.in
	desired := in.DesiredRevision
	other := in.States[idle]
	flip := desired == d.st.PreviousRevision && other.Revision == desired && other.Ready
	if d.st.PreviewRevision == "" && in.Turn != nil && !in.Turn.Admitted && !flip {
		// A new preview needs room the queue does not give yet; going back
		// to the warm colour needs none.
		d.queued(active, idle)
		return
	}
	d.plan.Actions[idle] = Render
	d.st.Reason, d.st.WaitingSince = "", nil
	if d.st.PreviewRevision != desired {
		queued := ""
		if at, ok := Queued(&d.in.Status); ok {
			queued = fmt.Sprintf(" after %s in the queue", in.Now.Sub(at).Round(time.Second))
		}
		d.clearPreview()
		d.st.PreviewRevision, d.st.PreviewStartedAt = desired, d.now()
		d.event(false, "Deploying", "Deploy", "Deploying revision %s to %s (preview)%s", desired, idle, queued)
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
	rollbackToWarm := desired == d.st.PreviousRevision
	migrating := active == Legacy
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
	}
	d.transition(Promotion, false, "Promoted", "Promote", "Switched traffic from %s to %s: revision %s serves", describe(active), idle, in.DesiredRevision)
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
	d.clearPreview()
	d.st.State = apiv1.StateRolledBack
	d.st.Reason = reason
	d.st.Message = fmt.Sprintf("rolled back from revision %s to %s (%s) %s; change the spec to deploy again", bad, other.Revision, idle, why)
	d.plan.ProblemReason, d.plan.ProblemMessage = reason, d.st.Message
	d.transition(Rollback, true, reason, "Rollback", "%s", d.st.Message)
	if reason == apiv1.ReasonUnhealthyAfterPromotion {
		d.plan.Healing = append(d.plan.Healing, HealingRollback)
	}
	return true
}

// decideDisabled: one Deployment per component, rolled in place. The stable
// Services select no colour, so they keep every colour's ready pods while the
// single-colour Deployments come up; the colours go once those are ready.
func decideDisabled(in Input) Plan {
	p := Plan{Active: Legacy, Preview: Legacy, Serving: Legacy, Actions: map[Colour]Action{Legacy: Render}}
	legacy := in.States[Legacy]
	anyColour := false
	for _, c := range Colours {
		if in.States[c].Exists {
			anyColour = true
		}
	}
	if !anyColour {
		return p
	}
	if legacy.Revision == in.DesiredRevision && legacy.Ready {
		for _, c := range Colours {
			p.Actions[c] = Delete
		}
		p.Events = append(p.Events, Event{Reason: "BlueGreenDisabled", Action: "Migrate",
			Message: "Blue-green is off: the single-colour Deployments serve; removed the colours"})
		return p
	}
	// Keep the colours (and their Services) until the single set is ready.
	st := in.Status
	if st.WaitingSince != nil {
		st.Reason, st.WaitingSince = "", nil
	}
	st.State = apiv1.StateDeploying
	st.Message = "blue-green is off: waiting for the single-colour Deployments before removing the colours"
	p.Status = &st
	p.Preview = Other(in.Active)
	if in.HasActive {
		p.Serving = in.Active
	}
	return p
}
