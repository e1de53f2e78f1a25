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
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/expose"
)

// gatewayAPICRDs are the real Gateway API CRDs (v1.6.3, standard channel).
var gatewayAPICRDs = filepath.Join("..", "..", "test", "crds", "gateway-api-v1.6.3")

// exposed is an exposure through every means at once: a Gateway with a
// preview hostname, an Ingress with TLS, a LoadBalancer view Service.
func exposed(r *apiv1.RestAPI) {
	r.Spec.View.Expose = &apiv1.ExposeSpec{
		Gateway: &apiv1.GatewayExposure{
			ParentRefs:       []apiv1.GatewayParentRef{{Name: "public", SectionName: "https"}},
			Hostnames:        []apiv1.Hostname{"shop.example.com"},
			PreviewHostnames: []apiv1.Hostname{"preview.shop.example.com"},
		},
		Ingress: &apiv1.IngressExposure{
			ClassName: new("nginx"), Host: "shop.example.org", PreviewHost: "preview.shop.example.org",
			TLSSecretName: "shop-tls", Annotations: map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "8m"},
		},
		Service: &apiv1.ServiceExposure{Type: corev1.ServiceTypeLoadBalancer,
			Annotations: map[string]string{"lb.example/internal": "false"}, LoadBalancerSourceRanges: []string{"203.0.113.0/24"}},
	}
}

func httpRoute(ns, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(expose.HTTPRouteGroupVersionKind)
	return u, k8sClient.Get(ctx, key(ns, name), u)
}

// backendOf is the Service a route sends to, and its port.
func backendOf(u *unstructured.Unstructured) (string, int64) {
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	refs, _, _ := unstructured.NestedSlice(rules[0].(map[string]any), "backendRefs")
	ref := refs[0].(map[string]any)
	return ref["name"].(string), ref["port"].(int64)
}

// judgeRoute plays the Gateway's controller: it writes the route's
// status for its one parent, about its current generation.
func judgeRoute(ns, name string, accepted bool, reason, message string) {
	GinkgoHelper()
	Eventually(func() error {
		u, err := httpRoute(ns, name)
		if err != nil {
			return err
		}
		status := "True"
		if !accepted {
			status = "False"
		}
		refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
		u.Object["status"] = map[string]any{"parents": []any{map[string]any{
			"parentRef":      refs[0],
			"controllerName": "example.net/gateway-controller",
			"conditions": []any{
				map[string]any{"type": "Accepted", "status": status, "reason": reason, "message": message,
					"observedGeneration": u.GetGeneration(), "lastTransitionTime": metav1.Now().UTC().Format("2006-01-02T15:04:05Z")},
				map[string]any{"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs", "message": "",
					"observedGeneration": u.GetGeneration(), "lastTransitionTime": metav1.Now().UTC().Format("2006-01-02T15:04:05Z")},
			},
		}}}
		return k8sClient.Status().Update(ctx, u)
	}).Should(Succeed())
}

func exposedCondition(ns string) *metav1.Condition {
	GinkgoHelper()
	return shopCondition(ns, apiv1.ConditionExposed)
}

func expectExposed(ns string, status metav1.ConditionStatus, reason string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		c := exposedCondition(ns)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(reason), c.Message)
		g.Expect(c.Status).To(Equal(status), c.Message)
	}).Should(Succeed())
}

