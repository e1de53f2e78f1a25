//go:build bench

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

package bench

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/manager"
)

const (
	operatorNS = "bench-operator"
	baselineNS = "bench-baseline"
	runs       = 30
)

// envInt reads a number from the environment, or returns def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// envSizes reads a comma-separated list of numbers from the environment,
// or returns def.
func envSizes(t *testing.T, name string, def ...int) []int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var sizes []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// perRestAPI formats request counts by verb and resource, divided by n.
func perRestAPI(counts map[string]int, n int) string {
	var b strings.Builder
	b.WriteString("| request | per RestAPI |\n| --- | --- |\n")
	total := 0
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "| %s | %.2f |\n", k, float64(counts[k])/float64(n))
		total += counts[k]
	}
	fmt.Fprintf(&b, "| all | %.2f |\n", float64(total)/float64(n))
	return b.String()
}

func TestConvergence(t *testing.T) {
	ctx := t.Context()
	h := setup(t, nil, operatorNS, baselineNS)

	operator, base := make([]time.Duration, 0, runs), make([]time.Duration, 0, runs)
	first := time.Now()
	for i := range runs {
		// Baseline first, then the operator, alternating, so drift hits both.
		b := restAPI(baselineNS, fmt.Sprintf("b%d", i))
		if err := h.c.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := baseline(ctx, h.c, b); err != nil {
			t.Fatal(err)
		}
		base = append(base, time.Since(start))

		r := restAPI(operatorNS, fmt.Sprintf("o%d", i))
		start = time.Now()
		if err := h.c.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		operator = append(operator, h.waitConverged(t, start, r).Sub(start))
		waitIdle(t)
	}
	counts := byVerb(namespaced(requests.since(first), operatorNS))

	om, op95 := percentile(operator, 0.5), percentile(operator, 0.95)
	bm, bp95 := percentile(base, 0.5), percentile(base, 0.95)
	table := fmt.Sprintf(`| measure | operator | bare client | ratio | budget |
| --- | --- | --- | --- | --- |
| one RestAPI, create to %d children and status written, median of %d | %s | %s | %.2fx | 1.5x |
| same, p95 | %s | %s | %.2fx | 1.5x |

Requests the operator sent for each RestAPI, until it was idle:

%s`, childCount, runs, om.Round(time.Millisecond), bm.Round(time.Millisecond), float64(om)/float64(bm),
		op95.Round(time.Millisecond), bp95.Round(time.Millisecond), float64(op95)/float64(bp95), perRestAPI(counts, runs))
	report(t, "Convergence of one RestAPI", table)
}

