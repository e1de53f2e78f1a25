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

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/health"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// computeStatus derives the whole status from the cluster as read at the
// start of this reconcile (updated with what it wrote), the blue-green plan
// and what syncChildren could not do. Conditions keep their
// lastTransitionTime unless their status changes.
func computeStatus(rapi *apiv1.RestAPI, kids children, plan bluegreen.Plan, out syncOutcome, now time.Time) apiv1.RestAPIStatus {
	st := *rapi.Status.DeepCopy()
	st.ObservedGeneration = rapi.Generation
	st.ActiveEnvironment = plan.Serving
	st.BlueGreen = plan.Status
	if plan.Deployed {
		t := metav1.NewTime(now)
		st.LastDeploymentTime = &t
	}
	for _, a := range plan.Healing {
		st.Healing = &apiv1.HealingStatus{LastAction: string(a), LastActionTime: metav1.NewTime(now), Message: plan.Status.Message}
	}

	cs := serving(rapi, kids, plan.Serving)
	st.Components, st.Replicas, st.ReadyReplicas = cs.components, cs.replicas, cs.ready
	unhealthy, progressing, notServing := cs.unhealthy, cs.progressing, cs.notServing
	worst, worstReason := cs.worst, cs.worstReason
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
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, apiv1.ReasonChildConflict,
			fmt.Sprintf("%s already exist and are not owned by this RestAPI; delete or rename them", strings.Join(out.conflicts, ", ")))
	case out.err != nil:
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, apiv1.ReasonReconcileFailed, out.err.Error())
	case plan.ProblemReason != "":
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, plan.ProblemReason, plan.ProblemMessage)
	case len(unhealthy) > 0:
		set(apiv1.ConditionDegraded, metav1.ConditionTrue, worstReason, strings.Join(unhealthy, "; "))
	default:
		set(apiv1.ConditionDegraded, metav1.ConditionFalse, apiv1.ReasonAsExpected, "every component is healthy or on its way")
	}

	// Progressing: a new revision is being prepared, or children are created
	// or rolled out.
	rollout := plan.Status != nil && (plan.Status.State == apiv1.StateDeploying || plan.Status.State == apiv1.StateAwaitingPromotion ||
		plan.Status.State == apiv1.StateQueued)
	switch {
	case rollout:
		// A preview waiting for something that can pass by itself (room
		// on a node, an image) says what it waits for.
		reason := string(plan.Status.State)
		if plan.Status.WaitingSince != nil {
			reason = plan.Status.Reason
		}
		set(apiv1.ConditionProgressing, metav1.ConditionTrue, reason, plan.Status.Message)
	case len(progressing) > 0:
		set(apiv1.ConditionProgressing, metav1.ConditionTrue, apiv1.ReasonRollingOut, "rolling out: "+strings.Join(progressing, ", "))
	default:
		set(apiv1.ConditionProgressing, metav1.ConditionFalse, apiv1.ReasonRolloutComplete, "no rollout in progress")
	}

	// Available: every enabled component has at least one ready pod.
	if len(notServing) == 0 {
		set(apiv1.ConditionAvailable, metav1.ConditionTrue, apiv1.ReasonComponentsServing, "every component has ready pods")
	} else {
		set(apiv1.ConditionAvailable, metav1.ConditionFalse, apiv1.ReasonComponentUnavailable, "no ready pods: "+strings.Join(notServing, ", "))
	}

	// Phase and the Ready summary.
	switch {
	case len(out.conflicts) > 0:
		st.Phase = apiv1.PhaseFailed
	case out.err != nil || plan.ProblemReason != "" || worst == apiv1.HealthUnhealthy || worst == apiv1.HealthDegraded:
		st.Phase = apiv1.PhaseDegraded
	case len(progressing) > 0 && st.ReadyReplicas == 0 && rapi.Status.Phase != apiv1.PhaseAvailable:
		st.Phase = apiv1.PhasePending
	case len(progressing) > 0 || rollout:
		st.Phase = apiv1.PhaseProgressing
	default:
		st.Phase = apiv1.PhaseAvailable
	}
	if st.Phase == apiv1.PhaseAvailable {
		set(apiv1.ConditionReady, metav1.ConditionTrue, apiv1.ReasonAllComponentsReady, "every component has all its pods ready")
	} else {
		c := meta.FindStatusCondition(st.Conditions, apiv1.ConditionDegraded)
		reason, msg := apiv1.ReasonComponentsNotReady, "waiting for: "+strings.Join(progressing, ", ")
		if p := meta.FindStatusCondition(st.Conditions, apiv1.ConditionProgressing); rollout {
			reason, msg = p.Reason, p.Message
		}
		if c.Status == metav1.ConditionTrue {
			reason, msg = c.Reason, c.Message
		}
		set(apiv1.ConditionReady, metav1.ConditionFalse, reason, msg)
	}
	return st
}

