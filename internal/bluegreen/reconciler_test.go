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
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/health"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
	"github.com/restapi-operator/restapi-operator/internal/scope/scopetest"
)

var reconcileAt = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func newShop() *apiv1.RestAPI {
	return &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop", UID: "u1", Generation: 1},
		Spec:       apiv1.RestAPISpec{Image: "registry.example/shop:1.0.0"},
	}
}

// TestANewRestAPIIsWrittenInOrder: a new RestAPI's first colour, each
// ConfigMap before its Deployment (its pods read it), then the Services;
// the scope says which colour serves.
func TestANewRestAPIIsWrittenInOrder(t *testing.T) {
	w := &scopetest.Writer{}
	s := scopetest.Scope(newShop(), w, reconcileAt)
	plan, err := (&Reconciler{}).Reconcile(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if s.Serving != apiv1.EnvironmentBlue || s.Status.ActiveEnvironment != apiv1.EnvironmentBlue || plan.Actions[apiv1.EnvironmentBlue] != Render {
		t.Fatalf("serving %q, plan %+v", s.Serving, plan)
	}
	index := func(key string) int {
		i := slices.Index(w.Applied, key)
		if i < 0 {
			t.Fatalf("%s not written; written: %v", key, w.Applied)
		}
		return i
	}
	lastDeployment := 0
	for _, c := range []apiv1.ComponentName{apiv1.ComponentRepository, apiv1.ComponentModel, apiv1.ComponentController, apiv1.ComponentView} {
		cm, dep := index("ConfigMap/"+render.ConfigMapName(s.RestAPI, c, apiv1.EnvironmentBlue)), index("Deployment/"+render.ColourName(s.RestAPI, c, apiv1.EnvironmentBlue))
		if cm > dep {
			t.Errorf("%s: Deployment written before its ConfigMap", c)
		}
		lastDeployment = max(lastDeployment, dep)
	}
	if i := index("Service/shop-view"); i < lastDeployment {
		t.Errorf("a stable Service written before the Deployments it selects")
	}
	if !s.Kept("Deployment", "shop-view-green") || !s.Kept("Service", "shop-view-preview") {
		t.Error("the idle colour's names and the preview Services are not kept: the cleanup would delete them")
	}
}

// TestANameTakenIsLeftAloneReplicasIncluded: when the name of a colour's
// Deployment belongs to something else, the operator writes neither its
// template nor, for an autoscaled component, its replicas: not in the
// serving colour, and not in a colour being prepared (sized by the
// operator, not the HPA).
func TestANameTakenIsLeftAloneReplicasIncluded(t *testing.T) {
	rapi := newShop()
	rapi.Spec.AutoScaling.Enabled = new(true)
	for _, colour := range []Colour{apiv1.EnvironmentBlue, apiv1.EnvironmentGreen} {
		taken := "Deployment/" + render.ColourName(rapi, apiv1.ComponentModel, colour)
		w := &scopetest.Writer{Results: map[string]scope.Result{taken: scope.Conflict}}
		s := scopetest.Scope(rapi, w, reconcileAt)
		s.Serving = apiv1.EnvironmentBlue
		for _, c := range render.Desired(rapi, colour) {
			component(t.Context(), s, c, colour, false)
		}
		if !slices.Contains(s.Conflicts(), strings.Replace(taken, "/", " ", 1)) {
			t.Fatalf("%s: conflicts %v", colour, s.Conflicts())
		}
		if len(w.AppliedAs) == 0 && colour != s.Serving {
			t.Fatalf("%s: the other components' replicas were not set: the test sees nothing", colour)
		}
		for _, a := range w.AppliedAs {
			if strings.HasSuffix(a, ":"+taken) {
				t.Errorf("%s: wrote %s to an object the RestAPI does not own", colour, a)
			}
		}
	}
}

// TestAScaleDownFollowsTheServices: a colour scaled down is scaled after the
// Services moved away from it, and its scale-down is no update Event.
func TestAScaleDownFollowsTheServices(t *testing.T) {
	rapi := newShop()
	s := scopetest.Scope(rapi, &scopetest.Writer{}, reconcileAt)
	plan := Plan{Active: apiv1.EnvironmentGreen, Preview: apiv1.EnvironmentBlue, Serving: apiv1.EnvironmentGreen,
		Actions: map[Colour]Action{apiv1.EnvironmentBlue: ScaleDown}}
	for _, c := range rapi.Spec.EnabledComponents() {
		d := deployment(render.ColourName(rapi, c, apiv1.EnvironmentBlue), 3)
		s.Children.Deployments[d.Name] = d
	}
	w := s.Writer.(*scopetest.Writer)
	(&Reconciler{}).carryOut(t.Context(), s, plan)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	services := slices.IndexFunc(w.Applied, func(a string) bool { return strings.HasPrefix(a, "Service/") })
	scales := slices.IndexFunc(w.Applied, func(a string) bool { return strings.HasPrefix(a, "Deployment/shop-") && strings.HasSuffix(a, "-blue") })
	if services < 0 || scales < services {
		t.Errorf("written in this order: %v; the Services first", w.Applied)
	}
	if _, updated, _ := s.Writes(); slices.ContainsFunc(updated, func(u string) bool { return strings.HasPrefix(u, "Deployment") }) {
		t.Errorf("a scale-down announced as an update: %v", updated)
	}
}

// TestAScaleDownWithNoFieldsOfOursStillScales: a Deployment whose managed
// fields hold nothing of this operator's apply (cleared by hand, or taken
// by another manager) is scaled by the replicas owner, not left running
// with an error that wraps nothing.
func TestAScaleDownWithNoFieldsOfOursStillScales(t *testing.T) {
	rapi := newShop()
	s := scopetest.Scope(rapi, &scopetest.Writer{}, reconcileAt)
	d := deployment(render.ColourName(rapi, apiv1.ComponentView, apiv1.EnvironmentBlue), 3)
	d.ManagedFields = nil
	s.Children.Deployments[d.Name] = d
	if err := scaleDown(t.Context(), s, d.Name); err != nil {
		t.Fatalf("scale-down: %v", err)
	}
	w := s.Writer.(*scopetest.Writer)
	if want := apiv1.ReplicasFieldOwner + ":Deployment/" + d.Name; !slices.Contains(w.AppliedAs, want) || ReplicasOf(d) != 0 {
		t.Errorf("applied as %v, replicas %d; want %s to set 0", w.AppliedAs, ReplicasOf(d), want)
	}
}

// deployment is a Deployment whose replicas the operator's own apply set.
func deployment(name string, replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps", ManagedFields: []metav1.ManagedFieldsEntry{{
			Manager: apiv1.ManagedBy, Operation: metav1.ManagedFieldsOperationApply, APIVersion: "apps/v1",
			FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:replicas":{}}}`),
		}}},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas},
	}
}

