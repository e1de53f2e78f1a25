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

package manager

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/controller"
	"github.com/restapi-operator/restapi-operator/internal/testenv"
)

func TestManager(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Manager Suite")
}

var (
	ctx     context.Context
	cancel  context.CancelFunc
	env     *envtest.Environment
	cfg     *rest.Config
	admin   client.Client
	clients *kubernetes.Clientset
	scheme  = runtime.NewScheme()
	// managerCfg: a user bound to the generated ClusterRole and the metrics
	// authentication role, as config/rbac binds the manager's ServiceAccount.
	managerCfg *rest.Config
)

const managerUser = "restapi-operator"

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiv1.AddToScheme(scheme))
	env = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: testenv.BinaryAssetsDirectory(),
	}
	var err error
	cfg, err = env.Start()
	Expect(err).NotTo(HaveOccurred())
	admin, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	clients, err = kubernetes.NewForConfig(cfg)
	Expect(err).NotTo(HaveOccurred())
	managerCfg, err = testenv.User(ctx, env, admin, managerUser, "role.yaml", "metrics_auth_role.yaml")
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	cancel()
	Expect(env.Stop()).To(Succeed())
})

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// start runs a manager with the production options and stops it at the end
// of the spec; it returns a function that stops it early and waits.
func start(c Config) (stop func()) {
	GinkgoHelper()
	return startAs(managerCfg, c)
}

// startAs is start with other credentials.
func startAs(creds *rest.Config, c Config) (stop func()) {
	GinkgoHelper()
	o := Options(c, scheme)
	o.Controller.SkipNameValidation = new(true) // several managers in one test process
	mgr, err := ctrl.NewManager(creds, o)
	Expect(err).NotTo(HaveOccurred())
	Expect((&controller.RestAPIReconciler{Client: mgr.GetClient(), Scheme: mgr.GetScheme()}).SetupWithManager(mgr)).To(Succeed())
	mctx, mcancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mctx)).To(Succeed())
	}()
	stop = func() {
		mcancel()
		Eventually(done, 30*time.Second).Should(BeClosed())
	}
	DeferCleanup(stop)
	return stop
}

// tokenFor creates a ServiceAccount and returns a token for it.
func tokenFor(ns, name string) string {
	GinkgoHelper()
	_, err := clients.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	tr, err := clients.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	return tr.Status.Token
}

