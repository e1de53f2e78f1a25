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

// Package autoscaling renders what scales a RestAPI's components besides
// their HPAs (internal/render has those): a VerticalPodAutoscaler per
// component when the VPA is installed and asked for, and the predictive
// floors raised ahead of recurring peaks.
package autoscaling

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// VPAGroupVersionKind is the VerticalPodAutoscaler the operator creates. Its
// CRD comes with the VPA (kubernetes/autoscaler), not with Kubernetes.
var VPAGroupVersionKind = schema.GroupVersionKind{Group: "autoscaling.k8s.io", Version: "v1", Kind: "VerticalPodAutoscaler"}

// DefaultVPAUpdateMode is used when the spec leaves updateMode empty:
// recommendations only.
const DefaultVPAUpdateMode = "Off"

// VerticalWanted reports whether the spec asks for VPAs, and in which mode.
func VerticalWanted(r *apiv1.RestAPI) (string, bool) {
	v := r.Spec.AutoScaling.Vertical
	if v == nil || !v.Enabled {
		return "", false
	}
	if v.UpdateMode == "" {
		return DefaultVPAUpdateMode, true
	}
	return v.UpdateMode, true
}

// Vertical is how one component's VPA acts.
type Vertical struct {
	// Mode is its update mode.
	Mode string
	// Controlled are the resources it recommends and sets.
	Controlled []corev1.ResourceName
	// Why says, for a person, why it controls those.
	Why string
}

// Applies reports whether the VPA sets what it recommends (any update mode
// but Off).
func (v Vertical) Applies() bool { return v.Mode != DefaultVPAUpdateMode }

// VerticalOf is how component c's VPA acts: the spec's update mode, on the
// spec's resources, or else on those its HPA does not scale on, so a VPA
// and an HPA never act on the same signal. An HPA on CPU and memory
// leaves nothing to set: the VPA then recommends only (update mode Off).
func VerticalOf(r *apiv1.RestAPI, c apiv1.Component, mode string) Vertical {
	both := []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}
	if v := r.Spec.AutoScaling.Vertical; v != nil && len(v.ControlledResources) > 0 {
		return Vertical{Mode: mode, Controlled: v.ControlledResources, Why: "as the spec says"}
	}
	a := render.ResolveAutoscaling(r, c)
	switch {
	case a == nil:
		return Vertical{Mode: mode, Controlled: both, Why: "no HPA"}
	case a.TargetMemory > 0:
		return Vertical{Mode: DefaultVPAUpdateMode, Controlled: both, Why: "its HPA scales on CPU and memory, so the VPA only recommends"}
	default:
		return Vertical{Mode: mode, Controlled: []corev1.ResourceName{corev1.ResourceMemory}, Why: "its HPA scales on CPU"}
	}
}

// VPA renders a component's VerticalPodAutoscaler of one colour, named
// as and targeting its Deployment of that colour: a VPA never changes
// target, so the recommender never starts its history again at a switch
// (it does when a VPA's selector changes). It acts on the component's container, on the
// resources v controls, requests and limits in proportion, within no
// bounds of its own: the role defaults (or the spec's resources) are where
// it starts.
func VPA(r *apiv1.RestAPI, c apiv1.ComponentName, target apiv1.Environment, v Vertical) *unstructured.Unstructured {
	u := render.Unstructured(r, VPAGroupVersionKind, c)
	u.SetName(render.ColourName(r, c, target))
	u.SetLabels(render.Labels(r, c, target))
	controlled := make([]any, 0, len(v.Controlled))
	for _, res := range v.Controlled {
		controlled = append(controlled, string(res))
	}
	u.Object["spec"] = map[string]any{
		"targetRef": map[string]any{
			"apiVersion": "apps/v1",
			"kind":       "Deployment",
			"name":       render.ColourName(r, c, target),
		},
		"updatePolicy": map[string]any{"updateMode": v.Mode},
		"resourcePolicy": map[string]any{"containerPolicies": []any{
			map[string]any{
				"containerName":       string(c),
				"controlledResources": controlled,
				"controlledValues":    "RequestsAndLimits",
			},
		}},
	}
	return u
}

