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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// withHooks gives a RestAPI an expand, a contract and an undo hook, and a
// short warm window.
func withHooks(r *apiv1.RestAPI) {
	r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(1))
	r.Spec.BlueGreen.Hooks = []apiv1.Hook{
		{Name: "expand", Phase: apiv1.HookPrePromotion, Command: []string{"migrate", "expand"}},
		{Name: "contract", Phase: apiv1.HookPostPromotion, Command: []string{"migrate", "contract"}},
		{Name: "undo", Phase: apiv1.HookOnAbort, Command: []string{"migrate", "undo"}},
	}
}

// hookJob waits for the Job of a hook of the current attempt and returns
// it.
func hookJob(ns, hook string) *batchv1.Job {
	name := "shop"
	GinkgoHelper()
	var j batchv1.Job
	Eventually(func() error {
		bg := blueGreenStatus(ns, name)
		if err := k8sClient.Get(ctx, key(ns, render.HookJobName(name, hook, bg.Attempt)), &j); err != nil {
			return fmt.Errorf("%w (%s: %s)", err, bg.State, bg.Message)
		}
		return nil
	}).Should(Succeed())
	return &j
}

// finishJob plays the Job controller envtest lacks: the Job completed, or
// failed past its backoff limit.
func finishJob(j *batchv1.Job, ok bool) {
	GinkgoHelper()
	Eventually(func() error {
		var live batchv1.Job
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(j), &live); err != nil {
			return err
		}
		now := metav1.Now()
		cond := func(t batchv1.JobConditionType, reason string) batchv1.JobCondition {
			return batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: reason + " (envtest)", LastProbeTime: now, LastTransitionTime: now}
		}
		live.Status.StartTime = &now
		if ok {
			live.Status.Succeeded, live.Status.CompletionTime = 1, &now
			live.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobSuccessCriteriaMet, "CompletionsReached"), cond(batchv1.JobComplete, "CompletionsReached")}
		} else {
			live.Status.Failed = 1
			live.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobFailureTarget, "BackoffLimitExceeded"), cond(batchv1.JobFailed, "BackoffLimitExceeded")}
		}
		return k8sClient.Status().Update(ctx, &live)
	}).Should(Succeed())
}

// markPreviewReady waits until every Deployment of colour of the RestAPI
// "shop" runs image, and marks it ready.
func markPreviewReady(ns, colour, image string) {
	GinkgoHelper()
	const name = "shop"
	for _, c := range components {
		Eventually(func(g Gomega) string {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, key(ns, name+"-"+string(c)+"-"+colour), &d)).To(Succeed())
			return d.Spec.Template.Spec.Containers[0].Image
		}).Should(Equal(image))
	}
	markColourReady(ns, name, colour)
}

// oldPod is a Pod of a colour of the RestAPI, as its Deployment would
// make it (envtest runs none).
func oldPod(ns, name, colour string) *corev1.Pod {
	GinkgoHelper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-repository-%s-old", name, colour),
			Labels: render.Labels(&apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Name: name}}, apiv1.ComponentRepository, apiv1.Environment(colour))},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "repository", Image: "registry.example/shop:1.0.0"}}},
	}
	Expect(k8sClient.Create(ctx, p)).To(Succeed())
	return p
}

