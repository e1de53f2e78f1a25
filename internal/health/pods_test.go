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
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

func waiting(reason, msg string) corev1.PodStatus {
	return corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
		Name: "model", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}},
	}}}
}

func readyStatus(st corev1.PodStatus) corev1.PodStatus {
	st.Phase = corev1.PodRunning
	st.Conditions = append(st.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue})
	return st
}

func pod(name string, st corev1.PodStatus) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: st}
}

func TestEvaluateWithPods(t *testing.T) {
	rolling := deployment(1, 1, 2, appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2,
		Conditions: []appsv1.DeploymentCondition{cond(appsv1.DeploymentProgressing, corev1.ConditionTrue, "ReplicaSetUpdated")}})
	healthy := deployment(1, 1, 2, appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2})
	oom := corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
		Name: "model", RestartCount: 4,
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}},
	}}}
	unschedulable := corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: "0/3 nodes are available: 3 Insufficient cpu.",
	}}}
	tests := []struct {
		name       string
		d          *appsv1.Deployment
		pods       []corev1.Pod
		health     apiv1.Health
		reason     string
		msgContain string
	}{
		{"crash loop", rolling, []corev1.Pod{pod("p1", waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container")), pod("p2", waiting("CrashLoopBackOff", ""))},
			apiv1.HealthUnhealthy, "CrashLoopBackOff", "2 pods in CrashLoopBackOff"},
		{"image cannot be pulled", rolling, []corev1.Pod{pod("p1", waiting("ImagePullBackOff", "Back-off pulling image \"shop:nope\""))},
			apiv1.HealthUnhealthy, "ImagePullBackOff", "shop:nope"},
		{"image pull error", rolling, []corev1.Pod{pod("p1", waiting("ErrImagePull", "not found"))},
			apiv1.HealthUnhealthy, "ErrImagePull", "not found"},
		{"missing Secret", rolling, []corev1.Pod{pod("p1", waiting("CreateContainerConfigError", "secret \"shop-db\" not found"))},
			apiv1.HealthUnhealthy, "CreateContainerConfigError", "secret \"shop-db\" not found"},
		{"out of memory", rolling, []corev1.Pod{pod("p1", oom)},
			apiv1.HealthUnhealthy, "OOMKilled", "raise its memory limit"},
		{"unschedulable", rolling, []corev1.Pod{pod("p1", unschedulable)},
			apiv1.HealthUnhealthy, "Unschedulable", "Insufficient cpu"},
		{"the worst failure wins", rolling, []corev1.Pod{pod("p1", waiting("CrashLoopBackOff", "")), pod("p2", waiting("CreateContainerConfigError", "secret missing"))},
			apiv1.HealthUnhealthy, "CreateContainerConfigError", "secret missing"},
		{"pods just starting are not a failure", rolling, []corev1.Pod{pod("p1", waiting("ContainerCreating", ""))},
			apiv1.HealthProgressing, apiv1.ReasonRollingOut, "rolling out"},
		{"a healthy Deployment stays healthy despite an old OOM kill", healthy, []corev1.Pod{pod("p1", readyStatus(oom)), pod("p2", readyStatus(corev1.PodStatus{}))},
			apiv1.HealthHealthy, apiv1.ReasonAllReplicasReady, "2 of 2"},
		{"a pod losing readiness shows before the Deployment's status does", healthy,
			[]corev1.Pod{pod("p1", readyStatus(corev1.PodStatus{})), pod("p2", corev1.PodStatus{Phase: corev1.PodRunning})},
			apiv1.HealthDegraded, apiv1.ReasonReplicasUnavailable, "1 of 2 pods ready; pod p2 is not ready"},
		{"every pod losing readiness makes the component Unhealthy", healthy,
			[]corev1.Pod{pod("p1", corev1.PodStatus{Phase: corev1.PodRunning}), pod("p2", corev1.PodStatus{Phase: corev1.PodRunning})},
			apiv1.HealthUnhealthy, apiv1.ReasonNoReadyPods, "0 of 2 pods ready: none passes its readiness probe; pod p1 is not ready"},
		{"a pod crash-looping in a serving component names the crash", healthy,
			[]corev1.Pod{pod("p1", readyStatus(corev1.PodStatus{})), pod("p2", waiting("CrashLoopBackOff", "back-off 20s"))},
			apiv1.HealthUnhealthy, "CrashLoopBackOff", "1 of 2 pods ready; pod p2: container model is waiting: CrashLoopBackOff"},
		{"a pod not in the cache yet is no loss of readiness", healthy, []corev1.Pod{pod("p1", readyStatus(corev1.PodStatus{}))},
			apiv1.HealthHealthy, apiv1.ReasonAllReplicasReady, "2 of 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.d, tt.pods)
			if got.Health != tt.health || got.Reason != tt.reason || !strings.Contains(got.Message, tt.msgContain) {
				t.Errorf("got %s/%s %q, want %s/%s containing %q", got.Health, got.Reason, got.Message, tt.health, tt.reason, tt.msgContain)
			}
		})
	}
}

// TestAScaleUpAfterAFinishedRolloutIsNotALoss: a colour prepared from zero
// gets its template at zero replicas (a rollout the Deployment controller
// finishes at once) and its size next; its new Pods are starting, not lost
// (Judge). In a serving colour (Evaluate) such Pods replace lost ones: a
// loss.
func TestAScaleUpAfterAFinishedRolloutIsNotALoss(t *testing.T) {
	finished := time.Date(2026, 11, 30, 17, 43, 50, 0, time.UTC)
	d := deployment(5, 5, 1, appsv1.DeploymentStatus{Replicas: 1, UpdatedReplicas: 1, Conditions: []appsv1.DeploymentCondition{{
		Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable",
		LastUpdateTime: metav1.NewTime(finished), LastTransitionTime: metav1.NewTime(finished.Add(-time.Hour)),
	}}})
	starting := func(created time.Time) corev1.Pod {
		p := pod("p1", corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}})
		p.CreationTimestamp = metav1.NewTime(created)
		return p
	}
	for _, tc := range []struct {
		name   string
		pods   []corev1.Pod
		health apiv1.Health
		reason string
	}{
		{"created in the second the rollout finished", []corev1.Pod{starting(finished)}, apiv1.HealthProgressing, apiv1.ReasonRollingOut},
		{"created after", []corev1.Pod{starting(finished.Add(2 * time.Second))}, apiv1.HealthProgressing, apiv1.ReasonRollingOut},
		{"created before: it was among the Pods that finished the rollout", []corev1.Pod{starting(finished.Add(-time.Minute))}, apiv1.HealthUnhealthy, apiv1.ReasonNoReadyPods},
		{"one created before among others", []corev1.Pod{starting(finished.Add(-time.Minute)), starting(finished)}, apiv1.HealthUnhealthy, apiv1.ReasonNoReadyPods},
		{"no Pod seen: the Deployment's word", nil, apiv1.HealthUnhealthy, apiv1.ReasonNoReadyPods},
	} {
		c := Judge(d, tc.pods, Limits{}, finished.Add(time.Minute))
		if c.Health != tc.health || c.Reason != tc.reason {
			t.Errorf("%s: %s %s (%s)", tc.name, c.Health, c.Reason, c.Message)
		}
		if s := Evaluate(d, tc.pods); s.Health != apiv1.HealthUnhealthy || s.Reason != apiv1.ReasonNoReadyPods {
			t.Errorf("%s, serving: %s %s, want Unhealthy NoReadyPods", tc.name, s.Health, s.Reason)
		}
	}
}
