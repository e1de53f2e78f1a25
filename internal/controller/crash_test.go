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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var _ = Describe("A manager that stopped halfway through a promotion", func() {
	var ns string

	// halfSwitched brings green to AwaitingPromotion, stops the manager,
	// approves green and points two of the four stable Services at it, as a
	// manager that crashed between its Service writes, before its status
	// write, leaves things.
	halfSwitched := func() {
		GinkgoHelper()
		ns = newNamespace()
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.AutoPromotion = new(false) })
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())
		markColourReady(ns, "shop", "green")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateAwaitingPromotion))

		mgrStop()
		Eventually(mgrDone).Should(BeClosed())
		annotate(ns, "shop", apiv1.AnnotationPromote, deploymentOf(ns, "shop-view-green").Labels[apiv1.LabelRevision])
		for _, svc := range []string{"shop-repository", "shop-model"} {
			Expect(k8sClient.Patch(ctx, &corev1.Service{ObjectMeta: objMeta(ns, svc)},
				client.RawPatch(types.MergePatchType, []byte(`{"spec":{"selector":{"`+apiv1.LabelEnvironment+`":"green"}}}`)))).To(Succeed())
		}
		Expect(stableColours(ns, "shop")).To(Equal([]string{"green", "green", "blue", "blue"}))
	}

	It("finishes the switch when it comes back, all four together, counted once", func() {
		halfSwitched()
		promotionsBefore := testutilPromotions(ns)
		startManager()
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateScalingDown))
		// Counted after the status write, so waited for; and only once.
		Eventually(func() float64 { return testutilPromotions(ns) - promotionsBefore }).Should(Equal(1.0))
		Consistently(func() float64 { return testutilPromotions(ns) - promotionsBefore }, time.Second).Should(Equal(1.0))
	})

	It("never finishes it onto a colour that stopped being ready meanwhile: all four go back to the serving one", func() {
		halfSwitched()
		setDeploymentStatus(ns, "shop-model-green", func(d *appsv1.Deployment) {
			d.Status.ReadyReplicas, d.Status.AvailableReplicas = 0, 0
		})
		startManager()
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("blue")))
		stillServes(ns, "shop", "blue")
		Expect(restAPI(ns, "shop").Status.ActiveEnvironment).To(Equal(apiv1.EnvironmentBlue))
	})
})

// testutilPromotions is the RestAPI's promotion count; 0 before the first
// (the series does not exist yet).
func testutilPromotions(ns string) float64 {
	return max(0, value("restapi_promotions_total", map[string]string{"namespace": ns, "name": "shop"}))
}
