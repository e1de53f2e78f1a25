//go:build bench && scale

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
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/manager"
)

// scalePerNamespace is how many RestAPIs share a namespace, as in the load
// test on the local cluster.
const scalePerNamespace = 50

// scalePoint is what one manager cost at one size.
type scalePoint struct {
	n, namespaces int
	converged     time.Duration  // from the first create to every RestAPI converged and the queue empty
	reconciles    float64        // per RestAPI, in the burst
	requests      map[string]int // in the burst, by verb and resource
	writes        int            // of those, writes (Events apart)
	restRequests  int            // every request over the window at rest
	restWindow    time.Duration
	restWrites    int // of those, writes (Events apart)
	objects       map[string]int
	clusterIPs    int
	etcdKeys      float64 // etcd's keys, the control plane's own taken out
	etcdBytes     float64 // etcd's database in use, after a compaction, the control plane's own taken out
	heap          int64   // live heap above the manager's with empty caches
	resync        time.Duration
	reconciled    time.Duration // from the restart to every RestAPI reconciled once and the queue empty
	restartReqs   map[string]int
	restartWrites int
	heapRestarted int64
}

// TestScale measures, for each N in $BENCH_SCALE (default 50,500,2000),
// what one manager costs for N RestAPIs created at once, 50 to a namespace,
// on a control plane of its own, the manager watching every namespace as
// by default: the time to converge, the API requests (creation, at rest,
// and a restart of the manager), the objects and ClusterIPs they make, the
// size of etcd, and the manager's live heap. envtest runs no Pods:
// docs/scale.md adds the local cluster's figures for those. Run by hand
// (make bench-scale; 2,000 take about 40 minutes on two cores); it fails
// on any write at rest or across the restart.
func TestScale(t *testing.T) {
	sizes := envSizes(t, "BENCH_SCALE", 50, 500, 2000)
	var points []scalePoint
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) { points = append(points, measureScale(t, n)) })
	}
	report(t, "Scale", scaleTables(points))
}

// measureScale creates n RestAPIs at once and measures them (scalePoint).
func measureScale(t *testing.T, n int) scalePoint {
	p := scalePoint{n: n, namespaces: (n + scalePerNamespace - 1) / scalePerNamespace}
	namespaces := make([]string, 0, p.namespaces)
	for i := range p.namespaces {
		namespaces = append(namespaces, fmt.Sprintf("scale-%d-%d", n, i))
	}
	// The API server compacts etcd every 30 s instead of 5 minutes, so that
	// the database's size in use is the objects, not their history.
	env, cfg, c := controlPlaneEnv(t, map[string]string{"etcd-compaction-interval": "30s"}, namespaces...)
	keys0, bytes0 := etcdSize(t, env)

	requests.reset()
	stop, _ := startManager(t, cfg, nil, nil, nil)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)

	rs := make([]*apiv1.RestAPI, n)
	for i := range rs {
		rs[i] = restAPI(namespaces[i/scalePerNamespace], fmt.Sprintf("api-%04d", i))
	}
	h := &harness{c: c}
	reconciles0 := restapiReconciles(t)
	start := time.Now()
	h.createAll(t, rs)
	h.waitConverged(t, start, rs...)
	p.converged = waitIdle(t).Sub(start)
	p.reconciles = (restapiReconciles(t) - reconciles0) / float64(n)
	burst := requests.since(start)
	p.requests, p.writes = byVerb(burst), len(writes(burst))
	rs = nil //nolint:ineffassign,wastedassign // the test's own copies must not count in the heap below

	// At rest: the last Events leave, then a window with at least one
	// compaction of etcd in it.
	time.Sleep(5 * time.Second)
	p.restWindow = 65 * time.Second
	rest0 := time.Now()
	time.Sleep(p.restWindow)
	atRest := requests.since(rest0)
	p.restRequests, p.restWrites = len(atRest), len(writes(atRest))

	requests.reset()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	p.heap = int64(m.HeapAlloc) - int64(m0.HeapAlloc)
	p.objects, p.clusterIPs = storedObjects(t, c, namespaces)
	keys, bytes := etcdSize(t, env)
	p.etcdKeys, p.etcdBytes = keys-keys0, bytes-bytes0

	// A restart: a new manager lists everything again and reconciles every
	// RestAPI once, and writes nothing.
	stop()
	stopped = true
	runtime.GC()
	restart := time.Now()
	reconciles0 = restapiReconciles(t)
	stop, _ = startManager(t, cfg, nil, nil, nil)
	stopped = false
	p.resync = time.Since(restart)
	deadline := restart.Add(10*time.Minute + time.Duration(n)*time.Second)
	for restapiReconciles(t)-reconciles0 < float64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart, %.0f of %d RestAPIs reconciled", restapiReconciles(t)-reconciles0, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.reconciled = waitIdle(t).Sub(restart)
	time.Sleep(5 * time.Second)
	restarted := requests.since(restart)
	p.restartReqs = byVerb(restarted)
	p.restartWrites = len(writes(restarted))
	requests.reset()
	runtime.GC()
	runtime.ReadMemStats(&m)
	p.heapRestarted = int64(m.HeapAlloc) - int64(m0.HeapAlloc)

	if p.restWrites != 0 {
		t.Errorf("%d RestAPIs: %d writes at rest", n, p.restWrites)
	}
	if p.restartWrites != 0 {
		t.Errorf("%d RestAPIs: %d writes after a restart of the manager", n, p.restartWrites)
	}
	return p
}

