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
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/controller"
)

func TestParseShards(t *testing.T) {
	for spec, want := range map[string]string{
		"a:team=a;b:team=b;rest:":     "",
		"a:team=a":                    "",
		"":                            "names no shard",
		"a:team=a;a:team=b":           `shard "a" is named twice`,
		"a:;b:":                       `"a" and "b" both take the rest`,
		"a:team in (x":                `the selector of "a"`,
		"a:team=a;b":                  `"b" is not NAME:SELECTOR`,
		"A:team=a":                    `shard name "A"`,
		"b:team=b":                    `--shard="a" is not one of --shards`,
		"a: ":                         "",
		"a:team=a;b:!team":            "",
		"a:team=a;b:team=b;c:team=c ": "",
	} {
		_, err := ParseShards("a", spec)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", spec, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want one saying %q", spec, err, want)
		}
	}
}

func TestOwnerAndCachedNamespaces(t *testing.T) {
	all := map[string]labels.Set{
		"shop":   {"team": "a"},
		"blog":   {"team": "b"},
		"both":   {"team": "a", "tier": "b"}, // a matches first
		"system": {},
	}
	a, err := ParseShards("a", "a:team=a;b:team=b,tier!=x;rest:")
	if err != nil {
		t.Fatal(err)
	}
	for ns, want := range map[string]string{"shop": "a", "blog": "b", "both": "a", "system": "rest"} {
		if got := a.Owner(all[ns]); got != want {
			t.Errorf("Owner(%s) = %q, want %q", ns, got, want)
		}
	}
	if got := a.CachedNamespaces(all); strings.Join(got.Only, ",") != "both,shop" || got.Except != nil {
		t.Errorf("a caches %+v, want only both,shop", got)
	}
	catchAll, _ := ParseShards("rest", "a:team=a;b:team=b,tier!=x;rest:")
	if got := catchAll.CachedNamespaces(all); got.Only != nil || strings.Join(got.Except, ",") != "blog,both,shop" {
		t.Errorf("the rest caches %+v, want all but blog,both,shop", got)
	}
	none, _ := ParseShards("c", "a:team=a;c:team=c")
	if got := none.CachedNamespaces(all); strings.Join(got.Only, ",") != placeholder {
		t.Errorf("a shard owning nothing caches %+v, want only %s (an empty list would cache them all)", got, placeholder)
	}
	if got := none.Owner(all["system"]); got != "" {
		t.Errorf("without a shard taking the rest, system belongs to %q", got)
	}
}

// writeLog records the writes a manager sends, by namespace.
type writeLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *writeLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		if r.Method != http.MethodGet {
			l.mu.Lock()
			l.reqs = append(l.reqs, r.Method+" "+r.URL.Path)
			l.mu.Unlock()
		}
		return rt.RoundTrip(r)
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// in counts the writes to objects of namespace ns.
func (l *writeLog) in(ns string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if strings.Contains(r, "/namespaces/"+ns+"/") {
			n++
		}
	}
	return n
}

// runShard runs a shard as cmd/main.go does, its writes logged.
func runShard(self, spec string) *writeLog {
	GinkgoHelper()
	s, err := ParseShards(self, spec)
	Expect(err).NotTo(HaveOccurred())
	s.CountEvery = 500 * time.Millisecond
	log := &writeLog{}
	cfg := rest.CopyConfig(managerCfg)
	cfg.Wrap(log.wrap)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(s.Run(sctx, cfg, func(ns childcache.Namespaces) (ctrl.Manager, error) {
			mgr, err := ctrl.NewManager(cfg, Options(Config{MetricsAddr: "0", Shard: self, ShardNamespaces: ns}, scheme))
			if err != nil {
				return nil, err
			}
			r := &controller.RestAPIReconciler{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), ShardNamespaces: ns, Owns: s.Owns}
			return mgr, r.SetupWithManager(mgr)
		})).To(Succeed())
	}()
	DeferCleanup(func() {
		stop()
		Eventually(done, 30*time.Second).Should(BeClosed())
	})
	return log
}

func labelledNamespace(team string) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "shard-", Labels: map[string]string{"team": team}}}
	Expect(admin.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

func createShop(ns string) {
	GinkgoHelper()
	Expect(admin.Create(ctx, &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop"},
		Spec: apiv1.RestAPISpec{Image: "registry.example/shop:1"}})).To(Succeed())
}

func shopDeployed(ns string) func() error {
	return func() error {
		return admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop-model-blue"}, &appsv1.Deployment{})
	}
}

