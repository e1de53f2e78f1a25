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
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/autoscaling"
)

// vpaOf fetches a component's VerticalPodAutoscaler of "shop" of a colour.
func vpaOf(ns string, c apiv1.ComponentName, colour string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(autoscaling.VPAGroupVersionKind)
	return u, k8sClient.Get(ctx, key(ns, "shop-"+string(c)+"-"+colour), u)
}

// vpaMode is the target and update mode of a VPA of "shop"; "" when there
// is no such VPA.
func vpaMode(ns string, c apiv1.ComponentName, colour string) string {
	u, err := vpaOf(ns, c, colour)
	if err != nil {
		return ""
	}
	name, _, _ := unstructured.NestedString(u.Object, "spec", "targetRef", "name")
	mode, _, _ := unstructured.NestedString(u.Object, "spec", "updatePolicy", "updateMode")
	return name + " " + mode
}

// measure writes the checkpoint of a VPA of "shop" as the recommender
// would once it has measured its Pods.
func measure(ns string, c apiv1.ComponentName, colour string) {
	GinkgoHelper()
	vpa := "shop-" + string(c) + "-" + colour
	cp := &unstructured.Unstructured{}
	cp.SetGroupVersionKind(autoscaling.VPACheckpointGroupVersionKind)
	cp.SetNamespace(ns)
	cp.SetName(vpa + "-" + string(c))
	cp.Object["spec"] = map[string]any{"vpaObjectName": vpa, "containerName": string(c)}
	cp.Object["status"] = map[string]any{"totalSamplesCount": int64(12), "version": "v3"}
	Expect(k8sClient.Create(ctx, cp)).To(Succeed())
}

func verticalCondition(ns string) *metav1.Condition {
	GinkgoHelper()
	return shopCondition(ns, apiv1.ConditionVerticalScaling)
}

func vertical(mode string) func(*apiv1.RestAPI) {
	return func(r *apiv1.RestAPI) {
		r.Spec.AutoScaling.Vertical = &apiv1.VerticalScalingSpec{Enabled: true, UpdateMode: mode}
	}
}