// Recommended is what a component's VPA recommends for its container
// (status.recommendation's target), for the resources v controls, when
// the VPA targets the Deployment named target; nil when it recommends
// nothing yet, or about another Deployment.
func Recommended(vpa *unstructured.Unstructured, c apiv1.ComponentName, target string, v Vertical) corev1.ResourceList {
	if vpa == nil {
		return nil
	}
	if name, _, _ := unstructured.NestedString(vpa.Object, "spec", "targetRef", "name"); name != target {
		return nil
	}
	recs, _, _ := unstructured.NestedSlice(vpa.Object, "status", "recommendation", "containerRecommendations")
	for _, rec := range recs {
		m, ok := rec.(map[string]any)
		if !ok || m["containerName"] != string(c) {
			continue
		}
		targets, _, _ := unstructured.NestedStringMap(m, "target")
		out := corev1.ResourceList{}
		for _, res := range v.Controlled {
			if q, err := resource.ParseQuantity(targets[string(res)]); err == nil && q.Sign() > 0 {
				out[res] = q
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// StartFrom gives a colour's Deployment being rendered the requests its
// revision started with. A colour that runs the rendered revision already
// keeps what it was deployed with: what its template took from a
// recommendation then (AnnotationStartedFrom), or the spec's; so a later
// recommendation, or the VPA turned off, never rolls it, and only the
// next revision starts from something new.
// A colour the revision is deployed into starts from rec, when there is
// one: requests set to it, limits moved in proportion, as the VPA itself
// does with RequestsAndLimits.
func StartFrom(dep *appsv1ac.DeploymentApplyConfiguration, c apiv1.ComponentName, live *appsv1.Deployment, rec corev1.ResourceList) {
	tpl := dep.Spec.Template
	ctr := containerOf(tpl.Spec.Containers, string(c))
	if ctr == nil {
		return
	}
	if live != nil && live.Spec.Template.Labels[apiv1.LabelRevision] == tpl.Labels[apiv1.LabelRevision] {
		// Deployed already: as it was deployed.
		from := live.Spec.Template.Annotations[apiv1.AnnotationStartedFrom]
		for i := range live.Spec.Template.Spec.Containers {
			if l := &live.Spec.Template.Spec.Containers[i]; from != "" && l.Name == string(c) {
				ctr.Resources = resourcesOf(l.Resources)
				tpl.WithAnnotations(map[string]string{apiv1.AnnotationStartedFrom: from})
			}
		}
		return
	}
	if len(rec) == 0 {
		return
	}
	if ctr.Resources == nil {
		ctr.Resources = corev1ac.ResourceRequirements()
	}
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	if ctr.Resources.Requests != nil {
		requests = ctr.Resources.Requests.DeepCopy()
	}
	if ctr.Resources.Limits != nil {
		limits = ctr.Resources.Limits.DeepCopy()
	}
	names := make([]string, 0, len(rec))
	for res := range rec {
		names = append(names, string(res))
	}
	slices.Sort(names)
	notes := make([]string, 0, len(names))
	for _, n := range names {
		res := corev1.ResourceName(n)
		want := rec[res]
		if req, ok := requests[res]; ok && req.Sign() > 0 {
			if lim, ok := limits[res]; ok {
				limits[res] = proportional(lim, want, req, res)
			}
		}
		requests[res] = want
		notes = append(notes, fmt.Sprintf("%s=%s", res, want.String()))
	}
	ctr.Resources.WithRequests(requests)
	if len(limits) > 0 {
		ctr.Resources.WithLimits(limits)
	}
	tpl.WithAnnotations(map[string]string{apiv1.AnnotationStartedFrom: strings.Join(notes, ",")})
}

// proportional is lim scaled by want/req, rounded up (a limit never ends
// below what it was meant to allow), in lim's format.
func proportional(lim, want, req resource.Quantity, res corev1.ResourceName) resource.Quantity {
	num := new(big.Int).Mul(big.NewInt(lim.MilliValue()), big.NewInt(want.MilliValue()))
	den := big.NewInt(req.MilliValue())
	milli := new(big.Int).Div(new(big.Int).Add(num, new(big.Int).Sub(den, big.NewInt(1))), den)
	if res == corev1.ResourceCPU {
		return *resource.NewMilliQuantity(milli.Int64(), resource.DecimalSI)
	}
	// Memory in whole bytes.
	return *resource.NewQuantity((milli.Int64()+999)/1000, lim.Format)
}

func containerOf(ctrs []corev1ac.ContainerApplyConfiguration, name string) *corev1ac.ContainerApplyConfiguration {
	for i := range ctrs {
		if ctrs[i].Name != nil && *ctrs[i].Name == name {
			return &ctrs[i]
		}
	}
	return nil
}

// resourcesOf is r as an apply configuration.
func resourcesOf(r corev1.ResourceRequirements) *corev1ac.ResourceRequirementsApplyConfiguration {
	out := corev1ac.ResourceRequirements()
	if len(r.Requests) > 0 {
		out.WithRequests(r.Requests.DeepCopy())
	}
	if len(r.Limits) > 0 {
		out.WithLimits(r.Limits.DeepCopy())
	}
	return out
}
