//go:build e2e

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

package e2e

import (
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/expose"
)

// The local cluster has the real Gateway API CRDs (v1.6.3, standard
// channel) but no Gateway data plane: none can be built here
// (docs/exposure.md). The test plays the Gateway's controller: it accepts
// or refuses the routes by writing their status, as a controller does.

// gatewayNamespace and gatewayName are the Gateway the sample attaches to.
const (
	gatewayNamespace = "gateway-system"
	gatewayName      = "public"
)

// installGatewayAPI installs the Gateway API CRDs (server-side: they are
// too large for the last-applied annotation) and waits until they serve.
func installGatewayAPI() {
	GinkgoHelper()
	kubectl("apply", "--server-side", "--force-conflicts", "-f", filepath.Join(root, "test", "crds", "gateway-api-v1.6.3"))
	Eventually(func() error {
		_, err := run(nil, kubectlPath(), "wait", "--for=condition=Established", "--timeout=10s",
			"crd/httproutes.gateway.networking.k8s.io", "crd/gateways.gateway.networking.k8s.io")
		return err
	}, time.Minute, time.Second).Should(Succeed(), "the Gateway API CRDs are not Established")
}

// ensureGateway creates the sample's Gateway: one HTTPS listener for
// *.example.com that admits routes from every namespace.
func ensureGateway() {
	GinkgoHelper()
	err := k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: gatewayNamespace}})
	Expect(client.IgnoreAlreadyExists(err)).To(Succeed())
	gw := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
		"metadata": map[string]any{"name": gatewayName, "namespace": gatewayNamespace},
		"spec": map[string]any{"gatewayClassName": "e2e", "listeners": []any{map[string]any{
			"name": "https", "protocol": "HTTPS", "port": int64(443), "hostname": "*.example.com",
			"tls":           map[string]any{"certificateRefs": []any{map[string]any{"name": "wildcard-example-com"}}},
			"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "All"}},
		}}},
	}}
	Expect(client.IgnoreAlreadyExists(k8sClient.Create(ctx, gw))).To(Succeed())
}

func httpRoute(ns, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(expose.HTTPRouteGroupVersionKind)
	return u, k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u)
}

// routeBackend is the Service a route sends to.
func routeBackend(u *unstructured.Unstructured) string {
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	refs, _, _ := unstructured.NestedSlice(rules[0].(map[string]any), "backendRefs")
	return refs[0].(map[string]any)["name"].(string)
}

// acceptRoute writes what the Gateway's controller writes when it accepts
// a route: Accepted and ResolvedRefs for its current generation.
func acceptRoute(ns, name string) {
	GinkgoHelper()
	Eventually(func() error {
		u, err := httpRoute(ns, name)
		if err != nil {
			return err
		}
		refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
		now := time.Now().UTC().Format(time.RFC3339)
		cond := func(t string) any {
			return map[string]any{"type": t, "status": "True", "reason": t, "message": "",
				"observedGeneration": u.GetGeneration(), "lastTransitionTime": now}
		}
		u.Object["status"] = map[string]any{"parents": []any{map[string]any{
			"parentRef": refs[0], "controllerName": "e2e.restapi.dev/gateway",
			"conditions": []any{cond("Accepted"), cond("ResolvedRefs")},
		}}}
		return k8sClient.Status().Update(ctx, u)
	}).Should(Succeed())
}

// exposedStatus is the RestAPI's Exposed condition and URLs.
func exposedStatus(g Gomega, ns string) (*metav1.Condition, *apiv1.URLs) {
	var r apiv1.RestAPI
	g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
	return meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionExposed), r.Status.URLs
}

// exposeThroughGateway checks the sample's routes against the Gateway the
// test plays, and returns their resource versions.
func exposeThroughGateway(ns string) map[string]string {
	GinkgoHelper()
	ensureGateway()
	versions := map[string]string{}
	for name, backend := range map[string]string{app + "-view": app + "-view", app + "-view-preview": app + "-view-preview"} {
		var route *unstructured.Unstructured
		Eventually(func() error {
			var err error
			route, err = httpRoute(ns, name)
			return err
		}, time.Minute, time.Second).Should(Succeed(), "HTTPRoute %s", name)
		Expect(routeBackend(route)).To(Equal(backend), "HTTPRoute %s sends to the %s Service", name, backend)
		acceptRoute(ns, name)
	}
	Eventually(func(g Gomega) {
		c, urls := exposedStatus(g, ns)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(apiv1.ReasonExposureReady), c.Message)
		g.Expect(urls).NotTo(BeNil())
		g.Expect(urls.Stable).To(Equal([]string{"https://shop.example.com/"}))
		g.Expect(urls.Preview).To(Equal([]string{"https://preview.shop.example.com/"}))
	}, time.Minute, time.Second).Should(Succeed())
	for _, name := range []string{app + "-view", app + "-view-preview"} {
		route, err := httpRoute(ns, name)
		Expect(err).NotTo(HaveOccurred())
		versions[name] = route.GetResourceVersion()
	}
	return versions
}

// exposeAsLoadBalancer makes the view's stable Service a LoadBalancer,
// plays the load balancer by giving it an address, and waits for the URL.
func exposeAsLoadBalancer(ns, address string) {
	GinkgoHelper()
	kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p", `{"spec":{"view":{"expose":{"service":{"type":"LoadBalancer"}}}}}`)
	var svc corev1.Service
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-view"}, &svc)).To(Succeed())
		g.Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeLoadBalancer))
		c, _ := exposedStatus(g, ns)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(apiv1.ReasonWaitingForAddress), c.Message)
	}, time.Minute, time.Second).Should(Succeed())
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: address}}
	Expect(k8sClient.Status().Update(ctx, &svc)).To(Succeed())
	Eventually(func(g Gomega) {
		c, urls := exposedStatus(g, ns)
		g.Expect(c.Reason).To(Equal(apiv1.ReasonExposureReady), c.Message)
		g.Expect(urls.Stable).To(ContainElement("http://" + address + ":3000/"))
	}, time.Minute, time.Second).Should(Succeed())
	for _, other := range []string{app + "-view-preview", app + "-view-blue", app + "-model"} {
		var o corev1.Service
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: other}, &o)).To(Succeed())
		Expect(o.Spec.Type).To(Equal(corev1.ServiceTypeClusterIP), "Service %s", other)
	}
}

// expectRoutesUntouched checks that no route was written since versions.
func expectRoutesUntouched(ns string, versions map[string]string) {
	GinkgoHelper()
	for name, v := range versions {
		route, err := httpRoute(ns, name)
		Expect(err).NotTo(HaveOccurred())
		Expect(route.GetResourceVersion()).To(Equal(v), "HTTPRoute %s was written during the rollout", name)
	}
}

// expectRouteGone waits until a route is deleted.
func expectRouteGone(ns, name string) {
	GinkgoHelper()
	Eventually(func() bool {
		_, err := httpRoute(ns, name)
		return apierrors.IsNotFound(err)
	}, time.Minute, time.Second).Should(BeTrue(), "HTTPRoute %s is still there", name)
}
