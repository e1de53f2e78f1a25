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
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// ActionRestart names the restart healing action in status, Events and
// restapi_healing_actions_total.
const ActionRestart = "restart"

// Reconciler is the health phase of a reconcile: it reports every serving
// component's health in status (Evaluate), applies the restart rules
// (Heal), and, once the status that records a restart is written, restarts
// the component's pods.
type Reconciler struct {
	mu sync.Mutex
	// restarted remembers, per RestAPI and Deployment UID, the restartedAt
	// annotation this manager last applied (see Restart).
	restarted map[types.NamespacedName]map[types.UID]string
}

// Summary is the health of the serving colour, for the summary conditions.
type Summary struct {
	// Unhealthy describes each unhealthy or degraded component; Progressing
	// and NotServing name the components rolling out and those with no
	// ready pod.
	Unhealthy, Progressing, NotServing []string
	// Worst is the worst health of a component, WorstReason its reason.
	Worst       apiv1.Health
	WorstReason string
}

// Reconcile sets status.components, replicas and readyReplicas from the
// serving colour's Deployments and Pods (as this reconcile wrote them),
// applies the restart rules, and records a restart decided now in status
// (it is carried out by Restart, after the status write).
func (r *Reconciler) Reconcile(s *scope.Scope) Summary {
	sum := r.report(s)
	r.prune(s)
	r.heal(s)
	return sum
}

// prune forgets the restarts remembered of Deployments the RestAPI no
// longer has (a colour deleted, a Deployment replaced): only live ones are
// remembered.
func (r *Reconciler) prune(s *scope.Scope) {
	key := types.NamespacedName{Namespace: s.RestAPI.Namespace, Name: s.RestAPI.Name}
	r.mu.Lock()
	defer r.mu.Unlock()
	uids := r.restarted[key]
	if len(uids) == 0 {
		return
	}
	live := make(map[types.UID]bool, len(s.Children.Deployments))
	for _, d := range s.Children.Deployments {
		live[d.UID] = true
	}
	for uid := range uids {
		if !live[uid] {
			delete(uids, uid)
		}
	}
	if len(uids) == 0 {
		delete(r.restarted, key)
	}
}

// Remembered is how many RestAPIs and Deployments of the namespaces in
// selects have restarts remembered: the tests check it returns to zero
// when they go.
func (r *Reconciler) Remembered(in func(namespace string) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for k, uids := range r.restarted {
		if in(k.Namespace) {
			n += 1 + len(uids)
		}
	}
	return n
}

// report summarises every enabled component of the serving colour.
func (r *Reconciler) report(s *scope.Scope) Summary {
	rapi, kids, st := s.RestAPI, s.Children, &s.Status
	out := Summary{Worst: apiv1.HealthHealthy}
	st.Components, st.Replicas, st.ReadyReplicas = nil, 0, 0
	for _, c := range rapi.Spec.Components() {
		if !c.IsEnabled() {
			continue
		}
		d := kids.Deployments[render.ColourName(rapi, c.Name, s.Serving)]
		pods := kids.PodsOf(d)
		h, until := WaitingForCapacity(Evaluate(d, pods), pods, s.Now)
		if !until.IsZero() {
			s.RequeueAfter(until.Sub(s.Now))
		}
		rev := ""
		if d != nil {
			rev = d.Labels[apiv1.LabelRevision]
		} else {
			h.Replicas = render.Resolve(rapi, c, s.Serving).Replicas
		}
		st.Components = append(st.Components, apiv1.ComponentStatus{
			Name:          c.Name,
			Environment:   s.Serving,
			Revision:      rev,
			Replicas:      h.Replicas,
			ReadyReplicas: h.ReadyReplicas,
			Health:        h.Health,
			Reason:        h.Reason,
			Message:       h.Message,
		})
		st.Replicas += h.Replicas
		st.ReadyReplicas += h.ReadyReplicas
		if h.ReadyReplicas == 0 {
			out.NotServing = append(out.NotServing, string(c.Name))
		}
		switch h.Health {
		case apiv1.HealthUnhealthy, apiv1.HealthDegraded:
			out.Unhealthy = append(out.Unhealthy, fmt.Sprintf("%s: %s", c.Name, h.Message))
			if out.Worst != apiv1.HealthUnhealthy {
				out.Worst, out.WorstReason = h.Health, h.Reason
			}
		case apiv1.HealthProgressing:
			out.Progressing = append(out.Progressing, string(c.Name))
		}
	}
	st.Ready = fmt.Sprintf("%d/%d", st.ReadyReplicas, st.Replicas)
	return out
}

