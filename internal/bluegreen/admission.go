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
	"fmt"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// The manager's side of the rollout queue (the order itself is TakeTurn,
// queue.go, from the RestAPIs' status in the cache): the
// rollouts it admitted that the cache may not show yet, the namespaces'
// limits as last read, and waking the queued rollouts nearest the front
// when a slot frees.

// NamespaceLimitTTL is how long a namespace's limit, read with a GET, is
// used before it is read again.
const NamespaceLimitTTL = 10 * time.Second

// wakeExtra is how many queued rollouts beyond the free slots are looked at
// again when a slot frees, so that the positions nearest the front are
// exact (the others refresh every QueueRecheck).
const wakeExtra = 10

type rolloutQueue struct {
	mu sync.Mutex
	// admitted are the RestAPIs this manager admitted that may hold a
	// slot the cache does not show yet: kept until the cache shows it,
	// until the RestAPI's own written status holds none, or it goes. No
	// time bound: the limit holds whatever the cache lag.
	admitted map[types.NamespacedName]struct{}
	limits   map[string]namespaceLimit
	// holders are the RestAPIs whose last written status holds a slot:
	// when one goes, the head of the queue is woken.
	holders map[types.NamespacedName]struct{}
	// swept is when limits were last swept (forgetLimits).
	swept time.Time
	// wake takes RestAPIs to reconcile now (a source of the controller).
	wake chan event.GenericEvent
}

type namespaceLimit struct {
	limit int
	read  time.Time
}

// rollouts is the reconciler's rollout queue, made on first use.
func (r *Reconciler) rollouts() *rolloutQueue {
	r.queueOnce.Do(func() {
		r.queue = &rolloutQueue{admitted: map[types.NamespacedName]struct{}{}, limits: map[string]namespaceLimit{},
			holders: map[types.NamespacedName]struct{}{}, wake: make(chan event.GenericEvent, 1024)}
	})
	return r.queue
}

// namespaceLimit is a namespace's apps.restapi.dev/max-concurrent-rollouts
// (0: none), read around the cache at most every NamespaceLimitTTL and only
// when a rollout is about to start: the operator watches no Namespaces.
func (r *Reconciler) namespaceLimit(ctx context.Context, ns string, now time.Time) (int, error) {
	q := r.rollouts()
	q.mu.Lock()
	l, ok := q.limits[ns]
	q.mu.Unlock()
	if ok && now.Sub(l.read) < NamespaceLimitTTL {
		return l.limit, nil
	}
	var n metav1.PartialObjectMetadata
	n.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	err := r.APIReader.Get(ctx, types.NamespacedName{Name: ns}, &n)
	switch {
	case apierrors.IsForbidden(err):
		// RBAC from before namespace limits existed: rollouts go on, under
		// the cluster-wide limit only, and the log says why.
		logf.FromContext(ctx).Info("Cannot read the namespace's rollout limit; only --max-concurrent-rollouts applies", "error", err.Error())
	case err != nil:
		return 0, fmt.Errorf("reading namespace %s for its rollout limit: %w", ns, err)
	}
	limit := 0
	if v, ok := n.Annotations[apiv1.AnnotationMaxConcurrentRollouts]; ok {
		var err error
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			logf.FromContext(ctx).Info("Namespace annotation is not a count; ignored", "annotation", apiv1.AnnotationMaxConcurrentRollouts, "value", v)
			limit = 0
		}
	}
	q.mu.Lock()
	q.limits[ns] = namespaceLimit{limit: limit, read: now}
	q.forgetLimits(now)
	q.mu.Unlock()
	return limit, nil
}

// limitsKeptFor is how long a namespace's limit is remembered after it was
// last read: a queued rollout reads it again at least every QueueRecheck,
// so only a namespace where nothing waits is forgotten (a deleted one
// among them), and a slot freed there wakes nobody, as nobody waits.
const limitsKeptFor = 2 * QueueRecheck

// forgetLimits drops the limits not read for limitsKeptFor, at most once
// per limitsKeptFor. Called with q.mu held.
func (q *rolloutQueue) forgetLimits(now time.Time) {
	if now.Sub(q.swept) < limitsKeptFor {
		return
	}
	q.swept = now
	for ns, l := range q.limits {
		if now.Sub(l.read) >= limitsKeptFor {
			delete(q.limits, ns)
		}
	}
}

