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

package controller

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/autoscaling"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/health"
	"github.com/restapi-operator/restapi-operator/internal/metrics"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// state is one reconcile: the scope every phase shares, and what the
// sub-reconcilers returned that only the end of the reconcile reads.
type state struct {
	*scope.Scope
	// scaling is predictive scaling's forecast, for the autoscaling phase.
	scaling autoscaling.Scaling
	// plan is the blue-green decision: its transitions, problem and
	// requests.
	plan bluegreen.Plan
	// health is the serving colour's health, for the summary conditions.
	health health.Summary
	// consume are the request annotations the rendering phase acted on or
	// found stale, removed after the status write.
	consume []string
}

// phase is one step of a reconcile. An error stops the reconcile before
// status is written: nothing could be decided. A write that fails is
// recorded in the scope instead (Scope.Fail), status says so, and the
// phases after it go on.
type phase struct {
	name string
	run  func(context.Context, *state) error
}

// phases are the steps of a reconcile, in order. docs/architecture.md draws
// them.
func (r *RestAPIReconciler) phases() []phase {
	return []phase{
		// The repository's volume first: its pods mount it.
		{"storage", storage},
		// Which revision the spec deploys at, before everything that
		// reads it.
		{"rendering", r.rendering},
		// Floors before colours: a colour created for an autoscaled
		// component starts at its floor.
		{"forecast", func(_ context.Context, s *state) error { s.scaling = autoscaling.Forecast(s.Scope); return nil }},
		// Recommendations before colours: a new revision starts from the
		// serving colour's.
		{"recommendations", func(ctx context.Context, s *state) error { autoscaling.Recommend(ctx, s.Scope); return nil }},
		{"blue-green", func(ctx context.Context, s *state) (err error) {
			s.plan, err = r.blueGreen.Reconcile(ctx, s.Scope)
			return err
		}},
		{"health", func(_ context.Context, s *state) error { s.health = r.health.Reconcile(s.Scope); return nil }},
		{"autoscaling", func(ctx context.Context, s *state) error { autoscaling.Reconcile(ctx, s.Scope, s.scaling); return nil }},
		{"network", r.network},
		{"exposure", func(ctx context.Context, s *state) error { r.expose.Reconcile(ctx, s.Scope); return nil }},
		{"monitoring", monitoring},
		// Last: whatever no phase kept.
		{"cleanup", func(ctx context.Context, s *state) error { s.DeleteUnkept(ctx, s.Children.Owned()); return nil }},
	}
}

// afterStatus are the steps that act on what the written status records:
// a rollout's slot freed, the requests it answered, the restarts it
// decided. Each runs whatever the others do.
func (r *RestAPIReconciler) afterStatus(ctx context.Context, s *state) error {
	r.blueGreen.WakeQueued(ctx, s.RestAPI, s.RestAPI.Status.BlueGreen, s.Status.BlueGreen)
	return errors.Join(r.blueGreen.ConsumeRequests(ctx, s.RestAPI, append(s.consume, s.plan.Consumed...)), r.health.Restart(ctx, s.Scope))
}

// storage creates the repository's PersistentVolumeClaim, or updates what
// this operator set on it (a larger size). A claim of that name that does
// not carry this RestAPI's labels is never taken over; the operator never
// deletes a claim.
func storage(ctx context.Context, s *state) error {
	if claim := render.Claim(s.RestAPI); claim != nil {
		_, _ = s.Apply(ctx, scope.Live(s.Children.Claims, *claim.Name), claim)
	}
	return nil
}

// network writes the NetworkPolicies, and a disruption budget for each
// component of the serving colour that runs more than one pod.
func (r *RestAPIReconciler) network(ctx context.Context, s *state) error {
	rapi, kids := s.RestAPI, s.Children
	failed := s.Failures()
	for _, np := range render.NetworkPolicies(rapi, r.OperatorNamespace) {
		_, _ = s.Apply(ctx, scope.Live(kids.NetPols, *np.Name), np)
	}
	switch {
	case !render.NetworkPoliciesEnabled(rapi):
		meta.RemoveStatusCondition(&s.Status.Conditions, apiv1.ConditionNetworkPolicy)
	case s.Failures() > failed:
		// Degraded says what was refused; this condition keeps what it said.
	case rapi.Spec.Observability.Metrics.Port != nil:
		s.SetCondition(metav1.Condition{Type: apiv1.ConditionNetworkPolicy, Status: metav1.ConditionTrue, Reason: apiv1.ReasonMetricsOnOwnPort,
			Message: fmt.Sprintf("every component admits the RestAPI's own Pods on its port; the metrics namespaces are admitted on the metrics port %d only",
				*rapi.Spec.Observability.Metrics.Port)})
	default:
		s.SetCondition(metav1.Condition{Type: apiv1.ConditionNetworkPolicy, Status: metav1.ConditionTrue, Reason: apiv1.ReasonMetricsOnApplicationPort,
			Message: "every component admits the RestAPI's own Pods on its port; metrics are served on the application's port, so the metrics " +
				"namespaces are admitted to every component's whole API: set spec.observability.metrics.port to admit them on a metrics port only"})
	}
	for _, c := range rapi.Spec.EnabledComponents() {
		if d := kids.Deployments[render.ColourName(rapi, c, s.Serving)]; d == nil || bluegreen.ReplicasOf(d) < 2 {
			continue
		}
		pdb := render.PDB(rapi, c, s.Serving)
		_, _ = s.Apply(ctx, scope.Live(kids.PDBs, *pdb.Name), pdb)
	}
	return nil
}

