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
	"encoding/json"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// earlierRev is the revision an earlier operator version rendered
// the spec as, in these specs.
const earlierRev = "e0e0e0e0e0"

// renderedByEarlier is the template annotation the earlier version's
// rendering had and this one's has not.
const renderedByEarlier = "example.com/rendered-by"

// deploymentsOf names the Deployments of "shop" of one colour: blue, or
// "" for the single-colour ones of a RestAPI without blue-green.
func deploymentsOf(colour string) []string {
	out := make([]string, 0, len(components))
	for _, c := range components {
		name := "shop-" + string(c)
		if colour != "" {
			name += "-" + colour
		}
		out = append(out, name)
	}
	return out
}

// asEarlierOperator leaves "shop" of ns as an earlier version of the
// operator would have, with the manager stopped: the pod templates of
// colour (blue, or "" without blue-green) are its rendering of the same
// spec (one annotation more, another revision), applied by this
// operator's field manager, and status names that revision. recorded:
// that version recorded status.rendering; otherwise it is one from before
// status.rendering.
func asEarlierOperator(ns, colour string, recorded bool) {
	GinkgoHelper()
	mgrStop()
	Eventually(mgrDone).Should(BeClosed())
	for _, name := range deploymentsOf(colour) {
		ac, err := appsv1ac.ExtractDeployment(deploymentOf(ns, name), apiv1.ManagedBy)
		Expect(err).NotTo(HaveOccurred())
		ac.WithLabels(map[string]string{apiv1.LabelRevision: earlierRev})
		ac.Spec.Template.WithLabels(map[string]string{apiv1.LabelRevision: earlierRev}).
			WithAnnotations(map[string]string{renderedByEarlier: "v0"})
		body, err := json.Marshal(ac)
		Expect(err).NotTo(HaveOccurred())
		Expect(k8sClient.Patch(ctx, &appsv1.Deployment{ObjectMeta: objMeta(ns, name)}, client.RawPatch(types.ApplyPatchType, body),
			client.FieldOwner(apiv1.ManagedBy), client.ForceOwnership)).To(Succeed())
	}
	r := restAPI(ns, "shop")
	r.Status.DeployedRevision = earlierRev
	if bg := r.Status.BlueGreen; bg != nil {
		bg.ActiveRevision = earlierRev
	}
	r.Status.Rendering = nil
	if recorded {
		r.Status.Rendering = &apiv1.RenderingStatus{SpecHash: render.SpecHash(r), Revision: earlierRev}
	}
	meta := r.Status.Conditions[:0]
	for _, c := range r.Status.Conditions {
		if c.Type != apiv1.ConditionRenderingPending {
			meta = append(meta, c)
		}
	}
	r.Status.Conditions = meta
	Expect(k8sClient.Status().Update(ctx, r)).To(Succeed())
}

// templates are the pod templates of a colour, to compare before and
// after.
func templates(ns, colour string) []string {
	GinkgoHelper()
	out := make([]string, 0, len(components))
	for _, name := range deploymentsOf(colour) {
		b, err := json.Marshal(deploymentOf(ns, name).Spec.Template)
		Expect(err).NotTo(HaveOccurred())
		out = append(out, string(b))
	}
	return out
}

func renderingCondition(ns string) *metav1.Condition {
	GinkgoHelper()
	return shopCondition(ns, apiv1.ConditionRenderingPending)
}

// expectHeld checks that the earlier rendering runs in colour, unchanged,
// and that the newer one is recorded as pending.
func expectHeld(ns, colour, newer string, was []string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		r := restAPI(ns, "shop")
		g.Expect(r.Status.Rendering).NotTo(BeNil())
		g.Expect(*r.Status.Rendering).To(Equal(apiv1.RenderingStatus{SpecHash: render.SpecHash(r), Revision: earlierRev, Pending: newer}))
		c := renderingCondition(ns)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(c.Reason).To(Equal(apiv1.ReasonNewerRendering))
		g.Expect(c.Message).To(ContainSubstring("kubectl restapi rerender shop"))
	}).Should(Succeed())
	Consistently(func(g Gomega) {
		g.Expect(templates(ns, colour)).To(Equal(was), "the pod templates changed")
		if colour != "" {
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{})).NotTo(Succeed(), "a rollout started")
			g.Expect(blueGreenStatus(ns, "shop").State).To(Equal(apiv1.StateIdle))
		}
	}, 2*time.Second, 200*time.Millisecond).Should(Succeed())
}

// statusWritesOnly checks that every write to ns is one of the RestAPI's
// status.
func statusWritesOnly(ns string, writesBefore int) {
	GinkgoHelper()
	writes.quiet(ns)
	for _, w := range writes.in(ns)[writesBefore:] {
		Expect(strings.HasSuffix(w, "/restapis/shop/status")).To(BeTrue(), "a write other than status: %s", w)
	}
}

// upgradeHolds leaves colour's Deployments as an earlier operator version
// that did not record status.rendering would have, starts this version,
// and checks that it holds them, writing status only. It returns their
// pod templates.
func upgradeHolds(ns, colour, newer string) []string {
	GinkgoHelper()
	asEarlierOperator(ns, colour, false)
	was := templates(ns, colour)
	before := len(writes.in(ns))
	startManager()
	By("holding the earlier rendering, writing status only")
	expectHeld(ns, colour, newer, was)
	statusWritesOnly(ns, before)
	expectNoWritesOnReconcile(ns)
	return was
}

