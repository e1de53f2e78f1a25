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

	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/metrics"
)

// testutilCounter reads restapi_healing_actions_total for an action.
func testutilCounter(action string) float64 {
	return testutil.ToFloat64(metrics.HealingActions.WithLabelValues(action))
}

// failingPod creates a Pod of the Deployment's current template and gives it
// the status a kubelet would report.
func failingPod(ns, deployment, name string, status corev1.PodStatus) {
	GinkgoHelper()
	d := deploymentOf(ns, deployment)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: d.Spec.Template.Labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/shop:1.0.0"}}},
	}
	Expect(k8sClient.Create(ctx, p)).To(Succeed())
	p.Status = status
	Expect(k8sClient.Status().Update(ctx, p)).To(Succeed())
}

func waitingStatus(reason, message string) corev1.PodStatus {
	return corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "app", Image: "registry.example/shop:1.0.0", ImageID: "",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
	}}}
}

var _ = Describe("Component health from Pods", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	DescribeTable("reports a Pod failure as the component's health, reason and message",
		func(status corev1.PodStatus, reason, message string) {
			Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
			waitForChildren(ns, "shop")
			failingPod(ns, "shop-model", "shop-model-abc", status)
			Eventually(func(g Gomega) {
				r := restAPI(ns, "shop")
				var model apiv1.ComponentStatus
				for _, c := range r.Status.Components {
					if c.Name == apiv1.ComponentModel {
						model = c
					}
				}
				g.Expect(model.Health).To(Equal(apiv1.HealthUnhealthy))
				g.Expect(model.Message).To(ContainSubstring(message))
				c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
				g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
				g.Expect(c.Reason).To(Equal(reason))
				g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseDegraded))
			}).Should(Succeed())
		},
		Entry("CrashLoopBackOff", waitingStatus("CrashLoopBackOff", "back-off 40s restarting failed container"), "CrashLoopBackOff", "back-off 40s"),
		Entry("ImagePullBackOff", waitingStatus("ImagePullBackOff", "Back-off pulling image"), "ImagePullBackOff", "Back-off pulling image"),
		Entry("ErrImagePull", waitingStatus("ErrImagePull", "manifest unknown"), "ErrImagePull", "manifest unknown"),
		Entry("CreateContainerConfigError (a missing Secret)", waitingStatus("CreateContainerConfigError", "secret \"shop-db\" not found"),
			"CreateContainerConfigError", "secret \"shop-db\" not found"),
		Entry("OOMKilled", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", Image: "registry.example/shop:1.0.0", RestartCount: 3,
			State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}},
		}}}, "OOMKilled", "more memory than its limit"),
		Entry("Unschedulable", corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: "0/3 nodes are available: 3 Insufficient memory.",
		}}}, "Unschedulable", "Insufficient memory"),
	)

	It("aborts a blue-green preview whose Pods crash-loop past failFast.restarts at once, without waiting for the deadline", func() {
		deployBlue(ns, "shop", nil)
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "shop")
		before := testutilCounter("abort")
		failingPod(ns, "shop-model-green", "shop-model-green-abc", crashLooping())
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateAborted))
			g.Expect(r.Status.BlueGreen.Reason).To(Equal("PreviewUnhealthy"))
			g.Expect(r.Status.BlueGreen.Message).To(ContainSubstring("CrashLoopBackOff"))
			g.Expect(r.Status.Healing).NotTo(BeNil())
			g.Expect(r.Status.Healing.LastAction).To(Equal("abort"))
		}).Should(Succeed())
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))
		// The metrics are recorded once the status is written: a moment later.
		Eventually(func() float64 { return testutilCounter("abort") - before }).Should(Equal(1.0))
	})

	It("with healing disabled reports an unhealthy preview and leaves it to the progress deadline", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.HealthCheck.Healing.Enabled = new(false) })
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateDeploying))
		previewDeployed(ns, "shop")
		failingPod(ns, "shop-model-green", "shop-model-green-abc", crashLooping())
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.BlueGreen.Message).To(ContainSubstring("healing is disabled, so it is aborted only at the progress deadline"))
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
			g.Expect(c.Reason).To(Equal("PreviewUnhealthy"))
		}).Should(Succeed())
		Consistently(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }, time.Second).Should(Equal(apiv1.StateDeploying))
		Expect(restAPI(ns, "shop").Status.Healing).To(BeNil())
	})
	It("rolls a newly promoted colour that turns unhealthy inside the warm window back to the previous one", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(600)) })
		shipToGreen(ns)
		before := testutilCounter("rollback")

		By("green's model loses a pod to a crash loop")
		setDeploymentStatus(ns, "shop-model-green", func(d *appsv1.Deployment) { d.Status.ReadyReplicas, d.Status.AvailableReplicas = 1, 1 })
		failingPod(ns, "shop-model-green", "shop-model-green-crash", waitingStatus("CrashLoopBackOff", "back-off 20s restarting failed container"))

		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("blue")))
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateRolledBack))
			g.Expect(r.Status.BlueGreen.Reason).To(Equal("UnhealthyAfterPromotion"))
			g.Expect(r.Status.Healing).NotTo(BeNil())
			g.Expect(r.Status.Healing.LastAction).To(Equal("rollback"))
			g.Expect(r.Status.Healing.Message).To(ContainSubstring("turned unhealthy: model:"))
		}).Should(Succeed())
		// The metrics are recorded once the status is written: a moment later.
		Eventually(func() float64 { return testutilCounter("rollback") - before }).Should(Equal(1.0))
	})

	It("only reports when healing is disabled", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(600))
			r.Spec.HealthCheck.Healing.Enabled = new(false)
		})
		shipToGreen(ns)
		setDeploymentStatus(ns, "shop-model-green", func(d *appsv1.Deployment) { d.Status.ReadyReplicas, d.Status.AvailableReplicas = 1, 1 })
		failingPod(ns, "shop-model-green", "shop-model-green-crash", waitingStatus("CrashLoopBackOff", "back-off 20s restarting failed container"))
		Eventually(func() string {
			c := meta.FindStatusCondition(restAPI(ns, "shop").Status.Conditions, apiv1.ConditionDegraded)
			return c.Reason
		}).Should(Equal("CrashLoopBackOff"))
		Consistently(func() []string { return stableColours(ns, "shop") }, time.Second).Should(Equal(allColour("green")))
		Expect(restAPI(ns, "shop").Status.Healing).To(BeNil())
	})
})

