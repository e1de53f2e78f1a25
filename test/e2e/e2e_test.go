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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

const app = "shop"

var components = []string{"model", "view", "controller", "repository"}

var _ = Describe("RestAPI on a real cluster", Ordered, func() {
	var ns string
	// routeVersions are the view's HTTPRoutes as exposed: no rollout
	// writes them.
	var routeVersions map[string]string

	BeforeAll(func() {
		ns = fmt.Sprintf("e2e-%d", time.Now().Unix())
		testNamespaces = append(testNamespaces, ns)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: ns,
			Labels: map[string]string{
				"pod-security.kubernetes.io/enforce": "restricted",
				"pod-security.kubernetes.io/warn":    "restricted",
			},
		}})).To(Succeed())
	})

	It("installs: kustomize build config/default passes a server-side dry run", func() {
		kustomize := os.Getenv("KUSTOMIZE")
		if kustomize == "" {
			kustomize = filepath.Join(root, "bin", "kustomize")
		}
		bundle, err := exec.Command(kustomize, "build", filepath.Join(root, "config", "default")).Output()
		Expect(err).NotTo(HaveOccurred(), "kustomize build config/default")
		// A dry run cannot create the namespace and then objects in it.
		// Remove it afterwards only when this test created it.
		if _, err := run(nil, kubectlPath(), "create", "namespace", "restapi-operator-system"); err == nil {
			DeferCleanup(func() {
				_, _ = run(nil, kubectlPath(), "delete", "namespace", "restapi-operator-system", "--wait=false")
			})
		}
		out, err := run(bundle, kubectlPath(), "apply", "--dry-run=server", "-f", "-")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("deployment.apps/restapi-operator-controller-manager"))
	})

	It("brings the sample to Available with every Pod Ready, admitted under Pod Security 'restricted'", func() {
		kubectl("apply", "-n", ns, "-f", filepath.Join(root, "config", "samples", "apps_v1alpha1_restapi.yaml"))
		waitAvailable(ns)

		var pods corev1.PodList
		Expect(k8sClient.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{apiv1.LabelInstance: app})).To(Succeed())
		Expect(pods.Items).To(HaveLen(8), "2 pods for each of 4 components")
		for _, p := range pods.Items {
			Expect(podReady(&p)).To(BeTrue(), "pod %s is not Ready", p.Name)
		}
		// Nothing was refused: no ReplicaSet reported a failed pod creation.
		Expect(kubectl("get", "events", "-n", ns, "--field-selector", "reason=FailedCreate", "-o", "name")).To(BeEmpty())
	})

	It("exposes the view: HTTPRoutes to the stable and preview Services that the Gateway accepts, a LoadBalancer, the URLs in status", func() {
		routeVersions = exposeThroughGateway(ns)
		exposeAsLoadBalancer(ns, "203.0.113.10")
		expectRoutesUntouched(ns, routeVersions)
	})

	It("gives every component an HPA targeting the serving colour, and leaves the replicas to it", func() {
		Expect(hpaTargets(ns)).To(Equal(colourDeployments("blue")))
		var h autoscalingv2.HorizontalPodAutoscaler
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-controller"}, &h)).To(Succeed())
		Expect(*h.Spec.MinReplicas).To(Equal(int32(2)))
		Expect(h.Spec.MaxReplicas).To(Equal(int32(20)))
		var d appsv1.Deployment
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-model-blue"}, &d)).To(Succeed())
		for _, f := range d.ManagedFields {
			if f.Manager == apiv1.ManagedBy {
				Expect(f.FieldsV1.GetRawString()).NotTo(ContainSubstring(`"f:replicas"`), "the operator's apply does not own the serving Deployment's replicas")
			}
		}
	})

	It("upgrades all four components blue-green with ready endpoints behind every stable Service at every moment", func() {
		Expect(stableColours(ns)).To(Equal([]string{"blue"}))
		s := startSampling(ns)
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p",
			`{"spec":{"image":"registry.example/shop:1.5.0","view":{"image":"registry.example/shop-view:1.5.0"},"blueGreen":{"scaleDownDelaySeconds":600}}}`)
		Eventually(func(g Gomega) {
			for _, c := range components {
				var d appsv1.Deployment
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-" + c + "-green"}, &d)).To(Succeed())
				g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(HaveSuffix(":1.5.0"))
			}
		}).Should(Succeed())
		Eventually(func() []string { return stableColours(ns) }).Should(Equal([]string{"green"}))
		Eventually(func() []string { return hpaTargets(ns) }).Should(Equal(colourDeployments("green")), "the HPAs follow the traffic")
		waitAvailable(ns)
		if reports := s.stopAndCheck(); reports != nil {
			Expect(answeredBy(reports[ns+"/"+app+"-view"])).To(HaveLen(2), "the view answered from the old revision, then from the new: the requests crossed the switch")
		}
		expectRoutesUntouched(ns, routeVersions)
		var blue appsv1.Deployment
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-model-blue"}, &blue)).To(Succeed())
		Expect(*blue.Spec.Replicas).To(Equal(int32(2)), "the old colour stays warm")

		// The command the demo suggests lists the operator's Events
		// (events.k8s.io, with eventTime) in order: the preview before
		// the switch.
		events := kubectl("events", "-n", ns)
		deploying := strings.Index(events, "Deploying revision")
		switched := strings.Index(events, "Switched traffic from blue to green")
		Expect(deploying).To(BeNumerically(">=", 0), events)
		Expect(switched).To(BeNumerically(">", deploying), "kubectl events orders the rollout's Events:\n%s", events)
	})

	It("goes back to the warm previous version with a selector flip: no new Pods", func() {
		before := podUIDs(ns)
		s := startSampling(ns)
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p",
			`{"spec":{"image":"registry.example/shop:1.4.0","view":{"image":"registry.example/shop-view:1.4.0"}}}`)
		Eventually(func() []string { return stableColours(ns) }).Should(Equal([]string{"blue"}))
		waitAvailable(ns)
		s.stopAndCheck()
		after := podUIDs(ns)
		for uid := range after {
			Expect(before).To(HaveKey(uid), "a Pod was created for the rollback")
		}
	})

	It("keeps the old version serving when the new one never becomes Ready, and says why", func() {
		s := startSampling(ns)
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p",
			`{"spec":{"image":"registry.example/never-ready:1","blueGreen":{"progressDeadlineSeconds":30}}}`)
		Eventually(func(g Gomega) {
			var r apiv1.RestAPI
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
			g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseDegraded))
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			// Whichever notices first: our deadline, or the Deployment's own.
			g.Expect(c.Reason).To(Or(Equal("ProgressDeadlineExceeded"), Equal("PreviewUnhealthy")))
			g.Expect(c.Message).To(ContainSubstring("blue keeps serving"))
			g.Expect(stableColours(ns)).To(Equal([]string{"blue"}))
		}).Should(Succeed())
		s.stopAndCheck()
	})

	It("switches blue-green off and on again with ready endpoints behind every stable Service at every moment", func() {
		s := startSampling(ns)
		// Without blue-green there is no preview colour to reach: admission
		// refuses previewHostnames, so they go in the same patch.
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p",
			`{"spec":{"image":"registry.example/shop:1.4.0","blueGreen":{"enabled":false},"view":{"expose":{"gateway":{"previewHostnames":null}}}}}`)
		Eventually(func(g Gomega) {
			var deps appsv1.DeploymentList
			g.Expect(k8sClient.List(ctx, &deps, client.InNamespace(ns), client.MatchingLabels{apiv1.LabelInstance: app})).To(Succeed())
			names := make([]string, 0, len(deps.Items))
			for _, d := range deps.Items {
				names = append(names, d.Name)
			}
			g.Expect(names).To(ConsistOf(app+"-model", app+"-view", app+"-controller", app+"-repository"))
		}).Should(Succeed())
		Expect(stableColours(ns)).To(Equal([]string{""}))
		waitAvailable(ns)
		expectRouteGone(ns, app+"-view-preview")
		expectRoutesUntouched(ns, map[string]string{app + "-view": routeVersions[app+"-view"]})

		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p",
			`{"spec":{"blueGreen":{"enabled":true},"view":{"expose":{"gateway":{"previewHostnames":["preview.shop.example.com"]}}}}}`)
		Eventually(func() []string { return stableColours(ns) }).Should(Equal([]string{"blue"}))
		Eventually(func(g Gomega) {
			var deps appsv1.DeploymentList
			g.Expect(k8sClient.List(ctx, &deps, client.InNamespace(ns), client.MatchingLabels{apiv1.LabelInstance: app})).To(Succeed())
			for _, d := range deps.Items {
				g.Expect(d.Labels).To(HaveKey(apiv1.LabelEnvironment), "single-colour Deployment %s still there", d.Name)
			}
		}).Should(Succeed())
		waitAvailable(ns)
		s.stopAndCheck()
	})

	It("rolls back automatically when the promoted version loses readiness inside the warm window, with ready endpoints throughout", func() {
		Expect(stableColours(ns)).To(Equal([]string{"blue"}))
		s := startSampling(ns)
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p",
			`{"spec":{"model":{"image":"registry.example/shop-turns-unready:1.6.0","autoScaling":{"minReplicas":3}},"blueGreen":{"scaleDownDelaySeconds":600}}}`)
		Eventually(func() []string { return stableColours(ns) }).Should(Equal([]string{"green"}))
		// Each model Pod turns unready at its own moment, 8 to 60 s after it
		// was ready: the first one must send traffic back to blue.
		By("the promoted version's model pods lose readiness one after the other")
		Eventually(func(g Gomega) {
			var r apiv1.RestAPI
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
			g.Expect(r.Status.BlueGreen).NotTo(BeNil())
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateRolledBack))
			g.Expect(r.Status.BlueGreen.Reason).To(Equal("UnhealthyAfterPromotion"))
			g.Expect(r.Status.Healing).NotTo(BeNil())
			g.Expect(r.Status.Healing.LastAction).To(Equal("rollback"))
		}).Should(Succeed())
		Expect(stableColours(ns)).To(Equal([]string{"blue"}))
		s.stopAndCheck()
	})

	It("scales a component under load through its HPA (metrics-server, simulated usage), and the operator leaves the replicas alone", func() {
		var r apiv1.RestAPI
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
		serving := app + "-controller-" + string(r.Status.ActiveEnvironment)
		var before appsv1.Deployment
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: serving}, &before)).To(Succeed())
		start := *before.Spec.Replicas

		By("putting load on the serving controller pods: 500m CPU each against a 200m request and a 60% target")
		var pods corev1.PodList
		Expect(k8sClient.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(before.Spec.Selector.MatchLabels))).To(Succeed())
		Expect(pods.Items).NotTo(BeEmpty())
		for _, p := range pods.Items {
			kubectl("annotate", "pod", p.Name, "-n", ns, "--overwrite", "kwok.x-k8s.io/usage-cpu=500m")
		}
		Eventually(func(g Gomega) {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: serving}, &d)).To(Succeed())
			g.Expect(*d.Spec.Replicas).To(BeNumerically(">", start), "the HPA scaled %s up", serving)
		}, 3*time.Minute, time.Second).Should(Succeed())

		By("the status shows what the HPA did, and the operator's apply never owns those replicas")
		Eventually(func(g Gomega) {
			var r apiv1.RestAPI
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
			for _, c := range r.Status.Components {
				if c.Name == apiv1.ComponentController {
					g.Expect(c.Autoscaler).NotTo(BeNil())
					g.Expect(c.Autoscaler.Target).To(Equal(serving))
					g.Expect(c.Replicas).To(BeNumerically(">", start))
				}
			}
		}).Should(Succeed())
		var d appsv1.Deployment
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: serving}, &d)).To(Succeed())
		for _, f := range d.ManagedFields {
			if f.Manager == apiv1.ManagedBy {
				Expect(f.FieldsV1.GetRawString()).NotTo(ContainSubstring(`"f:replicas"`))
			}
		}
	})

	It("upgrades into a colour scaled to zero, its autoscaled components' starting Pods waited for, not judged lost", func() {
		// The Deployment controller finishes the rollout of the template
		// applied at zero replicas at once, and reports the scale-up that
		// follows as that finished rollout with no ready Pod.
		By("shipping a good revision with no warm window: the other colour goes to zero")
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p",
			`{"spec":{"image":"registry.example/shop:1.8.0","view":{"image":"registry.example/shop-view:1.8.0"},"model":{"image":null},"blueGreen":{"scaleDownDelaySeconds":0}}}`)
		var from string
		Eventually(func(g Gomega) {
			var r apiv1.RestAPI
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
			g.Expect(r.Status.BlueGreen).NotTo(BeNil())
			g.Expect(r.Status.BlueGreen.State).To(Equal(apiv1.StateIdle))
			from = string(r.Status.ActiveEnvironment)
			var view appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-view-" + from}, &view)).To(Succeed())
			g.Expect(view.Spec.Template.Spec.Containers[0].Image).To(HaveSuffix(":1.8.0"))
		}).Should(Succeed())
		idle := map[string]string{"blue": "green", "green": "blue"}[from]
		Eventually(func(g Gomega) {
			for _, c := range components {
				var d appsv1.Deployment
				g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-" + c + "-" + idle}, &d)).To(Succeed())
				g.Expect(*d.Spec.Replicas).To(BeZero())
			}
		}).Should(Succeed())

		By("the next revision is prepared in that colour, from zero, and promoted")
		s := startSampling(ns)
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p",
			`{"spec":{"image":"registry.example/shop:1.9.0","view":{"image":"registry.example/shop-view:1.9.0"}}}`)
		Eventually(func() []string { return stableColours(ns) }).Should(Equal([]string{idle}))
		waitAvailable(ns)
		By("the traffic runs until the old colour's Pods are gone: it goes at once, with no warm window")
		Eventually(func(g Gomega) {
			var pods corev1.PodList
			g.Expect(k8sClient.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{apiv1.LabelEnvironment: from})).To(Succeed())
			g.Expect(pods.Items).To(BeEmpty())
		}).Should(Succeed())
		s.stopAndCheck()
		var r apiv1.RestAPI
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
		Expect(r.Status.BlueGreen.AbortedRevision).To(BeEmpty(), "aborted: %s", r.Status.BlueGreen.Message)
	})

	It("has a traffic check that fails when a switch breaks traffic (negative control)", func() {
		if trafficOff() {
			Fail("E2E_TRAFFIC=off: there is no traffic check to prove")
		}
		By("a Service of the test's own, switched by hand to a colour with no Pods for 3 s")
		var view corev1.Service
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-view"}, &view)).To(Succeed())
		ports := view.Spec.Ports
		for i := range ports {
			ports[i].NodePort = 0 // the view's Service is a LoadBalancer since the exposure spec
		}
		broken := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "broken-switch"},
			Spec:       corev1.ServiceSpec{Selector: view.Spec.Selector, Ports: ports},
		}
		Expect(k8sClient.Create(ctx, broken)).To(Succeed())
		DeferCleanup(func() { _ = k8sClient.Delete(ctx, broken) })
		t := startTraffic(ns, broken.Name)
		endpoints := watchEndpoints(ns, []string{broken.Name})
		time.Sleep(2 * time.Second)
		kubectl("patch", "service", broken.Name, "-n", ns, "--type=merge", "-p",
			`{"spec":{"selector":{"`+apiv1.LabelEnvironment+`":"nowhere"}}}`)
		time.Sleep(3 * time.Second)
		kubectl("patch", "service", broken.Name, "-n", ns, "--type=merge", "-p",
			`{"spec":{"selector":{"`+apiv1.LabelEnvironment+`":"`+view.Spec.Selector[apiv1.LabelEnvironment]+`"}}}`)
		time.Sleep(3 * time.Second)
		reports := t.stop()
		endpoints.stopWatching()

		By("the same checks every upgrade spec makes report the failed requests and the moment without endpoints")
		failures := InterceptGomegaFailures(func() { t.checkTraffic(reports) })
		Expect(failures).To(ContainElement(ContainSubstring("failed in a row")), "the check passed a broken switch: %s", summary(reports))
		failures = InterceptGomegaFailures(endpoints.checkEndpoints)
		Expect(failures).To(ContainElement(ContainSubstring("had no ready endpoint")), "the EndpointSlice watch missed the empty selector")
		GinkgoWriter.Printf("negative control: %s\n", summary(reports))
	})

	It("removes every child through garbage collection when the RestAPI is deleted", func() {
		kubectl("delete", "rapi", app, "-n", ns, "--wait=true", "--timeout=60s")
		sel := client.MatchingLabels{apiv1.LabelInstance: app}
		Eventually(func(g Gomega) {
			for _, l := range []client.ObjectList{
				&appsv1.DeploymentList{}, &appsv1.ReplicaSetList{}, &corev1.PodList{}, &corev1.ServiceList{}, &corev1.ConfigMapList{},
			} {
				g.Expect(k8sClient.List(ctx, l, client.InNamespace(ns), sel)).To(Succeed())
				g.Expect(meta.LenList(l)).To(BeZero(), "%T still has items", l)
			}
		}).Should(Succeed())
		expectRouteGone(ns, app+"-view")
	})
})

