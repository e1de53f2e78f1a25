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
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
	"github.com/restapi-operator/restapi-operator/internal/scope/scopetest"
)

// servingShop is a scope of a RestAPI serving revision r1 from blue, every
// component healthy but the model, whose pods crash-loop; the model was
// unhealthy since unhealthyFor ago (its previous status says so).
func servingShop(w *scopetest.Writer, unhealthyFor time.Duration) *scope.Scope {
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop", UID: "u1"}}
	since := metav1.NewTime(tNow.Add(-unhealthyFor))
	rapi.Status.Components = []apiv1.ComponentStatus{{Name: apiv1.ComponentModel, Environment: apiv1.EnvironmentBlue, Revision: "r1",
		Health: apiv1.HealthUnhealthy, Reason: apiv1.ReasonCrashLoopBackOff, UnhealthySince: &since}}
	s := scopetest.Scope(rapi, w, tNow)
	s.Serving, s.Steady = apiv1.EnvironmentBlue, true
	for _, c := range rapi.Spec.EnabledComponents() {
		labels := map[string]string{apiv1.LabelComponent: string(c), apiv1.LabelEnvironment: "blue", apiv1.LabelRevision: "r1"}
		st := appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}
		if c == apiv1.ComponentModel {
			st = appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2}
			for _, n := range []string{"m1", "m2"} {
				p := crashing(n, 5)
				p.Labels = labels
				s.Children.Pods = append(s.Children.Pods, p)
			}
		}
		d := deployment(1, 1, 2, st)
		d.Name, d.Labels = render.ColourName(rapi, c, apiv1.EnvironmentBlue), labels
		d.UID = types.UID("uid-" + d.Name)
		d.Spec.Template.Labels = labels
		s.Children.Deployments[d.Name] = d
	}
	return s
}

func TestTheHealthPhaseReportsTheServingColour(t *testing.T) {
	s := servingShop(&scopetest.Writer{}, time.Minute)
	sum := (&Reconciler{}).Reconcile(s)
	if len(s.Status.Components) != 4 || s.Status.Replicas != 8 || s.Status.ReadyReplicas != 6 || s.Status.Ready != "6/8" {
		t.Fatalf("status %+v", s.Status)
	}
	if sum.Worst != apiv1.HealthUnhealthy || sum.WorstReason != apiv1.ReasonCrashLoopBackOff || !slices.Equal(sum.NotServing, []string{"model"}) {
		t.Errorf("summary %+v", sum)
	}
	if s.Status.Healing != nil || s.Requeue() == 0 {
		t.Errorf("healing %+v, requeue %v: want no restart yet, and a look again when it falls due", s.Status.Healing, s.Requeue())
	}
}

func TestARestartIsRecordedThenCarriedOutOnce(t *testing.T) {
	w := &scopetest.Writer{}
	r := &Reconciler{}
	s := servingShop(w, time.Hour)
	r.Reconcile(s)
	if h := s.Status.Healing; h == nil || h.LastAction != ActionRestart || !strings.HasPrefix(h.Message, "Restarted model (blue)") {
		t.Fatalf("status.healing %+v", h)
	}
	if ev := s.Announcements(); len(ev) != 1 || ev[0].Reason != apiv1.EventRestarted || !ev[0].Warning {
		t.Fatalf("announced %+v", ev)
	}
	if len(w.AppliedAs) != 0 {
		t.Fatal("restarted before the status that records it was written")
	}

	for range 2 {
		if err := r.Restart(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{apiv1.HealingFieldOwner + ":Deployment/shop-model-blue"}; !slices.Equal(w.AppliedAs, want) {
		t.Errorf("applied %v, want %v: once, as the healing field owner (the cache lags behind the first)", w.AppliedAs, want)
	}
}

func TestNoRestartWhileARolloutOwnsTheServingColour(t *testing.T) {
	s := servingShop(&scopetest.Writer{}, time.Hour)
	s.Steady = false
	(&Reconciler{}).Reconcile(s)
	if s.Status.Healing != nil || len(s.Announcements()) != 0 {
		t.Errorf("restarted during a rollout: %+v", s.Status.Healing)
	}
}

// TestARestartIsForgottenWithItsDeployment: the restart remembered of a
// Deployment goes when the Deployment goes (a colour deleted, replaced),
// not only when the RestAPI does.
func TestARestartIsForgottenWithItsDeployment(t *testing.T) {
	r := &Reconciler{}
	s := servingShop(&scopetest.Writer{}, time.Hour)
	r.Reconcile(s)
	if err := r.Restart(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	all := func(string) bool { return true }
	if n := r.Remembered(all); n != 2 {
		t.Fatalf("remembered %d, want the RestAPI and the restarted Deployment", n)
	}
	s = servingShop(&scopetest.Writer{}, time.Hour)
	delete(s.Children.Deployments, "shop-model-blue")
	r.Reconcile(s)
	if n := r.Remembered(all); n != 0 {
		t.Errorf("remembered %d after the restarted Deployment went", n)
	}
}
