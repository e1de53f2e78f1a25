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
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Pod-level reasons named in more than one place.
const (
	ReasonCrashLoopBackOff = "CrashLoopBackOff"
	ReasonOOMKilled        = "OOMKilled"
)

// Pod-level reasons a component cannot become available by itself, worst
// first: each needs a person (a fixed image, a Secret, more memory, capacity).
var podFailures = []string{
	"CreateContainerConfigError", // for example a missing Secret or ConfigMap key
	"InvalidImageName",
	"ErrImagePull",
	"ImagePullBackOff",
	ReasonCrashLoopBackOff,
	ReasonOOMKilled,
	"CreateContainerError",
	"Unschedulable",
}

// PodFailure is the worst failure the Pods show, with how many Pods show it.
type PodFailure struct {
	Reason  string
	Message string
}

// FromPods finds the worst failure among Pods: a container waiting with a
// reason from podFailures, a container last killed for running out of
// memory, or a Pod the scheduler cannot place. ok is false when none fails.
func FromPods(pods []corev1.Pod) (PodFailure, bool) {
	found := map[string]PodFailure{}
	count := map[string]int{}
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		for reason, msg := range podReasons(p) {
			count[reason]++
			if _, ok := found[reason]; !ok {
				found[reason] = PodFailure{Reason: reason, Message: fmt.Sprintf("pod %s: %s", p.Name, msg)}
			}
		}
	}
	for _, reason := range podFailures {
		if f, ok := found[reason]; ok {
			if n := count[reason]; n > 1 {
				f.Message = fmt.Sprintf("%d pods in %s, e.g. %s", n, reason, f.Message)
			}
			return f, true
		}
	}
	return PodFailure{}, false
}

// podReasons lists the failures one Pod shows, by reason.
func podReasons(p *corev1.Pod) map[string]string {
	out := map[string]string{}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			msg := fmt.Sprintf("container %s is waiting: %s", cs.Name, w.Reason)
			if w.Message != "" {
				msg += ": " + w.Message
			}
			out[w.Reason] = msg
		}
		if t := cs.LastTerminationState.Terminated; t != nil && t.Reason == ReasonOOMKilled {
			out[ReasonOOMKilled] = fmt.Sprintf("container %s was killed for using more memory than its limit (restarted %d times); raise its memory limit",
				cs.Name, cs.RestartCount)
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			out["Unschedulable"] = "cannot be scheduled: " + c.Message
		}
	}
	return out
}

// Evaluate is a component's health from its Deployment and the Pods of that
// Deployment: a component that is not Healthy and whose Pods show a failure
// from podFailures is Unhealthy, with that failure as reason and message.
//
// The Pods are read straight from their watch, a step ahead of the
// Deployment's status: a Healthy component whose Pods are not all ready any
// more is Degraded (Unhealthy when none is ready) at once.
func Evaluate(d *appsv1.Deployment, pods []corev1.Pod) Component {
	c := FromDeployment(d)
	if c.Health == apiv1.HealthHealthy {
		// Only a Pod seen not ready counts: a Pod missing from the cache may
		// just not have arrived yet, and the Deployment says it is ready.
		unready, name := unreadyPods(pods)
		if unready == 0 {
			return c
		}
		c.ReadyReplicas = max(c.ReadyReplicas-unready, 0)
		c = lostPods(c)
		c.Message += fmt.Sprintf("; pod %s is not ready", name)
	}
	if c.Health == apiv1.HealthUnhealthy && c.Reason == ReasonReplicaFailure {
		return c
	}
	if f, ok := FromPods(pods); ok {
		c.Health, c.Reason = apiv1.HealthUnhealthy, f.Reason
		c.Message = fmt.Sprintf("%d of %d pods ready; %s", c.ReadyReplicas, c.Replicas, f.Message)
	}
	return c
}

// unreadyPods counts the live (not terminating) Pods that are not ready, and
// names one.
func unreadyPods(pods []corev1.Pod) (unready int32, name string) {
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		ready := false
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			unready++
			if name == "" {
				name = p.Name
			}
		}
	}
	return unready, name
}
