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

	corev1 "k8s.io/api/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// CapacityGrace is how long Pods of the serving colour may wait for room
// on a node while the colour still serves (an HPA scaled it up, a cluster
// autoscaler is adding a node) before they count against its health: the
// cluster autoscaler's default --max-node-provision-time.
const CapacityGrace = 15 * time.Minute

// WaitingForCapacity is the serving colour's patience, the one a preview
// has (Judge): a component that still serves, whose only problem is Pods
// the scheduler cannot place, is Progressing (WaitingForCapacity) until
// CapacityGrace after the first of them was created, not Unhealthy. It
// returns the component as it counts, and when the wait ends (zero when
// it does not wait).
func WaitingForCapacity(c Component, pods []corev1.Pod, now time.Time) (Component, time.Time) {
	if c.Health != apiv1.HealthUnhealthy && c.Health != apiv1.HealthDegraded || c.ReadyReplicas == 0 {
		// Healthy or on its way; or nothing serves: an outage is shown.
		return c, time.Time{}
	}
	failures := podFailuresOf(pods)
	if len(failures) != 1 || failures[0].Reason != apiv1.ReasonUnschedulable {
		return c, time.Time{}
	}
	f := failures[0]
	until := f.Since.Add(CapacityGrace)
	if !now.Before(until) {
		return c, time.Time{}
	}
	c.Health, c.Reason = apiv1.HealthProgressing, apiv1.ReasonWaitingForCapacity
	c.Message = fmt.Sprintf("%d of %d pods ready; %s; waiting for room on a node until %s, then counted as unhealthy",
		c.ReadyReplicas, c.Replicas, f.Message, until.UTC().Format(time.RFC3339))
	return c, until
}
