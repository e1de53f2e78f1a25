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
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/health"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// Condition reasons on the RestAPI.
const (
	ReasonAllComponentsReady   = "AllComponentsReady"
	ReasonComponentsNotReady   = "ComponentsNotReady"
	ReasonComponentsServing    = "ComponentsServing"
	ReasonComponentUnavailable = "ComponentUnavailable"
	ReasonRolloutComplete      = "RolloutComplete"
	ReasonRollingOut           = "RollingOut"
	ReasonAsExpected           = "AsExpected"
	ReasonChildConflict        = "ChildConflict"
	ReasonReconcileFailed      = "ReconcileFailed"
)

// computeStatus derives the whole status from the cluster as read at the
// start of this reconcile and what syncChildren could not do. Conditions keep
// their lastTransitionTime unless their status changes.
func computeStatus(rapi *apiv1.RestAPI, kids children, desired []render.Component, out syncOutcome, now time.Time) apiv1.RestAPIStatus {
	st := *rapi.Status.DeepCopy()
	st.ObservedGeneration = rapi.Generation
	st.Components = nil
	st.Replicas, st.ReadyReplicas = 0, 0

	var unhealthy, progressing, notServing []string
	worst := apiv1.HealthHealthy
	var worstReason string
	for _, c := range desired {
		h := health.FromDeployment(kids.deployments[*c.Deployment.Name])
		if h.Replicas == 0 {
			h.Replicas = c.Settings.Replicas
		}
		st.Components = append(st.Components, apiv1.ComponentStatus{
			Name:          c.Settings.Name,
			Revision:      c.Revision,
			Replicas:      h.Replicas,
			ReadyReplicas: h.ReadyReplicas,
			Health:        h.Health,
			Message:       h.Message,
		})
		st.Replicas += h.Replicas
		st.ReadyReplicas += h.ReadyReplicas
		if h.ReadyReplicas == 0 {
			notServing = append(notServing, string(c.Settings.Name))
		}
		switch h.Health {
		case apiv1.HealthUnhealthy, apiv1.HealthDegraded:
			unhealthy = append(unhealthy, fmt.Sprintf("%s: %s", c.Settings.Name, h.Message))
			if worst != apiv1.HealthUnhealthy {
				worst, worstReason = h.Health, h.Reason
			}
		case apiv1.HealthProgressing:
			progressing = append(progressing, string(c.Settings.Name))
		}
	}
	st.Ready = fmt.Sprintf("%d/%d", st.ReadyReplicas, st.Replicas)

	gen := rapi.Generation
	set := func(t string, s metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: gen, LastTransitionTime: metav1.NewTime(now),
		})
	}

	// Degraded: a component is unhealthy, or the operator cannot do its job.
	switch {
	case len(out.conflicts) > 0:
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, ReasonChildConflict,
			fmt.Sprintf("%s already exist and are not owned by this RestAPI; delete or rename them", strings.Join(out.conflicts, ", ")))
	case out.err != nil:
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, ReasonReconcileFailed, out.err.Error())
	case len(unhealthy) > 0:
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, worstReason, strings.Join(unhealthy, "; "))
	default:
		set(apiv1.ConditionDegraded, metav1.ConditionFalse, ReasonAsExpected, "every component is healthy or on its way")
	}

	// Progressing: children are created or rolled out.
	if len(progressing) > 0 {
		set(apiv1.ConditionProgressing, metav1.ConditionTrue, ReasonRollingOut, "rolling out: "+strings.Join(progressing, ", "))
	} else {
		set(apiv1.ConditionProgressing, metav1.ConditionFalse, ReasonRolloutComplete, "no rollout in progress")
	}

	// Available: every enabled component has at least one ready pod.
	if len(notServing) == 0 {
		set(apiv1.ConditionAvailable, metav1.ConditionTrue, ReasonComponentsServing, "every component has ready pods")
	} else {
		set(apiv1.ConditionAvailable, metav1.ConditionFalse, ReasonComponentUnavailable, "no ready pods: "+strings.Join(notServing, ", "))
	}

	// Phase and the Ready summary.
	switch {
	case len(out.conflicts) > 0:
		st.Phase = apiv1.PhaseFailed
	case out.err != nil || worst == apiv1.HealthUnhealthy || worst == apiv1.HealthDegraded:
		st.Phase = apiv1.PhaseDegraded
	case len(progressing) > 0 && st.ReadyReplicas == 0 && rapi.Status.Phase != apiv1.PhaseAvailable:
		st.Phase = apiv1.PhasePending
	case len(progressing) > 0:
		st.Phase = apiv1.PhaseProgressing
	default:
		st.Phase = apiv1.PhaseAvailable
	}
	if st.Phase == apiv1.PhaseAvailable {
		set(apiv1.ConditionReady, metav1.ConditionTrue, ReasonAllComponentsReady, "every component has all its pods ready")
	} else {
		c := meta.FindStatusCondition(st.Conditions, apiv1.ConditionDegraded)
		reason, msg := ReasonComponentsNotReady, "waiting for: "+strings.Join(progressing, ", ")
		if c.Status == metav1.ConditionTrue {
			reason, msg = c.Reason, c.Message
		}
		set(apiv1.ConditionReady, metav1.ConditionFalse, reason, msg)
	}
	return st
}

// writeStatus patches the status subresource, only when it changed.
func (r *RestAPIReconciler) writeStatus(ctx context.Context, rapi *apiv1.RestAPI, st apiv1.RestAPIStatus) error {
	if equality.Semantic.DeepEqual(rapi.Status, st) {
		return nil
	}
	orig := rapi.DeepCopy()
	rapi.Status = st
	if err := r.Status().Patch(ctx, rapi, client.MergeFrom(orig)); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	return nil
}
