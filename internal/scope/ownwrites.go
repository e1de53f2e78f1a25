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

package scope

import (
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// OwnWriteTTL bounds how long a write is remembered when the cache never
// shows it: a watch delivers within milliseconds, seconds under load, and
// past this the cache is believed again, whatever it shows.
const OwnWriteTTL = 30 * time.Second

// OwnWrites remembers, across reconciles, the children this manager
// changed (not those it created: see Wrote) until the cache shows them: the child as the API server answered the
// write, and the resource versions the cache may still show instead (the
// one the write started from, and this manager's own earlier writes of
// it). The informers of the child kinds and of the RestAPI lag each other:
// a reconcile woken by one event can list a Deployment as it was before
// the previous reconcile's writes, and would write them again (a wasted
// write, and a decision on a stale object). ReadChildren puts the
// remembered answer in place of such a copy, with no request; any other
// copy is newer than the write (the cache never goes back) and ends the
// memory of it. This is readRestAPI's technique for the status, applied to
// the children.
//
// Memory is bounded: an entry goes when the cache shows its object, or no
// object of that name, when the operator deletes it, when its RestAPI is forgotten, and after
// OwnWriteTTL in any case. The zero value is ready; nil remembers nothing.
type OwnWrites struct {
	// Now is the clock (tests replace it); nil: time.Now.
	Now func() time.Time

	mu        sync.Mutex
	byRestAPI map[types.NamespacedName]map[childKey]ownWrite
	swept     time.Time
}

type childKey struct{ kind, name string }

type ownWrite struct {
	// answer is the child as the API server answered the last write.
	answer client.Object
	// stale are the resource versions the cache may show before it shows
	// answer.
	stale []string
	at    time.Time
}

func (w *OwnWrites) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Wrote remembers a write of a child of owner: before is the child as the
// writer read it, answer the API server's answer.
//
// A creation (before nil) is not remembered, and ends what was: a cache
// that does not list the child may not have seen it yet, or may have seen
// it deleted since (by hand, right after), and only the second must lead
// to a new one. The next write of a child the cache does not show yet
// finds the name taken and reads it around the cache (Writer.Apply).
func (w *OwnWrites) Wrote(owner types.NamespacedName, before, answer client.Object) {
	if w == nil || answer == nil {
		return
	}
	now := w.now()
	key := childKey{KindOf(answer), answer.GetName()}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sweep(now)
	if before == nil {
		w.forget(owner, key)
		return
	}
	from := before.GetResourceVersion()
	if w.byRestAPI == nil {
		w.byRestAPI = map[types.NamespacedName]map[childKey]ownWrite{}
	}
	writes := w.byRestAPI[owner]
	if writes == nil {
		writes = map[childKey]ownWrite{}
		w.byRestAPI[owner] = writes
	}
	stale := []string{from}
	if last, ok := writes[key]; ok && now.Sub(last.at) < OwnWriteTTL &&
		(last.answer.GetResourceVersion() == from || slices.Contains(last.stale, from)) {
		// A write over our own previous one: the cache may show either,
		// or what that one started from.
		stale = append(slices.Clone(last.stale), last.answer.GetResourceVersion())
	}
	writes[key] = ownWrite{answer: answer.DeepCopyObject().(client.Object), stale: stale, at: now}
}

// Deleted forgets the writes of a child the operator deleted.
func (w *OwnWrites) Deleted(owner types.NamespacedName, o client.Object) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.forget(owner, childKey{KindOf(o), o.GetName()})
}

func (w *OwnWrites) forget(owner types.NamespacedName, key childKey) {
	if writes := w.byRestAPI[owner]; writes != nil {
		delete(writes, key)
		if len(writes) == 0 {
			delete(w.byRestAPI, owner)
		}
	}
}

// Forget forgets every write of a RestAPI's children: it is gone.
func (w *OwnWrites) Forget(owner types.NamespacedName) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.byRestAPI, owner)
}

// Remembered counts the children remembered in the namespaces in says
// (all when in is nil).
func (w *OwnWrites) Remembered(in func(namespace string) bool) int {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for owner, writes := range w.byRestAPI {
		if in == nil || in(owner.Namespace) {
			n += len(writes)
		}
	}
	return n
}

// overlay puts in kids, in place of each copy the cache lists that
// predates a remembered write, the answer of that write, and forgets the
// writes the cache shows.
func (w *OwnWrites) overlay(owner types.NamespacedName, kids Children) {
	if w == nil {
		return
	}
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	writes := w.byRestAPI[owner]
	for key, wr := range writes {
		cached := kids.get(key.kind, key.name)
		// Not listed: deleted since, by someone else; it is written anew.
		if cached == nil || now.Sub(wr.at) >= OwnWriteTTL || !slices.Contains(wr.stale, cached.GetResourceVersion()) {
			delete(writes, key)
			continue
		}
		kids.put(wr.answer.DeepCopyObject().(client.Object))
	}
	if len(writes) == 0 {
		delete(w.byRestAPI, owner)
	}
}

// sweep drops, at most once per OwnWriteTTL, the writes older than it of
// RestAPIs no reconcile has read since.
func (w *OwnWrites) sweep(now time.Time) {
	if now.Sub(w.swept) < OwnWriteTTL {
		return
	}
	w.swept = now
	for owner, writes := range w.byRestAPI {
		for key, wr := range writes {
			if now.Sub(wr.at) >= OwnWriteTTL {
				delete(writes, key)
			}
		}
		if len(writes) == 0 {
			delete(w.byRestAPI, owner)
		}
	}
}
