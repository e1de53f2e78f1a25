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
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// The rollout queue over many RestAPIs, through the manager's own side of
// it (Reconciler.turn, WakeQueued, Forget), with a cache that lags behind
// the status writes: RestAPIs ship revisions, are aborted while queued,
// deleted while they hold a slot (or kept by a finalizer), and the limit
// holds whatever the cache shows.

// queueSim is a cluster of RestAPIs, each a sim, with the API server's
// objects (truth) and the manager's cache of them.
type queueSim struct {
	t            *testing.T
	r            *Reconciler
	limit        int
	sims         map[types.NamespacedName]*sim
	truth, cache map[types.NamespacedName]*apiv1.RestAPI
	now          time.Time
	rng          *rand.Rand
	log          []string
	seen         map[string]int
}

func newQueueSim(t *testing.T, seed uint64, seen map[string]int) *queueSim {
	scheme := runtime.NewScheme()
	if err := apiv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	q := &queueSim{t: t, limit: 2, sims: map[types.NamespacedName]*sim{}, truth: map[types.NamespacedName]*apiv1.RestAPI{},
		cache: map[types.NamespacedName]*apiv1.RestAPI{}, now: t0, rng: rand.New(rand.NewPCG(seed, 7)), seen: seen}
	c := fake.NewClientBuilder().WithScheme(scheme).WithInterceptorFuncs(interceptor.Funcs{
		List: func(_ context.Context, _ client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			var lo client.ListOptions
			lo.ApplyOptions(opts)
			l := list.(*apiv1.RestAPIList)
			l.Items = nil
			for k, o := range q.cache {
				if lo.Namespace == "" || lo.Namespace == k.Namespace {
					l.Items = append(l.Items, *o.DeepCopy())
				}
			}
			return nil
		},
	}).Build()
	q.r = &Reconciler{Client: c, APIReader: &namespaceReader{}, MaxConcurrentRollouts: q.limit}
	for i := range 6 {
		q.create(types.NamespacedName{Namespace: fmt.Sprintf("ns%d", i%2), Name: fmt.Sprintf("app%d", i)})
	}
	q.catchUp(1)
	return q
}

// create makes a RestAPI serving r1 from blue, idle.
func (q *queueSim) create(k types.NamespacedName) {
	s := &sim{colours: map[Colour]*simColour{blue: {}, green: {}, Legacy: {}}, enabled: true, healing: true, auto: true,
		applied: map[string]bool{}, bad: map[string]bool{}, pending: map[string]time.Duration{}, now: q.now, seen: map[string]int{}}
	for i := range s.stable {
		s.stable[i] = Legacy
	}
	s.newRevision(false)
	for range 3 {
		s.apply(Decide(s.input()), -1)
		s.progress(q.rng)
	}
	q.sims[k] = s
	q.truth[k] = &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name}}
	q.truth[k].Status.BlueGreen = s.statusBG.DeepCopy()
}

// catchUp brings each RestAPI's cached copy up to date with probability p.
func (q *queueSim) catchUp(p float64) {
	for _, k := range q.keys() {
		o, ok := q.truth[k]
		switch {
		case q.rng.Float64() >= p:
		case ok:
			q.cache[k] = o.DeepCopy()
		default:
			delete(q.cache, k)
		}
	}
}

// reconcile is the blue-green phase of one reconcile of k, and what
// follows its status write; woken RestAPIs are reconciled too.
func (q *queueSim) reconcile(k types.NamespacedName, why string) {
	q.t.Helper()
	rapi, s := q.truth[k], q.sims[k]
	if rapi == nil {
		return
	}
	if !rapi.DeletionTimestamp.IsZero() {
		q.r.Forget(q.t.Context(), k)
		return
	}
	s.now = q.now
	for range 3 {
		in := s.input()
		turn, err := q.r.turn(q.t.Context(), rapi, in)
		if err != nil {
			q.t.Fatal(err)
		}
		in.Turn = turn
		p := Decide(in)
		if in.AbortRequest == in.DesiredRevision && in.Status.State == apiv1.StateQueued {
			if p.Status.State != apiv1.StateAborted || HoldsSlot(p.Status) {
				q.fail("%s: aborted while queued, but %+v", k, p.Status)
			}
			q.seen["aborted while queued"]++
		}
		before := s.statusBG.DeepCopy()
		s.apply(p, -1)
		rapi.Status.BlueGreen = s.statusBG.DeepCopy()
		q.log = append(q.log, fmt.Sprintf("%s %s: %s %s", k, why, s.statusBG.State, s.statusBG.Message))
		q.r.WakeQueued(q.t.Context(), rapi, before, rapi.Status.BlueGreen)
		q.check()
		if !p.Again {
			break
		}
	}
	for _, w := range q.woken() {
		if w != k {
			q.reconcile(w, "woken")
		}
	}
}

// woken drains the wake channel.
func (q *queueSim) woken() []types.NamespacedName {
	var out []types.NamespacedName
	for {
		select {
		case e := <-q.r.Wake():
			out = append(out, client.ObjectKeyFromObject(e.Object))
		default:
			return out
		}
	}
}