// TestADeletedColoursServicesStayWhileItsPodsRun: blue-green turned off
// deletes the colours; their Pods drain through their preStop sleep and
// still call their peers through the colour's own Services.
func TestADeletedColoursServicesStayWhileItsPodsRun(t *testing.T) {
	rapi := newShop()
	plan := Plan{Active: Legacy, Preview: Legacy, Serving: Legacy,
		Actions: map[Colour]Action{Legacy: Render, apiv1.EnvironmentBlue: Delete, apiv1.EnvironmentGreen: Delete}}
	s := scopetest.Scope(rapi, &scopetest.Writer{}, reconcileAt)
	s.Children.Pods = []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "shop-view-blue-1", Namespace: "apps",
		Labels: map[string]string{apiv1.LabelInstance: "shop", apiv1.LabelComponent: "view", apiv1.LabelEnvironment: "blue"}}}}
	(&Reconciler{}).carryOut(t.Context(), s, plan)
	for _, c := range rapi.Spec.EnabledComponents() {
		if !s.Kept("Service", render.ColourName(rapi, c, apiv1.EnvironmentBlue)) {
			t.Errorf("%s: blue's Service would be deleted while a blue Pod runs", c)
		}
		if s.Kept("Service", render.ColourName(rapi, c, apiv1.EnvironmentGreen)) || s.Kept("Deployment", render.ColourName(rapi, c, apiv1.EnvironmentBlue)) {
			t.Errorf("%s: green's Service (no Pod) or blue's Deployment kept", c)
		}
	}
}

// TestTheServingColourWaitingForCapacityIsNotDegraded: an HPA scaled the
// serving colour up and the scheduler cannot place the new pod yet; the
// colour still serves and is not Degraded (no healing rollback), as a
// preview would wait too.
func TestTheServingColourWaitingForCapacityIsNotDegraded(t *testing.T) {
	rapi := newShop()
	rapi.Status.ActiveEnvironment = apiv1.EnvironmentBlue
	kids := scope.NewChildren()
	for _, c := range rapi.Spec.EnabledComponents() {
		labels := map[string]string{apiv1.LabelInstance: rapi.Name, apiv1.LabelComponent: string(c), apiv1.LabelEnvironment: "blue", apiv1.LabelRevision: "r1"}
		d := deployment(render.ColourName(rapi, c, apiv1.EnvironmentBlue), 2)
		d.Labels, d.Spec.Template.Labels, d.Spec.Selector = labels, labels, &metav1.LabelSelector{MatchLabels: labels}
		d.Status = appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}
		if c == apiv1.ComponentView {
			d.Spec.Replicas = new(int32(3))
			d.Status.Replicas, d.Status.UpdatedReplicas = 3, 3
			p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "view-3", Namespace: "apps", Labels: labels, CreationTimestamp: metav1.NewTime(reconcileAt.Add(-time.Minute))},
				Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
					Reason: corev1.PodReasonUnschedulable, Message: "0/3 nodes are available: 3 Insufficient cpu."}}}}
			kids.Pods = append(kids.Pods, p)
		}
		kids.Deployments[d.Name] = d
	}
	st := colourState(rapi, kids, apiv1.EnvironmentBlue, apiv1.EnvironmentBlue, reconcileAt)
	if st.Degraded {
		t.Errorf("the serving colour waiting for a node is Degraded: %s", st.DegradedMessage)
	}
	if st := colourState(rapi, kids, apiv1.EnvironmentBlue, apiv1.EnvironmentBlue, reconcileAt.Add(health.CapacityGrace)); !st.Degraded {
		t.Error("past the grace, the serving colour is still not Degraded")
	}
}
