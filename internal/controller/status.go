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

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// summarize completes the status the phases built: the summary conditions
// (Degraded, Progressing, Available, Ready) and the phase, from the
// blue-green decision, the serving colour's health and what the writes
// could not do. Conditions keep their lastTransitionTime unless their
// status changes.
func summarize(s *state) {
	st, plan, h := &s.Status, s.plan, s.health
	st.ObservedGeneration = s.RestAPI.Generation
	conflicts, failed := s.Conflicts(), s.Err()
	set := func(t string, cs metav1.ConditionStatus, reason, msg string) {
		s.SetCondition(metav1.Condition{Type: t, Status: cs, Reason: reason, Message: msg})
	}

	// Degraded: a component is unhealthy, or the operator cannot do its job.
	switch {
	case len(conflicts) > 0:
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, apiv1.ReasonChildConflict, scope.NotOwned(conflicts))
	case failed != nil:
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, apiv1.ReasonReconcileFailed, failed.Error())
	case plan.ProblemReason != "":
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, plan.ProblemReason, plan.ProblemMessage)
	case len(h.Unhealthy) > 0:
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, h.WorstReason, strings.Join(h.Unhealthy, "; "))
	default:
		set(apiv1.ConditionDegraded, metav1.ConditionFalse, apiv1.ReasonAsExpected, "every component is healthy or on its way")
	}

	// Progressing: a new revision is being prepared, or children are created
	// or rolled out.
	// A promoted revision whose analysis holds the old colour warm is still
	// rolling out.
	rollout := plan.Status != nil && (plan.Status.State == apiv1.StateDeploying || plan.Status.State == apiv1.StateAwaitingPromotion ||
		plan.Status.State == apiv1.StateQueued || (plan.Status.State == apiv1.StateScalingDown && plan.Status.Reason != ""))
	switch {
	case rollout:
		// A preview waiting for something that can pass by itself (room
		// on a node, an image) or for its analysis says what it waits for.
		reason := string(plan.Status.State)
		if plan.Status.Reason != "" {
			reason = plan.Status.Reason
		}
		set(apiv1.ConditionProgressing, metav1.ConditionTrue, reason, plan.Status.Message)
	case len(h.Progressing) > 0:
		set(apiv1.ConditionProgressing, metav1.ConditionTrue, apiv1.ReasonRollingOut, "rolling out: "+strings.Join(h.Progressing, ", "))
	default:
		set(apiv1.ConditionProgressing, metav1.ConditionFalse, apiv1.ReasonRolloutComplete, "no rollout in progress")
	}

	// Available: every enabled component has at least one ready pod.
	if len(h.NotServing) == 0 {
		set(apiv1.ConditionAvailable, metav1.ConditionTrue, apiv1.ReasonComponentsServing, "every component has ready pods")
	} else {
		set(apiv1.ConditionAvailable, metav1.ConditionFalse, apiv1.ReasonComponentUnavailable, "no ready pods: "+strings.Join(h.NotServing, ", "))
	}

	// Phase and the Ready summary.
	switch {
	case len(conflicts) > 0:
		st.Phase = apiv1.PhaseFailed
	case failed != nil || plan.ProblemReason != "" || h.Worst == apiv1.HealthUnhealthy || h.Worst == apiv1.HealthDegraded:
		st.Phase = apiv1.PhaseDegraded
	case len(h.Progressing) > 0 && st.ReadyReplicas == 0 && s.RestAPI.Status.Phase != apiv1.PhaseAvailable:
		st.Phase = apiv1.PhasePending
	case len(h.Progressing) > 0 || rollout:
		st.Phase = apiv1.PhaseProgressing
	default:
		st.Phase = apiv1.PhaseAvailable
	}
	if st.Phase == apiv1.PhaseAvailable {
		set(apiv1.ConditionReady, metav1.ConditionTrue, apiv1.ReasonAllComponentsReady, "every component has all its pods ready")
	} else {
		c := meta.FindStatusCondition(st.Conditions, apiv1.ConditionDegraded)
		reason, msg := apiv1.ReasonComponentsNotReady, "waiting for: "+strings.Join(h.Progressing, ", ")
		if p := meta.FindStatusCondition(st.Conditions, apiv1.ConditionProgressing); rollout {
			reason, msg = p.Reason, p.Message
		}
		if c.Status == metav1.ConditionTrue {
			reason, msg = c.Reason, c.Message
		}
		set(apiv1.ConditionReady, metav1.ConditionFalse, reason, msg)
	}
}

// operatorProblem is the Degraded condition when the operator itself cannot
// do its job (a write refused, a name taken) and was not in that state
// before: worth one Warning Event, not one per retry.
func operatorProblem(old, cur apiv1.RestAPIStatus) *metav1.Condition {
	c := meta.FindStatusCondition(cur.Conditions, apiv1.ConditionDegraded)
	if c == nil || c.Status != metav1.ConditionTrue || (c.Reason != apiv1.ReasonReconcileFailed && c.Reason != apiv1.ReasonChildConflict) {
		return nil
	}
	if o := meta.FindStatusCondition(old.Conditions, apiv1.ConditionDegraded); o != nil && o.Reason == c.Reason && o.Message == c.Message {
		return nil
	}
	return c
}

// writeStatus patches the status subresource, only when it changed. rapi
// stays as read: the steps after the write compare with it.
func (r *RestAPIReconciler) writeStatus(ctx context.Context, rapi *apiv1.RestAPI, st apiv1.RestAPIStatus) error {
	if equality.Semantic.DeepEqual(rapi.Status, st) {
		return nil
	}
	written := rapi.DeepCopy()
	written.Status = st
	// Optimistic lock: a status computed from an outdated object is refused
	// (409) and the reconcile runs again on fresh data.
	if err := r.Status().Patch(ctx, written, client.MergeFromWithOptions(rapi, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	r.remember(client.ObjectKeyFromObject(rapi), written.Status, rapi.ResourceVersion, written.ResourceVersion)
	return nil
}
