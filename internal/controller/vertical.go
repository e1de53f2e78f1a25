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

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/autoscaling"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
)

var vpaKind = optionalKind{
	gvk: autoscaling.VPAGroupVersionKind, condition: apiv1.ConditionVerticalScaling,
	activeReason: apiv1.ReasonVPAsActive, conflictReason: apiv1.ReasonVPANameConflict,
	missing: "spec.autoScaling.vertical is enabled, but the VerticalPodAutoscaler CRD (autoscaling.k8s.io/v1) is not installed: " +
		"install the Vertical Pod Autoscaler; until then the components keep their resources",
}

// +kubebuilder:rbac:groups=autoscaling.k8s.io,resources=verticalpodautoscalers,verbs=get;list;create;patch;delete

// syncVertical gives every enabled component a VerticalPodAutoscaler on the
// serving colour when the spec asks for it and the VPA CRD is installed.
func (r *RestAPIReconciler) syncVertical(ctx context.Context, rapi *apiv1.RestAPI, serving bluegreen.Colour) optionalOutcome {
	mode, wanted := autoscaling.VerticalWanted(rapi)
	var desired []*unstructured.Unstructured
	if wanted {
		for _, c := range enabledComponents(rapi) {
			desired = append(desired, autoscaling.VPA(rapi, c, serving, mode))
		}
	}
	msg := fmt.Sprintf("a VerticalPodAutoscaler per component targets the serving Deployments, update mode %s", mode)
	if mode == autoscaling.DefaultVPAUpdateMode {
		msg += " (recommendations only)"
	} else if rapi.Spec.AutoScaling.IsEnabled() {
		msg += "; the HPAs also scale on CPU, so both act on the same signal: prefer update mode Off, or HPAs on other metrics"
	}
	return r.syncOptional(ctx, rapi, vpaKind, wanted, desired, msg)
}
