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
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/controller"
)

// cutter is a TCP proxy to the API server that can cut every connection
// and refuse new ones, as a network partition or an API server restart
// does to the manager.
type cutter struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newCutter(target string) *cutter {
	GinkgoHelper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	c := &cutter{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go c.serve()
	DeferCleanup(func() { _ = ln.Close(); c.cut() })
	return c
}

func (c *cutter) serve() {
	for {
		in, err := c.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.down {
			c.mu.Unlock()
			_ = in.Close()
			continue
		}
		out, err := net.Dial("tcp", c.target)
		if err != nil {
			c.mu.Unlock()
			_ = in.Close()
			continue
		}
		c.conns[in], c.conns[out] = true, true
		c.mu.Unlock()
		go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
		go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
	}
}

// cut closes every connection and refuses new ones until restore.
func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = true
	for conn := range c.conns {
		_ = conn.Close()
	}
	c.conns = map[net.Conn]bool{}
}

func (c *cutter) restore() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = false
}

func (c *cutter) addr() string { return c.ln.Addr().String() }

// markReady sets a Deployment's status to fully rolled out, as the
// Deployment controller would (envtest runs none).
func markReady(ns, name string) {
	GinkgoHelper()
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var d appsv1.Deployment
		if err := admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &d); err != nil {
			return err
		}
		n := int32(1)
		if d.Spec.Replicas != nil {
			n = *d.Spec.Replicas
		}
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
			Conditions: []appsv1.DeploymentCondition{
				{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
				{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
			},
		}
		return admin.Status().Update(ctx, &d)
	})).To(Succeed())
}

var outageComponents = []string{"model", "view", "controller", "repository"}

// markColourReady marks the colour's four Deployments ready once the
// operator has written the revision the RestAPI is deploying.
func markColourReady(ns, colour string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		var r apiv1.RestAPI
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop"}, &r)).To(Succeed())
		g.Expect(r.Status.BlueGreen).NotTo(BeNil())
		want := r.Status.BlueGreen.PreviewRevision
		if want == "" {
			want = r.Status.BlueGreen.ActiveRevision
		}
		for _, c := range outageComponents {
			var d appsv1.Deployment
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop-" + c + "-" + colour}, &d)).To(Succeed())
			g.Expect(d.Labels[apiv1.LabelRevision]).To(Equal(want))
		}
	}, 30*time.Second).Should(Succeed())
	for _, c := range outageComponents {
		markReady(ns, "shop-"+c+"-"+colour)
	}
}

func stableSelects(ns string) []string {
	GinkgoHelper()
	out := make([]string, 0, len(outageComponents))
	for _, c := range outageComponents {
		var svc corev1.Service
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop-" + c}, &svc)).To(Succeed())
		out = append(out, svc.Spec.Selector[apiv1.LabelEnvironment])
	}
	return out
}

var _ = Describe("The API server goes away mid-rollout", func() {
	It("the manager keeps running, recovers when it comes back, and the rollout completes", func() {
		ns := namespace()
		u, err := url.Parse(managerCfg.Host)
		Expect(err).NotTo(HaveOccurred())
		proxy := newCutter(u.Host)
		creds := rest.CopyConfig(managerCfg)
		creds.Host = "https://" + proxy.addr()
		o := Options(Config{MetricsAddr: "0", ProbeAddr: "0", WatchNamespaces: []string{ns}}, scheme)
		o.Controller.SkipNameValidation = new(true)
		mgr, err := ctrl.NewManager(creds, o)
		Expect(err).NotTo(HaveOccurred())
		Expect((&controller.RestAPIReconciler{Client: mgr.GetClient(), Scheme: mgr.GetScheme()}).SetupWithManager(mgr)).To(Succeed())
		mctx, mcancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = mgr.Start(mctx)
		}()
		DeferCleanup(func() { mcancel(); <-done })

		rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop"},
			Spec: apiv1.RestAPISpec{Image: "registry.example/shop:1", AutoScaling: apiv1.AutoScalingSpec{Enabled: new(false)}}}
		rapi.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(600))
		Expect(admin.Create(ctx, rapi)).To(Succeed())
		markColourReady(ns, "blue")
		Eventually(func(g Gomega) {
			var r apiv1.RestAPI
			g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(rapi), &r)).To(Succeed())
			g.Expect(r.Status.BlueGreen).NotTo(BeNil())
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateIdle))
		}, 30*time.Second).Should(Succeed())
		Expect(stableSelects(ns)).To(HaveEach("blue"))

		By("a new revision is being prepared in green when the API server goes away")
		Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			var r apiv1.RestAPI
			if err := admin.Get(ctx, client.ObjectKeyFromObject(rapi), &r); err != nil {
				return err
			}
			r.Spec.Image = "registry.example/shop:2"
			return admin.Update(ctx, &r)
		})).To(Succeed())
		Eventually(func(g Gomega) {
			var r apiv1.RestAPI
			g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(rapi), &r)).To(Succeed())
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateDeploying))
			g.Expect(r.Status.BlueGreen.PreviewRevision).NotTo(BeEmpty())
			for _, c := range outageComponents {
				var d appsv1.Deployment
				g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop-" + c + "-green"}, &d)).To(Succeed())
				g.Expect(d.Labels[apiv1.LabelRevision]).To(Equal(r.Status.BlueGreen.PreviewRevision))
			}
		}, 30*time.Second).Should(Succeed())
		proxy.cut()
		cutAt := time.Now()

		By("while it is away, the new colour turns ready")
		markColourReady(ns, "green")
		time.Sleep(10 * time.Second)
		Expect(stableSelects(ns)).To(HaveEach("blue"), "nothing switched while the manager could not reach the API server")
		Expect(done).NotTo(BeClosed(), "the manager did not exit")

		By("it comes back: the manager recovers without a restart and promotes")
		proxy.restore()
		restored := time.Now()
		Eventually(func() []string { return stableSelects(ns) }, 60*time.Second, 100*time.Millisecond).Should(HaveEach("green"))
		recovered := time.Since(restored)
		Expect(done).NotTo(BeClosed(), "the same manager did it")
		AddReportEntry("API server outage", recovered.String())
		GinkgoWriter.Printf("RESULT cut off for %s; promoted %s after the connection came back\n",
			restored.Sub(cutAt).Round(time.Second), recovered.Round(time.Millisecond))
	})
})
