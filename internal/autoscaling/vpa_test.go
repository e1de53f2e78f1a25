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
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
	"github.com/restapi-operator/restapi-operator/internal/scope/scopetest"
)

func modelOf(r *apiv1.RestAPI) apiv1.Component {
	for _, c := range r.Spec.Components() {
		if c.Name == apiv1.ComponentModel {
			return c
		}
	}
	panic("no model")
}

func TestAVPANeverActsOnWhatItsHPAScalesOn(t *testing.T) {
	cpu, mem := corev1.ResourceCPU, corev1.ResourceMemory
	for _, tc := range []struct {
		name     string
		mutate   func(*apiv1.RestAPI)
		mode     string
		controls []corev1.ResourceName
	}{
		{"an HPA on CPU leaves memory", func(*apiv1.RestAPI) {}, "Recreate", []corev1.ResourceName{mem}},
		{"no HPA leaves both", func(r *apiv1.RestAPI) { r.Spec.AutoScaling.Enabled = new(false) }, "Recreate", []corev1.ResourceName{cpu, mem}},
		{"an HPA on CPU and memory leaves nothing to set: recommendations only", func(r *apiv1.RestAPI) {
			r.Spec.AutoScaling.TargetMemoryUtilizationPercentage = new(int32(80))
		}, "Off", []corev1.ResourceName{cpu, mem}},
		{"the spec's list is used as written", func(r *apiv1.RestAPI) {
			r.Spec.AutoScaling.Vertical.ControlledResources = []corev1.ResourceName{cpu}
		}, "Recreate", []corev1.ResourceName{cpu}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := autoscaledShop()
			r.Spec.AutoScaling.Vertical = &apiv1.VerticalScalingSpec{Enabled: true, UpdateMode: "Recreate"}
			tc.mutate(r)
			v := VerticalOf(r, modelOf(r), "Recreate")
			if v.Mode != tc.mode || !slices.Equal(v.Controlled, tc.controls) {
				t.Fatalf("got mode %s on %v, want %s on %v", v.Mode, v.Controlled, tc.mode, tc.controls)
			}
			u := VPA(r, apiv1.ComponentModel, apiv1.EnvironmentBlue, v)
			policies, _, _ := unstructured.NestedSlice(u.Object, "spec", "resourcePolicy", "containerPolicies")
			if len(policies) != 1 {
				t.Fatalf("container policies: %v", policies)
			}
			p := policies[0].(map[string]any)
			got, _, _ := unstructured.NestedStringSlice(p, "controlledResources")
			if p["containerName"] != "model" || len(got) != len(tc.controls) || p["controlledValues"] != "RequestsAndLimits" {
				t.Fatalf("container policy %v", p)
			}
			if m, _, _ := unstructured.NestedString(u.Object, "spec", "updatePolicy", "updateMode"); m != tc.mode {
				t.Fatalf("update mode %s, want %s", m, tc.mode)
			}
		})
	}
}

// vpaWith is model's VPA targeting target, recommending rec for container.
func vpaWith(target, container string, rec map[string]any) *unstructured.Unstructured {
	r := autoscaledShop()
	u := VPA(r, apiv1.ComponentModel, apiv1.EnvironmentBlue, Vertical{Mode: "Recreate", Controlled: []corev1.ResourceName{corev1.ResourceMemory}})
	_ = unstructured.SetNestedField(u.Object, target, "spec", "targetRef", "name")
	_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{"containerName": container, "target": rec}},
		"status", "recommendation", "containerRecommendations")
	return u
}

func TestRecommendedReadsTheTargetOfWhatTheVPAControls(t *testing.T) {
	memOnly := Vertical{Mode: "Recreate", Controlled: []corev1.ResourceName{corev1.ResourceMemory}}
	rec := map[string]any{"cpu": "300m", "memory": "600Mi"}
	got := Recommended(vpaWith("shop-model-blue", "model", rec), apiv1.ComponentModel, "shop-model-blue", memOnly)
	if len(got) != 1 || got.Memory().String() != "600Mi" {
		t.Fatalf("got %v, want memory 600Mi only", got)
	}
	for name, u := range map[string]*unstructured.Unstructured{
		"about another colour":      vpaWith("shop-model-green", "model", rec),
		"about another container":   vpaWith("shop-model-blue", "sidecar", rec),
		"not recommending anything": vpaWith("shop-model-blue", "model", map[string]any{}),
		"no VPA":                    nil,
	} {
		if got := Recommended(u, apiv1.ComponentModel, "shop-model-blue", memOnly); got != nil {
			t.Errorf("%s: got %v, want nothing", name, got)
		}
	}
}

// modelDeployment renders model's Deployment of r in green.
func modelDeployment(r *apiv1.RestAPI) render.Component {
	for _, c := range render.Desired(r, apiv1.EnvironmentGreen) {
		if c.Settings.Name == apiv1.ComponentModel {
			return c
		}
	}
	panic("no model")
}

func resourcesIn(c render.Component) (corev1.ResourceList, corev1.ResourceList, string) {
	ctr := c.Deployment.Spec.Template.Spec.Containers[0]
	return *ctr.Resources.Requests, *ctr.Resources.Limits, c.Deployment.Spec.Template.Annotations[apiv1.AnnotationStartedFrom]
}

