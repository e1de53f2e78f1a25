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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

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

// VPA renders a component's VerticalPodAutoscaler targeting its Deployment
// of the given colour, with the given update mode. It controls the app
// container's requests and limits within no bounds of its own: the role
// defaults (or the spec's resources) are where it starts.
func VPA(r *apiv1.RestAPI, c apiv1.ComponentName, target apiv1.Environment, mode string) *unstructured.Unstructured {
	u := render.Unstructured(r, VPAGroupVersionKind, c)
	u.Object["spec"] = map[string]any{
		"targetRef": map[string]any{
			"apiVersion": "apps/v1",
			"kind":       "Deployment",
			"name":       render.ColourName(r, c, target),
		},
		"updatePolicy": map[string]any{"updateMode": mode},
	}
	return u
}
