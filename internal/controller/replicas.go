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

	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// ReplicasFieldOwner is the field owner that keeps a Deployment's replicas
// when an HPA takes them over: the operator's own apply then leaves them out,
// which without a second owner would reset them to 1.
const ReplicasFieldOwner = "restapi-operator-replicas"

// handOverReplicas gives a Deployment's replicas, when this operator's
// apply still owns them, to ReplicasFieldOwner at their current value; nil
// d (not created yet) needs nothing.
func (r *RestAPIReconciler) handOverReplicas(ctx context.Context, d *appsv1.Deployment) error {
	if d == nil || d.Spec.Replicas == nil {
		return nil
	}
	mine, err := appsv1ac.ExtractDeployment(d, apiv1.ManagedBy)
	if err != nil {
		return fmt.Errorf("reading managed fields: %w", err)
	}
	if mine.Spec == nil || mine.Spec.Replicas == nil {
		return nil
	}
	return r.applyReplicas(ctx, d.Namespace, d.Name, *d.Spec.Replicas, d)
}

// applyReplicas sets a Deployment's replicas as ReplicasFieldOwner. d, the
// reconcile's copy of it (nil when there is none), is updated to the
// answer (replicas and generation), so status describes the Deployment as
// written, not as the cache last saw it.
func (r *RestAPIReconciler) applyReplicas(ctx context.Context, ns, name string, n int32, d *appsv1.Deployment) error {
	ac := appsv1ac.Deployment(name, ns).WithSpec(appsv1ac.DeploymentSpec().WithReplicas(n))
	if err := r.Apply(ctx, ac, client.FieldOwner(ReplicasFieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("setting replicas: %w", err)
	}
	if d != nil {
		d.Spec.Replicas = &n
		if ac.Generation != nil {
			d.Generation = *ac.Generation
		}
	}
	return nil
}

// scaleDown scales a colour's Deployment to zero, keeping its template so
// the colour can come back as it was. Whoever holds the replicas scales:
// when this operator's apply leaves them out (an HPA scales the component,
// see component), ReplicasFieldOwner sets zero; otherwise what this
// operator applied is re-applied with zero replicas.
func (r *RestAPIReconciler) scaleDown(ctx context.Context, rapi *apiv1.RestAPI, kids children, name string) (writeResult, string, error) {
	d := kids.deployments[name]
	if d == nil {
		return unchanged, name, nil
	}
	ac, err := appsv1ac.ExtractDeployment(d, apiv1.ManagedBy)
	if err != nil || ac.Spec == nil {
		return unchanged, name, fmt.Errorf("reading managed fields: %v", err)
	}
	if ac.Spec.Replicas == nil {
		if replicasOf(d) == 0 {
			return unchanged, name, nil
		}
		if err := r.applyReplicas(ctx, rapi.Namespace, name, 0, d); err != nil {
			return unchanged, name, err
		}
		return unchanged, name, nil // a scale-down is reported by the blue-green Events
	}
	ac.Spec.WithReplicas(0)
	res, err := ensure(ctx, r, rapi, kids.deployments, name, ac, appsv1ac.ExtractDeployment, &appsv1.Deployment{})
	kids.applied(name, ac, res)
	if res == updated {
		res = unchanged // a scale-down is reported by the blue-green Events
	}
	return res, name, err
}
