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
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// hpaFloors are the role default HPA floors.
var hpaFloors = map[apiv1.ComponentName]int32{
	apiv1.ComponentModel: 1, apiv1.ComponentView: 1, apiv1.ComponentController: 2, apiv1.ComponentRepository: 1,
}

func autoscalingOn(r *apiv1.RestAPI) { r.Spec.AutoScaling.Enabled = new(true) }

// deployAutoscaledBlue creates a blue-green RestAPI with autoscaling on and
// brings blue to serving, each Deployment at its HPA floor.
func deployAutoscaledBlue(ns string) {
	GinkgoHelper()
	deployBlue(ns, "shop", autoscalingOn)
	for _, c := range components {
		Expect(*deploymentOf(ns, "shop-"+string(c)+"-blue").Spec.Replicas).To(Equal(hpaFloors[c]), "%s starts at its HPA floor", c)
	}
}

// hpaOf fetches a component's HPA.
func hpaOf(ns string, c apiv1.ComponentName) *autoscalingv2.HorizontalPodAutoscaler {
	GinkgoHelper()
	var h autoscalingv2.HorizontalPodAutoscaler
	get(ns, "shop-"+string(c), &h)
	return &h
}

// hpaTargets lists the Deployments the HPAs of "shop" target, in component order.
func hpaTargets(ns string) []string {
	GinkgoHelper()
	out := make([]string, 0, len(components))
	for _, c := range components {
		out = append(out, hpaOf(ns, c).Spec.ScaleTargetRef.Name)
	}
	return out
}

func colourTargets(colour string) []string {
	out := make([]string, 0, len(components))
	for _, c := range components {
		out = append(out, "shop-"+string(c)+"-"+colour)
	}
	return out
}

// scaleAsHPA changes a Deployment's replicas the way the HPA controller
// does: through the scale subresource, under its own field manager.
func scaleAsHPA(ns, deployment string, n int32) {
	GinkgoHelper()
	d := deploymentOf(ns, deployment)
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: deployment}, Spec: autoscalingv1.ScaleSpec{Replicas: n}}
	Expect(k8sClient.SubResource("scale").Update(ctx, d, client.WithSubResourceBody(scale), client.FieldOwner("kube-controller-manager"))).To(Succeed())
	Eventually(func() int32 { return *deploymentOf(ns, deployment).Spec.Replicas }).Should(Equal(n))
}

// modelAutoscaler is the autoscaler status of the model component.
func modelAutoscaler(ns string) *apiv1.AutoscalerStatus {
	GinkgoHelper()
	return modelStatus(ns).Autoscaler
}

