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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// stableColours returns the colour each stable Service selects, in promotion
// order ("" when a Service selects every colour).
func stableColours(ns, name string) []string { //nolint:unparam // reads better at call sites
	GinkgoHelper()
	out := make([]string, 0, 4)
	for _, c := range []string{"repository", "model", "controller", "view"} {
		var svc corev1.Service
		get(ns, name+"-"+c, &svc)
		Expect(svc.Spec.Selector).To(HaveKeyWithValue(apiv1.LabelInstance, name), "stable Service %s has an empty or foreign selector", svc.Name)
		out = append(out, svc.Spec.Selector[apiv1.LabelEnvironment])
	}
	return out
}

func allColour(c string) []string { return []string{c, c, c, c} }

func markColourReady(ns, name, colour string) {
	GinkgoHelper()
	for _, c := range components {
		markReady(ns, name+"-"+string(c)+"-"+colour)
	}
}

func deploymentOf(ns, name string) *appsv1.Deployment {
	GinkgoHelper()
	var d appsv1.Deployment
	get(ns, name, &d)
	return &d
}

func blueGreenStatus(ns, name string) apiv1.BlueGreenStatus {
	GinkgoHelper()
	r := restAPI(ns, name)
	if r.Status.BlueGreen == nil {
		return apiv1.BlueGreenStatus{}
	}
	return *r.Status.BlueGreen
}

func updateSpec(ns, name string, mutate func(*apiv1.RestAPI)) { //nolint:unparam // reads better at call sites
	GinkgoHelper()
	Eventually(func() error {
		r := restAPI(ns, name)
		mutate(r)
		return k8sClient.Update(ctx, r)
	}).Should(Succeed())
}

func annotate(ns, name, key, value string) { //nolint:unparam // reads better at call sites
	GinkgoHelper()
	r := restAPI(ns, name)
	patch := client.MergeFrom(r.DeepCopy())
	if r.Annotations == nil {
		r.Annotations = map[string]string{}
	}
	r.Annotations[key] = value
	Expect(k8sClient.Patch(ctx, r, patch)).To(Succeed())
}

// shipToGreen ships image 2.0.0 to the RestAPI "shop" serving from blue
// and waits until green serves it: promoted, blue warm for the scale-down
// delay. With a delay of a few seconds the warm window may be over by the
// time this looks, on a busy machine: the promotion is what it waits for.
func shipToGreen(ns string) {
	GinkgoHelper()
	before := blueGreenStatus(ns, "shop").ActiveRevision
	updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
	Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())
	markColourReady(ns, "shop", "green")
	Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
	Eventually(func(g Gomega) {
		bg := blueGreenStatus(ns, "shop")
		g.Expect(bg.ActiveRevision).NotTo(Equal(before), "the new revision is promoted")
		g.Expect(bg.State).To(BeElementOf(apiv1.StateScalingDown, apiv1.StateIdle))
	}).Should(Succeed())
}

// deployBlue creates a blue-green RestAPI and brings blue to serving.
func deployBlue(ns, name string, mutate func(*apiv1.RestAPI)) string {
	GinkgoHelper()
	r := newBlueGreenRestAPI(ns, name)
	if mutate != nil {
		mutate(r)
	}
	Expect(k8sClient.Create(ctx, r)).To(Succeed())
	for _, c := range r.Spec.Components() {
		// At its initial size: with autoscaling, the replicas come in a
		// second write right after the Deployment's creation.
		want := render.Resolve(r, c, apiv1.EnvironmentBlue).Replicas
		Eventually(func(g Gomega) {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, key(ns, name+"-"+string(c.Name)+"-blue"), &d)).To(Succeed())
			g.Expect(*d.Spec.Replicas).To(Equal(want))
		}).Should(Succeed())
	}
	markColourReady(ns, name, "blue")
	Eventually(func(g Gomega) {
		r := restAPI(ns, name)
		g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseAvailable))
		g.Expect(r.Status.BlueGreen).NotTo(BeNil())
		g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateIdle))
	}).Should(Succeed())
	return blueGreenStatus(ns, name).ActiveRevision
}

