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
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/health"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// HealingRestart names the restart healing action in status, Events and
// restapi_healing_actions_total.
const HealingRestart = "restart"

// restartDecision is a restart decided in this reconcile.
type restartDecision struct {
	component apiv1.ComponentName
	message   string
}

// heal applies the restart rules of health.Heal to every serving component
// of the new status: it carries each one's healing record over, notes what
// healing does in its message, records a restart decided now in status, and
// returns those restarts and when the next one falls due.
//
// A restart is carried out after the status that records it is written (see
// applyRestarts), so a manager that stops in between restarts the pods when
// it comes back, and a status write that fails restarts nothing.
func heal(rapi *apiv1.RestAPI, plan bluegreen.Plan, st *apiv1.RestAPIStatus, now time.Time) ([]restartDecision, time.Duration) {
	policy := health.PolicyOf(rapi.Spec.HealthCheck.Healing)
	// The warm window belongs to the blue-green rollback, and while
	// blue-green is switched off the colour recorded as serving is on its
	// way out.
	steady := plan.Serving == plan.Active && (plan.Status == nil || plan.Status.State != apiv1.StateScalingDown)
	var out []restartDecision
	var requeue time.Duration
	for i := range st.Components {
		cur := &st.Components[i]
		var prev *apiv1.ComponentStatus
		for j := range rapi.Status.Components {
			if rapi.Status.Components[j].Name == cur.Name {
				prev = &rapi.Status.Components[j]
			}
		}
		reason, message := cur.Reason, cur.Message
		v := health.Heal(policy, prev, cur, steady, now)
		if v.Note != "" {
			cur.Message += "; " + v.Note
		}
		if v.RequeueAfter > 0 && (requeue == 0 || v.RequeueAfter < requeue) {
			requeue = v.RequeueAfter
		}
		if !v.Restart {
			continue
		}
		msg := fmt.Sprintf("Restarted %s: %s for %s (%s); restart %d of at most %d", describeComponent(cur),
			reason, now.Sub(cur.UnhealthySince.Time).Round(time.Second), message, cur.Restarts, policy.MaxPerHour)
		if cur.Restarts >= policy.MaxPerHour {
			msg += "; the last one: if it stays unhealthy it needs a person"
		}
		out = append(out, restartDecision{component: cur.Name, message: msg})
		st.Healing = &apiv1.HealingStatus{LastAction: HealingRestart, LastActionTime: metav1.NewTime(now), Message: msg}
	}
	return out, requeue
}

func describeComponent(c *apiv1.ComponentStatus) string {
	if c.Environment == "" {
		return string(c.Name)
	}
	return fmt.Sprintf("%s (%s)", c.Name, c.Environment)
}

// applyRestarts makes the pod template of every serving component that
// status records as restarted carry the time of its latest restart in
// apps.restapi.dev/restartedAt, as kubectl rollout restart does: the
// Deployment controller then replaces the pods, a rolling update.
//
// The annotation has its own field owner, so re-applying the rendered
// Deployment keeps it. A template that already carries the value needs no
// request; neither does one this manager has just written.
func (r *RestAPIReconciler) applyRestarts(ctx context.Context, rapi *apiv1.RestAPI, kids children, st apiv1.RestAPIStatus) error {
	var errs []error
	for _, c := range st.Components {
		if len(c.RestartTimes) == 0 {
			continue
		}
		want := c.RestartTimes[len(c.RestartTimes)-1].UTC().Format(time.RFC3339)
		name := render.ColourName(rapi, c.Name, c.Environment)
		d := kids.deployments[name]
		if d == nil || d.Spec.Template.Annotations[apiv1.AnnotationRestartedAt] == want || r.restartApplied(rapi, d.UID, want) {
			continue
		}
		ac := appsv1ac.Deployment(name, rapi.Namespace).
			WithSpec(appsv1ac.DeploymentSpec().
				WithTemplate(corev1ac.PodTemplateSpec().
					WithAnnotations(map[string]string{apiv1.AnnotationRestartedAt: want})))
		if err := r.Apply(ctx, ac, client.FieldOwner(apiv1.HealingFieldOwner), client.ForceOwnership); err != nil {
			errs = append(errs, fmt.Errorf("restarting Deployment %s: %w", name, err))
			continue
		}
		r.rememberRestart(rapi, d.UID, want)
	}
	return errors.Join(errs...)
}

// restartApplied reports whether this manager already set the Deployment's
// restartedAt annotation to value: the cache can lag behind that write.
func (r *RestAPIReconciler) restartApplied(rapi *apiv1.RestAPI, uid types.UID, value string) bool {
	r.statusWritesMu.Lock()
	defer r.statusWritesMu.Unlock()
	return r.restarted[client.ObjectKeyFromObject(rapi)][uid] == value
}

func (r *RestAPIReconciler) rememberRestart(rapi *apiv1.RestAPI, uid types.UID, value string) {
	r.statusWritesMu.Lock()
	defer r.statusWritesMu.Unlock()
	if r.restarted == nil {
		r.restarted = map[types.NamespacedName]map[types.UID]string{}
	}
	k := client.ObjectKeyFromObject(rapi)
	if r.restarted[k] == nil {
		r.restarted[k] = map[types.UID]string{}
	}
	r.restarted[k][uid] = value
}

// recordRestarts makes the restarts decided in this reconcile visible: an
// Event each and restapi_healing_actions_total.
func (r *RestAPIReconciler) recordRestarts(rapi *apiv1.RestAPI, restarts []restartDecision) {
	for _, d := range restarts {
		healingActions.WithLabelValues(HealingRestart).Inc()
		r.event(rapi, corev1.EventTypeWarning, "Restarted", "Restart", "%s", d.message)
	}
}
