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
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/metrics"
)

// unschedulable is a Pod the scheduler cannot place: the cluster is full.
var unschedulable = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
	Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
	Message: "0/3 nodes are available: 3 Too many pods. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
}}}

// crashLooping is a container crash-looping after three restarts.
func crashLooping() corev1.PodStatus {
	st := waitingStatus("CrashLoopBackOff", "back-off 40s restarting failed container")
	st.ContainerStatuses[0].RestartCount = 3
	return st
}

// eventReasons lists the reasons of the Events on RestAPI ns/shop.
func eventReasons(ns string) []string { return eventReasonsOf(ns, "shop") }

// eventReasonsOf lists the reasons of the Events on RestAPI ns/name.
func eventReasonsOf(ns, name string) []string {
	GinkgoHelper()
	var events eventsv1.EventList
	Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
	var out []string
	for _, e := range events.Items {
		if e.Regarding.Name == name && e.Regarding.Kind == "RestAPI" {
			out = append(out, e.Reason)
		}
	}
	return out
}

// upgradeToGreen ships image 2.0.0 to the RestAPI "shop" serving from blue
// and waits until green is being prepared.
func upgradeToGreen(ns string) {
	GinkgoHelper()
	updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
	Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateDeploying))
	previewDeployed(ns, "shop")
	Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-model-green"), &appsv1.Deployment{}) }).Should(Succeed())
}

// expectWaiting waits for the rollout of ns/shop to wait for reason.
func expectWaiting(ns, reason, message string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		r := restAPI(ns, "shop")
		g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateDeploying))
		g.Expect(r.Status.BlueGreen.Reason).To(Equal(reason))
		g.Expect(r.Status.BlueGreen.WaitingSince).NotTo(BeNil())
		p := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionProgressing)
		g.Expect(p.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(p.Reason).To(Equal(reason))
		g.Expect(p.Message).To(ContainSubstring(message))
		g.Expect(meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded).Status).To(Equal(metav1.ConditionFalse))
	}).Should(Succeed())
}

// expectAborted waits for the rollout of ns/shop to be aborted for reason,
// with traffic left on blue.
func expectAborted(ns, reason, message string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		r := restAPI(ns, "shop")
		g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateAborted))
		g.Expect(r.Status.BlueGreen.Reason).To(Equal(reason))
		g.Expect(r.Status.BlueGreen.Message).To(ContainSubstring(message))
		g.Expect(r.Status.BlueGreen.WaitingSince).To(BeNil())
	}).Should(Succeed())
	Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))
}

// stillDeploying holds that the rollout of ns/shop keeps waiting for reason
// after the clock moved by d and the RestAPI was looked at again.
func stillDeploying(ns, reason string, d time.Duration) {
	GinkgoHelper()
	advanceClock(d)
	annotate(ns, "shop", "touch", d.String())
	Consistently(func() string {
		bg := blueGreenStatus(ns, "shop")
		return string(bg.State) + "/" + bg.Reason
	}, 2*time.Second).Should(Equal(string(apiv1.StateDeploying) + "/" + reason))
}