// waitAvailable waits until the RestAPI reports the current generation
// Available, which requires every Deployment fully rolled out.
func waitAvailable(ns string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		var r apiv1.RestAPI
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
		g.Expect(r.Status.ObservedGeneration).To(Equal(r.Generation))
		g.Expect(r.Status.Phase).To(Equal(apiv1.PhaseAvailable), "status: %+v", r.Status.Conditions)
	}).Should(Succeed())
}

// stableColours lists the distinct colours the stable Services select.
func stableColours(ns string) []string {
	GinkgoHelper()
	seen := map[string]bool{}
	var out []string
	for _, c := range components {
		var svc corev1.Service
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-" + c}, &svc)).To(Succeed())
		colour := svc.Spec.Selector[apiv1.LabelEnvironment]
		if !seen[colour] {
			seen[colour] = true
			out = append(out, colour)
		}
	}
	return out
}

// podUIDs are the UIDs of the application's Pods.
func podUIDs(ns string) map[string]bool {
	GinkgoHelper()
	var pods corev1.PodList
	Expect(k8sClient.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{apiv1.LabelInstance: app})).To(Succeed())
	out := map[string]bool{}
	for _, p := range pods.Items {
		out[string(p.UID)] = true
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// hpaTargets lists the Deployments the HPAs target, in component order.
func hpaTargets(ns string) []string {
	GinkgoHelper()
	out := make([]string, 0, len(components))
	for _, c := range components {
		var h autoscalingv2.HorizontalPodAutoscaler
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-" + c}, &h)).To(Succeed())
		out = append(out, h.Spec.ScaleTargetRef.Name)
	}
	return out
}

func colourDeployments(colour string) []string {
	out := make([]string, 0, len(components))
	for _, c := range components {
		out = append(out, app+"-"+c+"-"+colour)
	}
	return out
}

// stableServices are the application's stable Services' names.
func stableServices() []string {
	out := make([]string, 0, len(components))
	for _, c := range components {
		out = append(out, app+"-"+c)
	}
	return out
}