// storedObjects counts the objects in the namespaces by kind, and the
// Services among them that hold a ClusterIP.
func storedObjects(t *testing.T, c client.Client, namespaces []string) (map[string]int, int) {
	t.Helper()
	counts := map[string]int{}
	clusterIPs := 0
	for _, ns := range namespaces {
		for kind, l := range map[string]client.ObjectList{
			"RestAPI": &apiv1.RestAPIList{}, "Deployment": &appsv1.DeploymentList{}, "ConfigMap": &corev1.ConfigMapList{},
			"Service": &corev1.ServiceList{}, "HorizontalPodAutoscaler": &autoscalingv2.HorizontalPodAutoscalerList{},
			"NetworkPolicy": &networkingv1.NetworkPolicyList{}, "PodDisruptionBudget": &policyv1.PodDisruptionBudgetList{},
			"Event": &corev1.EventList{},
		} {
			if err := c.List(t.Context(), l, client.InNamespace(ns)); err != nil {
				t.Fatal(err)
			}
			counts[kind] += meta.LenList(l)
			if kind == "ConfigMap" {
				counts[kind]-- // kube-root-ca.crt, the control plane's
			}
			if svcs, ok := l.(*corev1.ServiceList); ok {
				for _, s := range svcs.Items {
					if s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone {
						clusterIPs++
					}
				}
			}
		}
	}
	return counts, clusterIPs
}

// etcdSize reads etcd's own metrics: its number of keys and the bytes its
// database holds in use.
func etcdSize(t *testing.T, env *envtest.Environment) (keys, bytes float64) {
	t.Helper()
	u := *env.ControlPlane.Etcd.URL
	u.Path = "/metrics"
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	return metricValue(t, resp.Body, "etcd_debugging_mvcc_keys_total", "etcd_mvcc_db_total_size_in_use_in_bytes")
}

// metricValue returns the values of two unlabelled metrics in a Prometheus
// text exposition.
func metricValue(t *testing.T, r io.Reader, first, second string) (a, b float64) {
	t.Helper()
	found := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || (name != first && name != second) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatal(err)
		}
		if name == first {
			a = v
		} else {
			b = v
		}
		found++
	}
	if found != 2 {
		t.Fatalf("etcd's metrics lack %s or %s", first, second)
	}
	return a, b
}

