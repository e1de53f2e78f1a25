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

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// keepPromoteRequests installs a ValidatingAdmissionPolicy, bound to ns,
// that refuses (Forbidden) any update of a RestAPI that removes its
// promote request, the way a cluster's own policy might refuse the
// operator's patch; it returns a function that removes it.
func keepPromoteRequests(ns string) func() {
	GinkgoHelper()
	forbidden := metav1.StatusReasonForbidden
	fail := admissionregistrationv1.Fail
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "keep-promote-" + ns},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{apiv1.GroupVersion.Group}, APIVersions: []string{apiv1.GroupVersion.Version},
						Resources: []string{"restapis"}},
				},
			}}},
			Validations: []admissionregistrationv1.Validation{{
				Expression: "!has(oldObject.metadata.annotations) || !('" + apiv1.AnnotationPromote + "' in oldObject.metadata.annotations) || " +
					"(has(object.metadata.annotations) && '" + apiv1.AnnotationPromote + "' in object.metadata.annotations)",
				Message: "promote requests stay",
				Reason:  &forbidden,
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns},
			}},
		},
	}
	Expect(k8sClient.Create(ctx, policy)).To(Succeed())
	Expect(k8sClient.Create(ctx, binding)).To(Succeed())
	return func() {
		Expect(k8sClient.Delete(ctx, binding)).To(Succeed())
		Expect(k8sClient.Delete(ctx, policy)).To(Succeed())
	}
}

var _ = Describe("Transitions are announced from what status says happened", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("a refused rollback (the previous colour is no longer warm) counts no rollback", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(2)) })
		shipToGreen(ns)
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateIdle))
		annotate(ns, "shop", apiv1.AnnotationRollback, blueGreenStatus(ns, "shop").ActiveRevision)
		Eventually(func() []string { return eventReasons(ns) }).Should(ContainElement("RollbackRefused"))
		Expect(series("restapi_rollbacks_total", map[string]string{"namespace": ns, "name": "shop"})).To(BeEmpty())
		Expect(stableColours(ns, "shop")).To(Equal(allColour("green")))
	})

	It("a promotion whose request cannot be removed still sends its Promoted Event", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.AutoPromotion = new(false) })
		remove := keepPromoteRequests(ns)
		By("the policy is in force once a removal of a promote request is refused")
		Eventually(func() error {
			r := restAPI(ns, "shop")
			r.Annotations = map[string]string{apiv1.AnnotationPromote: "probe"}
			if err := k8sClient.Update(ctx, r); err != nil {
				return err
			}
			r = restAPI(ns, "shop")
			delete(r.Annotations, apiv1.AnnotationPromote)
			return k8sClient.Update(ctx, r)
		}).Should(MatchError(ContainSubstring("promote requests stay")))

		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() string { return blueGreenStatus(ns, "shop").PreviewRevision }).ShouldNot(BeEmpty())
		markColourReady(ns, "shop", "green")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateAwaitingPromotion))
		annotate(ns, "shop", apiv1.AnnotationPromote, blueGreenStatus(ns, "shop").PreviewRevision)

		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func() []string { return eventReasons(ns) }).Should(ContainElement("Promoted"))
		Eventually(func() string { return managerLogsOf(ns) }).Should(ContainSubstring("removing handled requests"))
		Expect(restAPI(ns, "shop").Annotations).To(HaveKey(apiv1.AnnotationPromote), "the policy kept it")

		By("the policy gone, the request is removed")
		remove()
		// Each touch is a reconcile now, whatever the backoff of the
		// failed ones.
		Eventually(func() map[string]string {
			annotate(ns, "shop", "touch", time.Now().String())
			return restAPI(ns, "shop").Annotations
		}, 30*time.Second, time.Second).ShouldNot(HaveKey(apiv1.AnnotationPromote))
	})
})
