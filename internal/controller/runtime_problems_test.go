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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// managerLogsOf is what the manager logged about RestAPIs in ns.
func managerLogsOf(ns string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(managerLogs.String(), "\n") {
		if strings.Contains(line, fmt.Sprintf(`"namespace": "%s"`, ns)) {
			b.WriteString(line)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// reconcilesOf counts the reconciles of the RestAPIs in ns, from the
// manager's debug log line at the start of each.
func reconcilesOf(ns string) int {
	return strings.Count(managerLogsOf(ns), "Reconciling")
}

// degraded returns the Degraded condition of RestAPI ns/name.
func degraded(ns, name string) *metav1.Condition {
	return meta.FindStatusCondition(restAPI(ns, name).Status.Conditions, apiv1.ConditionDegraded)
}

var _ = Describe("Problems only the running cluster shows", func() {
	var ns string
	BeforeEach(func() {
		ns = newNamespace()
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
		waitForChildren(ns, "shop")
		markAllReady(ns, "shop")
		Eventually(func() apiv1.Phase { return restAPI(ns, "shop").Status.Phase }).Should(Equal(apiv1.PhaseAvailable))
		Expect(reconcilesOf(ns)).To(BeNumerically(">", 0), "reconciles are counted from the manager's log")
	})

	It("a name taken by an object it does not own: ChildConflict, retried slowly, created once the name is free", func() {
		foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-model", Labels: map[string]string{"owner": "someone-else"}}}
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "web"))).To(Succeed())
		Eventually(func(g Gomega) {
			c := degraded(ns, "web")
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(apiv1.ReasonChildConflict))
			g.Expect(c.Message).To(ContainSubstring("ConfigMap web-model"))
		}).Should(Succeed())

		By("retried every 3 s (ConflictRetry in this suite; a minute by default), not in a hot loop")
		n := reconcilesOf(ns)
		time.Sleep(5 * time.Second)
		Expect(reconcilesOf(ns)-n).To(BeNumerically("<=", 3), "reconciles in 5 s while the name is taken")
		var cm corev1.ConfigMap
		get(ns, "web-model", &cm)
		Expect(cm.OwnerReferences).To(BeEmpty(), "never adopted")

		By("created once the owner of the name deletes it")
		Expect(k8sClient.Delete(ctx, foreign)).To(Succeed())
		Eventually(func(g Gomega) {
			var cm corev1.ConfigMap
			g.Expect(k8sClient.Get(ctx, key(ns, "web-model"), &cm)).To(Succeed())
			g.Expect(cm.OwnerReferences).To(HaveLen(1))
			g.Expect(degraded(ns, "web").Reason).NotTo(Equal(apiv1.ReasonChildConflict))
		}).Should(Succeed())
	})

	It("a namespace being deleted: a child that cannot be created again is not retried", func() {
		// envtest has no namespace controller: the namespace stays
		// Terminating, and the API server refuses anything new in it.
		Expect(k8sClient.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Eventually(func(g Gomega) {
			var n corev1.Namespace
			g.Expect(k8sClient.Get(ctx, key("", ns), &n)).To(Succeed())
			g.Expect(n.Status.Phase).To(Equal(corev1.NamespaceTerminating))
		}).Should(Succeed())
		var cm corev1.ConfigMap
		get(ns, "shop-model", &cm)
		n := reconcilesOf(ns)
		Expect(k8sClient.Delete(ctx, &cm)).To(Succeed())
		Eventually(reconcilesOf).WithArguments(ns).Should(BeNumerically(">", n), "the deletion is seen")
		time.Sleep(time.Second) // the reconcile that tries to create it again ends
		m := reconcilesOf(ns)
		time.Sleep(5 * time.Second)
		Expect(reconcilesOf(ns)-m).To(BeNumerically("<=", 1), "reconciles in 5 s after the refused create")
		Expect(managerLogsOf(ns)).To(ContainSubstring("Namespace is being deleted; not retried"))
		Expect(managerLogsOf(ns)).NotTo(ContainSubstring("Reconciler error"))

		By("the children the namespace controller deletes next are not written again: no write at all")
		before, m := writes.in(ns), reconcilesOf(ns)
		var svc corev1.Service
		get(ns, "shop-view", &svc)
		Expect(k8sClient.Delete(ctx, &svc)).To(Succeed())
		var d appsv1.Deployment
		get(ns, "shop-view", &d)
		Expect(k8sClient.Delete(ctx, &d)).To(Succeed())
		Eventually(reconcilesOf).WithArguments(ns).Should(BeNumerically(">", m), "the deletions are seen")
		time.Sleep(time.Second) // what those reconciles would write
		Expect(writes.in(ns)).To(Equal(before))
		Expect(managerLogsOf(ns)).To(ContainSubstring("Namespace is being deleted; not reconciled"))
	})

	It("every problem at once, for a minute: reconciles stay bounded, and all recover when fixed", func() {
		By("a missing Secret, a missing ConfigMap, an image that cannot be pulled and a quota, all on one RestAPI")
		missingSecret(ns)
		missingConfigMap(ns)
		unpullableImage(ns)
		quotaExceeded(ns)
		By("and a name taken by an object the operator does not own, in another namespace")
		other := newNamespace()
		foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "web-model"}}
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		Expect(k8sClient.Create(ctx, newRestAPI(other, "web"))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(degraded(ns, "shop")).NotTo(BeNil())
			g.Expect(degraded(ns, "shop").Status).To(Equal(metav1.ConditionTrue))
			g.Expect(degraded(other, "web")).NotTo(BeNil())
			g.Expect(degraded(other, "web").Reason).To(Equal(apiv1.ReasonChildConflict))
		}).Should(Succeed())

		By("a minute with nothing fixed")
		problems, conflict := reconcilesOf(ns), reconcilesOf(other)
		time.Sleep(time.Minute)
		problems, conflict = reconcilesOf(ns)-problems, reconcilesOf(other)-conflict
		GinkgoWriter.Printf("reconciles in a minute: %d with four problems (nothing changes), %d blocked by a name (retried every 3 s)\n", problems, conflict)
		Expect(problems).To(BeNumerically("<=", 2), "reconciles in a minute of a RestAPI whose problems do not change")
		Expect(conflict).To(BeNumerically("<=", 22), "reconciles in a minute of a RestAPI blocked by a name, retried every 3 s")
		Expect(conflict).To(BeNumerically(">=", 10), "the blocked RestAPI is looked at again")
		Expect(restAPI(ns, "shop").Status.Phase).NotTo(Equal(apiv1.PhaseAvailable))

		By("every cause removed: both recover")
		for _, pod := range []string{"shop-model-abc", "shop-view-abc", "shop-controller-abc"} {
			runningPod(ns, pod)
		}
		markReady(ns, "shop-repository")
		Expect(k8sClient.Delete(ctx, foreign)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(degraded(ns, "shop").Status).To(Equal(metav1.ConditionFalse))
			g.Expect(restAPI(ns, "shop").Status.Phase).To(Equal(apiv1.PhaseAvailable))
			g.Expect(degraded(other, "web").Reason).NotTo(Equal(apiv1.ReasonChildConflict))
		}).Should(Succeed())
	})

	// Each problem gives a condition with its own reason, no hot loop, and
	// recovery as soon as the cause is gone.
	DescribeTable("a specific reason, no hot loop, recovery when fixed",
		func(cause, fix func(), reason, message string) {
			cause()
			Eventually(func(g Gomega) {
				c := degraded(ns, "shop")
				g.Expect(c).NotTo(BeNil())
				g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
				g.Expect(c.Reason).To(Equal(reason))
				g.Expect(c.Message).To(ContainSubstring(message))
			}).Should(Succeed())

			By("no hot loop: nothing changes, so nothing is reconciled")
			n := reconcilesOf(ns)
			time.Sleep(5 * time.Second)
			Expect(reconcilesOf(ns)-n).To(BeNumerically("<=", 1), "reconciles in 5 s while the problem lasts")

			By("recovery as soon as the cause is gone")
			fix()
			Eventually(func(g Gomega) {
				c := degraded(ns, "shop")
				g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
				g.Expect(restAPI(ns, "shop").Status.Phase).To(Equal(apiv1.PhaseAvailable))
			}).Should(Succeed())
		},
		Entry("a referenced Secret that does not exist",
			func() { missingSecret(ns) },
			func() { runningPod(ns, "shop-model-abc") },
			"CreateContainerConfigError", `secret "shop-db" not found`),
		Entry("a referenced ConfigMap that does not exist",
			func() { missingConfigMap(ns) },
			func() { runningPod(ns, "shop-view-abc") },
			"CreateContainerConfigError", `configmap "shop-settings" not found`),
		Entry("an image that cannot be pulled",
			func() { unpullableImage(ns) },
			func() { runningPod(ns, "shop-controller-abc") },
			"ImagePullBackOff", "Back-off pulling image"),
		Entry("a ResourceQuota that forbids the Pods",
			func() { quotaExceeded(ns) },
			func() { markReady(ns, "shop-repository") },
			"ReplicaFailure", "exceeded quota"),
	)
})

