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
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// limitRollouts sets the namespace's rollout limit annotation.
func limitRollouts(ns, limit string) {
	GinkgoHelper()
	var n corev1.Namespace
	get("", ns, &n)
	patch := client.MergeFrom(n.DeepCopy())
	n.Annotations = map[string]string{apiv1.AnnotationMaxConcurrentRollouts: limit}
	Expect(k8sClient.Patch(ctx, &n, patch)).To(Succeed())
}

// upgrade ships image to RestAPI ns/name.
func upgrade(ns, name, image string) {
	GinkgoHelper()
	updateSpec(ns, name, func(r *apiv1.RestAPI) { r.Spec.Image = image })
}

var _ = Describe("The rollout queue", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("lets one rollout at a time run in a namespace limited to one, first come first served", func() {
		for _, name := range []string{"a", "b", "c"} {
			deployBlue(ns, name, func(r *apiv1.RestAPI) { r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(3)) })
		}
		limitRollouts(ns, "1")

		By("three upgrades, one after the other: a prepares, b and c queue in that order")
		upgrade(ns, "a", "registry.example/shop:2.0.0")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "a").State }).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "a")
		upgrade(ns, "b", "registry.example/shop:2.0.0")
		Eventually(func(g Gomega) {
			bg := blueGreenStatus(ns, "b")
			g.Expect(bg.State).To(Equal(apiv1.StateQueued))
			g.Expect(*bg.QueuePosition).To(BeZero())
			g.Expect(bg.Message).To(ContainSubstring("1 of 1 rollouts in namespace " + ns))
			g.Expect(bg.Message).To(ContainSubstring("in flight"))
		}).Should(Succeed())
		upgrade(ns, "c", "registry.example/shop:2.0.0")
		Eventually(func() *int32 { return blueGreenStatus(ns, "c").QueuePosition }).Should(HaveValue(Equal(int32(1))))
		r := restAPI(ns, "b")
		Expect(meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionProgressing).Reason).To(Equal("Queued"))
		Expect(r.Status.Phase).To(Equal(apiv1.PhaseProgressing))
		Expect(eventReasonsOf(ns, "b")).To(ContainElement("Queued"))
		By("nothing is prepared for a queued rollout")
		Consistently(func() error {
			return k8sClient.Get(ctx, key(ns, "b-model-green"), &appsv1.Deployment{})
		}, time.Second).ShouldNot(Succeed())

		By("c's spec changes again: it keeps its place")
		queuedAt := blueGreenStatus(ns, "c").QueuedAt
		upgrade(ns, "c", "registry.example/shop:3.0.0")
		Consistently(func(g Gomega) {
			bg := blueGreenStatus(ns, "c")
			g.Expect(bg.State).To(Equal(apiv1.StateQueued))
			g.Expect(bg.QueuedAt).To(Equal(queuedAt))
			g.Expect(*bg.QueuePosition).To(Equal(int32(1)))
		}, 2*time.Second).Should(Succeed())

		By("a is promoted: it holds its slot while blue stays warm")
		markColourReady(ns, "a", "green")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "a").State }).Should(Equal(apiv1.StateScalingDown))
		Expect(blueGreenStatus(ns, "b").State).To(Equal(apiv1.StateQueued))

		By("a's blue is scaled down three seconds later: b's turn at once, c moves up")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "a").State }).Should(Equal(apiv1.StateIdle))
		Eventually(func(g Gomega) {
			g.Expect(blueGreenStatus(ns, "b").State).To(Equal(apiv1.StateDeploying))
			g.Expect(blueGreenStatus(ns, "b").QueuedAt).To(BeNil())
		}).WithTimeout(5 * time.Second).Should(Succeed())
		Eventually(func() *int32 { return blueGreenStatus(ns, "c").QueuePosition }).Should(HaveValue(BeZero()))
		Expect(blueGreenStatus(ns, "c").State).To(Equal(apiv1.StateQueued))

		By("b is aborted: c's turn, with the revision it asks for now")
		annotate(ns, "b", apiv1.AnnotationAbort, blueGreenStatus(ns, "b").PreviewRevision)
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "c").State }).WithTimeout(5 * time.Second).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "c")
		Eventually(func() string { return deploymentOf(ns, "c-model-green").Spec.Template.Spec.Containers[0].Image }).Should(Equal("registry.example/shop:3.0.0"))
	})

	It("frees a slot when its holder is deleted, even one another tool's finalizer keeps, and aborts a queued rollout at once", func() {
		for _, name := range []string{"a", "b", "c", "d"} {
			deployBlue(ns, name, nil)
		}
		limitRollouts(ns, "1")
		upgrade(ns, "a", "registry.example/shop:2.0.0")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "a").State }).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "a")
		for _, name := range []string{"b", "c", "d"} {
			upgrade(ns, name, "registry.example/shop:2.0.0")
			Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, name).State }).Should(Equal(apiv1.StateQueued))
		}

		By("an abort of the queued b acts now: it leaves the queue, takes no slot, deploys nothing")
		annotate(ns, "b", apiv1.AnnotationAbort, render.Revision(restAPI(ns, "b")))
		Eventually(func(g Gomega) {
			bg := blueGreenStatus(ns, "b")
			g.Expect(bg.State).To(Equal(apiv1.StateAborted))
			g.Expect(bg.Reason).To(Equal(apiv1.ReasonAbortRequested))
		}, 5*time.Second).Should(Succeed())
		Expect(k8sClient.Get(ctx, key(ns, "b-model-green"), &appsv1.Deployment{})).NotTo(Succeed(), "nothing was deployed for b")
		Expect(blueGreenStatus(ns, "a").State).To(Equal(apiv1.StateDeploying), "a still holds the slot")

		By("a, kept by another tool's finalizer, is deleted: c's turn at once, not after the 30 s recheck")
		a := restAPI(ns, "a")
		patch := client.MergeFrom(a.DeepCopy())
		a.Finalizers = append(a.Finalizers, "example.com/keep")
		Expect(k8sClient.Patch(ctx, a, patch)).To(Succeed())
		Expect(k8sClient.Delete(ctx, a)).To(Succeed())
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "c").State }, 5*time.Second).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "c")
		Expect(blueGreenStatus(ns, "d").State).To(Equal(apiv1.StateQueued), "one slot: d waits for c")

		By("c is deleted outright: d's turn at once")
		Expect(k8sClient.Delete(ctx, restAPI(ns, "c"))).To(Succeed())
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "d").State }, 5*time.Second).Should(Equal(apiv1.StateDeploying))

		a = restAPI(ns, "a")
		patch = client.MergeFrom(a.DeepCopy())
		a.Finalizers = nil
		Expect(k8sClient.Patch(ctx, a, patch)).To(Succeed())
	})

	It("has no limit without the annotation or the flag, and the deadline counts only from the turn", func() {
		deployBlue(ns, "a", nil)
		deployBlue(ns, "b", nil)
		deployBlue(ns, "c", nil)
		upgrade(ns, "a", "registry.example/shop:2.0.0")
		upgrade(ns, "b", "registry.example/shop:2.0.0")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "b").State }).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "b")
		Expect(blueGreenStatus(ns, "a").State).To(Equal(apiv1.StateDeploying))

		By("limited to one (read again once its copy is older than bluegreen.NamespaceLimitTTL): c waits behind the two")
		limitRollouts(ns, "1")
		advanceClock(bluegreen.NamespaceLimitTTL)
		upgrade(ns, "c", "registry.example/shop:2.0.0")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "c").State }).Should(Equal(apiv1.StateQueued))
		Expect(*blueGreenStatus(ns, "c").QueuePosition).To(BeZero(), "nothing queued ahead, but two prepare")

		By("a and b reach their deadline: c's turn, and its own deadline starts then")
		advanceClock(11 * time.Minute)
		turn := time.Now().Add(11 * time.Minute)
		annotate(ns, "a", "touch", "later")
		annotate(ns, "b", "touch", "later")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "c").State }).WithTimeout(5 * time.Second).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "c")
		Expect(blueGreenStatus(ns, "a").State).To(Equal(apiv1.StateAborted))
		Expect(blueGreenStatus(ns, "c").PreviewStartedAt.Time).To(BeTemporally(">=", turn.Add(-time.Second)))
		Consistently(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "c").State }, time.Second).Should(Equal(apiv1.StateDeploying))
	})
})