var _ = Describe("RestAPI watch filter", func() {
	It("passes a periodic resync (nothing changed) and no other update that changes nothing the predicates watch", func() {
		old := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Name: "shop", ResourceVersion: "7", Generation: 1}}
		same := old.DeepCopy()
		Expect(resync.Update(event.UpdateEvent{ObjectOld: old, ObjectNew: same})).To(BeTrue(), "a resync")
		statusWrite := old.DeepCopy()
		statusWrite.ResourceVersion = "8"
		Expect(resync.Update(event.UpdateEvent{ObjectOld: old, ObjectNew: statusWrite})).To(BeFalse(), "a status write is not a resync")
	})
})

var _ = Describe("Pod watch filter", func() {
	ready := func(status corev1.ConditionStatus) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "1"}},
			Status:     corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
		}
	}
	It("ignores Pod updates health does not depend on", func() {
		a, b := ready(corev1.ConditionTrue), ready(corev1.ConditionTrue)
		b.Labels["touch"] = "x"
		b.Annotations = map[string]string{"note": "y"}
		b.ResourceVersion = "42"
		Expect(podHealthKey(b)).To(Equal(podHealthKey(a)))
	})
	It("reacts to readiness, container waiting reasons and restarts", func() {
		base := ready(corev1.ConditionTrue)
		Expect(podHealthKey(ready(corev1.ConditionFalse))).NotTo(Equal(podHealthKey(base)))
		crash := ready(corev1.ConditionTrue)
		crash.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
		Expect(podHealthKey(crash)).NotTo(Equal(podHealthKey(base)))
		restarted := crash.DeepCopy()
		restarted.Status.ContainerStatuses[0].RestartCount = 1
		Expect(podHealthKey(restarted)).NotTo(Equal(podHealthKey(crash)))
	})
})