var _ = Describe("Operator upgrades", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })
	AfterEach(func() {
		if applyRenderings {
			applyRenderings = false
			restartManager()
		}
	})

	It("roll nothing: an earlier version's rendering of the same spec keeps running, the newer one is pending until asked for", func() {
		newer := deployBlue(ns, "shop", nil)
		was := upgradeHolds(ns, "blue", newer)

		By("holding it across a manager restart")
		restartManager()
		expectHeld(ns, "blue", newer, was)
		expectNoWritesOnReconcile(ns)

		By("holding it when the spec changes only where the pods never see it")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Replicas = new(int32(3)) })
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-blue").Spec.Replicas }).Should(Equal(int32(3)))
		expectHeld(ns, "blue", newer, was)

		By("applying it when asked, as an ordinary rollout")
		annotate(ns, "shop", apiv1.AnnotationApplyRendering, newer)
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())
		Expect(deploymentOf(ns, "shop-view-green").Spec.Template.Labels[apiv1.LabelRevision]).To(Equal(newer))
		Expect(deploymentOf(ns, "shop-view-green").Spec.Template.Annotations).NotTo(HaveKey(renderedByEarlier))
		Eventually(func() map[string]string { return restAPI(ns, "shop").Annotations }).ShouldNot(HaveKey(apiv1.AnnotationApplyRendering))
		Eventually(func() []string { return eventReasons(ns) }).Should(ContainElement(apiv1.EventRenderingApplied))
		markColourReady(ns, "shop", "green")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func(g Gomega) {
			g.Expect(blueGreenStatus(ns, "shop").ActiveRevision).To(Equal(newer))
			c := renderingCondition(ns)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(apiv1.ReasonRenderingCurrent))
			g.Expect(restAPI(ns, "shop").Status.Rendering.Pending).To(BeEmpty())
		}).Should(Succeed())
	})

	It("deploy the newer rendering with the next change of the spec", func() {
		newer := deployBlue(ns, "shop", nil)
		asEarlierOperator(ns, "blue", true)
		was := templates(ns, "blue")
		startManager()
		expectHeld(ns, "blue", newer, was)

		By("a request for another revision is dropped")
		annotate(ns, "shop", apiv1.AnnotationApplyRendering, "f0f0f0f0f0")
		Eventually(func() map[string]string { return restAPI(ns, "shop").Annotations }).ShouldNot(HaveKey(apiv1.AnnotationApplyRendering))
		expectHeld(ns, "blue", newer, was)

		shipToGreen(ns)
		r := restAPI(ns, "shop")
		Expect(r.Status.BlueGreen.ActiveRevision).To(Equal(render.Revision(r)))
		Expect(deploymentOf(ns, "shop-view-green").Spec.Template.Annotations).NotTo(HaveKey(renderedByEarlier))
		Expect(*r.Status.Rendering).To(Equal(apiv1.RenderingStatus{SpecHash: render.SpecHash(r), Revision: render.Revision(r)}))
	})

	It("roll nothing without blue-green either: the single-colour Deployments keep the earlier rendering until asked, then roll in place", func() {
		r := newRestAPI(ns, "shop")
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		for _, name := range deploymentsOf("") {
			Eventually(func() error { return k8sClient.Get(ctx, key(ns, name), &appsv1.Deployment{}) }).Should(Succeed())
			markReady(ns, name)
		}
		var newer string
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.ObservedGeneration).To(Equal(r.Generation))
			g.Expect(r.Status.Rendering).NotTo(BeNil())
			newer = r.Status.Rendering.Revision
			g.Expect(newer).To(Equal(render.Revision(r)))
		}).Should(Succeed())
		upgradeHolds(ns, "", newer)

		By("rolling it in place when asked")
		annotate(ns, "shop", apiv1.AnnotationApplyRendering, newer)
		Eventually(func(g Gomega) {
			for _, name := range deploymentsOf("") {
				tmpl := deploymentOf(ns, name).Spec.Template
				g.Expect(tmpl.Labels[apiv1.LabelRevision]).To(Equal(newer), name)
				g.Expect(tmpl.Annotations).NotTo(HaveKey(renderedByEarlier), name)
			}
			g.Expect(restAPI(ns, "shop").Status.Rendering.Pending).To(BeEmpty())
			g.Expect(renderingCondition(ns).Reason).To(Equal(apiv1.ReasonRenderingCurrent))
		}).Should(Succeed())
		Expect(k8sClient.Get(ctx, key(ns, "shop-view-blue"), &appsv1.Deployment{})).NotTo(Succeed(), "no colour without blue-green")
	})

	It("apply the newer rendering to every RestAPI with --rendering-upgrades=apply", func() {
		newer := deployBlue(ns, "shop", nil)
		asEarlierOperator(ns, "blue", true)
		applyRenderings = true
		startManager()
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())
		Expect(deploymentOf(ns, "shop-view-green").Spec.Template.Labels[apiv1.LabelRevision]).To(Equal(newer))
		Eventually(func() string { return restAPI(ns, "shop").Status.Rendering.Revision }).Should(Equal(newer))
	})
})