// Ordered: the first spec runs before the Gateway API CRDs exist, the
// others after they are installed (they stay for the rest of the suite).
var _ = Describe("Exposure", Ordered, func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("without the Gateway API says so, exposes through the Ingress and the Service all the same, and recovers once it is installed", func() {
		deployBlue(ns, "shop", exposed)
		expectExposed(ns, metav1.ConditionFalse, apiv1.ReasonGatewayAPINotInstalled)
		Expect(exposedCondition(ns).Message).To(ContainSubstring("install them"))
		Expect(restAPI(ns, "shop").Status.Phase).To(Equal(apiv1.PhaseAvailable), "a missing Gateway API is not a failure")

		var ing networkingv1.Ingress
		get(ns, "shop-view", &ing)
		Expect(metav1.IsControlledBy(&ing, restAPI(ns, "shop"))).To(BeTrue())
		Expect(*ing.Spec.IngressClassName).To(Equal("nginx"))
		Expect(ing.Annotations).To(HaveKeyWithValue("nginx.ingress.kubernetes.io/proxy-body-size", "8m"))
		Expect(ing.Spec.Rules).To(HaveLen(2))
		Expect(ing.Spec.Rules[0].Host).To(Equal("shop.example.org"))
		Expect(ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name).To(Equal("shop-view"))
		Expect(ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Number).To(Equal(int32(3000)))
		Expect(ing.Spec.Rules[1].Host).To(Equal("preview.shop.example.org"))
		Expect(ing.Spec.Rules[1].HTTP.Paths[0].Backend.Service.Name).To(Equal("shop-view-preview"))
		Expect(ing.Spec.TLS).To(ConsistOf(networkingv1.IngressTLS{
			Hosts: []string{"shop.example.org", "preview.shop.example.org"}, SecretName: "shop-tls"}))

		var svc corev1.Service
		get(ns, "shop-view", &svc)
		Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeLoadBalancer))
		Expect(svc.Annotations).To(HaveKeyWithValue("lb.example/internal", "false"))
		Expect(svc.Spec.LoadBalancerSourceRanges).To(Equal([]string{"203.0.113.0/24"}))
		for _, other := range []string{"shop-view-preview", "shop-view-blue", "shop-model"} {
			get(ns, other, &svc)
			Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeClusterIP), other)
		}

		By("installing the Gateway API CRDs while the manager runs")
		_, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: []string{gatewayAPICRDs}})
		Expect(err).NotTo(HaveOccurred())
		annotate(ns, "shop", "touch", "1") // any change; without one, the recheck comes within minutes
		Eventually(func() error { _, err := httpRoute(ns, "shop-view"); return err }).Should(Succeed())
		expectExposed(ns, metav1.ConditionUnknown, apiv1.ReasonWaitingForGateway)
	})

	It("attaches the stable and preview Services to the Gateway, reports its verdict and the URLs, and writes no route at a promotion", func() {
		gw := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
			"metadata": map[string]any{"name": "public", "namespace": ns},
			"spec": map[string]any{"gatewayClassName": "example", "listeners": []any{
				map[string]any{"name": "https", "protocol": "HTTPS", "port": int64(443), "hostname": "*.example.com",
					"tls": map[string]any{"certificateRefs": []any{map[string]any{"name": "cert"}}}},
			}},
		}}
		Expect(k8sClient.Create(ctx, gw)).To(Succeed())
		deployBlue(ns, "shop", exposed)

		var stable, preview *unstructured.Unstructured
		Eventually(func(g Gomega) {
			var err error
			stable, err = httpRoute(ns, "shop-view")
			g.Expect(err).NotTo(HaveOccurred())
			preview, err = httpRoute(ns, "shop-view-preview")
			g.Expect(err).NotTo(HaveOccurred())
		}).Should(Succeed())
		Expect(metav1.IsControlledBy(stable, restAPI(ns, "shop"))).To(BeTrue())
		svc, port := backendOf(stable)
		Expect(svc).To(Equal("shop-view"))
		Expect(port).To(Equal(int64(3000)))
		svc, _ = backendOf(preview)
		Expect(svc).To(Equal("shop-view-preview"))
		hosts, _, _ := unstructured.NestedStringSlice(preview.Object, "spec", "hostnames")
		Expect(hosts).To(Equal([]string{"preview.shop.example.com"}))
		expectExposed(ns, metav1.ConditionUnknown, apiv1.ReasonWaitingForGateway)

		By("the Gateway accepting both routes: the load balancer's address is what is left")
		judgeRoute(ns, "shop-view", true, "Accepted", "")
		judgeRoute(ns, "shop-view-preview", true, "Accepted", "")
		expectExposed(ns, metav1.ConditionUnknown, apiv1.ReasonWaitingForAddress)

		By("the load balancer assigning an address")
		var lb corev1.Service
		get(ns, "shop-view", &lb)
		lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}
		Expect(k8sClient.Status().Update(ctx, &lb)).To(Succeed())
		expectExposed(ns, metav1.ConditionTrue, apiv1.ReasonExposureReady)
		urls := restAPI(ns, "shop").Status.URLs
		Expect(urls).NotTo(BeNil())
		Expect(urls.Stable).To(Equal([]string{"https://shop.example.com/", "https://shop.example.org/", "http://203.0.113.7:3000/"}))
		Expect(urls.Preview).To(Equal([]string{"https://preview.shop.example.com/", "https://preview.shop.example.org/"}))

		By("a promotion: the Services switch colour, no route and no Ingress is written")
		stable, _ = httpRoute(ns, "shop-view")
		preview, _ = httpRoute(ns, "shop-view-preview")
		var ing networkingv1.Ingress
		get(ns, "shop-view", &ing)
		shipToGreen(ns)
		for _, name := range []string{"shop-view", "shop-view-preview"} {
			after, err := httpRoute(ns, name)
			Expect(err).NotTo(HaveOccurred())
			before := stable
			if name == "shop-view-preview" {
				before = preview
			}
			Expect(after.GetResourceVersion()).To(Equal(before.GetResourceVersion()), "HTTPRoute %s written at the promotion", name)
		}
		var ingAfter networkingv1.Ingress
		get(ns, "shop-view", &ingAfter)
		Expect(ingAfter.ResourceVersion).To(Equal(ing.ResourceVersion), "Ingress written at the promotion")

		By("the Gateway refusing the stable route: its own reason, not a silent success")
		judgeRoute(ns, "shop-view", false, "NotAllowedByListeners", "no listener allows routes from this namespace")
		expectExposed(ns, metav1.ConditionFalse, "NotAllowedByListeners")
		Expect(exposedCondition(ns).Message).To(ContainSubstring("no listener allows routes from this namespace"))
		Expect(exposedCondition(ns).Message).To(ContainSubstring(ns + "/public/https"))
	})

	It("restores a route edited or deleted by hand, writes nothing once all matches, and removes everything when exposure is removed", func() {
		deployBlue(ns, "shop", exposed)
		Eventually(func() error { _, err := httpRoute(ns, "shop-view"); return err }).Should(Succeed())

		By("a hostname edited by hand is restored")
		route, _ := httpRoute(ns, "shop-view")
		Expect(unstructured.SetNestedStringSlice(route.Object, []string{"evil.example.com"}, "spec", "hostnames")).To(Succeed())
		Expect(k8sClient.Update(ctx, route)).To(Succeed())
		Eventually(func() []string {
			r, _ := httpRoute(ns, "shop-view")
			hosts, _, _ := unstructured.NestedStringSlice(r.Object, "spec", "hostnames")
			return hosts
		}).Should(Equal([]string{"shop.example.com"}))

		By("a route deleted by hand is recreated")
		route, _ = httpRoute(ns, "shop-view-preview")
		Expect(k8sClient.Delete(ctx, route)).To(Succeed())
		Eventually(func() bool {
			r, err := httpRoute(ns, "shop-view-preview")
			return err == nil && r.GetUID() != route.GetUID()
		}).Should(BeTrue())

		By("an Ingress edited by hand is restored")
		var ing networkingv1.Ingress
		get(ns, "shop-view", &ing)
		ing.Spec.Rules[0].Host = "evil.example.org"
		Expect(k8sClient.Update(ctx, &ing)).To(Succeed())
		Eventually(func() string { get(ns, "shop-view", &ing); return ing.Spec.Rules[0].Host }).Should(Equal("shop.example.org"))

		By("writing nothing once everything matches")
		expectNoWritesOnReconcile(ns)

		By("removing the exposure")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.View.Expose = nil })
		Eventually(func(g Gomega) {
			_, err := httpRoute(ns, "shop-view")
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "stable route left")
			_, err = httpRoute(ns, "shop-view-preview")
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "preview route left")
			g.Expect(apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-view"), &networkingv1.Ingress{}))).To(BeTrue(), "Ingress left")
			var svc corev1.Service
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-view"), &svc)).To(Succeed())
			g.Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeClusterIP))
			g.Expect(svc.Spec.LoadBalancerSourceRanges).To(BeEmpty())
			r := restAPI(ns, "shop")
			g.Expect(r.Status.URLs).To(BeNil())
			g.Expect(shopCondition(ns, apiv1.ConditionExposed)).To(BeNil())
		}).Should(Succeed())
	})

	It("never takes over a route of the same name that is not its own", func() {
		foreign := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
			"metadata": map[string]any{"name": "shop-view", "namespace": ns},
			"spec":     map[string]any{"parentRefs": []any{map[string]any{"name": "other"}}},
		}}
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		deployBlue(ns, "shop", exposed)
		expectExposed(ns, metav1.ConditionFalse, apiv1.ReasonExposureNameConflict)
		route, err := httpRoute(ns, "shop-view")
		Expect(err).NotTo(HaveOccurred())
		Expect(route.GetOwnerReferences()).To(BeEmpty())
		refs, _, _ := unstructured.NestedSlice(route.Object, "spec", "parentRefs")
		Expect(refs[0].(map[string]any)["name"]).To(Equal("other"))
		Expect(restAPI(ns, "shop").Status.Phase).To(Equal(apiv1.PhaseAvailable))
	})
})