func namespace() string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "m-"}}
	Expect(admin.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

var _ = Describe("Manager hardening", func() {
	It("serves metrics over HTTPS, HTTP/1.1 only, to authorized callers only: 401, 403, 200", func() {
		ns := namespace()
		addr := freeAddr()
		start(Config{MetricsAddr: addr, SecureMetrics: true})
		url := fmt.Sprintf("https://%s/metrics", addr)

		httpClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			ForceAttemptHTTP2: true,
			// The server's certificate is self-signed.
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}}, //nolint:gosec // a test against a self-signed server
		}}
		get := func(token string) (*http.Response, string) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			Expect(err).NotTo(HaveOccurred())
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := httpClient.Do(req)
			if err != nil {
				return nil, err.Error()
			}
			defer func() { _ = resp.Body.Close() }()
			body, _ := io.ReadAll(resp.Body)
			return resp, string(body)
		}

		By("without a token: 401")
		Eventually(func() int {
			resp, _ := get("")
			if resp == nil {
				return 0
			}
			return resp.StatusCode
		}).Should(Equal(http.StatusUnauthorized))

		By("with a valid token lacking permission: 403")
		nobody := tokenFor(ns, "nobody")
		resp, _ := get(nobody)
		Expect(resp.StatusCode).To(Equal(http.StatusForbidden))

		By("with the metrics-reader role: 200, the controller-runtime metrics, over HTTP/1.1")
		Expect(testenv.BindClusterRoles(ctx, admin, rbacv1.Subject{Kind: "ServiceAccount", Name: "scraper", Namespace: ns}, "metrics_reader_role.yaml")).To(Succeed())
		scraper := tokenFor(ns, "scraper")
		Eventually(func(g Gomega) {
			resp, body := get(scraper)
			g.Expect(resp).NotTo(BeNil())
			g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
			g.Expect(body).To(ContainSubstring(`controller_runtime_reconcile_total{controller="restapi"`))
			g.Expect(body).To(ContainSubstring(`restapi_operator_info{`), "the operator's own metrics are served with controller-runtime's")
			g.Expect(resp.Proto).To(Equal("HTTP/1.1"), "HTTP/2 is off")
		}).Should(Succeed())

		By("plain HTTP is refused")
		plain, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/metrics")
		if err == nil {
			_ = plain.Body.Close()
			Expect(plain.StatusCode).To(Equal(http.StatusBadRequest), "an HTTP request to the HTTPS port")
		}
	})

	It("with --watch-namespaces reconciles RestAPIs only there, needing only RoleBindings there", func() {
		watched, other := namespace(), namespace()
		user := rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: "User", Name: "restapi-scoped"}
		Expect(testenv.BindClusterRolesIn(ctx, admin, user, watched, "role.yaml")).To(Succeed())
		au, err := env.AddUser(envtest.User{Name: user.Name}, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(SplitNamespaces(" " + watched + ", ,")).To(Equal([]string{watched}))
		startAs(au.Config(), Config{MetricsAddr: "0", WatchNamespaces: SplitNamespaces(watched)})

		for _, ns := range []string{watched, other} {
			Expect(admin.Create(ctx, &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop"},
				Spec: apiv1.RestAPISpec{Image: "registry.example/shop:1"}})).To(Succeed())
		}
		Eventually(func() error {
			return admin.Get(ctx, client.ObjectKey{Namespace: watched, Name: "shop-model-blue"}, &appsv1.Deployment{})
		}, 20*time.Second).Should(Succeed())
		Consistently(func() bool {
			return apierrors.IsNotFound(admin.Get(ctx, client.ObjectKey{Namespace: other, Name: "shop-model-blue"}, &appsv1.Deployment{}))
		}, 2*time.Second).Should(BeTrue())

		By("the RoleBinding lets it read its own Namespace (the rollout limit annotation), and no other")
		scoped, err := client.New(au.Config(), client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		Expect(scoped.Get(ctx, client.ObjectKey{Name: watched}, &corev1.Namespace{})).To(Succeed())
		Expect(apierrors.IsForbidden(scoped.Get(ctx, client.ObjectKey{Name: other}, &corev1.Namespace{}))).To(BeTrue())
	})

	It("gives the leader election Lease up on shutdown, with only the generated namespaced Role", func() {
		ns := namespace()
		Expect(testenv.BindRoles(ctx, admin, rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: "User", Name: managerUser}, ns, "role.yaml")).To(Succeed())
		// The Lease's namespace from the Config (--operator-namespace): this
		// manager runs outside a cluster, where there is no Pod namespace.
		c := Config{MetricsAddr: "0", ProbeAddr: "0", LeaderElection: true, LeaderElectionNamespace: ns}
		mgr, err := ctrl.NewManager(managerCfg, Options(c, scheme))
		Expect(err).NotTo(HaveOccurred())
		mctx, mcancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer GinkgoRecover()
			defer close(done)
			Expect(mgr.Start(mctx)).To(Succeed())
		}()
		Eventually(mgr.Elected(), 30*time.Second).Should(BeClosed())
		var lease coordinationv1.Lease
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: LeaderElectionID}, &lease)).To(Succeed())
		Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
		Expect(*lease.Spec.HolderIdentity).NotTo(BeEmpty())
		Eventually(func(g Gomega) {
			var events corev1.EventList
			g.Expect(admin.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
			g.Expect(events.Items).To(ContainElement(HaveField("Reason", "LeaderElection")), "the Role lets the manager record its leadership")
		}).Should(Succeed())

		mcancel()
		Eventually(done, 30*time.Second).Should(BeClosed())
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: LeaderElectionID}, &lease)).To(Succeed())
		Expect(lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "").To(BeTrue(), "released: a new leader need not wait for it to expire")
	})
})
