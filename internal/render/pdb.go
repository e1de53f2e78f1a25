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
	"k8s.io/apimachinery/pkg/util/intstr"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// PDB renders a component's PodDisruptionBudget: at most one of the serving
// colour's pods may be evicted at a time, so a node drain keeps the
// component serving. The controller writes it only while that colour runs
// more than one pod (with one, it would block every drain).
func PDB(r *apiv1.RestAPI, c apiv1.ComponentName, serving apiv1.Environment) *policyv1ac.PodDisruptionBudgetApplyConfiguration {
	return policyv1ac.PodDisruptionBudget(ChildName(r, c), r.Namespace).
		WithLabels(Labels(r, c, "")).
		WithOwnerReferences(OwnerReference(r)).
		WithSpec(policyv1ac.PodDisruptionBudgetSpec().
			WithMaxUnavailable(intstr.FromInt32(1)).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(SelectorLabels(r, c, serving))))
}
