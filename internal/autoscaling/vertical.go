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

package autoscaling

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// Vertical scaling at a switch (docs/autoscaling.md): the VPAs target the
// serving colour only, so none acts on a colour being prepared; a new
// revision starts from what the serving colour's VPAs recommend
// (Recommend, then StartFrom where the colour is rendered); and each VPA
// controls only what its component's HPA does not scale on (VerticalOf).

var vpaKind = scope.OptionalKind{
	GVK: VPAGroupVersionKind, Condition: apiv1.ConditionVerticalScaling,
	ActiveReason: apiv1.ReasonVPAsActive, ConflictReason: apiv1.ReasonVPANameConflict,
	Missing: "spec.autoScaling.vertical is enabled, but the VerticalPodAutoscaler CRD (autoscaling.k8s.io/v1) is not installed: " +
		"install the Vertical Pod Autoscaler; until then the components keep their resources",
}

// +kubebuilder:rbac:groups=autoscaling.k8s.io,resources=verticalpodautoscalers,verbs=get;list;create;patch;delete

// Recommend reads, while a new revision is due and the VPAs set what they
// recommend, what the serving colour's VPAs recommend, into
// s.Recommended: the colour the revision is deployed into starts from it.
// Before the blue-green phase, which renders that colour. Nothing is read
// at rest: the one list is made only while a revision is on its way in.
func Recommend(ctx context.Context, s *scope.Scope) {
	rapi := s.RestAPI
	mode, wanted := VerticalWanted(rapi)
	if !wanted || mode == DefaultVPAUpdateMode {
		return
	}
	if bg := rapi.Status.BlueGreen; bg != nil && bg.ActiveRevision == render.Revision(rapi) {
		return
	}
	installed, err := s.Writer.Installed(VPAGroupVersionKind)
	if err != nil || !installed {
		return // the autoscaling phase says so
	}
	live, err := s.Writer.ListOwned(ctx, VPAGroupVersionKind)
	if err != nil {
		// The revision starts from the spec's resources; the autoscaling
		// phase's own list reports a failure that lasts.
		return
	}
	byName := map[string]*unstructured.Unstructured{}
	for _, o := range live {
		byName[o.GetName()] = o
	}
	serving := rapi.Status.ActiveEnvironment
	for _, c := range rapi.Spec.Components() {
		if !c.IsEnabled() {
			continue
		}
		v := VerticalOf(rapi, c, mode)
		if !v.Applies() {
			continue
		}
		rec := Recommended(byName[render.ChildName(rapi, c.Name)], c.Name, render.ColourName(rapi, c.Name, serving), v)
		if rec == nil {
			continue
		}
		if s.Recommended == nil {
			s.Recommended = map[apiv1.ComponentName]corev1.ResourceList{}
		}
		s.Recommended[c.Name] = rec
	}
}

// vertical gives every enabled component a VerticalPodAutoscaler on the
// serving colour when the spec asks for it and the VPA CRD is installed.
func vertical(ctx context.Context, s *scope.Scope) {
	rapi := s.RestAPI
	mode, wanted := VerticalWanted(rapi)
	var desired []*unstructured.Unstructured
	var what []string
	if wanted {
		for _, c := range rapi.Spec.Components() {
			if !c.IsEnabled() {
				continue
			}
			v := VerticalOf(rapi, c, mode)
			desired = append(desired, VPA(rapi, c.Name, s.Serving, v))
			what = append(what, fmt.Sprintf("%s: %s, update mode %s (%s)", c.Name, names(v.Controlled), v.Mode, v.Why))
		}
	}
	msg := "a VerticalPodAutoscaler per component targets the serving Deployments; " + strings.Join(what, "; ")
	if mode != DefaultVPAUpdateMode {
		msg += "; a new revision starts from the serving colour's recommendations"
	}
	s.SyncOptional(ctx, vpaKind, wanted, desired, msg)
}

// names lists resources as a person reads them: "cpu and memory".
func names(rs []corev1.ResourceName) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, " and ")
}
