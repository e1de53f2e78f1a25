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

package bluegreen

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/autoscaling"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// component writes one component's ConfigMap and Deployment of one colour;
// reduce starts a colour being prepared at spec.blueGreen.previewReplicas.
//
// For a component an HPA scales, replicas are never part of this
// operator's own apply, in any colour: a second field owner
// (apiv1.ReplicasFieldOwner) sets them where the operator decides them (a
// new Deployment, a colour being prepared, a colour scaled down) and the
// HPA sets them in the serving colour. A promotion then writes no
// Deployment.
func component(ctx context.Context, s *scope.Scope, c render.Component, colour Colour, reduce bool) {
	rapi, kids := s.RestAPI, s.Children
	dep := *c.Deployment.Name
	// Capacity handoff: a colour being prepared starts at least as large as
	// the one serving, or at its preview size until its switch is due.
	size := handOff(rapi, kids, c.Settings.Name, *c.Deployment.Spec.Replicas, colour, s.Serving)
	if colour != s.Serving && reduce {
		size = render.PreviewReplicas(rapi, size)
	}
	// A revision deployed into this colour starts from the serving
	// colour's VPA recommendation; one deployed already keeps what it
	// started with.
	autoscaling.StartFrom(c.Deployment, c.Settings.Name, kids.Deployments[dep], s.Recommended[c.Settings.Name])
	autoscaled := c.Settings.Autoscaling != nil
	if autoscaled {
		c.Deployment.Spec.Replicas = nil
	} else {
		c.Deployment.Spec.WithReplicas(size)
	}
	// The ConfigMap goes first: the Deployment's pods read it.
	_, _ = s.Apply(ctx, scope.Live(kids.ConfigMaps, *c.ConfigMap.Name), c.ConfigMap)
	if autoscaled {
		// Replicas this operator's apply still holds (written by an earlier
		// version, or before autoscaling was on) go to the other field
		// owner first, so leaving them out of the apply below does not
		// reset them.
		if err := handOverReplicas(ctx, s, kids.Deployments[dep]); err != nil {
			s.Keep("Deployment", dep)
			s.Record("Deployment", dep, scope.Unchanged, err)
			return
		}
	}
	// The template first, then the size: a colour being prepared never
	// starts pods of the revision it is leaving.
	res, err := s.Apply(ctx, scope.Live(kids.Deployments, dep), c.Deployment)
	if !autoscaled || err != nil {
		return
	}
	n := size
	switch {
	case res == scope.Conflict:
		return // not ours: its replicas neither
	case res == scope.Created && colour == s.Serving:
		// Created without replicas: start at the HPA's floor, unless that is
		// the API server's default of 1 (nothing to send; the field then has
		// no owner, and leaving it out of later applies keeps it).
		n = s.Floors.Of(c.Settings.Name, c.Settings.Replicas)
		if n == 1 {
			return
		}
	case res == scope.Created:
		if n == 1 {
			return
		}
	case colour == s.Serving:
		return // the HPA's
	default:
		if d := kids.Deployments[dep]; d != nil && ReplicasOf(d) == size {
			return
		}
	}
	s.Record("Deployment", dep, scope.Unchanged, applyReplicas(ctx, s, rapi.Namespace, dep, n, kids.Deployments[dep]))
}

// handOverReplicas gives a Deployment's replicas, when this operator's
// apply still owns them, to apiv1.ReplicasFieldOwner at their current
// value; nil d (not created yet) needs nothing.
func handOverReplicas(ctx context.Context, s *scope.Scope, d *appsv1.Deployment) error {
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
	return applyReplicas(ctx, s, d.Namespace, d.Name, *d.Spec.Replicas, d)
}

// applyReplicas sets a Deployment's replicas as apiv1.ReplicasFieldOwner.
// d is the reconcile's copy of it (nil when there is none); the scope's
// children then hold the answer (replicas and generation), so status
// describes the Deployment as written, not as the cache last saw it.
func applyReplicas(ctx context.Context, s *scope.Scope, ns, name string, n int32, d *appsv1.Deployment) error {
	ac := appsv1ac.Deployment(name, ns).WithSpec(appsv1ac.DeploymentSpec().WithReplicas(n))
	if err := s.WriteAs(ctx, apiv1.ReplicasFieldOwner, d, ac); err != nil {
		return fmt.Errorf("setting replicas: %w", err)
	}
	return nil
}

// scaleDown scales a colour's Deployment to zero, keeping its template so
// the colour can come back as it was. Whoever holds the replicas scales:
// when this operator's apply leaves them out (an HPA scales the component,
// see component), apiv1.ReplicasFieldOwner sets zero; otherwise what this
// operator applied is re-applied with zero replicas. A scale-down is
// announced by the blue-green Events, not as an update.
func scaleDown(ctx context.Context, s *scope.Scope, name string) error {
	d := s.Children.Deployments[name]
	if d == nil {
		return nil
	}
	ac, err := appsv1ac.ExtractDeployment(d, apiv1.ManagedBy)
	if err != nil {
		return fmt.Errorf("reading managed fields: %w", err)
	}
	if ac.Spec == nil || ac.Spec.Replicas == nil {
		// This operator's apply holds no replicas (an HPA scales the
		// component, or its managed fields were taken or cleared): the
		// replicas owner scales.
		if ReplicasOf(d) == 0 {
			return nil
		}
		return applyReplicas(ctx, s, s.RestAPI.Namespace, name, 0, d)
	}
	ac.Spec.WithReplicas(0)
	_, err = s.Write(ctx, d, ac)
	return err
}