// liveOf is the Deployment as the API server holds it after c was applied,
// with its container's resources as given.
func liveOf(c render.Component, requests, limits corev1.ResourceList, from string) *appsv1.Deployment {
	d := &appsv1.Deployment{}
	d.Spec.Template.Labels = map[string]string{apiv1.LabelRevision: c.Deployment.Spec.Template.Labels[apiv1.LabelRevision]}
	if from != "" {
		d.Spec.Template.Annotations = map[string]string{apiv1.AnnotationStartedFrom: from}
	}
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "model", Resources: corev1.ResourceRequirements{Requests: requests, Limits: limits}}}
	return d
}

func TestANewRevisionStartsFromTheRecommendationAndKeepsIt(t *testing.T) {
	r := autoscaledShop()
	rec := corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("600Mi")}

	// Model's role default: 250m/256Mi requested, 1 CPU/512Mi limit.
	c := modelDeployment(r)
	StartFrom(c.Deployment, apiv1.ComponentModel, nil, rec)
	req, lim, from := resourcesIn(c)
	if req.Memory().String() != "600Mi" || lim.Memory().String() != "1200Mi" || req.Cpu().String() != "250m" || lim.Cpu().String() != "1" {
		t.Fatalf("a new Deployment: requests %v limits %v; want memory 600Mi/1200Mi (the limit in proportion), CPU as the spec says", req, lim)
	}
	if from != "memory=600Mi" {
		t.Fatalf("annotation %q", from)
	}

	// Deployed with it: a later recommendation changes nothing.
	live := liveOf(c, req.DeepCopy(), lim.DeepCopy(), from)
	again := modelDeployment(r)
	StartFrom(again.Deployment, apiv1.ComponentModel, live, corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("900Mi")})
	if req2, lim2, from2 := resourcesIn(again); req2.Memory().String() != "600Mi" || lim2.Memory().String() != "1200Mi" || from2 != from {
		t.Fatalf("the same revision re-rendered: requests %v limits %v (%q); want what it was deployed with", req2, lim2, from2)
	}
	// Nor does turning the VPA off (no recommendation read).
	off := modelDeployment(r)
	StartFrom(off.Deployment, apiv1.ComponentModel, live, nil)
	if req3, _, _ := resourcesIn(off); req3.Memory().String() != "600Mi" {
		t.Fatalf("with the VPA off, the serving revision changed to %v", req3)
	}

	// A colour that runs the revision as the spec said is not re-seeded:
	// that would roll a serving colour.
	spec := modelDeployment(r)
	sreq, slim, _ := resourcesIn(spec)
	plain := liveOf(spec, sreq.DeepCopy(), slim.DeepCopy(), "")
	StartFrom(spec.Deployment, apiv1.ComponentModel, plain, rec)
	if req4, _, from4 := resourcesIn(spec); req4.Memory().String() != "256Mi" || from4 != "" {
		t.Fatalf("a colour deployed from the spec got %v (%q)", req4, from4)
	}

	// The next revision starts from the recommendation again.
	r.Spec.Image = "registry.example/shop:2.0.0"
	next := modelDeployment(r)
	StartFrom(next.Deployment, apiv1.ComponentModel, live, corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("900Mi")})
	if req5, _, _ := resourcesIn(next); req5.Memory().String() != "900Mi" {
		t.Fatalf("the next revision: %v, want 900Mi", req5)
	}
}

func TestRecommendReadsOnlyWhileANewRevisionIsDue(t *testing.T) {
	r := autoscaledShop()
	r.Spec.AutoScaling.Vertical = &apiv1.VerticalScalingSpec{Enabled: true, UpdateMode: "Recreate"}
	r.Status.ActiveEnvironment = apiv1.EnvironmentBlue
	vpa := vpaWith("shop-model-blue", "model", map[string]any{"memory": "600Mi"})
	vpa.SetName("shop-model-blue")
	serving := func(rev string) *scope.Scope {
		w := &scopetest.Writer{Kinds: map[schema.GroupVersionKind][]*unstructured.Unstructured{VPAGroupVersionKind: {vpa}}}
		s := scopetest.Scope(r, w, reconcileAt)
		for _, c := range r.Spec.EnabledComponents() {
			d := &appsv1.Deployment{}
			d.Spec.Template.Labels = map[string]string{apiv1.LabelRevision: rev}
			s.Children.Deployments[render.ColourName(r, c, apiv1.EnvironmentBlue)] = d
		}
		return s
	}

	s := serving(render.Revision(r))
	Recommend(t.Context(), s)
	if s.Recommended != nil {
		t.Fatalf("at rest: %v", s.Recommended)
	}
	s = serving("an-older-one")
	Recommend(t.Context(), s)
	if got := s.Recommended[apiv1.ComponentModel]; got.Memory().String() != "600Mi" || len(s.Recommended) != 1 {
		t.Fatalf("a new revision due: %v, want model's 600Mi", s.Recommended)
	}
	s.Serving = apiv1.EnvironmentBlue
	Reconcile(t.Context(), s, Scaling{})
	if w := s.Writer.(*scopetest.Writer); w.Lists != 1 || !slices.Contains(w.Applied, "VerticalPodAutoscaler/shop-model-green") {
		t.Fatalf("the VPAs were listed %d times in one reconcile (applied %v), want once", w.Lists, w.Applied)
	}
	r.Spec.AutoScaling.Vertical.UpdateMode = "Off"
	s = serving("an-older-one")
	Recommend(t.Context(), s)
	if s.Recommended != nil {
		t.Fatalf("in mode Off nothing is carried: %v", s.Recommended)
	}
}