var podMonitorKind = scope.OptionalKind{
	GVK: render.PodMonitorGroupVersionKind, Condition: apiv1.ConditionMonitoring,
	ActiveReason: apiv1.ReasonPodMonitorsActive, ConflictReason: apiv1.ReasonPodMonitorNameConflict,
	Missing: "spec.observability.metrics.podMonitor is set, but the PodMonitor CRD (monitoring.coreos.com/v1) is not installed: " +
		"install the Prometheus Operator, or let Prometheus find the pods by their prometheus.io annotations",
}

// +kubebuilder:rbac:groups=monitoring.coreos.com,resources=podmonitors,verbs=get;list;create;patch;delete

// monitoring gives every enabled component a PodMonitor when the spec asks
// for it and the Prometheus Operator is installed.
func monitoring(ctx context.Context, s *state) error {
	rapi := s.RestAPI
	wanted := render.PodMonitorsWanted(rapi)
	var desired []*unstructured.Unstructured
	if wanted {
		for _, c := range rapi.Spec.EnabledComponents() {
			desired = append(desired, render.PodMonitor(rapi, c))
		}
	}
	s.SyncOptional(ctx, podMonitorKind, wanted, desired,
		"a PodMonitor per component scrapes its pods of every colour, labelled with colour and revision")
	return nil
}

// announceWrites records one Event per kind of write (a new blue-green
// RestAPI creates 33 objects), whatever becomes of the status write: the
// objects are written.
func (r *RestAPIReconciler) announceWrites(s *state) {
	made, changed, deleted := s.Writes()
	if len(made) > 0 {
		r.event(s.RestAPI, corev1.EventTypeNormal, apiv1.EventCreated, "Create", listNote("Created ", made))
	}
	if len(changed) > 0 {
		r.event(s.RestAPI, corev1.EventTypeNormal, apiv1.EventUpdated, "Update", listNote("Updated to the desired state: ", changed))
	}
	if len(deleted) > 0 {
		r.event(s.RestAPI, corev1.EventTypeNormal, apiv1.EventDeleted, "Delete", listNote("Deleted, no longer part of the spec: ", deleted))
	}
}

// announce records, once status is written, the Events the phases
// announced, the metrics of what this reconcile did and the rollout's
// spans: all derived from the same facts, in one place.
func (r *RestAPIReconciler) announce(s *state) {
	rapi := s.RestAPI
	var previewStarted *metav1.Time
	if bg := rapi.Status.BlueGreen; bg != nil {
		previewStarted = bg.PreviewStartedAt
	}
	metrics.Observe(rapi, s.Children.Deployments, s.Status, s.plan, previewStarted, s.Now)
	for _, a := range s.Healed() {
		metrics.Healed(a)
	}
	for _, m := range s.Measurements() {
		metrics.Measured(rapi.Namespace, rapi.Name, m.Check, m.Result)
	}
	if problem := operatorProblem(rapi.Status, s.Status); problem != nil {
		r.event(rapi, corev1.EventTypeWarning, problem.Reason, "Reconcile", problem.Message)
	}
	// The steps end now, when status says they happened, as their Events
	// are sent now: a reconcile that measured an analysis took seconds
	// since s.Now.
	r.Tracing.Record(rapi, rapi.Status.BlueGreen, s.Status.BlueGreen, s.Announcements(), s.Measurements(), r.now())
	for _, e := range s.Announcements() {
		t := corev1.EventTypeNormal
		if e.Warning {
			t = corev1.EventTypeWarning
		}
		r.event(rapi, t, e.Reason, e.Action, e.Message)
	}
}