// TestBurst creates N RestAPIs at once, for each N in $BENCH_BURST (default
// 50,200,500), and measures the time until all converged and the workqueue
// is empty, next to a bare client writing the same objects with as many
// workers as the manager has. Each side of each N runs on a control plane
// of its own. After each N it reports the manager's memory.
func TestBurst(t *testing.T) {
	sizes := envSizes(t, "BENCH_BURST", 50, 200, 500)
	// BENCH_HEAPPROFILE=file writes the live heap after each N to file.N.
	// BENCH_TRIM=0 measures without the cache transforms, for comparison.
	trim := os.Getenv("BENCH_TRIM") != "0"
	// BENCH_WORKERS sets MaxConcurrentReconciles (and the bare client's workers).
	workers := envInt(t, "BENCH_WORKERS", manager.DefaultMaxConcurrentReconciles)
	tune := func(mc *manager.Config, o *ctrl.Options) {
		mc.MaxConcurrentReconciles = workers
		if !trim {
			for k, v := range o.Cache.ByObject {
				v.Transform = nil
				o.Cache.ByObject[k] = v
			}
		}
	}

	var rows, perEach, mem strings.Builder
	var verbs string
	var firstPer time.Duration
	for _, n := range sizes {
		// Each side writes into a control plane of its own, started for
		// it: the API server slows as its store fills, and a side that came
		// second would pay for the first side's objects.
		var base time.Duration
		t.Run(fmt.Sprintf("baseline-%d", n), func(t *testing.T) {
			ns := fmt.Sprintf("burst-baseline-%d", n)
			_, c := controlPlane(t, ns)
			b := &harness{c: c, workers: workers}
			// workers bare clients, each writing one RestAPI's objects at a
			// time.
			bs := make([]*apiv1.RestAPI, n)
			for i := range bs {
				bs[i] = restAPI(ns, fmt.Sprintf("b%d", i))
			}
			b.createAll(t, bs)
			start := time.Now()
			next := make(chan *apiv1.RestAPI)
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for r := range next {
						errs <- baseline(t.Context(), c, r)
					}
				})
			}
			for _, r := range bs {
				next <- r
			}
			close(next)
			wg.Wait()
			base = time.Since(start)
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		})

		t.Run(fmt.Sprintf("operator-%d", n), func(t *testing.T) {
			ns := fmt.Sprintf("burst-%d", n)
			h := setup(t, tune, ns)
			requests.reset()
			runtime.GC()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			rss0 := rss(t)
			rs := make([]*apiv1.RestAPI, n)
			for i := range rs {
				rs[i] = restAPI(ns, fmt.Sprintf("o%d", i))
			}
			reconciles0 := restapiReconciles(t)
			start := time.Now()
			h.createAll(t, rs)
			each := h.waitEachConverged(t, start, rs...)
			last := slices.MaxFunc(each, time.Time.Compare)
			idle := waitIdle(t)
			if idle.Before(last) {
				idle = last
			}
			took := idle.Sub(start)
			per := took / time.Duration(n)
			if firstPer == 0 {
				firstPer = per
			}
			fmt.Fprintf(&rows, "| %d | %s | %s | %.2fx | %s | %.2fx |\n", n, took.Round(time.Millisecond), base.Round(time.Millisecond),
				float64(took)/float64(base), per.Round(10*time.Microsecond), float64(per)/float64(firstPer))
			since := make([]time.Duration, len(each))
			for i, at := range each {
				since[i] = at.Sub(start).Round(time.Millisecond)
			}
			fmt.Fprintf(&perEach, "| %d | %s | %s | %s | %s | %.1f |\n", n, slices.Min(since), percentile(since, 0.5), percentile(since, 0.95), slices.Max(since),
				(restapiReconciles(t)-reconciles0)/float64(n))
			if n == sizes[len(sizes)-1] {
				verbs = perRestAPI(byVerb(namespaced(requests.since(start), ns)), n)
			}

			// The log is this test's, not the manager's: measure without it.
			requests.reset()
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			heap := int64(m.HeapAlloc) - int64(m0.HeapAlloc)
			r := rss(t) - rss0
			if f := os.Getenv("BENCH_HEAPPROFILE"); f != "" {
				writeHeapProfile(t, fmt.Sprintf("%s.%d", f, n))
			}
			fmt.Fprintf(&mem, "| %d | %.1f MiB | %.1f KiB | %.1f MiB | %.1f KiB |\n", n,
				float64(heap)/(1<<20), float64(heap)/1024/float64(n), float64(r)/(1<<20), float64(r)/1024/float64(n))
		})
	}
	table := fmt.Sprintf(`The manager runs %d workers; the bare client writes with as many. Cache transforms: %v.

| RestAPIs created at once | operator: all converged, queue empty | bare client | ratio | operator per RestAPI | growth per RestAPI vs the first N |
| --- | --- | --- | --- | --- | --- |
%s
Budget: at most 2x the bare client at every N, and no worse than linear growth (per-RestAPI time not rising with N).

Time from the start of the apply to each RestAPI converged (its children created, then its status written; envtest runs no Pods, so `+"`make test-load`"+` measures the time to Available):

| RestAPIs created at once | first | p50 | p95 | last | reconciles per RestAPI |
| --- | --- | --- | --- | --- | --- |
%s
Requests the operator sent for each RestAPI, at N = %d:

%s
Memory of the test process above what it used once the manager had started, before the first RestAPI (after a GC; the control plane runs in its own processes). Each N has a manager of its own, which caches those N:

| RestAPIs cached (with all children) | live heap | per RestAPI | RSS | per RestAPI |
| --- | --- | --- | --- | --- |
%s
Budget: under 150 KiB per RestAPI.
`, workers, trim, rows.String(), perEach.String(), sizes[len(sizes)-1], verbs, mem.String())
	report(t, "Burst and memory", table)
}