var _ = Describe("A preview that waits versus one that is broken", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("waits for capacity until the progress deadline, then aborts with ProgressDeadlineExceeded", func() {
		deployBlue(ns, "shop", nil)
		upgradeToGreen(ns)
		failingPod(ns, "shop-model-green", "shop-model-green-abc", unschedulable)
		expectWaiting(ns, "WaitingForCapacity", "0/3 nodes are available: 3 Too many pods")
		Expect(blueGreenStatus(ns, "shop").Message).To(ContainSubstring("waits for capacity since"))
		Eventually(func() []string { return eventReasons(ns) }).Should(ContainElement("WaitingForCapacity"))
		Expect(testutil.ToFloat64(metrics.RolloutsWaiting.WithLabelValues("WaitingForCapacity"))).To(BeNumerically(">=", 1))

		By("nine minutes later: still waiting, since the same moment")
		since := blueGreenStatus(ns, "shop").WaitingSince
		stillDeploying(ns, "WaitingForCapacity", 9*time.Minute)
		Expect(blueGreenStatus(ns, "shop").WaitingSince).To(Equal(since))

		By("past the ten-minute deadline: aborted, saying what it waited for")
		advanceClock(61 * time.Second)
		annotate(ns, "shop", "touch", "deadline")
		expectAborted(ns, "ProgressDeadlineExceeded", "it waited for capacity")
		Expect(eventReasons(ns)).NotTo(ContainElement("WaitEnded"), "an abort is not the end of a wait")
	})

	It("promotes normally when the pod finds room before the deadline", func() {
		deployBlue(ns, "shop", nil)
		upgradeToGreen(ns)
		failingPod(ns, "shop-model-green", "shop-model-green-abc", unschedulable)
		expectWaiting(ns, "WaitingForCapacity", "Too many pods")
		stillDeploying(ns, "WaitingForCapacity", 5*time.Minute)

		By("a node was added: the pod runs, every component of green is ready")
		runningPod(ns, "shop-model-green-abc")
		markColourReady(ns, "shop", "green")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func(g Gomega) {
			bg := blueGreenStatus(ns, "shop")
			g.Expect(bg.State).To(Equal(apiv1.StateScalingDown))
			g.Expect(bg.Reason).To(BeEmpty())
			g.Expect(bg.WaitingSince).To(BeNil())
		}).Should(Succeed())
		Eventually(func() []string { return eventReasons(ns) }).Should(ContainElements("WaitingForCapacity", "WaitEnded", "Promoted"))
	})

	It("waits for a quota to make room", func() {
		deployBlue(ns, "shop", nil)
		upgradeToGreen(ns)
		setDeploymentStatus(ns, "shop-repository-green", func(d *appsv1.Deployment) {
			d.Status.ObservedGeneration = d.Generation
			d.Status.Conditions = append(d.Status.Conditions, appsv1.DeploymentCondition{
				Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate",
				Message: `pods "shop-repository-green-abc" is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=2, limited: cpu=2`,
			})
		})
		expectWaiting(ns, "WaitingForQuota", "exceeded quota")
		stillDeploying(ns, "WaitingForQuota", 5*time.Minute)
	})

	// Each broken kind aborts long before the deadline.
	DescribeTable("aborts what cannot pass by itself early",
		func(status corev1.PodStatus, after time.Duration, reason, message string) {
			deployBlue(ns, "shop", nil)
			upgradeToGreen(ns)
			failingPod(ns, "shop-model-green", "shop-model-green-abc", status)
			if after > 0 {
				expectWaiting(ns, map[string]string{"ImagePullBackOff": "WaitingForImage", "CreateContainerConfigError": "WaitingForConfig"}[reason], reason)
				advanceClock(after)
				annotate(ns, "shop", "touch", "grace")
			}
			expectAborted(ns, "PreviewUnhealthy", message)
		},
		Entry("a crash loop at three restarts", crashLooping(), time.Duration(0), "CrashLoopBackOff", "CrashLoopBackOff"),
		Entry("out of memory three times", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", Image: "registry.example/shop:2.0.0", RestartCount: 3,
			State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}},
		}}}, time.Duration(0), "OOMKilled", "more memory than its limit (restarted 3 times)"),
		Entry("an invalid image name", waitingStatus("InvalidImageName", `couldn't parse image name "shop::2"`), time.Duration(0), "InvalidImageName", "InvalidImageName"),
		Entry("an image pull failing past two minutes", waitingStatus("ImagePullBackOff", `Back-off pulling image "registry.example/shop:2.0.0"`),
			121*time.Second, "ImagePullBackOff", "ImagePullBackOff"),
		Entry("a missing ConfigMap key past thirty seconds", waitingStatus("CreateContainerConfigError", `couldn't find key LOG_LEVEL in ConfigMap shop-settings`),
			31*time.Second, "CreateContainerConfigError", "couldn't find key LOG_LEVEL"),
	)

	It("honours the thresholds of spec.blueGreen.failFast", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.BlueGreen.FailFast = apiv1.FailFastSpec{Restarts: new(int32(5)), ImagePullSeconds: new(int32(300))}
		})
		upgradeToGreen(ns)
		By("three restarts of five: waits")
		failingPod(ns, "shop-model-green", "shop-model-green-abc", crashLooping())
		expectWaiting(ns, "WaitingForContainers", "restarted 3 times")
		By("an image pull failing for two minutes of five: waits")
		failingPod(ns, "shop-view-green", "shop-view-green-abc", waitingStatus("ImagePullBackOff", "Back-off pulling image"))
		stillDeploying(ns, "WaitingForContainers", 121*time.Second)
		By("five minutes: the image pull is broken")
		advanceClock(180 * time.Second)
		annotate(ns, "shop", "touch", "five minutes")
		expectAborted(ns, "PreviewUnhealthy", "ImagePullBackOff")
	})

	It("accepts the defaults with the shortest deadline, and refuses thresholds out of range", func() {
		r := newBlueGreenRestAPI(ns, "shop")
		r.Spec.BlueGreen.ProgressDeadlineSeconds = 30 // shorter than the default graces: the deadline simply comes first
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		Expect(restAPI(ns, "shop").Spec.BlueGreen.FailFast.ImagePullSeconds).To(HaveValue(Equal(int32(120))), "defaulted")
		for _, f := range []apiv1.FailFastSpec{{Restarts: new(int32(0))}, {ImagePullSeconds: new(int32(-1))}, {ConfigErrorSeconds: new(int32(86401))}} {
			r := newBlueGreenRestAPI(ns, "bad")
			r.Spec.BlueGreen.FailFast = f
			Expect(k8sClient.Create(ctx, r)).To(MatchError(ContainSubstring("spec.blueGreen.failFast.")))
		}
	})
})
