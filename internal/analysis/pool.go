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

package analysis

import (
	"context"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/types"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Measurements are taken off the reconcile, by a bounded pool of
// measurers: a reconcile hands the measurements that are due to the pool
// and returns; a measurer takes one, keeps its result in memory and wakes
// the RestAPI; its next reconcile records the result in status, and only
// then does the decision read it. A result is bound to the one
// measurement it was taken for (the analysis, the check, the component,
// and how many measurements that check had recorded): anything else finds
// it stale. A measurement in flight when the manager stops is lost, and
// the next manager takes it again: status never claims it.
//
// A hanging endpoint holds one measurer for its check's timeout and
// nothing else. One namespace holds at most a quarter of the measurers,
// so a tenant whose checks hang cannot make the others' wait.

// DefaultMeasurers is the pool's size when --analysis-measurers gives none.
const DefaultMeasurers = 32

// forgetAfter is how long a result nobody came for is kept.
const forgetAfter = 10 * time.Minute

// entryKey is one check on one component of one RestAPI's analysis phase:
// at most one measurement of it is in flight.
type entryKey struct {
	rapi      types.NamespacedName
	phase     apiv1.AnalysisPhase
	check     string
	component apiv1.ComponentName
}

// jobKey is one measurement: its entry, the analysis it belongs to, the
// place in the check's record it is for, and what it measures (the
// rendered URL with the expected codes and the timeout, or the address,
// query and condition: a check changed while it was measured gets no
// result of the old one).
type jobKey struct {
	what string
	entryKey
	uid      types.UID
	revision string
	colour   apiv1.Environment
	attempt  int64
	started  int64
	taken    int32
	last     int64
}

func keyOf(rapi *apiv1.RestAPI, st *apiv1.AnalysisStatus, e apiv1.AnalysisCheckStatus) jobKey {
	k := jobKey{
		entryKey: entryKey{rapi: types.NamespacedName{Namespace: rapi.Namespace, Name: rapi.Name}, phase: st.Phase, check: e.Name, component: e.Component},
		uid:      rapi.UID, revision: st.Revision, colour: st.Colour, attempt: st.Attempt, started: st.StartedAt.UnixNano(),
		taken: e.Successes + e.Failures + e.Inconclusive,
	}
	if e.LastTime != nil {
		k.last = e.LastTime.UnixNano()
	}
	return k
}

// probe is a measurement ready to be taken: its spec checked and rendered,
// with nothing sent yet.
type probe struct {
	what    string
	timeout time.Duration
	run     func(ctx context.Context) measurement
}

type job struct {
	key   jobKey
	probe probe
}

type done struct {
	key jobKey
	m   measurement
	at  time.Time
}

// pool is the measurers. Its state is guarded by Measurer.mu.
type pool struct {
	queued  []job
	running map[entryKey]jobKey
	byNS    map[string]int
	results map[entryKey]done
}

func (m *Measurer) size() (total, perNamespace int) {
	total = m.Measurers
	if total <= 0 {
		total = DefaultMeasurers
	}
	return total, max(1, total/4)
}

// take returns the result of measurement k when it is there; a result of
// an earlier measurement of the same entry is dropped.
func (m *Measurer) take(k jobKey) (measurement, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.pool.results[k.entryKey]
	if !ok {
		return measurement{}, false
	}
	if d.key != k {
		delete(m.pool.results, k.entryKey)
		return measurement{}, false
	}
	return d.m, true
}

// submit hands measurement k to the pool unless a measurement of its
// entry is queued or running (a stale one is replaced while it waits; one
// running finishes first, its result then found stale).
func (m *Measurer) submit(k jobKey, p probe, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pool.running == nil {
		m.pool.running, m.pool.byNS, m.pool.results = map[entryKey]jobKey{}, map[string]int{}, map[entryKey]done{}
	}
	if _, ok := m.pool.running[k.entryKey]; ok {
		return
	}
	for i := range m.pool.queued {
		if m.pool.queued[i].key.entryKey == k.entryKey {
			m.pool.queued[i] = job{key: k, probe: p}
			return
		}
	}
	for e, d := range m.pool.results {
		if now.Sub(d.at) > forgetAfter {
			delete(m.pool.results, e)
		}
	}
	m.pool.queued = append(m.pool.queued, job{key: k, probe: p})
	m.schedule()
}

// schedule starts queued measurements while measurers are free, in the
// order they came, skipping a namespace that holds its share.
func (m *Measurer) schedule() {
	total, perNS := m.size()
	running := len(m.pool.running)
	for i := 0; i < len(m.pool.queued) && running < total; {
		j := m.pool.queued[i]
		if m.pool.byNS[j.key.rapi.Namespace] >= perNS {
			i++
			continue
		}
		m.pool.queued = append(m.pool.queued[:i], m.pool.queued[i+1:]...)
		m.pool.running[j.key.entryKey] = j.key
		m.pool.byNS[j.key.rapi.Namespace]++
		running++
		go m.run(j)
	}
}

// run takes one measurement on a measurer, keeps its result, frees the
// measurer, and wakes the RestAPI.
func (m *Measurer) run(j job) {
	// The probe bounds itself; this bounds a probe that would not.
	ctx, cancel := context.WithTimeout(context.Background(), j.probe.timeout+5*time.Second)
	found := j.probe.run(ctx)
	cancel()
	m.mu.Lock()
	live := m.pool.running[j.key.entryKey] == j.key // not forgotten meanwhile
	delete(m.pool.running, j.key.entryKey)
	if m.pool.byNS[j.key.rapi.Namespace]--; m.pool.byNS[j.key.rapi.Namespace] <= 0 {
		delete(m.pool.byNS, j.key.rapi.Namespace)
	}
	if live {
		m.pool.results[j.key.entryKey] = done{key: j.key, m: found, at: time.Now()}
	}
	m.schedule()
	wake := m.Wake
	m.mu.Unlock()
	if wake != nil {
		wake(j.key.rapi)
	}
}

// Forget drops what the pool holds for a RestAPI that is gone: its queued
// measurements and its results (one running finishes, and is dropped
// when nobody takes it).
func (m *Measurer) Forget(key types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pool.queued = slices.DeleteFunc(m.pool.queued, func(j job) bool { return j.key.rapi == key })
	for e := range m.pool.results {
		if e.rapi == key {
			delete(m.pool.results, e)
		}
	}
	for e := range m.pool.running {
		if e.rapi == key {
			m.pool.running[e] = jobKey{} // it finishes, and its result is dropped
		}
	}
}

// Remembered is how many results, queued measurements and busy namespaces
// the pool holds in the namespaces in selects: the tests check it returns
// to zero when the RestAPIs go.
func (m *Measurer) Remembered(in func(namespace string) bool) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for e := range m.pool.results {
		if in(e.rapi.Namespace) {
			n++
		}
	}
	for _, j := range m.pool.queued {
		if in(j.key.rapi.Namespace) {
			n++
		}
	}
	for ns := range m.pool.byNS {
		if in(ns) {
			n++
		}
	}
	return n
}

// Busy is how many measurements are running and queued.
func (m *Measurer) Busy() (running, queued int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pool.running), len(m.pool.queued)
}