// Remembered is how many RestAPIs and namespaces among those in selects
// the queue remembers (admissions, slot holders, namespace limits): the
// tests check it returns to zero when they go.
func (r *Reconciler) Remembered(in func(namespace string) bool) (admitted, holders, limits int) {
	q := r.rollouts()
	q.mu.Lock()
	defer q.mu.Unlock()
	for k := range q.admitted {
		if in(k.Namespace) {
			admitted++
		}
	}
	for k := range q.holders {
		if in(k.Namespace) {
			holders++
		}
	}
	for ns := range q.limits {
		if in(ns) {
			limits++
		}
	}
	return admitted, holders, limits
}

// startsRollout reports whether the decision about to be taken may start
// preparing a preview: blue-green is on, no rollout holds a slot already,
// and the spec asks for a revision that neither serves nor was aborted.
func startsRollout(rapi *apiv1.RestAPI, in Input) bool {
	bg := rapi.Status.BlueGreen
	return in.Enabled && bg != nil && bg.ActiveRevision != "" && !HoldsSlot(bg) &&
		in.DesiredRevision != bg.ActiveRevision && in.DesiredRevision != bg.AbortedRevision
}

// turn is the RestAPI's place in the rollout queue; nil when no limit
// applies or it starts no rollout.
func (r *Reconciler) turn(ctx context.Context, rapi *apiv1.RestAPI, in Input) (*Turn, error) {
	key := client.ObjectKeyFromObject(rapi)
	if !startsRollout(rapi, in) {
		if !HoldsSlot(rapi.Status.BlueGreen) {
			r.rollouts().release(key)
		}
		// Otherwise the admission is kept until the cache shows the slot
		// held (classify): this status may be the one this manager just
		// wrote, which another RestAPI's turn, reading the cache, cannot
		// see yet.
		return nil, nil
	}
	nsLimit, err := r.namespaceLimit(ctx, rapi.Namespace, in.Now)
	if err != nil {
		return nil, err
	}
	if r.MaxConcurrentRollouts <= 0 && nsLimit <= 0 {
		return nil, nil
	}
	var opts []client.ListOption
	if r.MaxConcurrentRollouts <= 0 {
		opts = append(opts, client.InNamespace(rapi.Namespace))
	}
	var list apiv1.RestAPIList
	if err := r.Client.List(ctx, &list, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		return nil, err
	}
	cluster := Scope{Name: "cluster-wide (--max-concurrent-rollouts)", Limit: r.MaxConcurrentRollouts}
	inNS := Scope{Name: fmt.Sprintf("in namespace %s (%s)", rapi.Namespace, apiv1.AnnotationMaxConcurrentRollouts), Limit: nsLimit}
	me := Entry{Namespace: rapi.Namespace, Name: rapi.Name, QueuedAt: in.Now}
	if at, ok := Queued(rapi.Status.BlueGreen); ok {
		me.QueuedAt = at
	}
	r.rollouts().mu.Lock()
	for i := range list.Items {
		o := &list.Items[i]
		k := client.ObjectKeyFromObject(o)
		if k == key {
			continue
		}
		if !o.DeletionTimestamp.IsZero() {
			// Being deleted (another tool's finalizer may keep it for
			// long): it runs no rollout any more, and holds no slot.
			delete(r.rollouts().admitted, k)
			continue
		}
		preparing, queued := r.rollouts().classify(k, o.Status.BlueGreen)
		for _, s := range []*Scope{&cluster, &inNS} {
			if s == &inNS && o.Namespace != rapi.Namespace {
				continue
			}
			if preparing {
				s.InFlight++
			} else if queued != nil {
				s.Queue = append(s.Queue, *queued)
			}
		}
	}
	t := TakeTurn(me, cluster, inNS)
	if t.Admitted {
		r.rollouts().admitted[key] = struct{}{}
	}
	r.rollouts().mu.Unlock()
	return &t, nil
}

// classify says whether another RestAPI holds a slot (its status says so,
// or this manager admitted it and the cache does not show it yet) or waits
// in the queue. Called with q.mu held.
func (q *rolloutQueue) classify(k types.NamespacedName, bg *apiv1.BlueGreenStatus) (bool, *Entry) {
	if HoldsSlot(bg) {
		delete(q.admitted, k) // the cache shows it: nothing left to remember
		return true, nil
	}
	if _, ok := q.admitted[k]; ok {
		return true, nil
	}
	if at, ok := Queued(bg); ok {
		return false, &Entry{Namespace: k.Namespace, Name: k.Name, QueuedAt: at}
	}
	return false, nil
}