// Ordered: the first spec runs before the VPA CRD exists, the others after
// it is installed (it stays installed for the rest of the suite).
var _ = Describe("Vertical scaling", Ordered, func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("without the VPA CRD says so in a condition, and runs the application as usual", func() {
		deployBlue(ns, "shop", vertical("Off"))
		expectCRDNotInstalled(ns, apiv1.ConditionVerticalScaling, "install the Vertical Pod Autoscaler")
	})

	It("with the VPA CRD installed creates a VPA per component and colour, the serving colour's in the spec's mode once its Pods are measured", func() {
		installCRD("vpa-crd.yaml")

		deployBlue(ns, "shop", vertical("Initial"))
		Eventually(func(g Gomega) {
			for _, c := range components {
				u, err := vpaOf(ns, c, "blue")
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(metav1.IsControlledBy(u, restAPI(ns, "shop"))).To(BeTrue())
				g.Expect(vpaMode(ns, c, "blue")).To(Equal("shop-"+string(c)+"-blue Off"), "held: nothing measured yet")
				g.Expect(vpaMode(ns, c, "green")).To(Equal("shop-"+string(c)+"-green Off"), "the other colour's recommends only")
			}
			c := verticalCondition(ns)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(apiv1.ReasonVPAsActive))
			g.Expect(c.Message).To(ContainSubstring("held in update mode Off until the recommender has measured their Pods: shop-repository-blue, shop-model-blue"))
		}).Should(Succeed())

		By("acting once the recommender has measured the serving Pods")
		for _, c := range components {
			measure(ns, c, "blue")
		}
		annotate(ns, "shop", "touch", "measured")
		Eventually(func(g Gomega) {
			for _, c := range components {
				g.Expect(vpaMode(ns, c, "blue")).To(Equal("shop-" + string(c) + "-blue Initial"))
			}
			g.Expect(verticalCondition(ns).Message).NotTo(ContainSubstring("held"))
		}).Should(Succeed())

		By("writing nothing once they match")
		expectNoWritesOnReconcile(ns)

		By("following the traffic on a promotion: the new colour's VPA is held until measured, the old one's recommends only")
		shipToGreen(ns)
		Eventually(func() []string {
			return []string{vpaMode(ns, apiv1.ComponentModel, "blue"), vpaMode(ns, apiv1.ComponentModel, "green")}
		}).Should(Equal([]string{"shop-model-blue Off", "shop-model-green Off"}))
		measure(ns, apiv1.ComponentModel, "green")
		annotate(ns, "shop", "touch", "measured-green")
		Eventually(func() string { return vpaMode(ns, apiv1.ComponentModel, "green") }).Should(Equal("shop-model-green Initial"))

		By("removing them and the condition when vertical scaling is turned off")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.AutoScaling.Vertical = nil })
		Eventually(func() bool {
			_, err := vpaOf(ns, apiv1.ComponentView, "green")
			return apierrors.IsNotFound(err)
		}).Should(BeTrue())
		Eventually(func() *metav1.Condition { return verticalCondition(ns) }).Should(BeNil())
	})

	It("starts a new revision from the serving colour's recommendation, on what the HPA leaves, and never re-seeds a colour", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			vertical("Recreate")(r)
			r.Spec.AutoScaling.Enabled = new(true)
		})
		for _, c := range components {
			measure(ns, c, "blue")
		}
		annotate(ns, "shop", "touch", "measured")
		Eventually(func() string { return vpaMode(ns, apiv1.ComponentModel, "blue") }).Should(Equal("shop-model-blue Recreate"))
		By("controlling memory only: the HPAs scale on CPU")
		Eventually(func(g Gomega) {
			u, err := vpaOf(ns, apiv1.ComponentModel, "blue")
			g.Expect(err).NotTo(HaveOccurred())
			policies, _, _ := unstructured.NestedSlice(u.Object, "spec", "resourcePolicy", "containerPolicies")
			g.Expect(policies).To(HaveLen(1))
			g.Expect(policies[0]).To(HaveKeyWithValue("controlledResources", []any{"memory"}))
			g.Expect(verticalCondition(ns).Message).To(ContainSubstring("model: memory, update mode Recreate (its HPA scales on CPU)"))
		}).Should(Succeed())

		By("the VPA recommends for blue, as the recommender would")
		recommend(ns, "blue", "900m", "600Mi")
		expectNoWritesOnReconcile(ns)
		Expect(memoryOf(ns, "shop-model-blue")).To(Equal([]string{"256Mi", "512Mi", ""}), "the serving colour is never re-seeded")

		By("the next revision starts from it")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() []string { return memoryOf(ns, "shop-model-green") }).Should(Equal([]string{"600Mi", "1200Mi", "memory=600Mi"}),
			"memory from the recommendation, its limit in proportion")
		Expect(deploymentOf(ns, "shop-model-green").Spec.Template.Spec.Containers[0].Resources.Requests.Cpu().String()).To(Equal("250m"),
			"CPU is the HPA's: as the spec says")
		Eventually(func() []string { return memoryOf(ns, "shop-view-green") }).Should(Equal([]string{"384Mi", "768Mi", ""}),
			"view's VPA recommends nothing yet")
		Expect(memoryOf(ns, "shop-model-blue")).To(Equal([]string{"256Mi", "512Mi", ""}))

		By("keeping it once promoted, whatever the VPA says next")
		markColourReady(ns, "shop", "green")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		measure(ns, apiv1.ComponentModel, "green")
		annotate(ns, "shop", "touch", "measured-green")
		Eventually(func() string { return vpaMode(ns, apiv1.ComponentModel, "green") }).Should(Equal("shop-model-green Recreate"))
		recommend(ns, "green", "900m", "800Mi")
		expectNoWritesOnReconcile(ns)
		Expect(memoryOf(ns, "shop-model-green")).To(Equal([]string{"600Mi", "1200Mi", "memory=600Mi"}))

		By("and when vertical scaling is turned off")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.AutoScaling.Vertical = nil })
		Eventually(func() *metav1.Condition { return verticalCondition(ns) }).Should(BeNil())
		expectNoWritesOnReconcile(ns)
		Expect(memoryOf(ns, "shop-model-green")).To(Equal([]string{"600Mi", "1200Mi", "memory=600Mi"}))
	})

	It("never takes over a VPA it does not own", func() {
		// Its name is that of model's blue VPA; it targets another Deployment.
		foreign := autoscaling.VPA(newBlueGreenRestAPI(ns, "shop"), apiv1.ComponentModel, "blue", autoscaling.Vertical{Mode: "Off", Controlled: []corev1.ResourceName{corev1.ResourceMemory}})
		_ = unstructured.SetNestedField(foreign.Object, "someone-elses", "spec", "targetRef", "name")
		foreign.SetOwnerReferences(nil)
		foreign.SetLabels(nil)
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		deployBlue(ns, "shop", vertical("Off"))
		Eventually(func(g Gomega) {
			c := verticalCondition(ns)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(apiv1.ReasonVPANameConflict))
			g.Expect(c.Message).To(ContainSubstring("shop-model-blue"))
		}).Should(Succeed())
		u, err := vpaOf(ns, apiv1.ComponentModel, "blue")
		Expect(err).NotTo(HaveOccurred())
		Expect(u.GetOwnerReferences()).To(BeEmpty())
		name, _, _ := unstructured.NestedString(u.Object, "spec", "targetRef", "name")
		Expect(name).To(Equal("someone-elses"), "left as its owner wrote it")
	})
})

// recommend writes the status of model's VPA of a colour as the
// recommender would: a target for the model container.
func recommend(ns, colour, cpu, memory string) {
	GinkgoHelper()
	Eventually(func() error {
		u, err := vpaOf(ns, apiv1.ComponentModel, colour)
		if err != nil {
			return err
		}
		_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
			"containerName": "model",
			"target":        map[string]any{"cpu": cpu, "memory": memory},
		}}, "status", "recommendation", "containerRecommendations")
		return k8sClient.Status().Update(ctx, u)
	}).Should(Succeed())
}

// memoryOf is a Deployment's memory request and limit, and what its
// template says it started from; nil while there is no such Deployment.
func memoryOf(ns, name string) []string {
	var d appsv1.Deployment
	if err := k8sClient.Get(ctx, key(ns, name), &d); err != nil {
		return nil
	}
	r := d.Spec.Template.Spec.Containers[0].Resources
	return []string{r.Requests.Memory().String(), r.Limits.Memory().String(), d.Spec.Template.Annotations[apiv1.AnnotationStartedFrom]}
}
