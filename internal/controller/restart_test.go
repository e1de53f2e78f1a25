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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/health"
)

// modelStatus is the status of the model component.
func modelStatus(ns string) apiv1.ComponentStatus {
	GinkgoHelper()
	for _, c := range restAPI(ns, "shop").Status.Components {
		if c.Name == apiv1.ComponentModel {
			return c
		}
	}
	Fail("no status for model")
	return apiv1.ComponentStatus{}
}

// restartedAt is the restart annotation on a Deployment's pod template.
func restartedAt(ns, deployment string) string {
	return deploymentOf(ns, deployment).Spec.Template.Annotations[apiv1.AnnotationRestartedAt]
}

// crashLoop makes shop's serving model Deployment lose every ready pod to a
// crash loop, as the Deployment controller and the kubelet would report it.
func crashLoop(ns string) {
	const deployment, pod = "shop-model-blue", "shop-model-blue-crash"
	GinkgoHelper()
	setDeploymentStatus(ns, deployment, func(d *appsv1.Deployment) {
		d.Status.ObservedGeneration = d.Generation
		d.Status.ReadyReplicas, d.Status.AvailableReplicas = 0, 0
		d.Status.Conditions = []appsv1.DeploymentCondition{
			deploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, "MinimumReplicasUnavailable"),
			deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, "NewReplicaSetAvailable"),
		}
	})
	if err := k8sClient.Get(ctx, key(ns, pod), &corev1.Pod{}); err != nil {
		failingPod(ns, deployment, pod, waitingStatus("CrashLoopBackOff", "back-off 5m0s restarting failed container"))
	}
}

// restartNotes are the notes of the Restarted Events on the RestAPI.
func restartNotes(ns string) []string {
	GinkgoHelper()
	var events eventsv1.EventList
	Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
	var notes []string
	for _, e := range events.Items {
		if e.Reason == "Restarted" && e.Regarding.Name == "shop" && e.Type == corev1.EventTypeWarning {
			notes = append(notes, e.Note)
		}
	}
	return notes
}

// healing sets restartAfterSeconds and maxRestartsPerHour.
func healing(after, perHour int32) func(*apiv1.RestAPI) {
	return func(r *apiv1.RestAPI) {
		r.Spec.HealthCheck.Healing.RestartAfterSeconds = after
		r.Spec.HealthCheck.Healing.MaxRestartsPerHour = new(perHour)
	}
}

