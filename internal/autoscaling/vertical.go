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
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// Vertical scaling at a switch (docs/autoscaling.md): a VPA per component
// and colour, never retargeted, of which only the serving colour's acts,
// once its Pods were measured (vertical), so none acts on a colour being
// prepared; a new revision starts from what the serving colour's VPAs
// recommend (Recommend, then StartFrom where the colour is rendered); and
// each VPA controls only what its component's HPA does not scale on
// (VerticalOf).

var vpaKind = scope.OptionalKind{
	GVK: VPAGroupVersionKind, Condition: apiv1.ConditionVerticalScaling,
	ActiveReason: apiv1.ReasonVPAsActive, ConflictReason: apiv1.ReasonVPANameConflict,
	Missing: "spec.autoScaling.vertical is enabled, but the VerticalPodAutoscaler CRD (autoscaling.k8s.io/v1) is not installed: " +
		"install the Vertical Pod Autoscaler; until then the components keep their resources",
}

// +kubebuilder:rbac:groups=autoscaling.k8s.io,resources=verticalpodautoscalers,verbs=get;list;create;patch;delete

// Recommend reads, while a new revision is due (a serving Deployment runs
// another) and the VPAs set what they recommend, what the serving
// colour's VPAs recommend, into s.Recommended: the colour the revision is
// deployed into (or, without blue-green, the rolling update) starts from
// it. Before the blue-green phase, which renders that colour. Nothing is
// read at rest, and during a rollout the list is the one the autoscaling
// phase writes the VPAs from (Scope.ListOwned).
func Recommend(ctx context.Context, s *scope.Scope) {
	rapi := s.RestAPI
	mode, wanted := VerticalWanted(rapi)
	if !wanted || mode == DefaultVPAUpdateMode {
		return
	}
	serving, rev := rapi.Status.ActiveEnvironment, s.Revision
	due := false
	for _, c := range rapi.Spec.EnabledComponents() {
		d := s.Children.Deployments[render.ColourName(rapi, c, serving)]
		due = due || d == nil || d.Spec.Template.Labels[apiv1.LabelRevision] != rev
	}
	if !due {
		return // at rest: the serving Deployments run the desired revision
	}
	installed, err := s.Writer.Installed(VPAGroupVersionKind)
	if err != nil || !installed {
		return // the autoscaling phase says so
	}
	live, err := s.ListOwned(ctx, VPAGroupVersionKind)
	if err != nil {
		// The revision starts from the spec's resources; the autoscaling
		// phase's own list reports a failure that lasts.
		return
	}
	byName := map[string]*unstructured.Unstructured{}
	for _, o := range live {
		byName[o.GetName()] = o
	}
	for _, c := range rapi.Spec.Components() {
		if !c.IsEnabled() {
			continue
		}
		v := VerticalOf(rapi, c, mode)
		if !v.Applies() {
			continue
		}
		name := render.ColourName(rapi, c.Name, serving)
		rec := Recommended(byName[name], c.Name, name, v)
		if rec == nil {
			continue
		}
		if s.Recommended == nil {
			s.Recommended = map[apiv1.ComponentName]corev1.ResourceList{}
		}
		s.Recommended[c.Name] = rec
	}
}

// VPACheckpointGroupVersionKind is where the VPA's recommender keeps what
// it measured of a VPA's container (its history), named
// <VPA name>-<container>.
var VPACheckpointGroupVersionKind = schema.GroupVersionKind{Group: "autoscaling.k8s.io", Version: "v1", Kind: "VerticalPodAutoscalerCheckpoint"}

// VPAWarmUpRecheck is how often a serving colour's VPA held in update mode
// Off is looked at again, until its recommender has measured its Pods.
const VPAWarmUpRecheck = time.Minute

// +kubebuilder:rbac:groups=autoscaling.k8s.io,resources=verticalpodautoscalercheckpoints,verbs=get

// vertical gives every enabled component a VerticalPodAutoscaler per
// colour when the spec asks for it and the VPA CRD is installed: the
// serving colour's in the spec's update mode, the other's in Off (it
// recommends, so its history follows the Pods a preview runs, and acts on
// nothing). A serving colour's VPA whose recommender has measured none
// of its Pods yet is held in Off too: its recommendation would be the
// recommender's floor, and acting on it would evict the Pods that just
// took the traffic to give them too little.
func vertical(ctx context.Context, s *scope.Scope) {
	rapi := s.RestAPI
	mode, wanted := VerticalWanted(rapi)
	colours := []apiv1.Environment{s.Serving}
	if s.Serving != "" {
		colours = []apiv1.Environment{apiv1.EnvironmentBlue, apiv1.EnvironmentGreen}
	}
	s.SyncOptionalFrom(ctx, vpaKind, wanted, func(live map[string]*unstructured.Unstructured) ([]*unstructured.Unstructured, string) {
		if !wanted {
			return nil, ""
		}
		var desired []*unstructured.Unstructured
		var what, held []string
		for _, c := range rapi.Spec.Components() {
			if !c.IsEnabled() {
				continue
			}
			v := VerticalOf(rapi, c, mode)
			for _, colour := range colours {
				vc, name := v, render.ColourName(rapi, c.Name, colour)
				switch {
				case colour != s.Serving:
					vc.Mode = DefaultVPAUpdateMode
				case v.Applies() && !measured(ctx, s, live[name], name, c.Name, v.Mode):
					vc.Mode = DefaultVPAUpdateMode
					held = append(held, name)
				}
				desired = append(desired, VPA(rapi, c.Name, colour, vc))
			}
			what = append(what, fmt.Sprintf("%s: %s, update mode %s (%s)", c.Name, names(v.Controlled), v.Mode, v.Why))
		}
		msg := "a VerticalPodAutoscaler per component and colour, the serving colour's in the update mode below, the other's recommending only; " +
			strings.Join(what, "; ")
		if mode != DefaultVPAUpdateMode {
			msg += "; a new revision starts from the serving colour's recommendations"
		}
		if len(held) > 0 {
			msg += "; held in update mode Off until the recommender has measured their Pods: " + strings.Join(held, ", ")
			s.RequeueAfter(VPAWarmUpRecheck)
		}
		return desired, msg
	})
}

// measured reports whether a serving colour's VPA may act: it does
// already (live in that mode), or its recommender has measured its Pods
// (its checkpoint holds samples). Without the checkpoint kind (a
// recommender that keeps its history elsewhere) nothing can tell, and the
// VPA acts as it would on its own.
func measured(ctx context.Context, s *scope.Scope, live *unstructured.Unstructured, name string, c apiv1.ComponentName, mode string) bool {
	if live != nil {
		if m, _, _ := unstructured.NestedString(live.Object, "spec", "updatePolicy", "updateMode"); m == mode {
			return true
		}
	}
	if installed, err := s.Writer.Installed(VPACheckpointGroupVersionKind); err != nil || !installed {
		return err == nil
	}
	cp, err := s.Writer.Read(ctx, VPACheckpointGroupVersionKind, name+"-"+string(c))
	if err != nil || cp == nil {
		return false
	}
	n, _, _ := unstructured.NestedInt64(cp.Object, "status", "totalSamplesCount")
	return n > 0
}

// names lists resources as a person reads them: "cpu and memory".
func names(rs []corev1.ResourceName) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, " and ")
}
