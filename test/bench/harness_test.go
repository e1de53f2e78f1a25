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

// Package bench measures the operator against the API server's own limit:
// in the same run, a bare client creating the identical objects. make bench
// runs the full benchmark (build tag bench); the small version in
// small_test.go runs in every go test and asserts only what does not
// depend on the machine: convergence, zero writes at rest, and the writes of
// a promotion.
package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
	"github.com/restapi-operator/restapi-operator/internal/controller"
	"github.com/restapi-operator/restapi-operator/internal/manager"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/testenv"
)

func restAPI(ns, name string) *apiv1.RestAPI {
	return &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       apiv1.RestAPISpec{Image: "registry.example/shop:1.0.0", EnvVars: map[string]string{"LOG_LEVEL": "info"}},
	}
}

// desiredObjects are the children the operator ends up with for a new
// RestAPI r, as a bare client would write them, one apply each: per
// component a ConfigMap and a Deployment (at the HPA's floor), four Services
// (stable, preview, blue, green), an HPA and a NetworkPolicy, and a
// PodDisruptionBudget where the floor is 2 or more.
func desiredObjects(r *apiv1.RestAPI) []k8sruntime.ApplyConfiguration {
	var objs []k8sruntime.ApplyConfiguration
	floor := map[apiv1.ComponentName]int32{}
	for _, comp := range r.Spec.Components() {
		if a := render.ResolveAutoscaling(r, comp); a != nil {
			floor[comp.Name] = a.MinReplicas
		}
	}
	for _, comp := range render.Desired(r, apiv1.EnvironmentBlue) {
		if n, ok := floor[comp.Settings.Name]; ok {
			comp.Deployment.Spec.WithReplicas(n)
		}
		objs = append(objs, comp.ConfigMap, comp.Deployment)
	}
	for _, s := range render.Services(r, apiv1.EnvironmentBlue, apiv1.EnvironmentGreen, true) {
		objs = append(objs, s)
	}
	for _, comp := range r.Spec.Components() {
		if a := render.ResolveAutoscaling(r, comp); a != nil {
			objs = append(objs, render.HPA(r, comp.Name, a, apiv1.EnvironmentBlue, a.MinReplicas))
		}
	}
	for _, np := range render.NetworkPolicies(r, "") {
		objs = append(objs, np)
	}
	for _, comp := range r.Spec.Components() {
		if floor[comp.Name] >= 2 {
			objs = append(objs, render.PDB(r, comp.Name, apiv1.EnvironmentBlue))
		}
	}
	return objs
}

var allComponents = []apiv1.ComponentName{apiv1.ComponentModel, apiv1.ComponentView, apiv1.ComponentController, apiv1.ComponentRepository}

// childCount is how many children a default RestAPI has.
var childCount = len(desiredObjects(restAPI("ns", "x")))

// baseline creates, with a bare client and server-side apply, the objects
// the operator would create for r, one after the other, then writes the
// status once as the operator does.
func baseline(ctx context.Context, c client.Client, r *apiv1.RestAPI) error {
	for _, o := range desiredObjects(r) {
		if err := c.Apply(ctx, o, client.FieldOwner("baseline"), client.ForceOwnership); err != nil {
			return err
		}
	}
	r.Status = apiv1.RestAPIStatus{ObservedGeneration: r.Generation, Phase: apiv1.PhasePending}
	return c.Status().Update(ctx, r)
}

// converged reports, from the API server, whether every child of r exists
// and its status describes its generation.
func converged(ctx context.Context, c client.Client, r *apiv1.RestAPI) error {
	var got apiv1.RestAPI
	if err := c.Get(ctx, client.ObjectKeyFromObject(r), &got); err != nil {
		return err
	}
	if got.Status.ObservedGeneration != got.Generation {
		return fmt.Errorf("%s: status describes generation %d of %d", r.Name, got.Status.ObservedGeneration, got.Generation)
	}
	sel := []client.ListOption{client.InNamespace(r.Namespace), client.MatchingLabels{apiv1.LabelInstance: r.Name}}
	n := 0
	for _, l := range []client.ObjectList{&corev1.ConfigMapList{}, &corev1.ServiceList{}, &appsv1.DeploymentList{},
		&autoscalingv2.HorizontalPodAutoscalerList{}, &networkingv1.NetworkPolicyList{}, &policyv1.PodDisruptionBudgetList{}} {
		if err := c.List(ctx, l, sel...); err != nil {
			return err
		}
		n += meta.LenList(l)
	}
	if n != childCount {
		return fmt.Errorf("%s has %d children, want %d", r.Name, n, childCount)
	}
	return nil
}

// request is one API request the manager sent, as it completed.
type request struct {
	at       time.Time
	verb     string // GET, LIST, WATCH, POST, PATCH, PUT, DELETE
	resource string // "deployments", "restapis/status"
	ns, name string
	code     int
}

