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
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope/scopetest"
)

// The serving colour scaled up (an HPA) and the scheduler cannot place the
// new pods yet: it waits for capacity like a preview, up to CapacityGrace.
func TestTheServingColourWaitsForCapacity(t *testing.T) {
	scaledUp := deployment(2, 2, 3, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2,
		Conditions: []appsv1.DeploymentCondition{cond(appsv1.DeploymentAvailable, corev1.ConditionTrue, "MinimumReplicasAvailable")}})
	pending := func(ago time.Duration) corev1.Pod {
		p := unschedulablePod("p3")
		p.CreationTimestamp = metav1.NewTime(tNow.Add(-ago))
		return p
	}
	ready := []corev1.Pod{pod("p1", readyStatus(corev1.PodStatus{})), pod("p2", readyStatus(corev1.PodStatus{}))}
	tests := []struct {
		name   string
		pods   []corev1.Pod
		health apiv1.Health
		reason string
		until  time.Time
	}{
		{"a pod pending for a minute: waited on", append(ready[:2:2], pending(time.Minute)), apiv1.HealthProgressing, apiv1.ReasonWaitingForCapacity,
			tNow.Add(-time.Minute).Add(CapacityGrace)},
		{"past the grace: unhealthy", append(ready[:2:2], pending(CapacityGrace)), apiv1.HealthUnhealthy, apiv1.ReasonUnschedulable, time.Time{}},
		{"nothing serves: an outage, not a wait", []corev1.Pod{pending(time.Minute)}, apiv1.HealthUnhealthy, apiv1.ReasonUnschedulable, time.Time{}},
		{"another failure as well: not a wait", append(ready[:1:1], pending(time.Minute), crashing("p4", 5)), apiv1.HealthUnhealthy, apiv1.ReasonCrashLoopBackOff, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := scaledUp
			if tt.name == "nothing serves: an outage, not a wait" {
				d = deployment(2, 2, 3, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3})
			}
			got, until := WaitingForCapacity(Evaluate(d, tt.pods), tt.pods, tNow)
			if got.Health != tt.health || got.Reason != tt.reason || !until.Equal(tt.until) {
				t.Errorf("%s/%s until %v (%s), want %s/%s until %v", got.Health, got.Reason, until, got.Message, tt.health, tt.reason, tt.until)
			}
		})
	}

	t.Run("the health phase: Progressing, not unhealthy, and looked at again when the grace ends", func(t *testing.T) {
		s := servingShop(&scopetest.Writer{}, time.Minute)
		rapi := s.RestAPI
		// The model crash loops in servingShop: make it healthy, and scale
		// the view up into a full cluster.
		s.Children.Pods = nil
		for _, c := range rapi.Spec.EnabledComponents() {
			d := s.Children.Deployments[render.ColourName(rapi, c, apiv1.EnvironmentBlue)]
			d.Status = appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, ObservedGeneration: d.Generation}
			if c == apiv1.ComponentView {
				d.Spec.Replicas = new(int32(3))
				d.Status = scaledUp.Status
				d.Status.ObservedGeneration = d.Generation
				p := pending(time.Minute)
				p.Labels = d.Spec.Template.Labels
				s.Children.Pods = append(s.Children.Pods, p)
			}
		}
		sum := (&Reconciler{}).Reconcile(s)
		if sum.Worst != apiv1.HealthHealthy || len(sum.Unhealthy) != 0 || len(sum.Progressing) != 1 {
			t.Errorf("summary %+v %+v", sum, s.Status.Components)
		}
		if want := CapacityGrace - time.Minute; s.Requeue() != want && s.Requeue() > want {
			t.Errorf("requeue %v, want by the end of the grace (%v)", s.Requeue(), want)
		}
		for _, c := range s.Status.Components {
			if c.Name == apiv1.ComponentView && (c.Reason != apiv1.ReasonWaitingForCapacity || !strings.Contains(c.Message, "waiting for room on a node")) {
				t.Errorf("view %+v", c)
			}
		}
	})
}
