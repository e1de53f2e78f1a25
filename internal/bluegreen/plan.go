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
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// What a decision reads (Input, the colours' ColourState) and what it
// decides (Plan, with its Actions and Events).

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
	// Revision the colour runs, when every component's Deployment's pod
	// template (and the Deployment's own label) carries the same one and
	// every enabled component has a Deployment; "" otherwise.
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
	// Pods counts the colour's Pods of every component, terminating ones
	// included (a hook's Pod is no colour's).
	Pods int
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
	// DeployedRevision is status.deployedRevision: the revision that last
	// started serving.
	DeployedRevision string
	// PreAnalysis, PostAnalysis: spec.blueGreen.analysis has checks for
	// before, after the switch. Their measurements are Status.Analysis.
	PreAnalysis, PostAnalysis bool
	// Turn is this rollout's place in the rollout queue; nil when no limit
	// applies (see queue.go). It matters only to a rollout about to start
	// preparing a preview.
	Turn *Turn
	// Name is the RestAPI's, which its hooks' Jobs are named after.
	Name string
	// Hooks are spec.blueGreen.hooks; HookJobs the RestAPI's hook Jobs in
	// the cluster, by name.
	Hooks    []apiv1.Hook
	HookJobs map[string]HookRun
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
	// Hook and HookPhase name the hook an Event of a hook's Job is about
	// (HookStarted, HookSucceeded, HookFailed), for the metrics.
	Hook      string
	HookPhase apiv1.HookPhase
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
	// Deployed is set when a revision started serving (lastDeploymentTime):
	// DeployedRevision.
	Deployed         bool
	DeployedRevision string
	// Problem, when set, makes the RestAPI Degraded with this reason.
	ProblemReason, ProblemMessage string
	Events                        []Event
	// RequeueAfter is when the decision must be looked at again although
	// nothing in the cluster changes (a deadline or a delay runs out).
	RequeueAfter time.Duration
	// Again: the decision recorded an intent in status (a new preview
	// attempt) and carries it out only once that status is written: the
	// reconcile decides again as soon as it is, in a second pass.
	Again bool
	// Consumed lists the request annotations acted on, refused or stale; the
	// controller removes them so that a request never acts twice or late.
	Consumed []string
	// Healing lists the automatic healing actions this decision takes.
	Healing []HealingAction
	// Analyse, when set, is the analysis this decision waits for: the
	// reconciler takes the measurements due and decides again on them.
	Analyse *AnalysisTarget
	// RunHooks are the hook Jobs to create (see hooks.go).
	RunHooks []HookJob
}

// HooksOf are the hooks of one phase, in the spec's order.
func (in Input) HooksOf(phase apiv1.HookPhase) []apiv1.Hook {
	var out []apiv1.Hook
	for _, h := range in.Hooks {
		if h.Phase == phase {
			out = append(out, h)
		}
	}
	return out
}

// AnalysisTarget is the analysis a decision needs: of revision Revision
// in colour Colour, before (PrePromotion) or after (PostPromotion) its
// switch.
type AnalysisTarget struct {
	Phase    apiv1.AnalysisPhase
	Colour   Colour
	Revision string
	// Attempt is the preview attempt measured (status.blueGreen.attempt):
	// for PostPromotion, the attempt that was promoted.
	Attempt int64
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
