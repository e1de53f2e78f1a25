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

package health

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

func deployment(gen, observed int64, replicas int32, st appsv1.DeploymentStatus) *appsv1.Deployment { //nolint:unparam // table reads better with both
	st.ObservedGeneration = observed
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "shop-model", Generation: gen},
		Spec:       appsv1.DeploymentSpec{Replicas: &replicas},
		Status:     st,
	}
}

func cond(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason string) appsv1.DeploymentCondition {
	return appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, Message: "msg: " + reason}
}

func TestFromDeployment(t *testing.T) {
	finished := cond(appsv1.DeploymentProgressing, corev1.ConditionTrue, "NewReplicaSetAvailable")
	rolling := cond(appsv1.DeploymentProgressing, corev1.ConditionTrue, "ReplicaSetUpdated")
	tests := []struct {
		name       string
		d          *appsv1.Deployment
		health     apiv1.Health
		reason     string
		ready, des int32
	}{
		{"missing Deployment", nil, apiv1.HealthProgressing, apiv1.ReasonCreating, 0, 0},
		{"generation not yet observed", deployment(2, 1, 2, appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}),
			apiv1.HealthProgressing, apiv1.ReasonRolloutPending, 2, 2},
		{"every pod updated and ready", deployment(1, 1, 2, appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
			Conditions: []appsv1.DeploymentCondition{finished}}), apiv1.HealthHealthy, apiv1.ReasonAllReplicasReady, 2, 2},
		{"old pods still running", deployment(1, 1, 2, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
			Conditions: []appsv1.DeploymentCondition{rolling}}), apiv1.HealthProgressing, apiv1.ReasonRollingOut, 2, 2},
		{"new pods not ready yet", deployment(1, 1, 3, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1, AvailableReplicas: 1,
			Conditions: []appsv1.DeploymentCondition{rolling}}), apiv1.HealthProgressing, apiv1.ReasonRollingOut, 1, 3},
		{"finished rollout lost a pod", deployment(1, 1, 3, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2,
			Conditions: []appsv1.DeploymentCondition{finished}}), apiv1.HealthDegraded, apiv1.ReasonReplicasUnavailable, 2, 3},
		{"finished rollout lost every pod", deployment(1, 1, 3, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3,
			Conditions: []appsv1.DeploymentCondition{finished}}), apiv1.HealthUnhealthy, apiv1.ReasonNoReadyPods, 0, 3},
		{"scaled to zero is healthy", deployment(1, 1, 0, appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{finished}}),
			apiv1.HealthHealthy, apiv1.ReasonAllReplicasReady, 0, 0},
		{"progress deadline exceeded", deployment(1, 1, 2, appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2,
			Conditions: []appsv1.DeploymentCondition{cond(appsv1.DeploymentProgressing, corev1.ConditionFalse, "ProgressDeadlineExceeded")}}),
			apiv1.HealthUnhealthy, apiv1.ReasonProgressDeadlineExceeded, 0, 2},
		{"replica failure (quota, admission)", deployment(1, 1, 2, appsv1.DeploymentStatus{
			Conditions: []appsv1.DeploymentCondition{cond(appsv1.DeploymentReplicaFailure, corev1.ConditionTrue, "FailedCreate"), rolling}}),
			apiv1.HealthUnhealthy, apiv1.ReasonReplicaFailure, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromDeployment(tt.d)
			if got.Health != tt.health || got.Reason != tt.reason || got.ReadyReplicas != tt.ready || got.Replicas != tt.des {
				t.Errorf("got %+v, want health %s reason %s ready %d/%d", got, tt.health, tt.reason, tt.ready, tt.des)
			}
			if got.Message == "" {
				t.Error("no message for a person")
			}
		})
	}
}
