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
	"encoding/json"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/autoscaling"
)

// The VPA of the local cluster (hack/cluster.sh: recommender, updater,
// admission controller, v1.8.1) against the operator's VPAs: model's Pods
// use twice the memory they request (kwok's simulated usage, from their
// args), metrics-server reports it, the recommender recommends more, the
// updater evicts the serving Pods and the admission controller gives the
// new ones the recommendation, all under traffic; then the next revision
// starts from it.
var _ = Describe("Vertical scaling with the VPA recommender", Ordered, func() {
	BeforeAll(func() {
		requireLab()
		var hook admissionregistrationv1.MutatingWebhookConfiguration
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "vpa-webhook-config"}, &hook)).To(Succeed(),
			"the VPA's admission controller has not registered its webhook: hack/cluster.sh up runs the VPA unless CLUSTER_VPA=off")
	})

	It("recommends from real usage, applies it to the serving Pods without a failed request or a change of replicas, and starts the next revision from it", func() {
		ns := fmt.Sprintf("vertical-%d", time.Now().UnixNano())
		testNamespaces = append(testNamespaces, ns)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		r := &apiv1.RestAPI{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
			Spec: apiv1.RestAPISpec{
				Image: "registry.example/shop:1.0.0",
				// HPAs on CPU (the default), model at two Pods at least:
				// the VPA's updater evicts only from two.
				AutoScaling: apiv1.AutoScalingSpec{Enabled: new(true),
					Vertical: &apiv1.VerticalScalingSpec{Enabled: true, UpdateMode: "Recreate"}},
				BlueGreen: apiv1.BlueGreenSpec{ScaleDownDelaySeconds: new(int32(5))},
			},
		}
		// Model's role default requests 256Mi; its Pods use 512Mi.
		r.Spec.Model.Args = []string{"--simulated-memory-usage", "512Mi"}
		r.Spec.Model.AutoScaling = &apiv1.ComponentAutoScalingSpec{MinReplicas: new(int32(2)), MaxReplicas: new(int32(4))}
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		waitAvailable(ns)

		By("each VPA controls memory: the HPAs scale on CPU")
		u := modelVPA(Default, ns, "blue")
		policies, _, _ := unstructured.NestedSlice(u.Object, "spec", "resourcePolicy", "containerPolicies")
		Expect(policies).To(HaveLen(1))
		Expect(policies[0]).To(HaveKeyWithValue("controlledResources", []any{"memory"}))

		users := startTraffic(ns, app+"-view", app+"-model")
		replicas := watchModelReplicas(ns)
		first := map[string]bool{}
		for _, p := range modelPods(Default, ns, "blue") {
			first[p.Name] = true
		}

		By("the recommender recommends more than the Pods request, from their usage")
		var target resource.Quantity
		Eventually(func(g Gomega) {
			target = recommendedMemory(g, ns, "blue")
			g.Expect(vpaUpdateMode(g, ns, "blue")).To(Equal("Recreate"), "the serving colour's VPA acts once its Pods are measured")
			g.Expect(target.Cmp(resource.MustParse("512Mi"))).To(BeNumerically(">", 0), "recommended %s", target.String())
		}, 3*time.Minute, 2*time.Second).Should(Succeed())
		AddReportEntry("recommendation", fmt.Sprintf("model uses 512Mi, requests 256Mi: the VPA recommends %s", target.String()))
		rec, _, _ := unstructured.NestedMap(modelVPA(Default, ns, "blue").Object, "status", "recommendation")
		shown, err := json.Marshal(rec)
		Expect(err).NotTo(HaveOccurred())
		AddReportEntry(app+"-model-blue status.recommendation", string(shown))

		By("the updater replaces the serving Pods, which the admission controller gives the recommendation")
		Eventually(func(g Gomega) {
			pods := modelPods(g, ns, "blue")
			g.Expect(pods).To(HaveLen(2))
			for _, p := range pods {
				req := p.Spec.Containers[0].Resources.Requests[corev1.ResourceMemory]
				g.Expect(req.Cmp(resource.MustParse("512Mi"))).To(BeNumerically(">", 0), "Pod %s requests %s", p.Name, req.String())
				g.Expect(p.Annotations).To(HaveKey("vpaUpdates"), "Pod %s was not admitted by the VPA", p.Name)
			}
		}, 4*time.Minute, 2*time.Second).Should(Succeed())
		Expect(memoryRequest(deployment(ns, app+"-model-blue"))).To(Equal("256Mi"), "the serving Deployment is left as deployed: the VPA acts on its Pods")
		// The spec requests 256Mi: a Pod that requests more was admitted by
		// the VPA. How many of those running when the traffic started
		// were evicted, for the report.
		evicted := 0
		for name := range first {
			if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &corev1.Pod{}); apierrors.IsNotFound(err) {
				evicted++
			}
		}

		By("the next revision starts from the recommendation")
		target = recommendedMemory(Default, ns, "blue")
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p", `{"spec":{"image":"registry.example/shop:2.0.0"}}`)
		Eventually(func(g Gomega) {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-model-green"}, &d)).To(Succeed())
			g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:2.0.0"))
			g.Expect(memoryRequest(&d)).To(Equal(target.String()))
			g.Expect(d.Spec.Template.Annotations).To(HaveKeyWithValue(apiv1.AnnotationStartedFrom, "memory="+target.String()))
		}, time.Minute).Should(Succeed())
		Eventually(func(g Gomega) {
			pods := modelPods(g, ns, "green")
			g.Expect(pods).NotTo(BeEmpty())
			for _, p := range pods {
				g.Expect(p.Spec.Containers[0].Resources.Requests.Memory().String()).To(Equal(target.String()), "Pod %s of the new revision", p.Name)
			}
		}, time.Minute).Should(Succeed())
		Eventually(func() []string { return stableColours(ns) }, 3*time.Minute).Should(Equal([]string{"green"}))
		Eventually(func(g Gomega) {
			g.Expect(restAPIStatus(ns).BlueGreen.State).To(Equal(apiv1.StateIdle))
			g.Expect(vpaUpdateMode(g, ns, "blue")).To(Equal("Off"), "the old colour's VPA recommends only")
			g.Expect(vpaUpdateMode(g, ns, "green")).To(Equal("Recreate"), "the new serving colour's acts, once its Pods are measured")
		}, 2*time.Minute).Should(Succeed())

		By("the new serving colour keeps what it started with: its VPA's history is its own, never started again at the switch")
		Consistently(func(g Gomega) {
			pods := modelPods(g, ns, "green")
			g.Expect(pods).NotTo(BeEmpty())
			for _, p := range pods {
				req := p.Spec.Containers[0].Resources.Requests[corev1.ResourceMemory]
				g.Expect(req.Cmp(resource.MustParse("512Mi"))).To(BeNumerically(">", 0), "Pod %s requests %s, less than it uses", p.Name, req.String())
			}
		}, 20*time.Second, 2*time.Second).Should(Succeed())
		users.waitServing()
		reports := users.stop()
		users.checkTraffic(reports)
		AddReportEntry("evictions and switch", fmt.Sprintf("%d of the %d serving model Pods running when the traffic started evicted, all re-admitted at %s; the next revision's Pods started at %s; traffic: %s",
			evicted, len(first), target.String(), target.String(), summary(reports)))

		seen := replicas()
		Expect(seen).To(Equal(map[string]bool{"blue hpa=2 deployment=2": true, "green hpa=2 deployment=2": true}),
			"the HPA's replicas through the evictions and the switch")
	})
})