// requestLog records every API request the manager sends. Convergence is
// read from it, so measuring sends nothing to the API server.
type requestLog struct {
	mu   sync.Mutex
	reqs []request
}

var requests = &requestLog{}

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(r)
		q := request{verb: r.Method, at: time.Now()}
		if resp != nil {
			q.code = resp.StatusCode
		}
		// /api/v1/namespaces/ns/services/name, /apis/g/v/namespaces/ns/deployments/name/status
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if i := slices.Index(parts, "namespaces"); i >= 0 && i+2 < len(parts) {
			q.ns, q.resource = parts[i+1], parts[i+2]
			if i+3 < len(parts) {
				q.name = parts[i+3]
			}
			if i+4 < len(parts) {
				q.resource += "/" + parts[i+4]
			}
		} else if len(parts) > 0 {
			q.resource = parts[len(parts)-1]
		}
		switch {
		case r.URL.Query().Get("watch") == "true":
			q.verb = "WATCH"
		case r.Method == http.MethodGet && q.name == "":
			q.verb = "LIST"
		}
		l.mu.Lock()
		l.reqs = append(l.reqs, q)
		l.mu.Unlock()
		return resp, err
	})
}

// reset forgets every request recorded so far.
func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// since returns the requests completed at or after t.
func (l *requestLog) since(t time.Time) []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, _ := slices.BinarySearchFunc(l.reqs, t, func(q request, t time.Time) int { return q.at.Compare(t) })
	// Entries are never changed once appended: the tail can be shared.
	return l.reqs[i:len(l.reqs):len(l.reqs)]
}

// convergence follows, request by request, when the operator had created
// every child of each RestAPI and then written its status.
type convergence struct {
	children int
	created  map[string]int       // "ns/name": children created so far
	done     map[string]time.Time // "ns/name": when it converged
}

func newConvergence(children int) *convergence {
	return &convergence{children: children, created: map[string]int{}, done: map[string]time.Time{}}
}

// add counts q if it creates a child of a RestAPI in want, or converges one.
func (c *convergence) add(q request, want map[string]bool) {
	if q.ns == "" || q.resource == "events" {
		return
	}
	if q.verb == http.MethodPatch && q.resource == "restapis/status" && q.code == http.StatusOK {
		key := q.ns + "/" + q.name
		if _, ok := c.done[key]; !ok && want[key] && c.created[key] >= c.children {
			c.done[key] = q.at
		}
		return
	}
	if q.code != http.StatusCreated {
		return
	}
	// Children are named <restapi>-<component>[-<colour>|-preview].
	for i := len(q.name) - 1; i > 0; i-- {
		if q.name[i] == '-' && want[q.ns+"/"+q.name[:i]] {
			c.created[q.ns+"/"+q.name[:i]]++
			return
		}
	}
}

// namespaced keeps the requests to objects in ns.
func namespaced(reqs []request, ns string) []request {
	var out []request
	for _, q := range reqs {
		if q.ns == ns {
			out = append(out, q)
		}
	}
	return out
}

// byVerb counts requests by verb and resource, leaving out Events.
func byVerb(reqs []request) map[string]int {
	n := map[string]int{}
	for _, q := range reqs {
		n[q.verb+" "+q.resource]++
	}
	return n
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// harness is a control plane and the manager, as cmd/main.go builds it.
type harness struct {
	c       client.Client // the test's own client, as an administrator
	workers int           // the manager's MaxConcurrentReconciles
}

// controlPlane starts a control plane without the manager, with the
// namespaces, and returns the test's client to it.
func controlPlane(t *testing.T, namespaces ...string) (*rest.Config, client.Client) {
	t.Helper()
	_, cfg, c := controlPlaneEnv(t, nil, namespaces...)
	return cfg, c
}

// controlPlaneEnv is controlPlane with more flags for the API server,
// returning its environment too (its etcd's address).
func controlPlaneEnv(t *testing.T, apiServerFlags map[string]string, namespaces ...string) (*envtest.Environment,
	*rest.Config, client.Client) {
	t.Helper()
	logf.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: testenv.BinaryAssetsDirectory(),
	}
	// 16 Services per RestAPI: the default /24 range runs out at 15.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.0.0.0/12")
	for k, v := range apiServerFlags {
		env.ControlPlane.GetAPIServer().Configure().Set(k, v)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{Scheme: benchScheme})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range namespaces {
		if err := c.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	return env, cfg, c
}

var benchScheme = func() *k8sruntime.Scheme {
	scheme := k8sruntime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiv1.AddToScheme(scheme))
	return scheme
}()