// scaleTables formats the points, and the growth fitted to them.
func scaleTables(points []scalePoint) string {
	var create, rest, restart, reqs strings.Builder
	kinds := []string{"RestAPI", "Deployment", "ConfigMap", "Service", "HorizontalPodAutoscaler", "NetworkPolicy",
		"PodDisruptionBudget", "Event"}
	for _, p := range points {
		n := float64(p.n)
		total := 0
		for _, v := range p.requests {
			total += v
		}
		fmt.Fprintf(&create, "| %d | %d | %s | %.1f ms | %.1f | %.1f | %.1f |\n", p.n, p.namespaces, p.converged.Round(time.Second),
			float64(p.converged.Microseconds())/1000/n, p.reconciles, float64(total)/n, float64(p.writes)/n)
		objs := make([]string, 0, len(kinds))
		stored := 0
		for _, k := range kinds {
			objs = append(objs, fmt.Sprintf("%.1f", float64(p.objects[k])/n))
			if k != "Event" {
				stored += p.objects[k]
			}
		}
		fmt.Fprintf(&rest, "| %d | %s | %.1f | %.1f | %.1f | %.1f KiB | %.1f KiB | %d over %s |\n", p.n, strings.Join(objs, " | "),
			float64(stored)/n, float64(p.clusterIPs)/n, p.etcdKeys/n, p.etcdBytes/1024/n, float64(p.heap)/1024/n,
			p.restRequests, p.restWindow)
		restartTotal := 0
		for _, v := range p.restartReqs {
			restartTotal += v
		}
		fmt.Fprintf(&restart, "| %d | %s | %s | %d | %d | %.1f KiB |\n", p.n, p.resync.Round(time.Millisecond),
			p.reconciled.Round(time.Second), restartTotal, p.restartWrites, float64(p.heapRestarted)/1024/n)
		if p.n == points[len(points)-1].n {
			reqs.WriteString(perRestAPI(p.requests, p.n))
		}
	}
	heapSlope, heapFixed := fitLine(points, func(p scalePoint) float64 { return float64(p.heap) })
	timeExp := fitPower(points, func(p scalePoint) float64 { return p.converged.Seconds() })
	return fmt.Sprintf(`N RestAPIs created at once, %d to a namespace, each N on a control plane of its own (envtest: no Pods, no ReplicaSets, no controllers but the operator), the manager watching every namespace with its production options and %d workers.

Creation:

| RestAPIs | namespaces | all converged, queue empty | per RestAPI | reconciles per RestAPI | API requests per RestAPI | writes per RestAPI |
| --- | --- | --- | --- | --- | --- | --- |
%s
At rest, after the burst (objects per RestAPI; etcd after a compaction, the control plane's own taken out; the manager's live heap above its own with empty caches):

| RestAPIs | RestAPI | Deployment | ConfigMap | Service | HPA | NetworkPolicy | PDB | Event | stored objects (Events apart) | ClusterIPs | etcd keys | etcd in use | live heap | API requests at rest |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
%s
A restart of the manager (a new one lists everything again and reconciles every RestAPI once):

| RestAPIs | caches synced | every RestAPI reconciled, queue empty | API requests | writes | live heap per RestAPI after it |
| --- | --- | --- | --- | --- | --- |
%s
Requests per RestAPI in the burst of %d:

%s
Fitted growth: live heap %.1f KiB per RestAPI plus %.1f MiB (least squares over the sizes above); time to converge a burst grows as N^%.2f.
`, scalePerNamespace, manager.DefaultMaxConcurrentReconciles, create.String(), rest.String(), restart.String(), points[len(points)-1].n, reqs.String(),
		heapSlope/1024, heapFixed/(1<<20), timeExp)
}

// fitLine fits y = slope*N + fixed by least squares.
func fitLine(points []scalePoint, y func(scalePoint) float64) (slope, fixed float64) {
	xs, ys := make([]float64, len(points)), make([]float64, len(points))
	for i, p := range points {
		xs[i], ys[i] = float64(p.n), y(p)
	}
	return leastSquares(xs, ys)
}

// fitPower fits y = a*N^b by least squares on the logarithms, and returns b.
func fitPower(points []scalePoint, y func(scalePoint) float64) float64 {
	xs, ys := make([]float64, len(points)), make([]float64, len(points))
	for i, p := range points {
		xs[i], ys[i] = math.Log(float64(p.n)), math.Log(y(p))
	}
	b, _ := leastSquares(xs, ys)
	return b
}

// leastSquares fits y = slope*x + intercept.
func leastSquares(xs, ys []float64) (slope, intercept float64) {
	var sx, sy, sxx, sxy float64
	k := float64(len(xs))
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	if d := k*sxx - sx*sx; d != 0 {
		slope = (k*sxy - sx*sy) / d
	}
	return slope, (sy - slope*sx) / k
}