// servingSummary is the state of the serving colour's components.
type servingSummary struct {
	components                         []apiv1.ComponentStatus
	replicas, ready                    int32
	unhealthy, progressing, notServing []string
	worst                              apiv1.Health
	worstReason                        string
}

// serving summarises every enabled component of the serving colour.
func serving(rapi *apiv1.RestAPI, kids children, active bluegreen.Colour) servingSummary {
	out := servingSummary{worst: apiv1.HealthHealthy}
	for _, c := range rapi.Spec.Components() {
		if !c.IsEnabled() {
			continue
		}
		d := kids.deployments[render.ColourName(rapi, c.Name, active)]
		h := health.Evaluate(d, kids.podsOf(d))
		rev := ""
		if d != nil {
			rev = d.Labels[apiv1.LabelRevision]
		} else {
			h.Replicas = render.Resolve(rapi, c, active).Replicas
		}
		out.components = append(out.components, apiv1.ComponentStatus{
			Name:          c.Name,
			Environment:   active,
			Revision:      rev,
			Replicas:      h.Replicas,
			ReadyReplicas: h.ReadyReplicas,
			Health:        h.Health,
			Reason:        h.Reason,
			Message:       h.Message,
			Autoscaler:    autoscalerStatus(kids.hpas[render.HPAName(rapi, c.Name)]),
		})
		out.replicas += h.Replicas
		out.ready += h.ReadyReplicas
		if h.ReadyReplicas == 0 {
			out.notServing = append(out.notServing, string(c.Name))
		}
		switch h.Health {
		case apiv1.HealthUnhealthy, apiv1.HealthDegraded:
			out.unhealthy = append(out.unhealthy, fmt.Sprintf("%s: %s", c.Name, h.Message))
			if out.worst != apiv1.HealthUnhealthy {
				out.worst, out.worstReason = h.Health, h.Reason
			}
		case apiv1.HealthProgressing:
			out.progressing = append(out.progressing, string(c.Name))
		}
	}
	return out
}

// writeStatus patches the status subresource, only when it changed.
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

func (r *RestAPIReconciler) writeStatus(ctx context.Context, rapi *apiv1.RestAPI, st apiv1.RestAPIStatus) error {
	if equality.Semantic.DeepEqual(rapi.Status, st) {
		return nil
	}
	orig := rapi.DeepCopy()
	rapi.Status = st
	// Optimistic lock: a status computed from an outdated object is refused
	// (409) and the reconcile runs again on fresh data.
	if err := r.Status().Patch(ctx, rapi, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	r.remember(client.ObjectKeyFromObject(rapi), rapi.Status, orig.ResourceVersion, rapi.ResourceVersion)
	return nil
}

// autoscalerStatus reports an HPA as status shows it; nil when there is none.
func autoscalerStatus(h *autoscalingv2.HorizontalPodAutoscaler) *apiv1.AutoscalerStatus {
	if h == nil {
		return nil
	}
	st := &apiv1.AutoscalerStatus{
		Name:            h.Name,
		Target:          h.Spec.ScaleTargetRef.Name,
		MaxReplicas:     h.Spec.MaxReplicas,
		CurrentReplicas: h.Status.CurrentReplicas,
		DesiredReplicas: h.Status.DesiredReplicas,
	}
	if h.Spec.MinReplicas != nil {
		st.MinReplicas = *h.Spec.MinReplicas
	}
	return st
}
