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
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
	"github.com/restapi-operator/restapi-operator/internal/tracing"
)

// Reconciler is the blue-green phase of a reconcile: it decides (Decide)
// which colour serves and carries the decision out, writing each colour's
// ConfigMaps and Deployments, the stable, preview and per-colour Services,
// and scaling colours down. It keeps the manager's side of the rollout
// queue (admission.go) and removes the request annotations it acted on.
type Reconciler struct {
	// Client reads RestAPIs from the cache (the rollout queue) and patches
	// their request annotations.
	Client client.Client
	// APIReader reads a Namespace's rollout limit around the cache.
	APIReader client.Reader
	// MaxConcurrentRollouts is how many RestAPIs may run a rollout (a
	// second colour) at the same time, cluster-wide; 0: no limit.
	MaxConcurrentRollouts int
	// Analysis takes the measurements a decision waits for
	// (spec.blueGreen.analysis), off the reconcile: a finished measurement
	// wakes its RestAPI through Wake. Nil: one with no default Prometheus
	// and no allow lists.
	Analysis *analysis.Measurer

	queueOnce    sync.Once
	queue        *rolloutQueue
	measurerOnce sync.Once
}

// measurer is the Measurer, made on first use, whose finished
// measurements wake their RestAPI.
func (r *Reconciler) measurer() *analysis.Measurer {
	r.measurerOnce.Do(func() {
		if r.Analysis == nil {
			r.Analysis = &analysis.Measurer{}
		}
		if r.Analysis.Wake == nil {
			r.Analysis.Wake = r.wakeOne
		}
	})
	return r.Analysis
}

// Reconcile decides and carries out the decision. An error means nothing
// could be decided (the rollout queue could not be read): nothing was
// written. A failed write is recorded in the scope.
func (r *Reconciler) Reconcile(ctx context.Context, s *scope.Scope) (Plan, error) {
	rapi := s.RestAPI
	in := InputOf(rapi, s.Children, s.Revision, s.Now)
	var err error
	if in.Turn, err = r.turn(ctx, rapi, in); err != nil {
		return Plan{}, err
	}
	plan := Decide(in)
	if t := plan.Analyse; t != nil {
		// The decision waits for an analysis: take the measurements due,
		// and decide again on them.
		out := r.measurer().Measure(rapi, analysis.Target{Phase: t.Phase, Colour: t.Colour, Revision: t.Revision, Attempt: t.Attempt}, in.Status.Analysis, s.Now)
		in.Status.Analysis = out.Status
		plan = Decide(in)
		for _, e := range out.Events {
			s.Announce(e)
		}
		for _, mm := range out.Measured {
			s.RecordMeasurement(mm.Check, mm.Result.String())
		}
		if !out.Next.IsZero() {
			s.RequeueAfter(max(out.Next.Sub(s.Now), time.Second))
		}
	}

	s.Serving = plan.Serving
	s.Steady = plan.Serving == plan.Active && (plan.Status == nil || plan.Status.State != apiv1.StateScalingDown)
	s.Status.ActiveEnvironment = plan.Serving
	// A rollout that begins with this status write gets its trace context
	// in it.
	tracing.Stamp(rapi.Status.BlueGreen, plan.Status, s.Now)
	s.Status.BlueGreen = plan.Status
	if plan.Deployed {
		t := metav1.NewTime(s.Now)
		s.Status.LastDeploymentTime, s.Status.DeployedRevision = &t, plan.DeployedRevision
	}
	for _, a := range plan.Healing {
		msg := ""
		if plan.Status != nil {
			msg = plan.Status.Message
		}
		s.RecordHealing(string(a), msg)
	}
	for _, e := range plan.Events {
		s.Announce(scope.Event{Warning: e.Warning, Reason: e.Reason, Action: e.Action, Message: e.Message})
	}
	s.RequeueAfter(plan.RequeueAfter)

	r.carryOut(ctx, s, plan)
	runHookJobs(ctx, s, plan, in.HookJobs)
	return plan, nil
}

// carryOut writes every colour the plan renders, the Services, and scales
// down what the plan scales down: the colours being prepared first, their
// ConfigMaps before their Deployments, the Services next, and a colour is
// scaled down only after the Services moved away from it. Colours the plan
// deletes are not kept, so the cleanup phase deletes them.
func (r *Reconciler) carryOut(ctx context.Context, s *scope.Scope, plan Plan) {
	rapi := s.RestAPI
	comps := rapi.Spec.EnabledComponents()
	for _, colour := range allColours {
		action := plan.Actions[colour]
		if action == Delete {
			continue
		}
		for _, c := range comps {
			s.Keep("ConfigMap", render.ConfigMapName(rapi, c, colour))
			s.Keep("Deployment", render.ColourName(rapi, c, colour))
		}
		if action == Render {
			for _, c := range render.Desired(rapi, colour) {
				if s.Held != nil && *s.Held == colour {
					// An earlier operator's rendering of this spec: what
					// reaches the pods stays as it is.
					if err := render.Hold(&c, s.Children.Deployments[*c.Deployment.Name], s.Children.ConfigMaps[*c.ConfigMap.Name]); err != nil {
						s.Record("Deployment", *c.Deployment.Name, scope.Unchanged, err)
						continue
					}
				}
				component(ctx, s, c, colour, plan.ReducePreview)
			}
		}
	}
	for _, svc := range render.Services(rapi, plan.Active, plan.Preview, plan.Preview != Legacy) {
		_, _ = s.Apply(ctx, scope.Live(s.Children.Services, *svc.Name), svc)
	}
	keepPeerServices(s, comps)
	for _, colour := range allColours {
		if plan.Actions[colour] != ScaleDown {
			continue
		}
		for _, c := range comps {
			name := render.ColourName(rapi, c, colour)
			s.Record("Deployment", name, scope.Unchanged, scaleDown(ctx, s, name))
		}
	}
}

// keepPeerServices keeps a colour's own Services while any Pod of that
// colour runs: its Pods call their peers through them (the peer URLs in the
// colour's ConfigMaps), and a deleted colour's Pods go on answering the
// connections they hold through their preStop sleep. Without them those
// answers fail (blue-green turned off: the traffic lab measured 502s from
// the draining view). The Pods' going wakes the reconcile that removes them.
func keepPeerServices(s *scope.Scope, comps []apiv1.ComponentName) {
	for _, colour := range Colours {
		if s.Children.PodCountOf(colour) == 0 {
			continue
		}
		for _, c := range comps {
			s.Keep("Service", render.ColourName(s.RestAPI, c, colour))
		}
	}
}

// ConsumeRequests removes the request annotations the decision acted on,
// refused or found stale, each only if it still holds the value acted on
// (a JSON patch test), so a request never acts twice and a newer one is
// kept. It runs after the status that records the decision is written.
func (r *Reconciler) ConsumeRequests(ctx context.Context, rapi *apiv1.RestAPI, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	var ops []map[string]any
	for _, k := range keys {
		path := "/metadata/annotations/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
		ops = append(ops,
			map[string]any{"op": "test", "path": path, "value": rapi.Annotations[k]},
			map[string]any{"op": "remove", "path": path})
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	if err := r.Client.Patch(ctx, rapi, client.RawPatch(types.JSONPatchType, patch)); err != nil && !apierrors.IsInvalid(err) && !apierrors.IsNotFound(err) {
		return fmt.Errorf("removing handled requests %v: %w", keys, err)
	}
	return nil
}
