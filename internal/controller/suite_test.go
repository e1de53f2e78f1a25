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
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/testenv"
)

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	// managerCfg holds credentials bound only to the generated ClusterRole
	// (config/rbac/role.yaml): every spec runs the manager with least privilege.
	managerCfg *rest.Config
	scheme     = runtime.NewScheme()
	// writes records every mutating request the manager sends.
	writes = &requestLog{}
	// managerLogs keeps everything the manager logs, for tests that check
	// what must never be logged.
	managerLogs = &syncBuffer{}
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(GinkgoWriter, managerLogs)), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)

	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiv1.AddToScheme(scheme))

	By("bootstrapping test environment")
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: testenv.BinaryAssetsDirectory(),
	}
	// 16 Services per blue-green RestAPI, and envtest never deletes a
	// namespace: the default /24 Service range would run out.
	testEnv.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.0.0.0/16")
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("creating the manager's user, bound only to the generated ClusterRole")
	managerCfg = leastPrivilegeConfig()

	By("starting the manager with production cache settings, counting its writes")
	startManager()
})

var (
	// clockOffset moves the reconciler's clock forward, so deadlines and
	// delays can be tested without waiting for them.
	clockOffset atomic.Int64
	mgrStop     context.CancelFunc
	// suiteReconciler is the running manager's reconciler: what it
	// remembers is checked by the churn spec.
	suiteReconciler *RestAPIReconciler
	mgrDone         chan struct{}
	// applyRenderings is --rendering-upgrades=apply for the next
	// startManager.
	applyRenderings bool
)

// startManager starts a manager as cmd/main.go does, with a clock the tests
// can move and a transport that counts writes.
func startManager() {
	GinkgoHelper()
	mgrCfg := rest.CopyConfig(managerCfg)
	mgrCfg.Wrap(writes.wrap)
	// No client-side rate limit (the default, 20 requests a second, made
	// the churn spec's thousand RestAPIs wait on it): the API server is
	// the bound, as in the benchmarks.
	mgrCfg.QPS, mgrCfg.Burst = -1, 0
	mgr, err := ctrl.NewManager(mgrCfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  childcache.Options(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	suiteReconciler = &RestAPIReconciler{
		Client: mgr.GetClient(),
		Scheme: mgr.GetScheme(),
		Now:    func() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) },
		// A name collision is looked at again every 3 s, not every minute,
		// so recovery can be waited for.
		ConflictRetry: 3 * time.Second,
		// Analysis measured as in production, on the suite's network
		// (analysisnet_test.go); a restart starts with an empty pool.
		Analysis:        suiteMeasurer(),
		ApplyRenderings: applyRenderings,
	}
	Expect(suiteReconciler.SetupWithManager(mgr)).To(Succeed())
	var mgrCtx context.Context
	mgrCtx, mgrStop = context.WithCancel(ctx)
	done := make(chan struct{})
	mgrDone = done
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
}

// restartManager stops the manager, waits until it is gone, and starts a new
// one with nothing in memory: what a crash and a restart look like.
func restartManager() {
	GinkgoHelper()
	mgrStop()
	Eventually(mgrDone).Should(BeClosed())
	startManager()
}

// advanceClock moves the reconciler's clock forward.
func advanceClock(d time.Duration) { clockOffset.Add(int64(d)) }

var _ = AfterEach(func() { clockOffset.Store(0) })

var _ = AfterSuite(func() {
	By("tearing down the test environment")
	cancel()
	Expect(testEnv.Stop()).To(Succeed())
})

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// requestLog records mutating requests ("PATCH /apis/apps/v1/namespaces/x/deployments/y").
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			l.mu.Lock()
			l.reqs = append(l.reqs, r.Method+" "+r.URL.Path)
			l.mu.Unlock()
		}
		return rt.RoundTrip(r)
	})
}

// in returns the recorded writes to objects in namespace ns.
func (l *requestLog) in(ns string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.reqs {
		if strings.Contains(r, "/namespaces/"+ns+"/") {
			out = append(out, r)
		}
	}
	return out
}

// expectNoWritesOnReconcile makes the manager reconcile RestAPI "shop" of
// ns twice (annotations it does not act on) once it is quiet, and checks
// that it wrote nothing: everything already matches.
func expectNoWritesOnReconcile(ns string) {
	GinkgoHelper()
	writes.quiet(ns)
	before := writes.in(ns)
	annotate(ns, "shop", "touch", "1")
	annotate(ns, "shop", "touch", "2")
	writes.quiet(ns)
	Expect(writes.in(ns)).To(Equal(before))
}

// quiet waits until the manager has sent no write to ns for a second.
func (l *requestLog) quiet(ns string) {
	const period = time.Second
	GinkgoHelper()
	last := -1
	Eventually(func() bool {
		n := len(l.in(ns))
		settled := n == last
		last = n
		return settled
	}, 30*time.Second, period).Should(BeTrue(), "the manager kept writing to %s", ns)
}