var _ = Describe("Autoscaling", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("gives every component an HPA on the serving colour, with the role defaults, shown in status", func() {
		deployAutoscaledBlue(ns)
		Expect(hpaTargets(ns)).To(Equal(colourTargets("blue")))
		for _, c := range components {
			h := hpaOf(ns, c)
			Expect(*h.Spec.MinReplicas).To(Equal(hpaFloors[c]))
			Expect(metav1.IsControlledBy(h, restAPI(ns, "shop"))).To(BeTrue())
		}
		Expect(hpaOf(ns, apiv1.ComponentController).Spec.MaxReplicas).To(Equal(int32(20)))
		Eventually(func(g Gomega) {
			a := modelAutoscaler(ns)
			g.Expect(a).NotTo(BeNil())
			g.Expect(*a).To(Equal(apiv1.AutoscalerStatus{Name: "shop-model", Target: "shop-model-blue", MinReplicas: 1, MaxReplicas: 10}))
		}).Should(Succeed())
	})

	It("never fights the HPA over replicas: ten reconciles leave them and the generation alone", func() {
		deployAutoscaledBlue(ns)
		writes.quiet(ns)
		scaleAsHPA(ns, "shop-model-blue", 7)
		gen := deploymentOf(ns, "shop-model-blue").Generation
		Eventually(func() int32 { return modelStatus(ns).Replicas }).Should(Equal(int32(7)))
		writes.quiet(ns)
		before := writes.in(ns)

		for i := range 10 {
			n := reconciles()
			annotate(ns, "shop", "touch", strconv.Itoa(i))
			Eventually(reconciles).Should(BeNumerically(">", n))
		}
		writes.quiet(ns)
		d := deploymentOf(ns, "shop-model-blue")
		Expect(*d.Spec.Replicas).To(Equal(int32(7)))
		Expect(d.Generation).To(Equal(gen))
		Expect(writes.in(ns)).To(Equal(before), "no write at all")
		for _, f := range d.ManagedFields {
			if f.Manager == apiv1.ManagedBy {
				Expect(f.FieldsV1.GetRawString()).NotTo(ContainSubstring(`"f:replicas"`), "the operator's apply does not own replicas")
			}
		}
	})

	It("prepares a new colour at the size the HPA gave the serving one, keeps it through the promotion, and retargets the HPAs", func() {
		deployAutoscaledBlue(ns)
		scaleAsHPA(ns, "shop-model-blue", 6)
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		// view is the last one written.
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-view-green"), &appsv1.Deployment{}) }).Should(Succeed())
		Expect(*deploymentOf(ns, "shop-model-green").Spec.Replicas).To(Equal(int32(6)), "capacity handoff from the HPA's count")
		Expect(*deploymentOf(ns, "shop-view-green").Spec.Replicas).To(Equal(int32(1)), "the floor where the HPA did not scale")
		Expect(hpaTargets(ns)).To(Equal(colourTargets("blue")), "the HPAs stay on the serving colour while green is prepared")

		markColourReady(ns, "shop", "green")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func() []string { return hpaTargets(ns) }).Should(Equal(colourTargets("green")))
		Eventually(func() string { return modelAutoscaler(ns).Target }).Should(Equal("shop-model-green"))
		writes.quiet(ns)
		Expect(*deploymentOf(ns, "shop-model-green").Spec.Replicas).To(Equal(int32(6)), "a promotion never drops capacity")
		Expect(*deploymentOf(ns, "shop-model-blue").Spec.Replicas).To(Equal(int32(6)), "the warm colour keeps its size")

		By("the HPA now scales green, and the operator leaves that alone too")
		scaleAsHPA(ns, "shop-model-green", 9)
		annotate(ns, "shop", "touch", "after-promotion")
		writes.quiet(ns)
		Expect(*deploymentOf(ns, "shop-model-green").Spec.Replicas).To(Equal(int32(9)))

		By("a rollback sends the HPAs back with the traffic, to blue at the size it kept")
		markReady(ns, "shop-model-blue") // its 6 pods, as the Deployment controller would report them
		annotate(ns, "shop", apiv1.AnnotationRollback, blueGreenStatus(ns, "shop").ActiveRevision)
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("blue")))
		Eventually(func() []string { return hpaTargets(ns) }).Should(Equal(colourTargets("blue")))
		writes.quiet(ns)
		Expect(*deploymentOf(ns, "shop-model-blue").Spec.Replicas).To(Equal(int32(6)))
	})

	It("turning autoscaling off removes the HPAs and restores the spec's replicas", func() {
		deployAutoscaledBlue(ns)
		scaleAsHPA(ns, "shop-model-blue", 7)
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.AutoScaling.Enabled = new(false)
			r.Spec.Replicas = new(int32(3))
		})
		for _, c := range components {
			Eventually(func() bool {
				return apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-"+string(c)), &autoscalingv2.HorizontalPodAutoscaler{}))
			}).Should(BeTrue())
			Eventually(func() int32 { return *deploymentOf(ns, "shop-"+string(c)+"-blue").Spec.Replicas }).Should(Equal(int32(3)))
		}
		Eventually(func() *apiv1.AutoscalerStatus { return modelAutoscaler(ns) }).Should(BeNil())

		By("and turning it on for one component gives that one an HPA again, from its current size")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.View.AutoScaling = &apiv1.ComponentAutoScalingSpec{Enabled: new(true), MinReplicas: new(int32(2)), MaxReplicas: new(int32(4))}
		})
		Eventually(func() error {
			return k8sClient.Get(ctx, key(ns, "shop-view"), &autoscalingv2.HorizontalPodAutoscaler{})
		}).Should(Succeed())
		writes.quiet(ns)
		Expect(*deploymentOf(ns, "shop-view-blue").Spec.Replicas).To(Equal(int32(3)), "handed to the HPA at its current size, not reset")
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-model"), &autoscalingv2.HorizontalPodAutoscaler{}))).To(BeTrue())
	})

	It("without blue-green targets the single Deployment and starts it at the floor", func() {
		r := newRestAPI(ns, "shop")
		autoscalingOn(r)
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		Eventually(func(g Gomega) {
			for _, c := range components {
				var h autoscalingv2.HorizontalPodAutoscaler
				g.Expect(k8sClient.Get(ctx, key(ns, "shop-"+string(c)), &h)).To(Succeed())
				g.Expect(h.Spec.ScaleTargetRef.Name).To(Equal("shop-" + string(c)))
				g.Expect(strings.HasSuffix(h.Spec.ScaleTargetRef.Name, "-blue")).To(BeFalse())
			}
		}).Should(Succeed())
		Eventually(func() int32 { return *deploymentOf(ns, "shop-controller").Spec.Replicas }).Should(Equal(int32(2)))
	})
})