var _ = Describe("Restart healing", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("restarts a component stuck unhealthy after restartAfterSeconds, backs off, and gives up at maxRestartsPerHour", func() {
		deployBlue(ns, "shop", healing(60, 2))
		before := testutilCounter(health.ActionRestart)

		By("model losing every pod to a crash loop while blue serves")
		crashLoop(ns)
		Eventually(func(g Gomega) {
			m := modelStatus(ns)
			g.Expect(m.Health).To(Equal(apiv1.HealthUnhealthy))
			g.Expect(m.Reason).To(Equal("CrashLoopBackOff"))
			g.Expect(m.UnhealthySince).NotTo(BeNil())
			g.Expect(m.Message).To(ContainSubstring("restart 1 of at most 2 due at"))
		}).Should(Succeed())

		By("not restarting before restartAfterSeconds")
		advanceClock(55 * time.Second)
		annotate(ns, "shop", "touch", "55s")
		Consistently(func() string { return restartedAt(ns, "shop-model-blue") }, time.Second).Should(BeEmpty())

		By("restarting once restartAfterSeconds passed: the pod template's restartedAt, in place")
		advanceClock(6 * time.Second)
		annotate(ns, "shop", "touch", "61s")
		Eventually(func() string { return restartedAt(ns, "shop-model-blue") }).ShouldNot(BeEmpty())
		first := restartedAt(ns, "shop-model-blue")
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.Healing).NotTo(BeNil())
			g.Expect(r.Status.Healing.LastAction).To(Equal("restart"))
			g.Expect(r.Status.Healing.Message).To(ContainSubstring("Restarted model (blue): CrashLoopBackOff for 1m"))
			m := modelStatus(ns)
			g.Expect(m.Restarts).To(Equal(int32(1)))
			g.Expect(m.RestartTimes).To(HaveLen(1))
			g.Expect(m.RestartTimes[0].UTC().Format(time.RFC3339)).To(Equal(first))
		}).Should(Succeed())
		// The metrics are recorded once the status is written: a moment later.
		Eventually(func() float64 { return testutilCounter(health.ActionRestart) - before }).Should(Equal(1.0))
		Eventually(func() []string { return restartNotes(ns) }).Should(ContainElement(ContainSubstring("restart 1 of at most 2")))
		for _, c := range []string{"shop-view-blue", "shop-controller-blue", "shop-repository-blue"} {
			Expect(restartedAt(ns, c)).To(BeEmpty(), "only the unhealthy component restarts")
		}
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")), "a restart is not a rollout: traffic stays")

		By("the restart does not help: the next waits twice as long")
		crashLoop(ns)
		advanceClock(110 * time.Second)
		annotate(ns, "shop", "touch", "171s")
		Consistently(func() string { return restartedAt(ns, "shop-model-blue") }, time.Second).Should(Equal(first))
		advanceClock(11 * time.Second)
		annotate(ns, "shop", "touch", "182s")
		Eventually(func() string { return restartedAt(ns, "shop-model-blue") }).ShouldNot(Equal(first))
		Eventually(func() []string { return restartNotes(ns) }).Should(ContainElement(ContainSubstring("the last one: if it stays unhealthy it needs a person")))

		By("giving up after maxRestartsPerHour restarts, however long it stays unhealthy")
		second := restartedAt(ns, "shop-model-blue")
		crashLoop(ns)
		advanceClock(3 * time.Hour)
		annotate(ns, "shop", "touch", "3h")
		Eventually(func() string { return modelStatus(ns).Message }).Should(ContainSubstring("2 restarts did not make it healthy; it needs a person"))
		Consistently(func() string { return restartedAt(ns, "shop-model-blue") }, time.Second).Should(Equal(second))
		// The metrics are recorded once the status is written: a moment later.
		Eventually(func() float64 { return testutilCounter(health.ActionRestart) - before }).Should(Equal(2.0))

		By("starting afresh once it is healthy again")
		Expect(k8sClient.Delete(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-model-blue-crash"}})).To(Succeed())
		markReady(ns, "shop-model-blue")
		Eventually(func(g Gomega) {
			m := modelStatus(ns)
			g.Expect(m.Health).To(Equal(apiv1.HealthHealthy))
			g.Expect(m.UnhealthySince).To(BeNil())
			g.Expect(m.Restarts).To(BeZero())
			g.Expect(m.RestartTimes).To(HaveLen(2), "the restarts of the last hour still count")
		}).Should(Succeed())
	})

	It("does not restart a revision that never served, nor a failure a restart cannot fix", func() {
		deployBlue(ns, "shop", healing(30, 3))
		By("view's image cannot be pulled any more (a node lost it), while blue serves")
		setDeploymentStatus(ns, "shop-view-blue", func(d *appsv1.Deployment) { d.Status.ReadyReplicas, d.Status.AvailableReplicas = 0, 0 })
		failingPod(ns, "shop-view-blue", "shop-view-blue-pull", waitingStatus("ImagePullBackOff", "Back-off pulling image"))
		Eventually(func() string {
			for _, c := range restAPI(ns, "shop").Status.Components {
				if c.Name == apiv1.ComponentView {
					return c.Message
				}
			}
			return ""
		}).Should(ContainSubstring("a restart cannot fix ImagePullBackOff: not restarted"))
		advanceClock(time.Hour)
		annotate(ns, "shop", "touch", "1h")
		Consistently(func() string { return restartedAt(ns, "shop-view-blue") }, time.Second).Should(BeEmpty())

		By("a single-colour RestAPI whose first revision crash-loops from the start")
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "fresh"))).To(Succeed())
		waitForChildren(ns, "fresh")
		failingPod(ns, "fresh-model", "fresh-model-crash", waitingStatus("CrashLoopBackOff", "back-off 10s"))
		Eventually(func() apiv1.Phase { return restAPI(ns, "fresh").Status.Phase }).Should(Equal(apiv1.PhaseDegraded))
		advanceClock(time.Hour)
		annotate(ns, "fresh", "touch", "2h")
		Consistently(func() string { return restartedAt(ns, "fresh-model") }, time.Second).Should(BeEmpty())
	})

	It("only reports when healing is disabled", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			healing(30, 3)(r)
			r.Spec.HealthCheck.Healing.Enabled = new(false)
		})
		crashLoop(ns)
		Eventually(func() string { return modelStatus(ns).Message }).Should(ContainSubstring("healing is disabled: not restarted"))
		advanceClock(time.Hour)
		annotate(ns, "shop", "touch", "1h")
		Consistently(func() string { return restartedAt(ns, "shop-model-blue") }, time.Second).Should(BeEmpty())
		Expect(restAPI(ns, "shop").Status.Healing).To(BeNil())
	})

	It("carries out a restart recorded in status that the Deployment does not show yet, after a manager restart, once", func() {
		deployBlue(ns, "shop", healing(30, 3))
		crashLoop(ns)
		Eventually(func() *metav1.Time { return modelStatus(ns).UnhealthySince }).ShouldNot(BeNil())

		By("a status that records a restart, as written by a manager that stopped before restarting the pods")
		mgrStop()
		Eventually(mgrDone).Should(BeClosed())
		at := metav1.NewTime(time.Now().Add(-10 * time.Second).Truncate(time.Second))
		r := restAPI(ns, "shop")
		patch := client.MergeFrom(r.DeepCopy())
		for i := range r.Status.Components {
			if r.Status.Components[i].Name == apiv1.ComponentModel {
				r.Status.Components[i].Restarts = 1
				r.Status.Components[i].RestartTimes = []metav1.Time{at}
			}
		}
		Expect(k8sClient.Status().Patch(ctx, r, patch)).To(Succeed())
		startManager()

		want := at.UTC().Format(time.RFC3339)
		Eventually(func() string { return restartedAt(ns, "shop-model-blue") }).Should(Equal(want))
		writes.quiet(ns)
		n := 0
		for _, w := range writes.in(ns) {
			if w == "PATCH /apis/apps/v1/namespaces/"+ns+"/deployments/shop-model-blue" {
				n++
			}
		}
		annotate(ns, "shop", "touch", "again")
		writes.quiet(ns)
		m := 0
		for _, w := range writes.in(ns) {
			if w == "PATCH /apis/apps/v1/namespaces/"+ns+"/deployments/shop-model-blue" {
				m++
			}
		}
		Expect(m).To(Equal(n), "the restart is applied once, not on every reconcile")
		Expect(modelStatus(ns).Restarts).To(Equal(int32(1)), "recorded once, not counted again")
	})

	It("sends no write while a component waits for its restart", func() {
		deployBlue(ns, "shop", healing(600, 3))
		crashLoop(ns)
		Eventually(func() string { return modelStatus(ns).Message }).Should(ContainSubstring("restart 1 of at most 3 due at"))
		writes.quiet(ns)
		before := writes.in(ns)
		for i := range 3 {
			annotate(ns, "shop", "touch", string(rune('a'+i)))
		}
		writes.quiet(ns)
		Expect(writes.in(ns)).To(Equal(before))
	})
})