// Forget forgets what the queue and the measurers hold of a RestAPI that
// is gone or being deleted; when its status held a slot, the queued
// rollouts nearest the front look again now.
func (r *Reconciler) Forget(ctx context.Context, key types.NamespacedName) {
	q := r.rollouts()
	q.mu.Lock()
	_, held := q.holders[key]
	delete(q.holders, key)
	delete(q.admitted, key)
	_, limited := q.limits[key.Namespace]
	q.mu.Unlock()
	r.measurer().Forget(key)
	if held {
		r.wakeFront(ctx, key.Namespace)
	}
	if limited {
		r.forgetLimitIfEmpty(ctx, key.Namespace)
	}
}

// forgetLimitIfEmpty forgets a namespace's limit once no RestAPI is left
// there (the namespace may be gone with them): the cache answers.
func (r *Reconciler) forgetLimitIfEmpty(ctx context.Context, ns string) {
	var left apiv1.RestAPIList
	if err := r.Client.List(ctx, &left, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
		return // forgotten at the next sweep (limitsKeptFor) instead
	}
	for i := range left.Items {
		if left.Items[i].DeletionTimestamp.IsZero() {
			return
		}
	}
	q := r.rollouts()
	q.mu.Lock()
	delete(q.limits, ns)
	q.mu.Unlock()
}

// Wake is where queued rollouts to look at again, and RestAPIs whose
// analysis measurement finished, are sent: a source of the controller.
func (r *Reconciler) Wake() <-chan event.GenericEvent { return r.rollouts().wake }

// wakeOne sends one RestAPI to be reconciled now; when the channel is
// full it is not sent (what asked has a later requeue of its own).
func (r *Reconciler) wakeOne(key types.NamespacedName) {
	select {
	case r.rollouts().wake <- event.GenericEvent{Object: &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}}:
	default:
	}
}

// release forgets an admission of a RestAPI that starts no rollout.
func (q *rolloutQueue) release(key types.NamespacedName) {
	q.mu.Lock()
	delete(q.admitted, key)
	q.mu.Unlock()
}

// WakeQueued is called after every status write, with the status before
// and after: it records whether the RestAPI holds a slot (so that its
// deletion wakes the queue, Forget), drops a moot admission, and, once a
// RestAPI gave its slot up (its rollout is over), looks again, now, at the
// queued rollouts nearest the front.
func (r *Reconciler) WakeQueued(ctx context.Context, rapi *apiv1.RestAPI, before, after *apiv1.BlueGreenStatus) {
	key := client.ObjectKeyFromObject(rapi)
	q := r.rollouts()
	q.mu.Lock()
	if HoldsSlot(after) {
		q.holders[key] = struct{}{}
	} else {
		// The status just written holds no slot: an admission is moot
		// (the rollout ended, or never started: aborted, or the spec
		// went back). A cache still showing an older status that held
		// one only makes the others wait.
		delete(q.holders, key)
		delete(q.admitted, key)
	}
	q.mu.Unlock()
	if !HoldsSlot(before) || HoldsSlot(after) {
		return
	}
	r.wakeFront(ctx, rapi.Namespace)
}

// wakeFront wakes the queued rollouts nearest the front, in the whole
// cluster or, with only namespace limits, in namespace ns: a slot freed.
func (r *Reconciler) wakeFront(ctx context.Context, ns string) {
	var opts []client.ListOption
	limit := r.MaxConcurrentRollouts
	if limit <= 0 {
		// Only a namespace limit can hold rollouts back, and a rollout was
		// queued only after that limit was read: with none known, nothing
		// waits (after a restart, queued rollouts look again within
		// QueueRecheck), and a slot freed costs no list.
		r.rollouts().mu.Lock()
		limit = r.rollouts().limits[ns].limit
		r.rollouts().mu.Unlock()
		if limit <= 0 {
			return
		}
		opts = append(opts, client.InNamespace(ns))
	}
	var list apiv1.RestAPIList
	if err := r.Client.List(ctx, &list, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		return // each queued rollout looks again within QueueRecheck
	}
	var queue []Entry
	for i := range list.Items {
		if at, ok := Queued(list.Items[i].Status.BlueGreen); ok {
			queue = append(queue, Entry{Namespace: list.Items[i].Namespace, Name: list.Items[i].Name, QueuedAt: at})
		}
	}
	for _, e := range Front(queue, max(limit, 1)+wakeExtra) {
		r.wakeOne(types.NamespacedName{Namespace: e.Namespace, Name: e.Name}) // full: they look again within QueueRecheck
	}
}