// heal applies the restart rules of Heal to every serving component: it
// carries each one's healing record over, notes what healing does in its
// message, records a restart decided now in status and announces it, and
// asks to look again when the next one falls due.
//
// A restart is carried out after the status that records it is written
// (see Restart), so a manager that stops in between restarts the pods when
// it comes back, and a status write that fails restarts nothing.
func (r *Reconciler) heal(s *scope.Scope) {
	rapi, st, now := s.RestAPI, &s.Status, s.Now
	policy := PolicyOf(rapi.Spec.HealthCheck.Healing)
	for i := range st.Components {
		cur := &st.Components[i]
		var prev *apiv1.ComponentStatus
		for j := range rapi.Status.Components {
			if rapi.Status.Components[j].Name == cur.Name {
				prev = &rapi.Status.Components[j]
			}
		}
		reason, message := cur.Reason, cur.Message
		// The warm window belongs to the blue-green rollback, and while
		// blue-green is switched off the colour recorded as serving is on
		// its way out: restarts only in steady state.
		v := Heal(policy, prev, cur, s.Steady, now)
		if v.Note != "" {
			cur.Message += "; " + v.Note
		}
		s.RequeueAfter(v.RequeueAfter)
		if !v.Restart {
			continue
		}
		msg := fmt.Sprintf("Restarted %s: %s for %s (%s); restart %d of at most %d", describe(cur),
			reason, now.Sub(cur.UnhealthySince.Time).Round(time.Second), message, cur.Restarts, policy.MaxPerHour)
		if cur.Restarts >= policy.MaxPerHour {
			msg += "; the last one: if it stays unhealthy it needs a person"
		}
		s.RecordHealing(ActionRestart, msg)
		s.Announce(scope.Event{Warning: true, Reason: apiv1.EventRestarted, Action: "Restart", Message: msg})
	}
}

func describe(c *apiv1.ComponentStatus) string {
	if c.Environment == "" {
		return string(c.Name)
	}
	return fmt.Sprintf("%s (%s)", c.Name, c.Environment)
}

// Restart makes the pod template of every serving component that the
// written status records as restarted carry the time of its latest restart
// in apps.restapi.dev/restartedAt, as kubectl rollout restart does: the
// Deployment controller then replaces the pods, a rolling update.
//
// The annotation has its own field owner, so re-applying the rendered
// Deployment keeps it. A template that already carries the value needs no
// request; neither does one this manager has just written.
func (r *Reconciler) Restart(ctx context.Context, s *scope.Scope) error {
	rapi := s.RestAPI
	key := types.NamespacedName{Namespace: rapi.Namespace, Name: rapi.Name}
	var errs []error
	for _, c := range s.Status.Components {
		if len(c.RestartTimes) == 0 {
			continue
		}
		want := c.RestartTimes[len(c.RestartTimes)-1].UTC().Format(time.RFC3339)
		name := render.ColourName(rapi, c.Name, c.Environment)
		d := s.Children.Deployments[name]
		if d == nil || d.Spec.Template.Annotations[apiv1.AnnotationRestartedAt] == want || r.applied(key, d.UID, want) {
			continue
		}
		ac := appsv1ac.Deployment(name, rapi.Namespace).
			WithSpec(appsv1ac.DeploymentSpec().
				WithTemplate(corev1ac.PodTemplateSpec().
					WithAnnotations(map[string]string{apiv1.AnnotationRestartedAt: want})))
		if err := s.WriteAs(ctx, apiv1.HealingFieldOwner, d, ac); err != nil {
			errs = append(errs, fmt.Errorf("restarting Deployment %s: %w", name, err))
			continue
		}
		r.remember(key, d.UID, want)
	}
	return errors.Join(errs...)
}

// applied reports whether this manager already set the Deployment's
// restartedAt annotation to value: the cache can lag behind that write.
func (r *Reconciler) applied(key types.NamespacedName, uid types.UID, value string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.restarted[key][uid] == value
}

func (r *Reconciler) remember(key types.NamespacedName, uid types.UID, value string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.restarted == nil {
		r.restarted = map[types.NamespacedName]map[types.UID]string{}
	}
	if r.restarted[key] == nil {
		r.restarted[key] = map[types.UID]string{}
	}
	r.restarted[key][uid] = value
}

// Forget drops what is remembered of a RestAPI that is gone.
func (r *Reconciler) Forget(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.restarted, key)
}