// setup starts a control plane and the manager, as cmd/main.go builds it
// (production options, client-side rate limiting off as ctrl.GetConfig
// leaves it). It creates the namespaces and watches those whose name does
// not contain "baseline": the bare client's RestAPIs are left alone. tune
// may adjust the manager's settings.
func setup(t *testing.T, tune func(*manager.Config, *ctrl.Options), namespaces ...string) *harness {
	t.Helper()
	return setupMeasuring(t, tune, nil, namespaces...)
}

// setupMeasuring is setup with the manager's analysis measurer (nil: one
// with no default Prometheus, as without flags).
func setupMeasuring(t *testing.T, tune func(*manager.Config, *ctrl.Options), m *analysis.Measurer, namespaces ...string) *harness {
	t.Helper()
	cfg, c := controlPlane(t, namespaces...)
	var watched []string
	for _, ns := range namespaces {
		if !strings.Contains(ns, "baseline") {
			watched = append(watched, ns)
		}
	}
	stop, workers := startManager(t, cfg, tune, m, watched)
	t.Cleanup(stop)
	return &harness{c: c, workers: workers}
}

// startManager starts the manager on cfg, as cmd/main.go builds it, watching
// the namespaces watched (every namespace when empty), and returns when its
// caches have synced, with the function that stops it and the number of
// its workers.
func startManager(t *testing.T, cfg *rest.Config, tune func(*manager.Config, *ctrl.Options), m *analysis.Measurer,
	watched []string) (stop func(), workers int) {
	t.Helper()
	ctx := t.Context()
	scheme := benchScheme
	mc := manager.Config{MetricsAddr: "0", ProbeAddr: "0", WatchNamespaces: watched,
		MaxConcurrentReconciles: manager.DefaultMaxConcurrentReconciles}
	opts := manager.Options(mc, scheme)
	opts.Controller.SkipNameValidation = new(true) // one manager per test, in one process
	if tune != nil {
		tune(&mc, &opts)
		opts.Controller.MaxConcurrentReconciles = mc.MaxConcurrentReconciles
	}
	mgrCfg := rest.CopyConfig(cfg)
	mgrCfg.QPS, mgrCfg.Burst = -1, 0
	mgrCfg.Wrap(requests.wrap)
	mgr, err := ctrl.NewManager(mgrCfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&controller.RestAPIReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(),
		Analysis: m}).SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	mgrCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = mgr.Start(mgrCtx) }()
	stop = func() { cancel(); <-done }
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		stop()
		t.Fatal("cache did not sync")
	}
	return stop, mc.MaxConcurrentReconciles
}

// waitConverged waits, reading only the request log (each request once),
// until the operator has created every child of each RestAPI and then
// written its status, and returns when the last one was; then it checks on
// the API server that they converged.
func (h *harness) waitConverged(t *testing.T, since time.Time, rs ...*apiv1.RestAPI) time.Time {
	t.Helper()
	return slices.MaxFunc(h.waitEachConverged(t, since, rs...), time.Time.Compare)
}

// waitEachConverged is waitConverged, returning when each RestAPI
// converged.
func (h *harness) waitEachConverged(t *testing.T, since time.Time, rs ...*apiv1.RestAPI) []time.Time {
	t.Helper()
	want := map[string]bool{}
	for _, r := range rs {
		want[r.Namespace+"/"+r.Name] = true
	}
	c := newConvergence(childCount)
	seen := 0
	for len(c.done) < len(want) {
		// Ten minutes, and more for a burst of thousands (make bench-scale).
		if time.Since(since) > 10*time.Minute+time.Duration(len(want))*time.Second {
			t.Fatalf("%d of %d RestAPIs did not converge", len(want)-len(c.done), len(want))
		}
		time.Sleep(5 * time.Millisecond)
		reqs := requests.since(since)
		for _, q := range reqs[seen:] {
			c.add(q, want)
		}
		seen = len(reqs)
	}
	for _, r := range rs {
		if err := converged(t.Context(), h.c, r); err != nil {
			t.Fatal(err)
		}
	}
	return slices.Collect(maps.Values(c.done))
}