// modelVPA is model's VerticalPodAutoscaler of a colour.
func modelVPA(g Gomega, ns, colour string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(autoscaling.VPAGroupVersionKind)
	g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-model-" + colour}, u)).To(Succeed())
	return u
}

// vpaUpdateMode is the update mode of model's VPA of a colour.
func vpaUpdateMode(g Gomega, ns, colour string) string {
	m, _, _ := unstructured.NestedString(modelVPA(g, ns, colour).Object, "spec", "updatePolicy", "updateMode")
	return m
}

// recommendedMemory is the memory model's VPA of a colour recommends for
// its container.
func recommendedMemory(g Gomega, ns, colour string) resource.Quantity {
	u := modelVPA(g, ns, colour)
	recs, _, _ := unstructured.NestedSlice(u.Object, "status", "recommendation", "containerRecommendations")
	g.Expect(recs).To(HaveLen(1), "model's VPA recommends for its one container")
	m, _ := recs[0].(map[string]any)
	g.Expect(m).To(HaveKeyWithValue("containerName", "model"))
	s, _, _ := unstructured.NestedString(m, "target", "memory")
	q, err := resource.ParseQuantity(s)
	g.Expect(err).NotTo(HaveOccurred())
	return q
}

// modelPods are model's running Pods of a colour, not terminating.
func modelPods(g Gomega, ns, colour string) []corev1.Pod {
	var pods corev1.PodList
	g.Expect(k8sClient.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{
		apiv1.LabelInstance: app, apiv1.LabelComponent: "model", apiv1.LabelEnvironment: colour})).To(Succeed())
	var out []corev1.Pod
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func deployment(ns, name string) *appsv1.Deployment {
	GinkgoHelper()
	var d appsv1.Deployment
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &d)).To(Succeed())
	return &d
}

func memoryRequest(d *appsv1.Deployment) string {
	return d.Spec.Template.Spec.Containers[0].Resources.Requests.Memory().String()
}

// watchModelReplicas records, every half second until the returned func
// is called, what model's HPA asks for and what its target Deployment is
// set to ("blue hpa=2 deployment=2").
func watchModelReplicas(ns string) func() map[string]bool {
	var mu sync.Mutex
	seen := map[string]bool{}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			var h autoscalingv2.HorizontalPodAutoscaler
			if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-model"}, &h); err == nil && h.Status.DesiredReplicas > 0 {
				var d appsv1.Deployment
				if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: h.Spec.ScaleTargetRef.Name}, &d); err == nil && d.Spec.Replicas != nil {
					mu.Lock()
					seen[fmt.Sprintf("%s hpa=%d deployment=%d", d.Labels[apiv1.LabelEnvironment], h.Status.DesiredReplicas, *d.Spec.Replicas)] = true
					mu.Unlock()
				}
			}
			select {
			case <-done:
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return func() map[string]bool {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}
