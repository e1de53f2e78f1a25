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
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Fairness in a burst (issue 23): a RestAPI that has started should finish
// before the newest arrivals get their first look. A new RestAPI's create
// event is queued at the default priority, 0; what its children report
// afterwards (their creation, a Deployment turning ready, a Pod starting)
// is queued at firstDeployPriority while the RestAPI has not finished its
// first deploy, ahead of RestAPIs nobody has looked at yet. Without it, 500
// RestAPIs created at once each wait for the other 499's first reconcile
// before their second, and none serves for minutes.
//
// Only the first deploy: once a RestAPI has served, what its children
// report waits its turn. Raised for every RestAPI, the follow-ups of an
// upgrade of 500 went ahead of each other in small batches, one reconcile
// per child event instead of one per several, and all 500 took half as
// long again to promote (docs/performance.md).

// firstDeployPriority is the priority of a reconcile asked for by a child
// of a RestAPI that has not finished its first deploy.
const firstDeployPriority = 1

// priorityOf says at which priority a child's report on req is queued.
type priorityOf func(ctx context.Context, req reconcile.Request) int

// firstDeployFirst reads the RestAPI from c (the manager's cache): one not
// yet deployed (status.lastDeploymentTime unset) is followed up ahead.
func firstDeployFirst(c client.Reader) priorityOf {
	return func(ctx context.Context, req reconcile.Request) int {
		var r apiv1.RestAPI
		if err := c.Get(ctx, req.NamespacedName, &r); err != nil || r.Status.LastDeploymentTime != nil {
			return 0
		}
		return firstDeployPriority
	}
}

// followUp enqueues what h enqueues at the priority of (when the
// controller's queue is a priority queue, as by default).
func followUp(of priorityOf, h handler.EventHandler) handler.EventHandler {
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.Create(ctx, e, prioritised(ctx, of, q))
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.Update(ctx, e, prioritised(ctx, of, q))
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.Delete(ctx, e, prioritised(ctx, of, q))
		},
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.Generic(ctx, e, prioritised(ctx, of, q))
		},
	}
}

// ownerFollowUp is Owns' handler, at the priority of.
func ownerFollowUp(c client.Client, of priorityOf, owner client.Object) handler.EventHandler {
	return followUp(of, handler.EnqueueRequestForOwner(c.Scheme(), c.RESTMapper(), owner, handler.OnlyControllerOwner()))
}

func prioritised(ctx context.Context, of priorityOf, q workqueue.TypedRateLimitingInterface[reconcile.Request]) workqueue.TypedRateLimitingInterface[reconcile.Request] {
	pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request])
	if !ok {
		return q
	}
	return atPriority{PriorityQueue: pq, ctx: ctx, of: of}
}

// atPriority adds at the priority of what comes without a priority of its
// own; a priority set on the way (controller-runtime lowers the initial
// list's and resyncs' events) is kept.
type atPriority struct {
	priorityqueue.PriorityQueue[reconcile.Request]
	ctx context.Context
	of  priorityOf
}

func (q atPriority) AddWithOpts(o priorityqueue.AddOpts, items ...reconcile.Request) {
	if o.Priority != nil {
		q.PriorityQueue.AddWithOpts(o, items...)
		return
	}
	for _, item := range items {
		p := q.of(q.ctx, item)
		o.Priority = &p
		q.PriorityQueue.AddWithOpts(o, item)
	}
}

func (q atPriority) Add(r reconcile.Request) { q.AddWithOpts(priorityqueue.AddOpts{}, r) }

func (q atPriority) AddAfter(r reconcile.Request, after time.Duration) {
	q.AddWithOpts(priorityqueue.AddOpts{After: after}, r)
}

func (q atPriority) AddRateLimited(r reconcile.Request) {
	q.AddWithOpts(priorityqueue.AddOpts{RateLimited: true}, r)
}
