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
	"fmt"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/metrics"
)

// remembered is what the manager keeps in memory of the RestAPIs of the
// namespaces nss, map by map.
func (r *RestAPIReconciler) remembered(nss []string) map[string]int {
	in := func(ns string) bool { return slices.Contains(nss, ns) }
	out := map[string]int{}
	r.statusWritesMu.Lock()
	for k := range r.statusWrites {
		if in(k.Namespace) {
			out["status writes"]++
		}
	}
	r.statusWritesMu.Unlock()
	for _, ns := range nss {
		if r.terminating.has(ns) {
			out["terminating namespaces"]++
		}
	}
	out["rollout admissions"], out["slot holders"], out["namespace limits"] = r.blueGreen.Remembered(in)
	out["measurements"] = r.Analysis.Remembered(in)
	out["restarts"] = r.health.Remembered(in)
	out["metrics"] = metrics.Remembered(in)
	out["child writes"] = r.ownWrites.Remembered(in)
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out
}

// The manager keeps per-RestAPI and per-namespace memory (status writes
// not yet in the cache, rollout queue admissions and slot holders,
// namespace limits, measurements, restarts, metrics series): every entry
// goes when its RestAPI goes.
var _ = Describe("Churn", func() {
	It("forgets every RestAPI that goes: 1,000 created, some of them mid-rollout, and deleted leave no memory behind", func() {
		const n, rolling, workers = 1000, 50, 8
		nss := make([]string, 0, 10)
		for range 10 {
			nss = append(nss, newNamespace())
		}
		Expect(suiteReconciler.remembered(nss)).To(BeEmpty())
		name := func(i int) (string, string) { return nss[i%len(nss)], fmt.Sprintf("c%d", i) }
		churnRestAPI := func(i int) *apiv1.RestAPI {
			ns, nm := name(i)
			r := newBlueGreenRestAPI(ns, nm)
			r.Spec.Model.Enabled, r.Spec.Controller.Enabled, r.Spec.Repository.Enabled = new(false), new(false), new(false)
			r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(600))
			return r
		}
		parallel := func(count int, f func(i int)) {
			var wg sync.WaitGroup
			next := make(chan int)
			for range workers {
				wg.Go(func() {
					defer GinkgoRecover()
					for i := range next {
						f(i)
					}
				})
			}
			for i := range count {
				next <- i
			}
			close(next)
			wg.Wait()
		}
		start := time.Now()
		parallel(n, func(i int) { Expect(k8sClient.Create(ctx, churnRestAPI(i))).To(Succeed()) })
		deployed := func() int {
			count := 0
			for _, ns := range nss {
				var l apiv1.RestAPIList
				Expect(k8sClient.List(ctx, &l, client.InNamespace(ns))).To(Succeed())
				for _, r := range l.Items {
					if r.Status.BlueGreen != nil && r.Status.BlueGreen.ActiveRevision != "" {
						count++
					}
				}
			}
			return count
		}
		Eventually(deployed, 5*time.Minute, time.Second).Should(Equal(n))
		GinkgoWriter.Printf("%d RestAPIs deployed in %s\n", n, time.Since(start).Round(time.Second))

		By("starting a rollout in some of them: they hold a rollout slot")
		parallel(rolling, func(i int) {
			ns, nm := name(i)
			markReady(ns, nm+"-view-blue")
			Eventually(func() apiv1.Environment { return restAPI(ns, nm).Status.ActiveEnvironment }).Should(Equal(apiv1.EnvironmentBlue))
			r := restAPI(ns, nm)
			patch := client.MergeFrom(r.DeepCopy())
			r.Spec.Image = "registry.example/shop:1.1.0"
			Expect(k8sClient.Patch(ctx, r, patch)).To(Succeed())
		})
		Eventually(func() int { return suiteReconciler.remembered(nss)["slot holders"] }, time.Minute).Should(Equal(rolling))
		held := suiteReconciler.remembered(nss)
		Expect(held).To(HaveKey("metrics"), "the memory the test checks was filled: %v", held)
		GinkgoWriter.Printf("remembered before the deletion: %v\n", held)

		By("deleting them all")
		for _, ns := range nss {
			Expect(k8sClient.DeleteAllOf(ctx, &apiv1.RestAPI{}, client.InNamespace(ns))).To(Succeed())
		}
		Eventually(func() map[string]int { return suiteReconciler.remembered(nss) }, 2*time.Minute, time.Second).Should(BeEmpty())
		GinkgoWriter.Printf("churn of %d RestAPIs took %s\n", n, time.Since(start).Round(time.Second))
	})
})