// rss is the resident set of this process, in bytes.
func rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestSteadyState converges $BENCH_N RestAPIs (default 500), then counts,
// from the manager's own metrics, the API requests and reconciles over an
// idle minute that includes full resyncs of every informer.
func TestSteadyState(t *testing.T) {
	n := envInt(t, "BENCH_N", 500)
	const resync = 25 * time.Second
	const idle = 60 * time.Second
	h := setup(t, func(_ *manager.Config, o *ctrl.Options) { o.Cache.SyncPeriod = new(resync) }, operatorNS)
	rs := make([]*apiv1.RestAPI, n)
	for i := range rs {
		rs[i] = restAPI(operatorNS, fmt.Sprintf("s%d", i))
	}
	start := time.Now()
	h.createAll(t, rs)
	h.waitConverged(t, start, rs...)
	convergedIn := time.Since(start)
	// Let the last writes' own events come back, then measure.
	waitIdle(t)
	time.Sleep(5 * time.Second)
	writes0 := sample(t, "rest_client_requests_total", mutating)
	reconciles0 := restapiReconciles(t)
	time.Sleep(idle)
	writes := sample(t, "rest_client_requests_total", mutating) - writes0
	reconciles := restapiReconciles(t) - reconciles0
	resyncs := int(idle / resync)
	table := fmt.Sprintf(`| measure | value | budget |
| --- | --- | --- |
| RestAPIs | %d | |
| created at once, all converged in | %s | |
| idle window, with a full resync every %s | %s | |
| mutating API requests in the window | %.0f | 0 |
| reconciles in the window | %.0f | at most %d (one per RestAPI per resync) |
`, n, convergedIn.Round(time.Millisecond), resync, idle, writes, reconciles, n*(resyncs+1))
	report(t, "Steady state", table)
	if writes != 0 {
		t.Errorf("%.0f mutating requests while nothing changed", writes)
	}
	if reconciles > float64(n*(resyncs+1)) {
		t.Errorf("%.0f reconciles for %d RestAPIs and %d resyncs", reconciles, n, resyncs)
	}
}

// TestPromotion runs 50 blue-green promotions of one RestAPI and measures
// the time from the last new-colour Deployment turning ready to the last
// of the four stable Services switched, and the writes per promotion.
func TestPromotion(t *testing.T) {
	const promotions = 50
	h := setup(t, nil, operatorNS)
	r := restAPI(operatorNS, "shop")
	r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(0))
	start := time.Now()
	if err := h.c.Create(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	h.waitConverged(t, start, r)
	h.promote(t, r, "first") // the first deploy: blue, ready
	lat := make([]time.Duration, 0, promotions)
	all, switchWrites := make([]int, 0, promotions), make([]int, 0, promotions)
	kinds := map[string]int{}
	for i := range promotions {
		ready, switched, reqs := h.promote(t, r, fmt.Sprint(i))
		lat = append(lat, switched.Sub(ready))
		w := writes(reqs)
		all = append(all, len(w))
		n := 0
		for _, q := range w {
			if q.at.After(ready) && !q.at.After(switched) {
				n++
			}
			kinds[q.verb+" "+q.resource]++
		}
		switchWrites = append(switchWrites, n)
	}
	slices.Sort(all)
	slices.Sort(switchWrites)
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		fmt.Fprintf(&b, "| %s | %.2f |\n", k, float64(kinds[k])/promotions)
	}
	table := fmt.Sprintf(`| measure | value | budget |
| --- | --- | --- |
| promotions | %d | |
| last new-colour Deployment ready to all four stable Services switched, p50 | %s | |
| same, p95 | %s | 250ms |
| writes from the spec change to Idle on the new colour (Events left out), median | %d | |
| writes between the last Deployment ready and the switch, median | %d | |

Writes per promotion, by kind:

| request | per promotion |
| --- | --- |
%s`, promotions, percentile(lat, 0.5).Round(100*time.Microsecond), percentile(lat, 0.95).Round(100*time.Microsecond),
		all[len(all)/2], switchWrites[len(switchWrites)/2], b.String())
	report(t, "Promotion", table)
}

// writeHeapProfile writes the live heap to file, for go tool pprof.
func writeHeapProfile(t *testing.T, file string) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Fatal(err)
	}
}
