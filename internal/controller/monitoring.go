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

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

var podMonitorKind = optionalKind{
	gvk: render.PodMonitorGroupVersionKind, condition: apiv1.ConditionMonitoring,
	activeReason: apiv1.ReasonPodMonitorsActive, conflictReason: apiv1.ReasonPodMonitorNameConflict,
	missing: "spec.observability.metrics.podMonitor is set, but the PodMonitor CRD (monitoring.coreos.com/v1) is not installed: " +
		"install the Prometheus Operator, or let Prometheus find the pods by their prometheus.io annotations",
}

// +kubebuilder:rbac:groups=monitoring.coreos.com,resources=podmonitors,verbs=get;list;create;patch;delete

// syncMonitoring gives every enabled component a PodMonitor when the spec
// asks for it and the Prometheus Operator is installed.
func (r *RestAPIReconciler) syncMonitoring(ctx context.Context, rapi *apiv1.RestAPI) optionalOutcome {
	wanted := render.PodMonitorsWanted(rapi)
	var desired []*unstructured.Unstructured
	if wanted {
		for _, c := range enabledComponents(rapi) {
			desired = append(desired, render.PodMonitor(rapi, c))
		}
	}
	return r.syncOptional(ctx, rapi, podMonitorKind, wanted, desired,
		"a PodMonitor per component scrapes its pods of every colour, labelled with colour and revision")
}
