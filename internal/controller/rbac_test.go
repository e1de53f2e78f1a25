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
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/restapi-operator/restapi-operator/internal/testenv"
)

// managerUser is the user the suite's manager runs as.
const managerUser = "restapi-operator"

// generatedClusterRole reads the ClusterRole controller-gen generates from
// the kubebuilder markers.
func generatedClusterRole() *rbacv1.ClusterRole {
	GinkgoHelper()
	crs, _, err := testenv.RBAC("role.yaml")
	Expect(err).NotTo(HaveOccurred())
	Expect(crs).To(HaveLen(1), "config/rbac/role.yaml has one ClusterRole")
	return crs[0]
}

// leastPrivilegeConfig creates a user bound only to the generated
// ClusterRole and returns its credentials.
func leastPrivilegeConfig() *rest.Config {
	GinkgoHelper()
	c, err := testenv.User(ctx, testEnv, k8sClient, managerUser, "role.yaml")
	Expect(err).NotTo(HaveOccurred())
	return c
}

var _ = Describe("Least privilege", func() {
	It("is generated from markers with no wildcard, no Secrets, read-only Pods, and no update verb", func() {
		role := generatedClusterRole()
		for _, rule := range role.Rules {
			Expect(rule.Verbs).NotTo(ContainElement("*"))
			Expect(rule.Resources).NotTo(ContainElement("*"))
			Expect(rule.APIGroups).NotTo(ContainElement("*"))
			Expect(rule.Resources).NotTo(ContainElement("secrets"))
			Expect(rule.Verbs).NotTo(ContainElement("update"), "every write is a server-side apply (patch): %v", rule.Resources)
			if len(rule.Resources) == 1 && rule.Resources[0] == "pods" {
				Expect(rule.Verbs).To(ConsistOf("get", "list", "watch"))
			}
		}
	})

	It("lets the manager's credentials do nothing beyond what it needs: no Secrets, no Pod deletion, no updates", func() {
		// Every other spec of this suite is the proof that a full reconcile
		// works with these credentials: the manager runs with them.
		ns := newNamespace()
		mc, err := client.New(managerCfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())

		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "stolen"}, StringData: map[string]string{"k": "v"}}
		Expect(apierrors.IsForbidden(mc.Create(ctx, secret))).To(BeTrue(), "creating a Secret")
		Expect(k8sClient.Create(ctx, secret)).To(Succeed())
		Expect(apierrors.IsForbidden(mc.Get(ctx, key(ns, "stolen"), &corev1.Secret{}))).To(BeTrue(), "reading a Secret")
		Expect(apierrors.IsForbidden(mc.List(ctx, &corev1.SecretList{}, client.InNamespace(ns)))).To(BeTrue(), "listing Secrets")

		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.example/x:1"}}},
		}
		Expect(apierrors.IsForbidden(mc.Create(ctx, pod))).To(BeTrue(), "creating a Pod")
		Expect(k8sClient.Create(ctx, pod)).To(Succeed())
		Expect(apierrors.IsForbidden(mc.Delete(ctx, pod))).To(BeTrue(), "deleting a Pod")
		Expect(mc.Get(ctx, key(ns, "p"), &corev1.Pod{})).To(Succeed(), "Pods are readable")

		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
		waitForChildren(ns, "shop")
		d := deploymentOf(ns, "shop-model")
		Expect(apierrors.IsForbidden(mc.Update(ctx, d))).To(BeTrue(), "a full update (PUT) of a Deployment")
		Expect(apierrors.IsForbidden(mc.Create(ctx, &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ds"},
		}))).To(BeTrue(), "creating a kind the operator does not manage")
	})
})
