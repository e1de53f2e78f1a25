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
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var _ = Describe("Another client changing things during a rollout", func() {
	It("200 concurrent changes to the RestAPI's and its children's metadata and unrelated fields: the rollout completes, both keep what they own", func() {
		ns := newNamespace()
		deployBlue(ns, "shop", nil)
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())

		// Merge patches by another field manager: no resource version, so
		// they never conflict with the operator's writes, only interleave.
		patch := func(obj client.Object, body string) {
			GinkgoHelper()
			Expect(k8sClient.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(body)), client.FieldOwner("other-client"))).To(Succeed())
		}
		targets := []func(i int){
			func(i int) {
				patch(&apiv1.RestAPI{ObjectMeta: objMeta(ns, "shop")}, fmt.Sprintf(`{"metadata":{"labels":{"other/l%d":"v"},"annotations":{"other/a%d":"v"}}}`, i, i))
			},
			func(i int) {
				c := components[i%4]
				patch(&appsv1.Deployment{ObjectMeta: objMeta(ns, fmt.Sprintf("shop-%s-green", c))},
					fmt.Sprintf(`{"metadata":{"labels":{"other/l%d":"v"}},"spec":{"minReadySeconds":5}}`, i))
			},
			func(i int) {
				c := components[i%4]
				patch(&corev1.Service{ObjectMeta: objMeta(ns, fmt.Sprintf("shop-%s", c))},
					fmt.Sprintf(`{"metadata":{"annotations":{"other/a%d":"v"}}}`, i))
			},
			func(i int) {
				c := components[i%4]
				patch(&corev1.ConfigMap{ObjectMeta: objMeta(ns, fmt.Sprintf("shop-%s-blue", c))},
					fmt.Sprintf(`{"metadata":{"labels":{"other/l%d":"v"}}}`, i))
			},
		}
		var wg sync.WaitGroup
		for w := range 20 {
			wg.Go(func() {
				defer GinkgoRecover()
				for k := range 10 {
					i := w*10 + k
					targets[i%len(targets)](i)
				}
			})
		}
		// The new colour turns ready while the changes land.
		markColourReady(ns, "shop", "green")
		wg.Wait()

		By("the rollout completes")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateScalingDown))

		By("the other client's labels, annotations and fields are all still there")
		r := restAPI(ns, "shop")
		for i := 0; i < 200; i += len(targets) {
			Expect(r.Labels).To(HaveKey(fmt.Sprintf("other/l%d", i)))
			Expect(r.Annotations).To(HaveKey(fmt.Sprintf("other/a%d", i)))
		}
		for i := 1; i < 200; i += len(targets) {
			d := deploymentOf(ns, fmt.Sprintf("shop-%s-green", components[i%4]))
			Expect(d.Labels).To(HaveKey(fmt.Sprintf("other/l%d", i)))
			Expect(d.Spec.MinReadySeconds).To(Equal(int32(5)))
			Expect(d.Labels).To(HaveKeyWithValue(apiv1.LabelManagedBy, apiv1.ManagedBy), "and the operator's labels too")
		}
		for i := 2; i < 200; i += len(targets) {
			var svc corev1.Service
			get(ns, fmt.Sprintf("shop-%s", components[i%4]), &svc)
			Expect(svc.Annotations).To(HaveKey(fmt.Sprintf("other/a%d", i)))
		}
		for i := 3; i < 200; i += len(targets) {
			var cm corev1.ConfigMap
			get(ns, fmt.Sprintf("shop-%s-blue", components[i%4]), &cm)
			Expect(cm.Labels).To(HaveKey(fmt.Sprintf("other/l%d", i)))
		}

		By("and the operator hit no error on the way")
		var events eventsv1.EventList
		Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
		for _, e := range events.Items {
			Expect(e.Reason).NotTo(BeElementOf(apiv1.ReasonReconcileFailed, apiv1.ReasonChildConflict), e.Note)
		}
		Expect(managerLogsOf(ns)).NotTo(ContainSubstring("Reconciler error"))
	})
})

func objMeta(ns, name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: ns, Name: name} }
