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
	"fmt"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// newRestrictedNamespace creates a namespace under Pod Security
// "restricted", dumped if a spec fails.
func newRestrictedNamespace(prefix string) string {
	GinkgoHelper()
	ns := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
	testNamespaces = append(testNamespaces, ns)
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   ns,
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
	}})).To(Succeed())
	return ns
}

// children counts what is left of the sample's children in ns, every kind.
func children(g Gomega, ns string) int {
	n := 0
	for _, l := range []client.ObjectList{
		&appsv1.DeploymentList{}, &appsv1.ReplicaSetList{}, &corev1.PodList{}, &corev1.ServiceList{}, &corev1.ConfigMapList{},
		&autoscalingv2.HorizontalPodAutoscalerList{}, &networkingv1.NetworkPolicyList{}, &policyv1.PodDisruptionBudgetList{},
	} {
		g.Expect(k8sClient.List(ctx, l, client.InNamespace(ns), client.MatchingLabels{apiv1.LabelInstance: app})).To(Succeed())
		n += meta.LenList(l)
	}
	return n
}

var _ = Describe("Deleting", func() {
	It("a RestAPI mid-rollout: no finalizer holds it, garbage collection removes every child of both colours", func() {
		ns := newRestrictedNamespace("e2e-delete")
		kubectl("apply", "-n", ns, "-f", filepath.Join(root, "config", "samples", "apps_v1alpha1_restapi.yaml"))
		waitAvailable(ns)
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p", `{"spec":{"image":"registry.example/shop:1.5.0"}}`)
		Eventually(func(g Gomega) {
			var r apiv1.RestAPI
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
			g.Expect(r.Status.BlueGreen).NotTo(BeNil())
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateDeploying))
			var pods corev1.PodList
			g.Expect(k8sClient.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{apiv1.LabelEnvironment: "green"})).To(Succeed())
			g.Expect(pods.Items).NotTo(BeEmpty(), "the new colour's pods are starting")
		}).Should(Succeed())

		start := time.Now()
		kubectl("delete", "rapi", app, "-n", ns, "--wait=true", "--timeout=30s")
		gone := time.Since(start)
		Eventually(func(g Gomega) { g.Expect(children(g, ns)).To(BeZero()) }, time.Minute).Should(Succeed())
		collected := time.Since(start)
		AddReportEntry("deletion mid-rollout", fmt.Sprintf("RestAPI gone in %s, every child collected in %s", gone.Round(time.Millisecond), collected.Round(time.Millisecond)))
		GinkgoWriter.Printf("RESULT deletion mid-rollout: RestAPI gone in %s, every child collected in %s\n", gone.Round(time.Millisecond), collected.Round(time.Millisecond))
	})

	It("a namespace holding a RestAPI: it goes away cleanly", func() {
		ns := newRestrictedNamespace("e2e-ns-delete")
		kubectl("apply", "-n", ns, "-f", filepath.Join(root, "config", "samples", "apps_v1alpha1_restapi.yaml"))
		waitAvailable(ns)

		start := time.Now()
		Expect(k8sClient.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}))
		}, 2*time.Minute, time.Second).Should(BeTrue(), "namespace %s still exists", ns)
		took := time.Since(start)
		AddReportEntry("namespace deletion", took.Round(time.Second).String())
		GinkgoWriter.Printf("RESULT namespace with a RestAPI deleted in %s\n", took.Round(time.Second))
	})
})
