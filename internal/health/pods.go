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
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// podFailures are the Pod-level reasons that make a component Unhealthy,
// worst first. Which of them a preview waits on and which make it broken is
// the table in classify.go.
var podFailures = []string{
	apiv1.ReasonCreateContainerConfigError,
	apiv1.ReasonInvalidImageName,
	apiv1.ReasonErrImagePull,
	apiv1.ReasonImagePullBackOff,
	apiv1.ReasonCrashLoopBackOff,
	apiv1.ReasonOOMKilled,
	apiv1.ReasonCreateContainerError,
	apiv1.ReasonUnschedulable,
}

// PodFailure is a failure the Pods show: its reason, a message naming one
// Pod (and how many show it), the most restarts of a container showing it,
// and when the earliest Pod showing it was scheduled (created, when it is
// not scheduled).
type PodFailure struct {
	Reason   string
	Message  string
	Restarts int32
	Since    time.Time
}

// FromPods finds the worst failure among Pods: a container waiting with a
// reason from podFailures, a container last killed for running out of
// memory, or a Pod the scheduler cannot place. ok is false when none fails.
func FromPods(pods []corev1.Pod) (PodFailure, bool) {
	all := podFailuresOf(pods)
	if len(all) == 0 {
		return PodFailure{}, false
	}
	return all[0], true
}

// podFailuresOf lists every failure the live Pods show, worst first.
func podFailuresOf(pods []corev1.Pod) []PodFailure {
	found := map[string]*PodFailure{}
	count := map[string]int{}
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		since := scheduledAt(p)
		for reason, f := range podReasons(p) {
			count[reason]++
			if g, ok := found[reason]; ok {
				g.Restarts = max(g.Restarts, f.Restarts)
				if since.Before(g.Since) {
					g.Since = since
				}
				continue
			}
			found[reason] = &PodFailure{Reason: reason, Message: fmt.Sprintf("pod %s: %s", p.Name, f.Message), Restarts: f.Restarts, Since: since}
		}
	}
	var out []PodFailure
	for _, reason := range podFailures {
		if f, ok := found[reason]; ok {
			if n := count[reason]; n > 1 {
				f.Message = fmt.Sprintf("%d pods in %s, e.g. %s", n, reason, f.Message)
			}
			out = append(out, *f)
		}
	}
	return out
}

// scheduledAt is when a Pod was placed on a node (image pulls and container
// creation start then), or when it was created if it is not placed yet.
func scheduledAt(p *corev1.Pod) time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time
		}
	}
	return p.CreationTimestamp.Time
}

// podReasons lists the failures one Pod shows, by reason (Since unset).
func podReasons(p *corev1.Pod) map[string]PodFailure {
	out := map[string]PodFailure{}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			msg := fmt.Sprintf("container %s is waiting: %s", cs.Name, w.Reason)
			if w.Message != "" {
				msg += ": " + w.Message
			}
			if cs.RestartCount > 0 {
				msg += fmt.Sprintf(" (restarted %d times)", cs.RestartCount)
			}
			out[w.Reason] = PodFailure{Message: msg, Restarts: cs.RestartCount}
		}
		if t := cs.LastTerminationState.Terminated; t != nil && t.Reason == apiv1.ReasonOOMKilled {
			out[apiv1.ReasonOOMKilled] = PodFailure{Restarts: cs.RestartCount,
				Message: fmt.Sprintf("container %s was killed for using more memory than its limit (restarted %d times); raise its memory limit",
					cs.Name, cs.RestartCount)}
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			out[apiv1.ReasonUnschedulable] = PodFailure{Message: "cannot be scheduled: " + c.Message}
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
	if c.Health == apiv1.HealthUnhealthy && c.Reason == apiv1.ReasonReplicaFailure {
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

// startedSinceRollout reports whether every live Pod of a Deployment was
// created at or after its last rollout finished (the Progressing
// condition's NewReplicaSetAvailable): none of them can have been among
// the Pods that made it finish. Times are whole seconds, so a Pod created
// in the second the rollout finished counts as started after it: a
// preview then waits for its deadline rather than being aborted for a
// loss that may not be one.
func startedSinceRollout(d *appsv1.Deployment, pods []corev1.Pod) bool {
	var done time.Time
	for _, c := range d.Status.Conditions {
		if c.Type == deploymentConditionProgress && c.Reason == deploymentNewRSAvailable {
			done = c.LastUpdateTime.Time
			if done.IsZero() {
				done = c.LastTransitionTime.Time
			}
		}
	}
	if done.IsZero() {
		return false
	}
	live := 0
	for i := range pods {
		if pods[i].DeletionTimestamp != nil {
			continue
		}
		live++
		if pods[i].CreationTimestamp.Time.Before(done) {
			return false
		}
	}
	return live > 0
}
