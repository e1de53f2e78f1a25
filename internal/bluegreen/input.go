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
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/health"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// What the decision is taken on, read from the cluster: each colour's
// Deployments judged by health.Judge, the serving colour, the requests.

// allColours are blue, green and the single colour used without blue-green.
var allColours = []Colour{apiv1.EnvironmentBlue, apiv1.EnvironmentGreen, Legacy}

// colourState summarises one colour's Deployments over the enabled
// components, each judged (health.Judge) as a colour being prepared: broken,
// or waiting for what can pass by itself.
//
// With spec.blueGreen.previewReplicas it also says whether the colour, if it
// were being prepared while serving serves, runs more than its preview size
// (Enlarged) and its full size everywhere (Full).
func colourState(rapi *apiv1.RestAPI, kids scope.Children, colour, serving Colour, now time.Time) ColourState {
	var st ColourState
	revs := map[string]bool{}
	complete, ready := true, true
	var failures, degraded, waits []string
	limits := health.LimitsOf(rapi.Spec.BlueGreen.FailFast)
	sizing := rapi.Spec.BlueGreen.PreviewReplicas != nil
	st.Full = true
	for _, comp := range rapi.Spec.Components() {
		if !comp.IsEnabled() {
			continue
		}
		c := comp.Name
		d := kids.Deployments[render.ColourName(rapi, c, colour)]
		if d == nil {
			complete, ready, st.Full = false, false, false
			continue
		}
		st.Exists = true
		if sizing {
			full := fullSizeOf(rapi, kids, comp, colour, serving)
			small := render.PreviewReplicas(rapi, full)
			st.Enlarged = st.Enlarged || (small < full && ReplicasOf(d) > small)
			st.Full = st.Full && ReplicasOf(d) >= full
		}
		// What the colour runs is what its pods are made from: the pod
		// template's revision, which the Deployment's own label must agree
		// with (a template edited by hand makes the revision unknown).
		rev := d.Spec.Template.Labels[apiv1.LabelRevision]
		revs[rev] = true
		if d.Labels[apiv1.LabelRevision] != rev {
			revs[""] = true
		}
		if d.Spec.Replicas != nil {
			st.Replicas += *d.Spec.Replicas
		}
		pods := kids.PodsOf(d)
		o := health.Judge(d, pods, limits, now)
		if o.Health != apiv1.HealthHealthy || o.Replicas == 0 {
			ready = false
		}
		counted := o.Health
		if colour == serving {
			// Pods the scheduler cannot place yet, while the colour
			// serves, are waited on (health.CapacityGrace): they do not
			// make it Degraded, nor roll it back.
			w, _ := health.WaitingForCapacity(o.Component, pods, now)
			counted = w.Health
		}
		switch counted {
		case apiv1.HealthUnhealthy:
			degraded = append(degraded, fmt.Sprintf("%s: %s", c, o.Message))
		case apiv1.HealthDegraded:
			degraded = append(degraded, fmt.Sprintf("%s: %s", c, o.Message))
		}
		switch {
		case o.Broken:
			st.Failed = true
			failures = append(failures, fmt.Sprintf("%s: %s", c, o.Message))
		case o.WaitsFor != "":
			if st.Waiting == "" {
				st.Waiting = o.WaitsFor
			}
			waits = append(waits, fmt.Sprintf("%s: %s", c, o.WaitMessage))
			if !o.BrokenAt.IsZero() && (st.BrokenAt.IsZero() || o.BrokenAt.Before(st.BrokenAt)) {
				st.BrokenAt = o.BrokenAt
			}
		}
	}
	st.Pods = kids.PodCountOf(colour)
	st.WaitingMessage = strings.Join(waits, "; ")
	if complete && len(revs) == 1 {
		for rev := range revs {
			st.Revision = rev
		}
	}
	st.Ready = complete && ready
	st.FailedMessage = strings.Join(failures, "; ")
	st.Degraded, st.DegradedMessage = len(degraded) > 0, strings.Join(degraded, "; ")
	return st
}