// waitIdle waits until the restapi workqueue is empty and no reconcile runs.
func waitIdle(t *testing.T) time.Time {
	t.Helper()
	for {
		if gauge(t, "workqueue_depth", "name", "restapi") == 0 && gauge(t, "controller_runtime_active_workers", "controller", "restapi") == 0 {
			return time.Now()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// createAll creates the RestAPIs at once, from 16 goroutines.
func (h *harness) createAll(t *testing.T, rs []*apiv1.RestAPI) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(rs))
	next := make(chan *apiv1.RestAPI)
	for range 16 {
		wg.Go(func() {
			for r := range next {
				errs <- h.c.Create(t.Context(), r)
			}
		})
	}
	for _, r := range rs {
		next <- r
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// sample returns the value of the samples of a metric in the manager's
// registry whose labels match, summed.
func sample(t *testing.T, name string, match func(labels map[string]string) bool) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if match(l) {
				total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return total
}

func gauge(t *testing.T, name, label, value string) float64 {
	return sample(t, name, func(l map[string]string) bool { return l[label] == value })
}

func mutating(l map[string]string) bool {
	return l["method"] != "GET" && l["method"] != "HEAD" && l["method"] != "OPTIONS" && l["method"] != "WATCH" && l["method"] != "LIST"
}

func restapiReconciles(t *testing.T) float64 {
	return sample(t, "controller_runtime_reconcile_total", func(l map[string]string) bool { return l["controller"] == "restapi" })
}

// writes are the mutating requests in reqs, Events left out.
func writes(reqs []request) []request {
	var out []request
	for _, q := range reqs {
		if q.verb != http.MethodGet && q.verb != "LIST" && q.verb != "WATCH" && q.resource != "events" {
			out = append(out, q)
		}
	}
	return out
}

// promote changes r's spec to a new revision (tag), marks the new colour's
// Deployments ready whenever the operator has written a generation of them
// that is not marked yet, and waits until the RestAPI is Idle on the new
// colour. It returns when the last new-colour Deployment turned ready and
// when the last stable Service was switched, from the request log, and the
// requests the manager sent meanwhile.
func (h *harness) promote(t *testing.T, r *apiv1.RestAPI, tag string) (ready, switched time.Time, reqs []request) {
	t.Helper()
	ctx := t.Context()
	start := time.Now()
	var colour apiv1.Environment
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var cur apiv1.RestAPI
		if err := h.c.Get(ctx, client.ObjectKeyFromObject(r), &cur); err != nil {
			return err
		}
		colour = apiv1.EnvironmentGreen
		if cur.Status.ActiveEnvironment == apiv1.EnvironmentGreen {
			colour = apiv1.EnvironmentBlue
		}
		cur.Spec.EnvVars["RELEASE"] = tag
		return h.c.Update(ctx, &cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	stable := map[string]bool{}
	for _, comp := range allComponents {
		stable[render.ChildName(r, comp)] = true
	}
	for {
		if time.Since(start) > time.Minute {
			t.Fatalf("%s was not promoted to %s", r.Name, colour)
		}
		time.Sleep(2 * time.Millisecond)
		var cur apiv1.RestAPI
		if err := h.c.Get(ctx, client.ObjectKeyFromObject(r), &cur); err != nil {
			t.Fatal(err)
		}
		if cur.Status.ObservedGeneration != cur.Generation || cur.Status.BlueGreen == nil {
			continue
		}
		if cur.Status.ActiveEnvironment == colour && cur.Status.BlueGreen.State == apiv1.StateIdle {
			reqs = requests.since(start)
			for _, q := range reqs {
				if q.verb == http.MethodPatch && q.resource == "services" && stable[q.name] && q.at.After(switched) {
					switched = q.at
				}
			}
			return ready, switched, reqs
		}
		if at, _ := h.markPreviewReady(ctx, r, &cur, colour); !at.IsZero() {
			ready = at
		}
	}
}

// markPreviewReady reports the Deployments of cur's preview revision in
// colour ready, as their controller would, each once; it returns when the
// last one it reported was, and whether all four are.
func (h *harness) markPreviewReady(ctx context.Context, r *apiv1.RestAPI, cur *apiv1.RestAPI, colour apiv1.Environment) (time.Time, bool) {
	var ready time.Time
	revision := cur.Status.BlueGreen.PreviewRevision
	if revision == "" {
		return ready, false
	}
	done := 0
	for _, comp := range allComponents {
		var d appsv1.Deployment
		if err := h.c.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: render.ColourName(r, comp, colour)}, &d); err != nil ||
			d.Labels[apiv1.LabelRevision] != revision || replicas(&d) == 0 {
			continue
		}
		if d.Status.ObservedGeneration == d.Generation {
			done++
			continue
		}
		n := replicas(&d)
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
			Conditions: []appsv1.DeploymentCondition{
				{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
				{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
			},
		}
		if err := h.c.Status().Update(ctx, &d); err == nil {
			ready = time.Now()
			done++
		}
	}
	return ready, done == len(allComponents)
}

func replicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// report prints a result table and appends it to $BENCH_OUT.
func report(t *testing.T, what, table string) {
	t.Helper()
	fmt.Print(table)
	out := os.Getenv("BENCH_OUT")
	if out == "" {
		return
	}
	machine := fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	// BENCH_COMMAND names the make target that ran it (make bench-scale).
	command := cmp.Or(os.Getenv("BENCH_COMMAND"), "make bench")
	if _, err := fmt.Fprintf(f, "## %s\n\nMeasured %s on %s with `%s`.\n\n%s\n", what, time.Now().UTC().Format("2006-01-02"), machine,
		command, table); err != nil {
		t.Fatal(err)
	}
}
