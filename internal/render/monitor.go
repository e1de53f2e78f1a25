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

package render

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// PodMonitorGroupVersionKind is the Prometheus Operator's PodMonitor.
var PodMonitorGroupVersionKind = schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "PodMonitor"}

// PodMonitorsWanted reports whether the spec asks for PodMonitors.
func PodMonitorsWanted(r *apiv1.RestAPI) bool {
	return r.Spec.Observability.Metrics.PodMonitor && r.Spec.Observability.Metrics.IsEnabled()
}

// Unstructured starts an object of a kind the operator creates without a
// typed client (its CRD may be missing): name, namespace, the component's
// labels and the controller owner reference.
func Unstructured(r *apiv1.RestAPI, gvk schema.GroupVersionKind, c apiv1.ComponentName) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(r.Namespace)
	u.SetName(ChildName(r, c))
	u.SetLabels(Labels(r, c, ""))
	ref := OwnerReference(r)
	u.Object["metadata"].(map[string]any)["ownerReferences"] = []any{map[string]any{
		"apiVersion": *ref.APIVersion, "kind": *ref.Kind, "name": *ref.Name, "uid": string(*ref.UID),
		"controller": true, "blockOwnerDeletion": true,
	}}
	return u
}

// PodMonitor renders a component's PodMonitor: the pods of every colour,
// scraped on their named port at the metrics path, each sample labelled with
// the pod's colour and revision.
func PodMonitor(r *apiv1.RestAPI, c apiv1.ComponentName) *unstructured.Unstructured {
	u := Unstructured(r, PodMonitorGroupVersionKind, c)
	selector := map[string]any{}
	for k, v := range SelectorLabels(r, c, "") {
		selector[k] = v
	}
	port := PortName
	if r.Spec.Observability.Metrics.Port != nil {
		port = MetricsPortName
	}
	u.Object["spec"] = map[string]any{
		"selector": map[string]any{"matchLabels": selector},
		"podMetricsEndpoints": []any{map[string]any{
			"port": port,
			"path": orString(r.Spec.Observability.Metrics.Path, "/metrics"),
		}},
		"podTargetLabels": []any{apiv1.LabelComponent, apiv1.LabelEnvironment, apiv1.LabelRevision},
	}
	return u
}
