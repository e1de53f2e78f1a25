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

package controller

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// rendering decides which revision the spec deploys at
// (render.DecideRendering): this version's rendering of it, or, when only
// the operator changed since the pods were rendered, the earlier one,
// kept until the spec changes or someone asks.
func (r *RestAPIReconciler) rendering(_ context.Context, s *state) error {
	rapi, kids := s.RestAPI, s.Children
	d := render.DecideRendering(render.RenderingInput{
		SpecHash: render.SpecHash(rapi),
		Revision: render.Revision(rapi),
		Recorded: rapi.Status.Rendering,
		Earlier:  earlierRevision(rapi, kids),
		RunsIn:   func(rev string) (apiv1.Environment, bool) { return runsIn(rapi, kids, rev) },
		Request:  rapi.Annotations[apiv1.AnnotationApplyRendering],
		ApplyAll: r.ApplyRenderings,
	})
	s.Revision, s.Held = d.Revision, d.Held
	st := d.Status
	s.Status.Rendering = &st
	if d.Consume {
		s.consume = append(s.consume, apiv1.AnnotationApplyRendering)
	}
	if d.Applied != "" {
		s.Announce(scope.Event{Reason: apiv1.EventRenderingApplied, Action: "Render", Message: d.Applied})
	}
	if st.Pending != "" {
		s.SetCondition(metav1.Condition{Type: apiv1.ConditionRenderingPending, Status: metav1.ConditionTrue, Reason: apiv1.ReasonNewerRendering,
			Message: fmt.Sprintf("the pods run revision %s, an earlier operator's rendering of this spec; this operator renders it as %s, "+
				"applied at the next change of the spec, or now with: kubectl restapi rerender %s", st.Revision, st.Pending, rapi.Name)})
	} else {
		s.SetCondition(metav1.Condition{Type: apiv1.ConditionRenderingPending, Status: metav1.ConditionFalse, Reason: apiv1.ReasonRenderingCurrent,
			Message: fmt.Sprintf("revision %s is this operator's rendering of the spec", st.Revision)})
	}
	return nil
}

// earlierRevision is, for a RestAPI no version that records
// status.rendering has reconciled yet, the revision the version before
// deployed for its spec: it had observed this generation, and its status
// names the revision of that generation (the preview in flight, the one
// aborted, or the one serving). "" when there is none: the spec changed
// since, or its rollout was still queued.
func earlierRevision(rapi *apiv1.RestAPI, kids scope.Children) string {
	st := rapi.Status
	if st.Rendering != nil || st.ObservedGeneration != rapi.Generation {
		return ""
	}
	if !rapi.Spec.BlueGreen.IsEnabled() {
		// Rolled in place: the single-colour Deployments carry the spec's
		// revision as soon as it was observed.
		rev := ""
		for _, c := range rapi.Spec.EnabledComponents() {
			d := kids.Deployments[render.ColourName(rapi, c, "")]
			if d == nil || (rev != "" && d.Spec.Template.Labels[apiv1.LabelRevision] != rev) {
				return ""
			}
			rev = d.Spec.Template.Labels[apiv1.LabelRevision]
		}
		return rev
	}
	bg := st.BlueGreen
	if bg == nil {
		return ""
	}
	switch bg.State {
	case apiv1.StateQueued:
		return ""
	case apiv1.StateDeploying, apiv1.StateAwaitingPromotion:
		return bg.PreviewRevision
	case apiv1.StateAborted, apiv1.StateRolledBack:
		return bg.AbortedRevision
	default:
		return bg.ActiveRevision
	}
}

// runsIn is the colour whose Deployments run revision rev, each with its
// ConfigMap, for every enabled component; the serving colour first.
func runsIn(rapi *apiv1.RestAPI, kids scope.Children, rev string) (apiv1.Environment, bool) {
	colours := []apiv1.Environment{""}
	if rapi.Spec.BlueGreen.IsEnabled() {
		colours = []apiv1.Environment{apiv1.EnvironmentBlue, apiv1.EnvironmentGreen}
		if rapi.Status.ActiveEnvironment == apiv1.EnvironmentGreen {
			colours[0], colours[1] = colours[1], colours[0]
		}
	}
	for _, colour := range colours {
		all := true
		for _, c := range rapi.Spec.EnabledComponents() {
			d := kids.Deployments[render.ColourName(rapi, c, colour)]
			all = all && d != nil && d.Spec.Template.Labels[apiv1.LabelRevision] == rev &&
				kids.ConfigMaps[render.ConfigMapName(rapi, c, colour)] != nil
		}
		if all {
			return colour, true
		}
	}
	return "", false
}
