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

// Package bench measures the operator against the API server's own limit:
// in the same run, a bare client creating the identical objects. Run with
// make bench; it starts its own control plane and the manager in-process
// with the production options.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/controller"
	"github.com/restapi-operator/restapi-operator/internal/manager"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/testenv"
)

const (
	operatorNS = "bench-operator"
	baselineNS = "bench-baseline"
	runs       = 30
)

func restAPI(ns, name string) *apiv1.RestAPI {
	return &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       apiv1.RestAPISpec{Image: "registry.example/shop:1.0.0", EnvVars: map[string]string{"LOG_LEVEL": "info"}},
	}
}

// childCount is how many objects the first reconcile of a default RestAPI
// writes: per component a ConfigMap, a Deployment, four Services (stable,
// preview, blue, green), an HPA and a NetworkPolicy.
const childCount = 4 * (1 + 1 + 4 + 1 + 1)

// baseline creates, with a bare client and server-side apply, the objects
// the operator would create for r, one after the other, and returns how
// long it took.
func baseline(ctx context.Context, c client.Client, r *apiv1.RestAPI) (time.Duration, error) {
	start := time.Now()
	var objs []any
	for _, comp := range render.Desired(r, apiv1.EnvironmentBlue) {
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
	for _, np := range render.NetworkPolicies(r) {
		objs = append(objs, np)
	}
	if len(objs) != childCount {
		return 0, fmt.Errorf("baseline renders %d objects, want %d", len(objs), childCount)
	}
	for _, o := range objs {
		if err := c.Apply(ctx, o.(k8sruntime.ApplyConfiguration), client.FieldOwner("baseline"), client.ForceOwnership); err != nil {
			return 0, err
		}
	}
	// The operator also writes the status once.
	r.Status = apiv1.RestAPIStatus{ObservedGeneration: r.Generation, Phase: apiv1.PhasePending}
	if err := c.Status().Update(ctx, r); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// converged reports whether the operator wrote every child of r and its status.
func converged(ctx context.Context, c client.Client, r *apiv1.RestAPI) bool {
	var got apiv1.RestAPI
	if err := c.Get(ctx, client.ObjectKeyFromObject(r), &got); err != nil || got.Status.ObservedGeneration != got.Generation {
		return false
	}
	sel := []client.ListOption{client.InNamespace(r.Namespace), client.MatchingLabels{apiv1.LabelInstance: r.Name}}
	n := 0
	for _, l := range []client.ObjectList{&corev1.ConfigMapList{}, &corev1.ServiceList{}, &appsv1.DeploymentList{},
		&autoscalingv2.HorizontalPodAutoscalerList{}, &networkingv1.NetworkPolicyList{}} {
		if err := c.List(ctx, l, sel...); err != nil {
			return false
		}
		n += meta.LenList(l)
	}
	return n >= childCount
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// setup starts a control plane and the manager, as cmd/main.go builds it,
// watching only operatorNS so the baseline's RestAPIs are left alone. tune
// may adjust the manager's options.
func setup(t *testing.T, tune func(*ctrl.Options)) client.Client {
	t.Helper()
	logf.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	ctx := t.Context()
	scheme := k8sruntime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiv1.AddToScheme(scheme))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: testenv.BinaryAssetsDirectory(),
	}
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.0.0.0/16")
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{operatorNS, baselineNS} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	opts := manager.Options(manager.Config{MetricsAddr: "0", ProbeAddr: "0", WatchNamespaces: []string{operatorNS}}, scheme)
	opts.Controller.SkipNameValidation = new(true) // one manager per test, in one process
	if tune != nil {
		tune(&opts)
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&controller.RestAPIReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme()}).SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	go func() { _ = mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	return c
}

// waitConverged waits until the operator wrote every child of r and its status.
func waitConverged(t *testing.T, c client.Client, r *apiv1.RestAPI, start time.Time) {
	t.Helper()
	for !converged(t.Context(), c, r) {
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("%s did not converge", r.Name)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestConvergence(t *testing.T) {
	ctx := t.Context()
	c := setup(t, nil)

	operator, base := make([]time.Duration, 0, runs), make([]time.Duration, 0, runs)
	for i := range runs {
		// Baseline first, then the operator, alternating, so drift hits both.
		b := restAPI(baselineNS, fmt.Sprintf("b%d", i))
		if err := c.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		d, err := baseline(ctx, c, b)
		if err != nil {
			t.Fatal(err)
		}
		base = append(base, d)

		r := restAPI(operatorNS, fmt.Sprintf("o%d", i))
		start := time.Now()
		if err := c.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		waitConverged(t, c, r, start)
		operator = append(operator, time.Since(start))
	}

	om, op95 := percentile(operator, 0.5), percentile(operator, 0.95)
	bm, bp95 := percentile(base, 0.5), percentile(base, 0.95)
	table := fmt.Sprintf(`| measure | operator | bare client | ratio |
| --- | --- | --- | --- |
| one RestAPI, create to %d children and status written, median of %d | %s | %s | %.2fx |
| same, p95 | %s | %s | %.2fx |
`, childCount, runs, om.Round(time.Millisecond), bm.Round(time.Millisecond), float64(om)/float64(bm),
		op95.Round(time.Millisecond), bp95.Round(time.Millisecond), float64(op95)/float64(bp95))
	report(t, "convergence", table)
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
	if _, err := fmt.Fprintf(f, "## %s\n\nMeasured %s on %s with `make bench`.\n\n%s\n", what, time.Now().UTC().Format("2006-01-02"), machine, table); err != nil {
		t.Fatal(err)
	}
}

// counter sums the samples of a counter in the manager's registry whose
// labels match.
func counter(t *testing.T, name string, match func(labels map[string]string) bool) float64 {
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
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

func mutating(l map[string]string) bool {
	return l["method"] != "GET" && l["method"] != "HEAD" && l["method"] != "OPTIONS" && l["method"] != "WATCH" && l["method"] != "LIST"
}

// TestSteadyState converges N RestAPIs, then counts, from the manager's own
// metrics, the API requests and reconciles over an idle minute that
// includes a full resync of every informer.
func TestSteadyState(t *testing.T) {
	n := 100
	if v := os.Getenv("BENCH_N"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil {
			t.Fatal(err)
		}
	}
	const resync = 25 * time.Second
	const idle = 60 * time.Second
	c := setup(t, func(o *ctrl.Options) { o.Cache.SyncPeriod = new(resync) })
	ctx := t.Context()
	start := time.Now()
	all := make([]*apiv1.RestAPI, 0, n)
	for i := range n {
		r := restAPI(operatorNS, fmt.Sprintf("s%d", i))
		if err := c.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	for _, r := range all {
		waitConverged(t, c, r, start)
	}
	convergedIn := time.Since(start)
	// Let the last writes' own events come back, then measure.
	time.Sleep(5 * time.Second)
	writes0 := counter(t, "rest_client_requests_total", mutating)
	reconciles0 := counter(t, "controller_runtime_reconcile_total", func(l map[string]string) bool { return l["controller"] == "restapi" })
	time.Sleep(idle)
	writes := counter(t, "rest_client_requests_total", mutating) - writes0
	reconciles := counter(t, "controller_runtime_reconcile_total", func(l map[string]string) bool { return l["controller"] == "restapi" }) - reconciles0
	resyncs := int(idle / resync)
	table := fmt.Sprintf(`| measure | value | budget |
| --- | --- | --- |
| RestAPIs | %d | |
| created at once, all converged in | %s | |
| idle window, with a full resync every %s | %s | |
| mutating API requests in the window | %.0f | 0 |
| reconciles in the window | %.0f | at most %d (one per RestAPI per resync) |
`, n, convergedIn.Round(time.Millisecond), resync, idle, writes, reconciles, n*(resyncs+1))
	report(t, "steady state", table)
	if writes != 0 {
		t.Errorf("%.0f mutating requests while nothing changed", writes)
	}
	if reconciles > float64(n*(resyncs+1)) {
		t.Errorf("%.0f reconciles for %d RestAPIs and %d resyncs", reconciles, n, resyncs)
	}
}