// The runtime problems of the RestAPI "shop", as the kubelet and the
// ReplicaSet controller report them; runningPod and markReady undo them.

func missingSecret(ns string) {
	failingPod(ns, "shop-model", "shop-model-abc", waitingStatus("CreateContainerConfigError", `secret "shop-db" not found`))
}

func missingConfigMap(ns string) {
	failingPod(ns, "shop-view", "shop-view-abc", waitingStatus("CreateContainerConfigError", `configmap "shop-settings" not found`))
}

func unpullableImage(ns string) {
	failingPod(ns, "shop-controller", "shop-controller-abc", waitingStatus("ImagePullBackOff", `Back-off pulling image "registry.example/shop:9.9.9"`))
}

func quotaExceeded(ns string) {
	setDeploymentStatus(ns, "shop-repository", func(d *appsv1.Deployment) {
		d.Status.ReadyReplicas, d.Status.AvailableReplicas = 0, 0
		d.Status.Conditions = append(d.Status.Conditions, appsv1.DeploymentCondition{
			Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate",
			Message: `pods "shop-repository-abc" is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=2, limited: cpu=2`,
		})
	})
}

// runningPod turns a Pod created by failingPod running and ready, as the
// kubelet does once the cause is gone.
func runningPod(ns, name string) {
	GinkgoHelper()
	var p corev1.Pod
	get(ns, name, &p)
	p.Status = corev1.PodStatus{
		Phase:      corev1.PodRunning,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", Image: "registry.example/shop:1.0.0", Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		}},
	}
	Expect(k8sClient.Status().Update(ctx, &p)).To(Succeed())
}
