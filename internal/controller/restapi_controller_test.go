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
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var _ = Describe("RestAPI controller", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("creates a ConfigMap, Deployment and Service per component, labelled and owned by the RestAPI", func() {
		rapi := newRestAPI(ns, "shop")
		Expect(k8sClient.Create(ctx, rapi)).To(Succeed())
		waitForChildren(ns, "shop")

		ports := map[apiv1.ComponentName]int32{"model": 8080, "view": 3000, "controller": 8081, "repository": 8082}
		for _, c := range components {
			name := "shop-" + string(c)
			var dep appsv1.Deployment
			var svc corev1.Service
			var cm corev1.ConfigMap
			get(ns, name, &dep)
			get(ns, name, &svc)
			get(ns, name, &cm)
			for _, obj := range []client.Object{&dep, &svc, &cm} {
				Expect(metav1.IsControlledBy(obj, restAPI(ns, "shop"))).To(BeTrue(), "%s has no controller reference", obj.GetName())
				Expect(obj.GetLabels()).To(HaveKeyWithValue(apiv1.LabelInstance, "shop"))
				Expect(obj.GetLabels()).To(HaveKeyWithValue(apiv1.LabelComponent, string(c)))
				Expect(obj.GetLabels()).To(HaveKeyWithValue(apiv1.LabelManagedBy, apiv1.ManagedBy))
				Expect(obj.GetLabels()).To(HaveKeyWithValue(apiv1.LabelPartOf, "shop"))
				Expect(obj.GetLabels()).To(HaveKeyWithValue(apiv1.LabelName, apiv1.AppName))
			}
			ctr := dep.Spec.Template.Spec.Containers[0]
			Expect(ctr.Image).To(Equal("registry.example/shop:1.0.0"))
			Expect(ctr.Ports[0].ContainerPort).To(Equal(ports[c]))
			Expect(ctr.EnvFrom[0].ConfigMapRef.Name).To(Equal(name))
			Expect(*dep.Spec.Replicas).To(Equal(int32(2)))
			Expect(dep.Spec.Template.Annotations).To(HaveKey(apiv1.AnnotationConfigHash))
			Expect(svc.Spec.Ports[0].Port).To(Equal(ports[c]))
			Expect(svc.Spec.Selector).To(Equal(map[string]string{apiv1.LabelInstance: "shop", apiv1.LabelComponent: string(c)}))
			Expect(cm.Data).To(HaveKeyWithValue("LOG_LEVEL", "info"))
			Expect(cm.Data).To(HaveKeyWithValue("MODEL_URL", "http://shop-model."+ns+".svc:8080"))
		}
	})

	It("records the Created Event for the longest allowed name: the note fits the API server's 1024-character limit", func() {
		name := strings.Repeat("n", 44) // the longest name validation allows
		r := newBlueGreenRestAPI(ns, name)
		r.Spec.AutoScaling.Enabled = nil // an HPA per component too: 33 objects
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		Eventually(func(g Gomega) {
			var events eventsv1.EventList
			g.Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
			var notes []string
			for _, e := range events.Items {
				if e.Reason == "Created" && e.Regarding.Name == name {
					notes = append(notes, e.Note)
				}
			}
			g.Expect(notes).To(HaveLen(1), "the API server rejects a longer note and the Event is lost")
			g.Expect(len(notes[0])).To(BeNumerically("<=", 1024))
			g.Expect(notes[0]).To(HavePrefix("Created ConfigMap " + name + "-"))
			g.Expect(notes[0]).To(MatchRegexp(` and \d+ more$`), "what did not fit is counted")
		}).Should(Succeed())
	})

	It("sets every condition on first visit and reports Pending until pods are ready", func() {
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "fresh"))).To(Succeed())
		Eventually(func(g Gomega) {
			r := restAPI(ns, "fresh")
			g.Expect(r.Status.ObservedGeneration).To(Equal(r.Generation))
			g.Expect(r.Status.Phase).To(Equal(apiv1.PhasePending))
			g.Expect(r.Status.Ready).To(Equal("0/8"))
			for _, t := range []string{apiv1.ConditionReady, apiv1.ConditionAvailable, apiv1.ConditionProgressing, apiv1.ConditionDegraded} {
				c := meta.FindStatusCondition(r.Status.Conditions, t)
				g.Expect(c).NotTo(BeNil(), "condition %s missing", t)
				g.Expect(c.Reason).NotTo(BeEmpty())
				g.Expect(c.ObservedGeneration).To(Equal(r.Generation))
			}
			g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, apiv1.ConditionProgressing)).To(BeTrue())
			g.Expect(meta.IsStatusConditionFalse(r.Status.Conditions, apiv1.ConditionReady)).To(BeTrue())
		}).Should(Succeed())
	})

	It("propagates spec changes to the children, and a config change rolls the pods", func() {
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
		waitForChildren(ns, "shop")
		var dep appsv1.Deployment
		get(ns, "shop-model", &dep)
		oldHash := dep.Spec.Template.Annotations[apiv1.AnnotationConfigHash]

		updateSpec(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.Image = "registry.example/shop:2.0.0"
			r.Spec.EnvVars["LOG_LEVEL"] = "debug"
			r.Spec.Model.Replicas = new(int32(4))
		})

		Eventually(func(g Gomega) {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-model"), &d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:2.0.0"))
			g.Expect(*d.Spec.Replicas).To(Equal(int32(4)))
			g.Expect(d.Spec.Template.Annotations[apiv1.AnnotationConfigHash]).NotTo(Equal(oldHash))
			var cm corev1.ConfigMap
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-model"), &cm)).To(Succeed())
			g.Expect(cm.Data).To(HaveKeyWithValue("LOG_LEVEL", "debug"))
		}).Should(Succeed())
	})

	It("restores a child deleted by hand", func() {
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
		waitForChildren(ns, "shop")
		var svc corev1.Service
		get(ns, "shop-view", &svc)
		oldUID := svc.UID
		Expect(k8sClient.Delete(ctx, &svc)).To(Succeed())
		var cm corev1.ConfigMap
		get(ns, "shop-view", &cm)
		Expect(k8sClient.Delete(ctx, &cm)).To(Succeed())

		Eventually(func(g Gomega) {
			var s corev1.Service
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-view"), &s)).To(Succeed())
			g.Expect(s.UID).NotTo(Equal(oldUID))
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-view"), &corev1.ConfigMap{})).To(Succeed())
		}).Should(Succeed())
	})

	It("restores a child edited by hand, and leaves fields it does not manage alone", func() {
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
		waitForChildren(ns, "shop")
		Eventually(func() error {
			var d appsv1.Deployment
			get(ns, "shop-controller", &d)
			d.Spec.Template.Spec.Containers[0].Image = "evil:latest"
			d.Annotations = map[string]string{"team": "payments"}
			return k8sClient.Update(ctx, &d, client.FieldOwner("kubectl-edit"))
		}).Should(Succeed())
		Eventually(func() error {
			var s corev1.Service
			get(ns, "shop-controller", &s)
			s.Spec.Selector = map[string]string{"app": "other"}
			return k8sClient.Update(ctx, &s, client.FieldOwner("kubectl-edit"))
		}).Should(Succeed())

		Eventually(func(g Gomega) {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-controller"), &d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:1.0.0"))
			g.Expect(d.Annotations).To(HaveKeyWithValue("team", "payments"))
			var s corev1.Service
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-controller"), &s)).To(Succeed())
			g.Expect(s.Spec.Selector).To(Equal(map[string]string{apiv1.LabelInstance: "shop", apiv1.LabelComponent: "controller"}))
		}).Should(Succeed())
	})

	It("removes a disabled component's objects, and only those", func() {
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
		waitForChildren(ns, "shop")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Repository.Enabled = new(false) })

		Eventually(func(g Gomega) {
			g.Expect(apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-repository"), &appsv1.Deployment{}))).To(BeTrue())
			g.Expect(apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-repository"), &corev1.Service{}))).To(BeTrue())
			g.Expect(apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-repository"), &corev1.ConfigMap{}))).To(BeTrue())
			var cm corev1.ConfigMap
			g.Expect(k8sClient.Get(ctx, key(ns, "shop-model"), &cm)).To(Succeed())
			g.Expect(cm.Data).NotTo(HaveKey("REPOSITORY_URL"))
		}).Should(Succeed())
		waitForChildren(ns, "shop", apiv1.ComponentModel, apiv1.ComponentView, apiv1.ComponentController)
		Eventually(func() []apiv1.ComponentName {
			comps := restAPI(ns, "shop").Status.Components
			names := make([]apiv1.ComponentName, 0, len(comps))
			for _, c := range comps {
				names = append(names, c.Name)
			}
			return names
		}).Should(ConsistOf(apiv1.ComponentModel, apiv1.ComponentView, apiv1.ComponentController))
	})

	It("never takes over an object of a child's name that it does not own, and says so", func() {
		foreign := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-view", Labels: map[string]string{"owner": "someone-else"}},
			Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 9999}}, Selector: map[string]string{"app": "legacy"}},
		}
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())

		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseFailed))
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(apiv1.ReasonChildConflict))
			g.Expect(c.Message).To(ContainSubstring("Service shop-view"))
		}).Should(Succeed())
		var svc corev1.Service
		get(ns, "shop-view", &svc)
		Expect(svc.Spec.Selector).To(Equal(map[string]string{"app": "legacy"}))
		Expect(svc.Spec.Ports[0].Port).To(Equal(int32(9999)))
		Expect(svc.OwnerReferences).To(BeEmpty())
		// The other components are still reconciled.
		waitForChildren(ns, "shop", apiv1.ComponentModel, apiv1.ComponentController, apiv1.ComponentRepository)

		By("one Warning Event says so, not one per retry")
		annotate(ns, "shop", "touch", "1")
		annotate(ns, "shop", "touch", "2")
		warnings := func() []string {
			var events eventsv1.EventList
			Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
			var notes []string
			for _, e := range events.Items {
				if e.Reason == apiv1.ReasonChildConflict && e.Type == corev1.EventTypeWarning {
					notes = append(notes, e.Note)
					Expect(e.Series).To(BeNil(), "recorded once, not repeated on every reconcile")
				}
			}
			return notes
		}
		Eventually(warnings).Should(ConsistOf(ContainSubstring("Service shop-view already exists and is not owned by this RestAPI; delete or rename it")))
		Consistently(warnings, time.Second).Should(HaveLen(1))
	})

	Context("status", func() {
		It("follows Deployment readiness: Available when every component is ready, Degraded with a reason when one is not", func() {
			Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
			waitForChildren(ns, "shop")
			markAllReady(ns, "shop")

			Eventually(func(g Gomega) {
				r := restAPI(ns, "shop")
				g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseAvailable))
				g.Expect(r.Status.Ready).To(Equal("8/8"))
				g.Expect(r.Status.ReadyReplicas).To(Equal(int32(8)))
				g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, apiv1.ConditionReady)).To(BeTrue())
				g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, apiv1.ConditionAvailable)).To(BeTrue())
				g.Expect(meta.IsStatusConditionFalse(r.Status.Conditions, apiv1.ConditionProgressing)).To(BeTrue())
				g.Expect(meta.IsStatusConditionFalse(r.Status.Conditions, apiv1.ConditionDegraded)).To(BeTrue())
				g.Expect(r.Status.Components).To(HaveLen(4))
				for _, c := range r.Status.Components {
					g.Expect(c.Health).To(Equal(apiv1.HealthHealthy))
					g.Expect(c.Revision).NotTo(BeEmpty())
				}
			}).Should(Succeed())

			By("one component loses a pod after its rollout finished")
			setDeploymentStatus(ns, "shop-view", func(d *appsv1.Deployment) {
				d.Status.ReadyReplicas, d.Status.AvailableReplicas = 1, 1
			})
			Eventually(func(g Gomega) {
				r := restAPI(ns, "shop")
				g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseDegraded))
				g.Expect(r.Status.Ready).To(Equal("7/8"))
				c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
				g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
				g.Expect(c.Reason).To(Equal("ReplicasUnavailable"))
				g.Expect(c.Message).To(ContainSubstring("view: 1 of 2 pods ready"))
				g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, apiv1.ConditionAvailable)).To(BeTrue())
				g.Expect(meta.IsStatusConditionFalse(r.Status.Conditions, apiv1.ConditionReady)).To(BeTrue())
			}).Should(Succeed())

			By("another component exceeds its progress deadline")
			setDeploymentStatus(ns, "shop-model", func(d *appsv1.Deployment) {
				d.Status.Conditions = []appsv1.DeploymentCondition{
					deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, "ProgressDeadlineExceeded"),
				}
			})
			Eventually(func(g Gomega) {
				r := restAPI(ns, "shop")
				c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
				g.Expect(c.Reason).To(Equal("ProgressDeadlineExceeded"))
				g.Expect(c.Message).To(ContainSubstring("did not finish its rollout in time"))
				for _, cs := range r.Status.Components {
					if cs.Name == apiv1.ComponentModel {
						g.Expect(cs.Health).To(Equal(apiv1.HealthUnhealthy))
					}
				}
			}).Should(Succeed())

			By("both recover")
			markReady(ns, "shop-view")
			markReady(ns, "shop-model")
			Eventually(func(g Gomega) {
				r := restAPI(ns, "shop")
				g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseAvailable))
				g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, apiv1.ConditionReady)).To(BeTrue())
				g.Expect(meta.IsStatusConditionFalse(r.Status.Conditions, apiv1.ConditionDegraded)).To(BeTrue())
				g.Expect(r.Status.Ready).To(Equal("8/8"))
			}).Should(Succeed())
		})

		It("turns Progressing when a spec change starts a rollout", func() {
			Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
			waitForChildren(ns, "shop")
			markAllReady(ns, "shop")
			Eventually(func() apiv1.Phase { return restAPI(ns, "shop").Status.Phase }).Should(Equal(apiv1.PhaseAvailable))

			updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
			By("never claiming the new generation Available before its Deployments are")
			Consistently(func(g Gomega) {
				r := restAPI(ns, "shop")
				if r.Status.ObservedGeneration == r.Generation {
					g.Expect(r.Status.Phase).NotTo(Equal(apiv1.PhaseAvailable))
				}
			}, 2*time.Second, 5*time.Millisecond).Should(Succeed())
			Eventually(func(g Gomega) {
				r := restAPI(ns, "shop")
				g.Expect(r.Status.ObservedGeneration).To(Equal(r.Generation))
				g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseProgressing))
				g.Expect(meta.IsStatusConditionTrue(r.Status.Conditions, apiv1.ConditionProgressing)).To(BeTrue())
			}).Should(Succeed())
		})

		It("records when each revision finished rolling out in place, not when it is scaled", func() {
			Expect(k8sClient.Create(ctx, newRestAPI(ns, "shop"))).To(Succeed())
			waitForChildren(ns, "shop")
			markAllReady(ns, "shop")
			var first apiv1.RestAPIStatus
			Eventually(func(g Gomega) {
				first = restAPI(ns, "shop").Status
				g.Expect(first.LastDeploymentTime).NotTo(BeNil())
				g.Expect(first.DeployedRevision).NotTo(BeEmpty())
			}).Should(Succeed())

			By("not restamping it when the replicas change")
			updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Replicas = new(int32(3)) })
			for _, c := range components {
				Eventually(func() int32 { return *deploymentOf(ns, "shop-"+string(c)).Spec.Replicas }).Should(Equal(int32(3)))
			}
			markAllReady(ns, "shop")
			Eventually(func() apiv1.Phase { return restAPI(ns, "shop").Status.Phase }).Should(Equal(apiv1.PhaseAvailable))
			Expect(restAPI(ns, "shop").Status.LastDeploymentTime).To(Equal(first.LastDeploymentTime))

			By("stamping the next revision once its rolling update finished")
			advanceClock(time.Hour)
			updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
			for _, c := range components {
				Eventually(func() string {
					return deploymentOf(ns, "shop-"+string(c)).Spec.Template.Spec.Containers[0].Image
				}).Should(Equal("registry.example/shop:2.0.0"))
			}
			Consistently(func() *metav1.Time { return restAPI(ns, "shop").Status.LastDeploymentTime }, time.Second).Should(Equal(first.LastDeploymentTime))
			markAllReady(ns, "shop")
			Eventually(func(g Gomega) {
				st := restAPI(ns, "shop").Status
				g.Expect(st.DeployedRevision).NotTo(Equal(first.DeployedRevision))
				g.Expect(st.LastDeploymentTime.Time).To(BeTemporally(">", first.LastDeploymentTime.Add(50*time.Minute)))
			}).Should(Succeed())
		})
	})

	DescribeTable("sends no create, update, patch or delete when a reconcile has nothing to change",
		func(blueGreen, autoscaling bool) {
			deployments := map[apiv1.ComponentName]string{}
			for _, c := range components {
				deployments[c] = "idle-" + string(c)
			}
			if blueGreen {
				deployBlue(ns, "idle", func(r *apiv1.RestAPI) { r.Spec.AutoScaling.Enabled = new(autoscaling) })
				for _, c := range components {
					deployments[c] += "-blue"
				}
			} else {
				r := newRestAPI(ns, "idle")
				r.Spec.AutoScaling.Enabled = new(autoscaling)
				Expect(k8sClient.Create(ctx, r)).To(Succeed())
				waitForChildren(ns, "idle")
				if autoscaling {
					Eventually(func() int32 { return *deploymentOf(ns, "idle-controller").Spec.Replicas }).Should(Equal(int32(2)))
				}
				markAllReady(ns, "idle")
			}
			Eventually(func() apiv1.Phase { return restAPI(ns, "idle").Status.Phase }).Should(Equal(apiv1.PhaseAvailable))
			writes.quiet(ns)
			before := writes.in(ns)
			Expect(before).NotTo(BeEmpty(), "the write counter saw nothing: it is not wired to the manager")

			for i := range 3 {
				By("triggering a reconcile through the RestAPI")
				n := reconciles()
				annotate(ns, "idle", "touch", time.Now().Format(time.RFC3339Nano))
				Eventually(reconciles).Should(BeNumerically(">", n))

				// A label, not an annotation: the apiserver bumps a Deployment's
				// generation on annotation changes, which is a real change.
				By("triggering a reconcile through an owned child, on a field the operator does not manage")
				n = reconciles()
				var d appsv1.Deployment
				get(ns, deployments[components[i]], &d)
				patch := client.MergeFrom(d.DeepCopy())
				d.Labels["touch"] = strconv.Itoa(i)
				Expect(k8sClient.Patch(ctx, &d, patch)).To(Succeed())
				Eventually(reconciles).Should(BeNumerically(">", n))
			}
			Consistently(func() []string { return writes.in(ns) }, 2*time.Second).Should(Equal(before))
		},
		Entry("blue-green off", false, false),
		Entry("blue-green on", true, false),
		Entry("blue-green off, autoscaling on", false, true),
		Entry("blue-green on, autoscaling on", true, true),
	)
})