// InputOf gathers what the blue-green decision needs from the cluster;
// revision is the one to deploy for the spec (scope.Scope.Revision).
func InputOf(rapi *apiv1.RestAPI, kids scope.Children, revision string, now time.Time) Input {
	bg := &rapi.Spec.BlueGreen
	in := Input{
		Enabled:          bg.IsEnabled(),
		DesiredRevision:  revision,
		AutoPromotion:    bg.AutoPromotes(),
		AutoPromoteAfter: bg.AutoPromoteAfter(),
		ScaleDownDelay:   bg.ScaleDownDelay(),
		ProgressDeadline: bg.ProgressDeadline(),
		HealingEnabled:   rapi.Spec.HealthCheck.Healing.IsEnabled(),
		States:           map[Colour]ColourState{},
		PromoteRequest:   rapi.Annotations[apiv1.AnnotationPromote],
		AbortRequest:     rapi.Annotations[apiv1.AnnotationAbort],
		RollbackRequest:  rapi.Annotations[apiv1.AnnotationRollback],
		DeployedRevision: rapi.Status.DeployedRevision,
		PreAnalysis:      len(bg.Analysis.Checks(apiv1.AnalysisPrePromotion)) > 0,
		PostAnalysis:     len(bg.Analysis.Checks(apiv1.AnalysisPostPromotion)) > 0,
		Name:             rapi.Name,
		Hooks:            bg.Hooks,
		HookJobs:         hookRuns(kids),
		Now:              now,
	}
	in.Active, in.HasActive = activeColour(rapi, kids)
	for _, c := range allColours {
		in.States[c] = colourState(rapi, kids, c, in.Active, now)
	}
	if rapi.Status.BlueGreen != nil {
		in.Status = *rapi.Status.BlueGreen.DeepCopy()
	}
	if rapi.Spec.BlueGreen.PreviewReplicas != nil && in.HasActive {
		for _, c := range rapi.Spec.Components() {
			if !c.IsEnabled() {
				continue
			}
			full := fullSizeOf(rapi, kids, c, Other(in.Active), in.Active)
			in.ReducedPreview = in.ReducedPreview || render.PreviewReplicas(rapi, full) < full
		}
	}
	return in
}

// fullSizeOf is the size a component of a colour being prepared takes traffic
// at: what the spec renders, and at least what the serving colour runs
// (capacity handoff, so an HPA's scale-up is not lost at the switch).
func fullSizeOf(rapi *apiv1.RestAPI, kids scope.Children, c apiv1.Component, colour, serving Colour) int32 {
	return handOff(rapi, kids, c.Name, render.Replicas(rapi, c), colour, serving)
}

// handOff is the capacity handoff: a colour being prepared starts at least
// as large as the one serving.
func handOff(rapi *apiv1.RestAPI, kids scope.Children, name apiv1.ComponentName, size int32, colour, serving Colour) int32 {
	if colour != serving {
		if d := kids.Deployments[render.ColourName(rapi, name, serving)]; d != nil && ReplicasOf(d) > size {
			return ReplicasOf(d)
		}
	}
	return size
}

// activeColour is the colour that serves: status.activeEnvironment, or, when
// status says nothing (it was lost), the colour every stable Service selects.
func activeColour(rapi *apiv1.RestAPI, kids scope.Children) (Colour, bool) {
	if a := rapi.Status.ActiveEnvironment; a != "" {
		return a, true
	}
	var seen Colour
	for i, c := range rapi.Spec.EnabledComponents() {
		svc := kids.Services[render.ChildName(rapi, c)]
		if svc == nil {
			return "", false
		}
		colour := Colour(svc.Spec.Selector[apiv1.LabelEnvironment])
		if colour == Legacy || (i > 0 && colour != seen) {
			return "", false
		}
		seen = colour
	}
	return seen, seen != ""
}

// ReplicasOf is a Deployment's replicas (the API server's default: 1).
func ReplicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// hookRuns reads the hooks' Jobs: the revision and attempt each was made
// for (its labels) and its result (its conditions).
func hookRuns(kids scope.Children) map[string]HookRun {
	if len(kids.Jobs) == 0 {
		return nil
	}
	out := make(map[string]HookRun, len(kids.Jobs))
	for name, j := range kids.Jobs {
		if j.Labels[apiv1.LabelHook] == "" {
			continue
		}
		attempt, _ := strconv.ParseInt(j.Labels[apiv1.LabelAttempt], 10, 64)
		run := HookRun{Revision: j.Labels[apiv1.LabelRevision], Attempt: attempt, Result: apiv1.HookRunning, StartedAt: j.Status.StartTime}
		for _, c := range j.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				continue
			}
			switch c.Type {
			case batchv1.JobComplete:
				run.Result, run.FinishedAt = apiv1.HookSucceeded, j.Status.CompletionTime
			case batchv1.JobFailed:
				run.Result, run.Message = apiv1.HookFailed, strings.TrimSpace(c.Reason+": "+c.Message)
				if !c.LastTransitionTime.IsZero() {
					finished := c.LastTransitionTime
					run.FinishedAt = &finished
				}
			}
		}
		out[name] = run
	}
	return out
}