// gauge reads a gauge of the manager's registry.
func gauge(name, shard string) float64 {
	mfs, err := crmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "shard" && l.GetValue() == shard {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}

var _ = Describe("Shards", func() {
	It("each shard reconciles its namespaces only; relabelling a namespace hands its RestAPIs over with no write from the shard it left", func() {
		const spec = "a:team=a;b:team=b"
		logA := runShard("a", spec)
		logB := runShard("b", spec)
		nsA, nsB, nobody := labelledNamespace("a"), labelledNamespace("b"), labelledNamespace("c")
		for _, ns := range []string{nsA, nsB, nobody} {
			createShop(ns)
		}
		Eventually(shopDeployed(nsA), 30*time.Second).Should(Succeed())
		Eventually(shopDeployed(nsB), 30*time.Second).Should(Succeed())
		Consistently(shopDeployed(nobody), 2*time.Second).ShouldNot(Succeed(), "a namespace no shard owns was reconciled")
		Expect(logA.in(nsB)).To(BeZero(), "shard a wrote to b's namespace")
		Expect(logB.in(nsA)).To(BeZero(), "shard b wrote to a's namespace")

		By("counting the RestAPIs no shard owns, on every shard: the one in the third namespace, and the earlier specs' (every namespace without team a or b)")
		unowned := func() float64 {
			var rs apiv1.RestAPIList
			Expect(admin.List(ctx, &rs)).To(Succeed())
			n := 0
			for _, r := range rs.Items {
				var ns corev1.Namespace
				Expect(admin.Get(ctx, client.ObjectKey{Name: r.Namespace}, &ns)).To(Succeed())
				if t := ns.Labels["team"]; t != "a" && t != "b" {
					n++
				}
			}
			return float64(n)
		}
		Eventually(func() []float64 {
			return []float64{gauge("restapi_shard_unowned_restapis", "a"), gauge("restapi_shard_unowned_restapis", "b")}
		}, 10*time.Second).Should(Equal([]float64{unowned(), unowned()}))

		By("relabelling a's namespace for b")
		var before appsv1.Deployment
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: nsA, Name: "shop-model-blue"}, &before)).To(Succeed())
		var ns corev1.Namespace
		Expect(admin.Get(ctx, client.ObjectKey{Name: nsA}, &ns)).To(Succeed())
		// (Another spec's team=a namespace may outlive it: counted from
		// what each shard owned before, whatever the specs' order.)
		ownedA, ownedB := gauge("restapi_shard_namespaces", "a"), gauge("restapi_shard_namespaces", "b")
		ns.Labels["team"] = "b"
		Expect(admin.Update(ctx, &ns)).To(Succeed())
		Eventually(func() float64 { return gauge("restapi_shard_namespaces", "b") }, 20*time.Second).Should(Equal(ownedB + 1))
		Eventually(func() float64 { return gauge("restapi_shard_namespaces", "a") }, 20*time.Second).Should(Equal(ownedA - 1))
		// a let the namespace go. A reconcile of a's that passed its
		// ownership check before may still finish its writes (a status
		// write of a RestAPI still settling: seen on a busy machine); from
		// the moment a is quiet, it must never write there again.
		wroteByA := -1
		Eventually(func() bool {
			n := logA.in(nsA)
			quiet := n == wroteByA
			wroteByA = n
			return quiet
		}, 30*time.Second, 2*time.Second).Should(BeTrue(), "shard a kept writing to the namespace it left")

		By("b reconciles it: a change of its spec is observed, and its preview deployed")
		var r apiv1.RestAPI
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: nsA, Name: "shop"}, &r)).To(Succeed())
		r.Spec.EnvVars = map[string]string{"LOG": "debug"}
		Expect(admin.Update(ctx, &r)).To(Succeed())
		Eventually(func(g Gomega) {
			var now apiv1.RestAPI
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: nsA, Name: "shop"}, &now)).To(Succeed())
			g.Expect(now.Status.ObservedGeneration).To(Equal(now.Generation))
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: nsA, Name: "shop-model-green"}, &appsv1.Deployment{})).To(Succeed())
		}, 30*time.Second).Should(Succeed())
		Expect(logB.in(nsA)).To(BeNumerically(">", 0))
		Expect(logA.in(nsA)).To(Equal(wroteByA), "shard a wrote to the namespace it left")
		var after appsv1.Deployment
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: nsA, Name: "shop-model-blue"}, &after)).To(Succeed())
		Expect(after.Spec.Template).To(Equal(before.Spec.Template), "the handover rolled the serving pods")
	})
})

var _ = Describe("The shard that takes the rest", func() {
	It("reconciles every namespace no other shard owns, and none that another owns", func() {
		logRest := runShard("rest", "a:team=a;rest:")
		owned, free := labelledNamespace("a"), labelledNamespace("z")
		createShop(owned)
		createShop(free)
		Eventually(shopDeployed(free), 30*time.Second).Should(Succeed())
		Consistently(shopDeployed(owned), 2*time.Second).ShouldNot(Succeed(), "it reconciled shard a's namespace")
		Expect(logRest.in(owned)).To(BeZero())
	})
})

func TestNamespacesRestrict(t *testing.T) {
	var o cache.Options
	childcache.Namespaces{Except: []string{"b", "a"}}.Restrict(&o)
	if got := o.DefaultFieldSelector.String(); got != "metadata.namespace!=b,metadata.namespace!=a" || o.DefaultNamespaces != nil {
		t.Errorf("all but a and b: field selector %q, namespaces %v", got, o.DefaultNamespaces)
	}
	o = cache.Options{}
	childcache.Namespaces{Only: []string{"a"}}.Restrict(&o)
	if _, ok := o.DefaultNamespaces["a"]; !ok || len(o.DefaultNamespaces) != 1 || o.DefaultFieldSelector != nil {
		t.Errorf("only a: %+v", o)
	}
	if (childcache.Namespaces{Only: []string{"b", "a"}}).Key() != (childcache.Namespaces{Only: []string{"a", "b"}}).Key() {
		t.Error("the key depends on the order")
	}
}