// running counts the RestAPIs whose status, on the API server, holds a
// slot; one being deleted holds none.
func (q *queueSim) running() (n int, queued []types.NamespacedName) {
	for k, o := range q.truth {
		switch {
		case !o.DeletionTimestamp.IsZero():
		case HoldsSlot(o.Status.BlueGreen):
			n++
		case o.Status.BlueGreen != nil && o.Status.BlueGreen.State == apiv1.StateQueued:
			queued = append(queued, k)
		}
	}
	return n, queued
}

func (q *queueSim) check() {
	q.t.Helper()
	if n, _ := q.running(); n > q.limit {
		var holders []string
		for k, o := range q.truth {
			if o.DeletionTimestamp.IsZero() && HoldsSlot(o.Status.BlueGreen) {
				c := q.cache[k]
				cached := "not cached"
				if c != nil && c.Status.BlueGreen != nil {
					cached = string(c.Status.BlueGreen.State)
				}
				holders = append(holders, fmt.Sprintf("%s %s (cache: %s)", k, o.Status.BlueGreen.State, cached))
			}
		}
		q.fail("%d rollouts run, over the limit of %d: %v", n, q.limit, holders)
	}
}

func (q *queueSim) fail(format string, args ...any) {
	q.t.Helper()
	tail := q.log[max(0, len(q.log)-40):]
	q.t.Fatalf("%s\n%s", fmt.Sprintf(format, args...), strings.Join(tail, "\n"))
}

func (q *queueSim) keys() []types.NamespacedName {
	ks := make([]types.NamespacedName, 0, 6)
	for i := range 6 {
		ks = append(ks, types.NamespacedName{Namespace: fmt.Sprintf("ns%d", i%2), Name: fmt.Sprintf("app%d", i)})
	}
	return ks
}

func TestQueueSimulationKeepsTheLimit(t *testing.T) {
	const sequences, steps = 300, 60
	seen := map[string]int{}
	for seed := range uint64(sequences) {
		q := newQueueSim(t, seed, seen)
		for i := range steps {
			k := q.keys()[q.rng.IntN(6)]
			s := q.sims[k]
			step := fmt.Sprintf("seed %d step %d", seed, i)
			switch q.rng.IntN(9) {
			case 0, 1:
				if q.truth[k] != nil && q.truth[k].DeletionTimestamp.IsZero() {
					s.newRevision(false)
					q.reconcile(k, step+" new revision "+s.desired)
				}
			case 2:
				for _, k := range q.keys() {
					q.sims[k].progress(q.rng)
				}
				q.reconcile(k, step+" pods progress")
			case 3:
				q.now = q.now.Add(time.Duration(5+q.rng.IntN(60)) * time.Second)
				q.reconcile(k, step+" time passes")
			case 4:
				if o := q.truth[k]; o != nil && o.Status.BlueGreen != nil && o.Status.BlueGreen.State == apiv1.StateQueued {
					s.ann.abort = s.desired
					q.reconcile(k, step+" abort while queued")
				}
			case 5:
				o := q.truth[k]
				if o == nil || !o.DeletionTimestamp.IsZero() || !HoldsSlot(o.Status.BlueGreen) {
					break
				}
				var queued []types.NamespacedName // as the cache shows them (a queued one it does not show yet looks again within QueueRecheck)
				for k, o := range q.cache {
					if _, ok := Queued(o.Status.BlueGreen); ok {
						queued = append(queued, k)
					}
				}
				if q.rng.IntN(2) == 0 {
					delete(q.truth, k)
					q.seen["slot holder deleted"]++
				} else {
					o.DeletionTimestamp = &metav1.Time{Time: q.now}
					o.Finalizers = []string{"example.com/keep"}
					q.seen["slot holder kept by a finalizer"]++
				}
				q.woken() // nothing else was waiting to be woken
				q.r.Forget(t.Context(), k)
				if w := q.woken(); len(queued) > 0 && len(w) == 0 {
					q.fail("%s: deleting slot holder %s woke none of the queued %v", step, k, queued)
				} else {
					for _, w := range w {
						q.reconcile(w, step+" woken by a deletion")
					}
				}
			case 6:
				if o := q.truth[k]; o == nil || (!o.DeletionTimestamp.IsZero() && q.rng.IntN(2) == 0) {
					delete(q.truth, k)
					q.create(k)
					q.reconcile(k, step+" created again")
				}
			default:
				q.catchUp(0.3)
				q.reconcile(k, step+" cache catches up (some)")
			}
			if st := q.truth[k]; st != nil && st.Status.BlueGreen != nil && st.Status.BlueGreen.State == apiv1.StateQueued {
				q.seen["queued"]++
			}
		}
		// Once the cache caught up, a queued rollout waits only for a
		// slot that is truly held: one being deleted holds none.
		for range 2 {
			q.catchUp(1)
			for _, k := range q.keys() {
				q.reconcile(k, fmt.Sprintf("seed %d caught up", seed))
			}
		}
		if n, queued := q.running(); len(queued) > 0 && n < q.limit {
			q.fail("seed %d: %v queued while only %d of %d slots are held", seed, queued, n, q.limit)
		}
	}
	for _, what := range []string{"queued", "aborted while queued", "slot holder deleted", "slot holder kept by a finalizer"} {
		if seen[what] == 0 {
			t.Errorf("no sequence reached %q", what)
		}
	}
	t.Logf("seen: %v", seen)
}