var _ = Describe("Hooks", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("runs expand before the switch and contract after the old colour's last Pod; a failed expand aborts with traffic unmoved and runs undo", func() {
		deployBlue(ns, "shop", withHooks)
		Expect(blueGreenStatus(ns, "shop").Hooks).To(BeEmpty(), "a first deploy runs no hook")
		pod := oldPod(ns, "shop", "blue")

		By("holding a ready preview until its expand Job succeeded")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		markPreviewReady(ns, "green", "registry.example/shop:2.0.0")
		expand := hookJob(ns, "expand")
		ctr := expand.Spec.Template.Spec.Containers[0]
		Expect(ctr.Image).To(Equal("registry.example/shop:2.0.0"), "the revision being prepared")
		Expect(ctr.Command).To(Equal([]string{"migrate", "expand"}))
		Expect(ctr.EnvFrom[0].ConfigMapRef.Name).To(Equal("shop-repository-green"), "the preview colour's configuration")
		Expect(expand.Spec.Template.Labels).NotTo(HaveKey(apiv1.LabelComponent))
		Expect(metav1.IsControlledBy(expand, restAPI(ns, "shop"))).To(BeTrue())
		Eventually(func(g Gomega) {
			bg := blueGreenStatus(ns, "shop")
			g.Expect(bg.Reason).To(Equal(apiv1.ReasonHookRunning))
			g.Expect(bg.Hooks).To(ConsistOf(HaveField("Job", expand.Name)))
		}).Should(Succeed())
		stillServes(ns, "shop", "blue")

		By("switching once it succeeded")
		finishJob(expand, true)
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))

		By("not running contract while a Pod of blue is left, though blue is scaled down")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateIdle))
		contract := render.HookJobName("shop", "contract", blueGreenStatus(ns, "shop").Attempt)
		Consistently(func() error { return k8sClient.Get(ctx, key(ns, contract), &batchv1.Job{}) }, 2*time.Second).ShouldNot(Succeed())
		Expect(blueGreenStatus(ns, "shop").Message).To(ContainSubstring("wait for the last 1 Pod"))

		By("running contract in green once blue's last Pod is gone")
		Expect(k8sClient.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		job := hookJob(ns, "contract")
		Expect(job.Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name).To(Equal("shop-repository-green"))
		finishJob(job, true)
		Eventually(func(g Gomega) {
			bg := blueGreenStatus(ns, "shop")
			g.Expect(bg.Reason).To(BeEmpty())
			g.Expect(bg.Hooks).To(ContainElement(And(HaveField("Name", "contract"), HaveField("Result", apiv1.HookSucceeded))))
		}).Should(Succeed())

		By("aborting a revision whose expand fails: green keeps serving, blue goes, undo runs with the revision that lost")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:3.0.0" })
		markPreviewReady(ns, "blue", "registry.example/shop:3.0.0")
		finishJob(hookJob(ns, "expand"), false)
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateAborted))
			g.Expect(r.Status.BlueGreen.Reason).To(Equal(apiv1.ReasonHookFailed))
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(apiv1.ReasonHookFailed))
			g.Expect(c.Message).To(ContainSubstring("BackoffLimitExceeded"))
		}).Should(Succeed())
		Expect(stableColours(ns, "shop")).To(Equal(allColour("green")))
		undo := hookJob(ns, "undo")
		Expect(undo.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:3.0.0"))
		Expect(undo.Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name).To(Equal("shop-repository-blue"))
		Eventually(func() int32 { return *deploymentOf(ns, "shop-model-blue").Spec.Replicas }).Should(BeZero())
	})

	It("goes on from the Job after a manager restart while a hook runs: no second Job, no write, then the switch", func() {
		deployBlue(ns, "shop", withHooks)
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		markPreviewReady(ns, "green", "registry.example/shop:2.0.0")
		expand := hookJob(ns, "expand")
		Eventually(func() apiv1.HookResult {
			h := blueGreenStatus(ns, "shop").Hooks
			if len(h) == 0 {
				return ""
			}
			return h[0].Result
		}).Should(Equal(apiv1.HookRunning))
		writes.quiet(ns)
		before := writes.in(ns)

		restartManager()
		annotate(ns, "shop", "touch", "1")
		writes.quiet(ns)
		Expect(writes.in(ns)).To(Equal(before), "the restarted manager found the Job and the status as they should be")
		var jobs batchv1.JobList
		Expect(k8sClient.List(ctx, &jobs, client.InNamespace(ns))).To(Succeed())
		Expect(jobs.Items).To(HaveLen(1))
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))

		finishJob(expand, true)
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
	})

	It("keeps the finished Jobs of the last 3 attempts and never deletes one that runs", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			withHooks(r)
			r.Spec.BlueGreen.Hooks = r.Spec.BlueGreen.Hooks[:1]
		})
		var jobs []string
		for i := 2; i <= 5; i++ {
			idle := "green"
			if restAPI(ns, "shop").Status.ActiveEnvironment == apiv1.EnvironmentGreen {
				idle = "blue"
			}
			image := fmt.Sprintf("registry.example/shop:%d.0.0", i)
			updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = image })
			markPreviewReady(ns, idle, image)
			j := hookJob(ns, "expand")
			jobs = append(jobs, j.Name)
			if i < 5 {
				finishJob(j, true)
				Eventually(func() string { return string(restAPI(ns, "shop").Status.ActiveEnvironment) }).Should(Equal(idle))
			}
		}
		By("deleting the finished Job of the 4th attempt back, and keeping the running one")
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, jobs[0]), &batchv1.Job{}) }).ShouldNot(Succeed())
		for _, name := range jobs[1:] {
			Expect(k8sClient.Get(ctx, key(ns, name), &batchv1.Job{})).To(Succeed(), name)
		}
	})
})
