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

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var _ = Describe("NetworkPolicies", func() {
	It("writes one per component by default, owned by the RestAPI, and removes them when disabled", func() {
		ns := newNamespace()
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
		Eventually(func(g Gomega) {
			var list networkingv1.NetworkPolicyList
			g.Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
			g.Expect(list.Items).To(HaveLen(4))
			for _, p := range list.Items {
				g.Expect(metav1.IsControlledBy(&p, restAPI(ns, "shop"))).To(BeTrue())
			}
		}).Should(Succeed())
		var view networkingv1.NetworkPolicy
		get(ns, "shop-view", &view)
		Expect(view.Spec.Ingress).To(ContainElement(HaveField("From", BeEmpty())), "view is reachable from outside")

		By("a hand edit is put back")
		var model networkingv1.NetworkPolicy
		get(ns, "shop-model", &model)
		patch := client.MergeFrom(model.DeepCopy())
		model.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
		Expect(k8sClient.Patch(ctx, &model, patch)).To(Succeed())
		Eventually(func() []networkingv1.NetworkPolicyIngressRule {
			get(ns, "shop-model", &model)
			return model.Spec.Ingress
		}).Should(HaveLen(2))

		By("networkPolicy.ingressFrom: only the Gateway's namespace reaches view from outside")
		gateways := metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "gateway-system"}}
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.NetworkPolicy.IngressFrom = []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &gateways}}
		})
		Eventually(func(g Gomega) {
			get(ns, "shop-view", &view)
			g.Expect(view.Spec.Ingress).NotTo(ContainElement(HaveField("From", BeEmpty())), "view still admits anyone")
			g.Expect(view.Spec.Ingress).To(ContainElement(HaveField("From", ConsistOf(
				networkingv1.NetworkPolicyPeer{NamespaceSelector: &gateways}))))
		}).Should(Succeed())
		get(ns, "shop-model", &model)
		Expect(model.Spec.Ingress).To(HaveLen(2), "the other components are unchanged")

		By("saying that the metrics namespaces reach every component's whole API while metrics share its port")
		condition := func() *metav1.Condition {
			return meta.FindStatusCondition(restAPI(ns, "shop").Status.Conditions, apiv1.ConditionNetworkPolicy)
		}
		Eventually(condition).Should(HaveField("Reason", apiv1.ReasonMetricsOnApplicationPort))
		Expect(condition().Message).To(ContainSubstring("whole API"))
		metricsRulePort := func() int {
			get(ns, "shop-model", &model)
			for _, rule := range model.Spec.Ingress {
				if len(rule.From) > 0 && rule.From[0].NamespaceSelector != nil {
					return rule.Ports[0].Port.IntValue()
				}
			}
			return 0
		}
		Expect(metricsRulePort()).To(Equal(8080))

		By("spec.observability.metrics.port: the metrics namespaces reach that port only")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Observability.Metrics.Port = new(int32(9090)) })
		Eventually(metricsRulePort).Should(Equal(9090))
		Eventually(condition).Should(HaveField("Reason", apiv1.ReasonMetricsOnOwnPort))

		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.NetworkPolicy.Enabled = new(false) })
		Eventually(func() []networkingv1.NetworkPolicy {
			var list networkingv1.NetworkPolicyList
			Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
			return list.Items
		}).Should(BeEmpty())
		Eventually(condition).Should(BeNil(), "no policies, no condition")
	})
})
