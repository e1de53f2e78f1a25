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

// Package health derives a component's health from what the cluster shows.
package health

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// The Deployment controller's own reasons, read from its conditions.
const (
	deploymentNewRSAvailable    = "NewReplicaSetAvailable"
	deploymentProgressTimedOut  = "ProgressDeadlineExceeded"
	deploymentDefaultReplicas   = int32(1)
	deploymentConditionProgress = appsv1.DeploymentProgressing
)

// Component is one component's health, with the numbers behind it.
type Component struct {
	Health        apiv1.Health
	Reason        string
	Message       string
	Replicas      int32
	ReadyReplicas int32
}

// FromDeployment derives a component's health from its Deployment (nil when
// it does not exist yet):
//   - Healthy: every desired pod is updated and ready, no old pods left.
//   - Unhealthy: the Deployment controller gave up (progress deadline
//     exceeded) or cannot create pods (ReplicaFailure).
//   - Degraded: a finished rollout has lost some ready pods; Unhealthy
//     (NoReadyPods) when it has lost all of them.
//   - Progressing: anything else on the way to Healthy.
func FromDeployment(d *appsv1.Deployment) Component {
	if d == nil {
		return Component{Health: apiv1.HealthProgressing, Reason: apiv1.ReasonCreating, Message: "Deployment is being created"}
	}
	desired := deploymentDefaultReplicas
	if d.Spec.Replicas != nil {
		desired = *d.Spec.Replicas
	}
	st := d.Status
	c := Component{Replicas: desired, ReadyReplicas: st.ReadyReplicas}

	if st.ObservedGeneration < d.Generation {
		c.Health, c.Reason = apiv1.HealthProgressing, apiv1.ReasonRolloutPending
		c.Message = fmt.Sprintf("Deployment %s: waiting for the Deployment controller to observe generation %d", d.Name, d.Generation)
		return c
	}
	for _, cond := range st.Conditions {
		if cond.Type == appsv1.DeploymentReplicaFailure && cond.Status == corev1.ConditionTrue {
			c.Health, c.Reason = apiv1.HealthUnhealthy, apiv1.ReasonReplicaFailure
			c.Message = fmt.Sprintf("Deployment %s cannot create pods: %s", d.Name, cond.Message)
			return c
		}
		if cond.Type == deploymentConditionProgress && cond.Status == corev1.ConditionFalse && cond.Reason == deploymentProgressTimedOut {
			c.Health, c.Reason = apiv1.HealthUnhealthy, apiv1.ReasonProgressDeadlineExceeded
			c.Message = fmt.Sprintf("Deployment %s did not finish its rollout in time: %d of %d pods ready", d.Name, st.ReadyReplicas, desired)
			return c
		}
	}
	if st.UpdatedReplicas >= desired && st.ReadyReplicas >= desired && st.AvailableReplicas >= desired && st.Replicas == st.UpdatedReplicas {
		c.Health, c.Reason = apiv1.HealthHealthy, apiv1.ReasonAllReplicasReady
		c.Message = fmt.Sprintf("%d of %d pods ready", st.ReadyReplicas, desired)
		return c
	}
	if rolloutFinished(d) && st.UpdatedReplicas >= desired {
		return lostPods(c)
	}
	c.Health, c.Reason = apiv1.HealthProgressing, apiv1.ReasonRollingOut
	c.Message = fmt.Sprintf("rolling out: %d of %d pods updated, %d ready", st.UpdatedReplicas, desired, st.ReadyReplicas)
	return c
}

// rolloutFinished reports whether the Deployment controller has declared the
// latest rollout complete (Progressing=True, reason NewReplicaSetAvailable).
func rolloutFinished(d *appsv1.Deployment) bool {
	for _, cond := range d.Status.Conditions {
		if cond.Type == deploymentConditionProgress {
			return cond.Status == corev1.ConditionTrue && cond.Reason == deploymentNewRSAvailable
		}
	}
	return false
}

// lostPods is the health of a component whose rollout finished and which
// has fewer ready pods than desired: Degraded while some serve, Unhealthy
// once none does.
func lostPods(c Component) Component {
	if c.ReadyReplicas <= 0 && c.Replicas > 0 {
		c.Health, c.Reason = apiv1.HealthUnhealthy, apiv1.ReasonNoReadyPods
		c.Message = fmt.Sprintf("0 of %d pods ready: none passes its readiness probe", c.Replicas)
		return c
	}
	c.Health, c.Reason = apiv1.HealthDegraded, apiv1.ReasonReplicasUnavailable
	c.Message = fmt.Sprintf("%d of %d pods ready", c.ReadyReplicas, c.Replicas)
	return c
}