var _ = Describe("Blue-green", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("deploys the first revision to blue, with stable, preview and per-colour Services", func() {
		rev := deployBlue(ns, "shop", nil)
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))
		r := restAPI(ns, "shop")
		Expect(r.Status.ActiveEnvironment).To(Equal(apiv1.EnvironmentBlue))
		Expect(r.Status.LastDeploymentTime).NotTo(BeNil(), "status: %+v", r.Status)
		Expect(r.Status.Components[0].Environment).To(Equal(apiv1.EnvironmentBlue))
		Expect(r.Status.Components[0].Revision).To(Equal(rev))

		var svcs corev1.ServiceList
		Expect(k8sClient.List(ctx, &svcs, client.InNamespace(ns))).To(Succeed())
		Expect(svcs.Items).To(HaveLen(16), "4 stable, 4 preview and 8 per-colour Services")
		var preview corev1.Service
		get(ns, "shop-model-preview", &preview)
		Expect(preview.Spec.Selector).To(HaveKeyWithValue(apiv1.LabelEnvironment, "green"))
		var own corev1.Service
		get(ns, "shop-model-green", &own)
		Expect(own.Spec.Selector).To(HaveKeyWithValue(apiv1.LabelEnvironment, "green"))

		var cm corev1.ConfigMap
		get(ns, "shop-view-blue", &cm)
		Expect(cm.Data).To(HaveKeyWithValue("MODEL_URL", "http://shop-model-blue."+ns+".svc:8080"), "peers of the same colour")
		Expect(deploymentOf(ns, "shop-view-blue").Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name).To(Equal("shop-view-blue"))
	})

	It("prepares a new revision in green with capacity handoff, switches all four stable Services once green is ready, then scales blue down", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.Replicas = new(int32(4))
			// Long enough that a busy machine still sees blue warm.
			r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(5))
		})
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.Image = "registry.example/shop:2.0.0"
			r.Spec.Replicas = new(int32(2))
		})
		Eventually(func(g Gomega) {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-model-green"), &d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:2.0.0"))
			g.Expect(*d.Spec.Replicas).To(Equal(int32(4)), "the new colour starts as large as the serving one")
		}).Should(Succeed())
		Expect(deploymentOf(ns, "shop-model-blue").Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:1.0.0"))
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateDeploying))
			g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseProgressing))
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionProgressing)
			g.Expect(c.Reason).To(Equal("Deploying"))
		}).Should(Succeed())

		By("not switching while any component of green is not ready")
		for _, c := range components[:3] {
			markReady(ns, "shop-"+string(c)+"-green")
		}
		stillServes(ns, "shop", "blue")

		By("switching all four once the last component is ready")
		markReady(ns, "shop-repository-green")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.ActiveEnvironment).To(Equal(apiv1.EnvironmentGreen))
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateScalingDown))
		}).Should(Succeed())
		Expect(*deploymentOf(ns, "shop-model-blue").Spec.Replicas).To(Equal(int32(4)), "the old colour stays warm")

		By("recording the switch as an Event on the RestAPI")
		Eventually(func(g Gomega) {
			var events eventsv1.EventList
			g.Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
			var notes []string
			for _, e := range events.Items {
				if e.Reason == "Promoted" && e.Regarding.Kind == "RestAPI" && e.Regarding.Name == "shop" {
					notes = append(notes, e.Note)
				}
			}
			g.Expect(notes).To(ContainElement(ContainSubstring("Switched traffic from blue to green")))
		}).Should(Succeed())

		By("scaling blue down after scaleDownDelaySeconds")
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-blue").Spec.Replicas }).Should(BeZero())
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateIdle))
		Expect(deploymentOf(ns, "shop-model-blue").Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:1.0.0"), "scaled down, template kept")
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-green").Spec.Replicas }).Should(Equal(int32(2)), "after the switch the spec's replicas apply")
	})

	It("waits for an approval of that exact revision when autoPromotion is off; a stale approval does nothing", func() {
		oldRev := deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.AutoPromotion = new(false) })
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())
		markColourReady(ns, "shop", "green")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateAwaitingPromotion))
		newRev := deploymentOf(ns, "shop-view-green").Labels[apiv1.LabelRevision]
		Expect(newRev).NotTo(Equal(oldRev))

		annotate(ns, "shop", apiv1.AnnotationPromote, oldRev)
		Eventually(func() map[string]string { return restAPI(ns, "shop").Annotations }).ShouldNot(HaveKey(apiv1.AnnotationPromote), "a stale request is consumed")
		stillServes(ns, "shop", "blue")

		annotate(ns, "shop", apiv1.AnnotationPromote, newRev)
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func() string { return blueGreenStatus(ns, "shop").ActiveRevision }).Should(Equal(newRev))
		Eventually(func() map[string]string { return restAPI(ns, "shop").Annotations }).ShouldNot(HaveKey(apiv1.AnnotationPromote))
	})

	It("aborts on request: traffic stays, the new colour scales down, status says why, the next change tries again", func() {
		deployBlue(ns, "shop", nil)
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())
		rev := deploymentOf(ns, "shop-view-green").Labels[apiv1.LabelRevision]
		annotate(ns, "shop", apiv1.AnnotationAbort, rev)

		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateAborted))
			g.Expect(r.Status.BlueGreen.AbortedRevision).To(Equal(rev))
			g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseDegraded))
			g.Expect(meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded).Reason).To(Equal("AbortRequested"))
		}).Should(Succeed())
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-green").Spec.Replicas }).Should(BeZero())
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))

		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:3.0.0" })
		Eventually(func(g Gomega) {
			g.Expect(blueGreenStatus(ns, "shop").State).To(Equal(apiv1.StateDeploying))
			d := deploymentOf(ns, "shop-model-green")
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:3.0.0"))
			g.Expect(*d.Spec.Replicas).To(Equal(int32(2)))
		}).Should(Succeed())
	})

	It("goes back to the warm previous revision with a selector flip and no new pods", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(600)) })
		shipToGreen(ns)
		blueGen := deploymentOf(ns, "shop-model-blue").Generation

		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:1.0.0" })
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("blue")))
		Expect(deploymentOf(ns, "shop-model-blue").Generation).To(Equal(blueGen), "the warm colour was not touched")
		Eventually(func() apiv1.Phase { return restAPI(ns, "shop").Status.Phase }).Should(Equal(apiv1.PhaseAvailable))
	})

	It("rolls back on request while the previous colour is warm, and does not redeploy the bad revision", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(600)) })
		shipToGreen(ns)
		bad := deploymentOf(ns, "shop-model-green").Labels[apiv1.LabelRevision]
		Eventually(func() string { return blueGreenStatus(ns, "shop").ActiveRevision }).Should(Equal(bad))

		annotate(ns, "shop", apiv1.AnnotationRollback, bad)
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("blue")))
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateRolledBack))
			g.Expect(r.Status.BlueGreen.AbortedRevision).To(Equal(bad))
			g.Expect(meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded).Reason).To(Equal("RolledBack"))
			g.Expect(r.Annotations).NotTo(HaveKey(apiv1.AnnotationRollback))
		}).Should(Succeed())
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-green").Spec.Replicas }).Should(BeZero())
		Consistently(func() []string { return stableColours(ns, "shop") }, time.Second).Should(Equal(allColour("blue")))
	})

	It("keeps serving the right colour when its status is lost (a restart with nothing but the cluster)", func() {
		deployBlue(ns, "shop", nil)
		shipToGreen(ns)

		Eventually(func() apiv1.Environment { return restAPI(ns, "shop").Status.ActiveEnvironment }).Should(Equal(apiv1.EnvironmentGreen))
		Eventually(func() error {
			r := restAPI(ns, "shop")
			r.Status = apiv1.RestAPIStatus{}
			return k8sClient.Status().Update(ctx, r)
		}).Should(Succeed())
		// Status changes do not trigger a reconcile; anything else does.
		annotate(ns, "shop", "touch", "1")
		Eventually(func() apiv1.Environment { return restAPI(ns, "shop").Status.ActiveEnvironment }).Should(Equal(apiv1.EnvironmentGreen))
		Consistently(func() []string { return stableColours(ns, "shop") }, time.Second).Should(Equal(allColour("green")))
		Expect(deploymentOf(ns, "shop-model-green").Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:2.0.0"))
	})

	It("switches blue-green off and on without a moment where a stable Service selects nothing ready", func() {
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
		waitForChildren(ns, "shop")
		markAllReady(ns, "shop")
		Eventually(func() apiv1.Phase { return restAPI(ns, "shop").Status.Phase }).Should(Equal(apiv1.PhaseAvailable))
		Expect(stableColours(ns, "shop")).To(Equal(allColour("")))

		By("turning blue-green on: blue comes up while the single-colour pods serve")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.Enabled = new(true) })
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-blue"), &appsv1.Deployment{}) }).Should(Succeed())
		Consistently(func() []string { return stableColours(ns, "shop") }, 500*time.Millisecond).Should(Equal(allColour("")))
		markColourReady(ns, "shop", "blue")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("blue")))
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-model"), &appsv1.Deployment{}))
		}).Should(BeTrue())
		Eventually(func() apiv1.Environment { return restAPI(ns, "shop").Status.ActiveEnvironment }).Should(Equal(apiv1.EnvironmentBlue))

		By("turning it off: the stable Services select every colour until the single set is ready")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.Enabled = new(false) })
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("")))
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-model"), &appsv1.Deployment{}) }).Should(Succeed())
		Expect(k8sClient.Get(ctx, key(ns, "shop-model-blue"), &appsv1.Deployment{})).To(Succeed(), "blue stays until the single set is ready")
		markAllReady(ns, "shop")
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-model-blue"), &appsv1.Deployment{}))
		}).Should(BeTrue())
		Eventually(func() int {
			var svcs corev1.ServiceList
			Expect(k8sClient.List(ctx, &svcs, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: labels.Everything()})).To(Succeed())
			return len(svcs.Items)
		}).Should(Equal(4))
		Eventually(func() apiv1.Phase { return restAPI(ns, "shop").Status.Phase }).Should(Equal(apiv1.PhaseAvailable))
	})
	It("aborts a preview that is not available by progressDeadlineSeconds; traffic stays", func() {
		deployBlue(ns, "shop", nil)
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "shop")
		advanceClock(601 * time.Second)
		annotate(ns, "shop", "touch", "deadline")
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateAborted))
			g.Expect(r.Status.BlueGreen.Reason).To(Equal("ProgressDeadlineExceeded"))
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
			g.Expect(c.Reason).To(Equal("ProgressDeadlineExceeded"))
			g.Expect(c.Message).To(ContainSubstring("blue keeps serving"))
		}).Should(Succeed())
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-green").Spec.Replicas }).Should(BeZero())
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))
	})

	It("after the warm window, going back deploys into the idle colour and switches only when it is ready", func() {
		deployBlue(ns, "shop", nil)
		shipToGreen(ns)
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateScalingDown))
		advanceClock(31 * time.Second)
		annotate(ns, "shop", "touch", "later")
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-blue").Spec.Replicas }).Should(BeZero())

		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:1.0.0" })
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-blue").Spec.Replicas }).Should(Equal(int32(2)))
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "shop")
		Consistently(func() []string { return stableColours(ns, "shop") }, time.Second).Should(Equal(allColour("green")))
		markColourReady(ns, "shop", "blue")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("blue")))
	})

	It("continues correctly when the manager restarts at every state of the flow", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.AutoPromotion = new(false) })

		By("Idle: a restarted manager writes nothing")
		writes.quiet(ns)
		before := writes.in(ns)
		restartManager()
		annotate(ns, "shop", "touch", "idle")
		Consistently(func() []string { return writes.in(ns) }, 2*time.Second).Should(Equal(before))

		By("Deploying: the preview and its deadline survive a restart")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "shop")
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())
		started := blueGreenStatus(ns, "shop").PreviewStartedAt
		greenGen := deploymentOf(ns, "shop-model-green").Generation
		restartManager()
		annotate(ns, "shop", "touch", "deploying")
		Consistently(func(g Gomega) {
			st := blueGreenStatus(ns, "shop")
			g.Expect(st.State).To(Equal(apiv1.StateDeploying))
			g.Expect(st.PreviewStartedAt.Equal(started)).To(BeTrue(), "the deadline restarted")
			g.Expect(deploymentOf(ns, "shop-model-green").Generation).To(Equal(greenGen))
			g.Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))
		}, time.Second).Should(Succeed())

		By("AwaitingPromotion: still waiting after a restart")
		markColourReady(ns, "shop", "green")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateAwaitingPromotion))
		restartManager()
		annotate(ns, "shop", "touch", "awaiting")
		Consistently(func() []string { return stableColours(ns, "shop") }, time.Second).Should(Equal(allColour("blue")))

		By("ScalingDown: the old colour stays warm across a restart")
		annotate(ns, "shop", apiv1.AnnotationPromote, deploymentOf(ns, "shop-view-green").Labels[apiv1.LabelRevision])
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateScalingDown))
		restartManager()
		annotate(ns, "shop", "touch", "scaling-down")
		Consistently(func(g Gomega) {
			g.Expect(stableColours(ns, "shop")).To(Equal(allColour("green")))
			g.Expect(*deploymentOf(ns, "shop-model-blue").Spec.Replicas).To(Equal(int32(2)))
			g.Expect(blueGreenStatus(ns, "shop").State).To(Equal(apiv1.StateScalingDown))
		}, time.Second).Should(Succeed())

		By("Idle again after the delay, decided by a restarted manager")
		restartManager()
		advanceClock(31 * time.Second)
		annotate(ns, "shop", "touch", "delay-over")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateIdle))
		Expect(*deploymentOf(ns, "shop-model-blue").Spec.Replicas).To(BeZero())

		By("Aborted: not retried after a restart")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:3.0.0" })
		Eventually(func() error {
			d := deploymentOf(ns, "shop-model-blue")
			if d.Spec.Template.Spec.Containers[0].Image != "registry.example/shop:3.0.0" {
				return fmt.Errorf("blue runs %s", d.Spec.Template.Spec.Containers[0].Image)
			}
			return nil
		}).Should(Succeed())
		annotate(ns, "shop", apiv1.AnnotationAbort, deploymentOf(ns, "shop-model-blue").Labels[apiv1.LabelRevision])
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateAborted))
		restartManager()
		annotate(ns, "shop", "touch", "aborted")
		Consistently(func(g Gomega) {
			g.Expect(blueGreenStatus(ns, "shop").State).To(Equal(apiv1.StateAborted))
			g.Expect(*deploymentOf(ns, "shop-model-blue").Spec.Replicas).To(BeZero())
			g.Expect(stableColours(ns, "shop")).To(Equal(allColour("green")))
		}, time.Second).Should(Succeed())
	})
	It("restores a serving colour's Deployment deleted by hand in place, without deploying to the other colour", func() {
		deployBlue(ns, "shop", nil)
		Expect(k8sClient.Delete(ctx, deploymentOf(ns, "shop-model-blue"))).To(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-model-blue"), &appsv1.Deployment{}) }).Should(Succeed())
		Consistently(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-model-green"), &appsv1.Deployment{}))
		}, time.Second).Should(BeTrue(), "a green Deployment was created")
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))
	})
})
