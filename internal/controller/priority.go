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
)

// Fairness in a burst (issue 23): a RestAPI that has started should finish
// before the newest arrivals get their first look. A new RestAPI's create
// event is queued at the default priority, 0; what its children report
// afterwards (their creation, a Deployment turning ready, a Pod starting)
// is queued at followUpPriority, ahead of RestAPIs nobody has looked at
// yet. Without it, 500 RestAPIs created at once each wait for the other
// 499's first reconcile before their second, and none serves for minutes.

// followUpPriority is the priority of a reconcile asked for by a child.
const followUpPriority = 1

// followUp enqueues what h enqueues at followUpPriority (when the
// controller's queue is a priority queue, as by default).
func followUp(h handler.EventHandler) handler.EventHandler {
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.Create(ctx, e, prioritised(q))
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.Update(ctx, e, prioritised(q))
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.Delete(ctx, e, prioritised(q))
		},
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			h.Generic(ctx, e, prioritised(q))
		},
	}
}

// ownerFollowUp is Owns' handler, at followUpPriority.
func ownerFollowUp(c client.Client, owner client.Object) handler.EventHandler {
	return followUp(handler.EnqueueRequestForOwner(c.Scheme(), c.RESTMapper(), owner, handler.OnlyControllerOwner()))
}

func prioritised(q workqueue.TypedRateLimitingInterface[reconcile.Request]) workqueue.TypedRateLimitingInterface[reconcile.Request] {
	pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request])
	if !ok {
		return q
	}
	return atPriority{pq}
}

// atPriority adds at followUpPriority what comes without a priority of
// its own; a priority set on the way (controller-runtime lowers the
// initial list's and resyncs' events) is kept.
type atPriority struct {
	priorityqueue.PriorityQueue[reconcile.Request]
}

func (q atPriority) AddWithOpts(o priorityqueue.AddOpts, items ...reconcile.Request) {
	if o.Priority == nil {
		p := followUpPriority
		o.Priority = &p
	}
	q.PriorityQueue.AddWithOpts(o, items...)
}

func (q atPriority) Add(r reconcile.Request) { q.AddWithOpts(priorityqueue.AddOpts{}, r) }

func (q atPriority) AddAfter(r reconcile.Request, after time.Duration) {
	q.AddWithOpts(priorityqueue.AddOpts{After: after}, r)
}

func (q atPriority) AddRateLimited(r reconcile.Request) {
	q.AddWithOpts(priorityqueue.AddOpts{RateLimited: true}, r)
}
