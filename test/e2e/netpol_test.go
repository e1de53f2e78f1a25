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
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/test/lab/load"
	"github.com/restapi-operator/restapi-operator/test/lab/podsim"
)

// NetworkPolicies enforced with packets (issue 33): the traffic lab runs
// kube-network-policies, and every cell below is a real TCP connection from
// a Pod's address, as a user that is not root, answered or refused.

const (
	// metricsPort is application A's spec.observability.metrics.port.
	metricsPort = 9100
	// probeBound is how long a connection may take to be answered before
	// its cell counts as refused.
	probeBound = 1500 * time.Millisecond
)

// endpoint is a destination of the matrix: a Pod's address and port.
type endpoint struct {
	app, component, colour string
	metrics                bool
	addr                   string
}

func (e endpoint) String() string {
	port := "app"
	if e.metrics {
		port = "metrics"
	}
	return fmt.Sprintf("%s/%s/%s:%s", e.app, e.component, e.colour, port)
}

// source is a row of the matrix: a Pod the connections leave from.
type source struct{ name, ip string }

// cell is one connection.
type cell struct {
	from source
	to   endpoint
}

// probeRow opens every connection of one source at once, inside the lab.
func probeRow(from source, to []endpoint) map[string]load.Probe {
	GinkgoHelper()
	addrs := make([]string, 0, len(to))
	for _, e := range to {
		addrs = append(addrs, e.addr)
	}
	args := append([]string{"load", "-probe", "-source", from.ip, "-timeout", probeBound.String()}, addrs...)
	out, err := run(nil, labScript(), args...)
	Expect(err).NotTo(HaveOccurred(), out)
	var got map[string]load.Probe
	Expect(json.Unmarshal([]byte(out), &got)).To(Succeed(), out)
	return got
}

// measure probes every cell and returns those whose answer is not what
// want says, and the matrix as a table.
func measure(cells []cell, want func(cell) bool) (wrong []string, table string) {
	GinkgoHelper()
	var rows []source
	byRow := map[string][]endpoint{}
	for _, c := range cells {
		if _, ok := byRow[c.from.name]; !ok {
			rows = append(rows, c.from)
		}
		byRow[c.from.name] = append(byRow[c.from.name], c.to)
	}
	answers := map[string]map[string]load.Probe{}
	for _, r := range rows {
		answers[r.name] = probeRow(r, byRow[r.name])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-32s %-9s %s\n", "from", "to", "expected", "measured")
	allowed, refused := 0, 0
	for _, c := range cells {
		got := answers[c.from.name][c.to.addr]
		exp := want(c)
		mark := "allowed"
		if !exp {
			mark = "refused"
		}
		measured := "answered"
		if got.Answered {
			allowed++
		} else {
			refused++
			measured = got.Refused
		}
		// A refusal is the connection's: dropped or reset. One let through
		// that then got no HTTP answer was not refused by a policy.
		refusedHere := got.Refused == "dropped" || got.Refused == "reset"
		flag := ""
		if (exp && !got.Answered) || (!exp && !refusedHere) {
			flag = "  <-- WRONG"
			wrong = append(wrong, fmt.Sprintf("%s -> %s: want %s, got %s", c.from.name, c.to, mark, measured))
		}
		fmt.Fprintf(&b, "%-22s %-32s %-9s %s (%s)%s\n", c.from.name, c.to, mark, measured, got.Took.Round(time.Millisecond), flag)
	}
	fmt.Fprintf(&b, "%d cells: %d answered, %d refused\n", len(cells), allowed, refused)
	return wrong, b.String()
}

// clientPod starts a Pod that only sends (no port) in ns, deleted after
// the spec, and returns its address.
func clientPod(ns string) string {
	GinkgoHelper()
	pod := startClientPod(ns, "client-", map[string]string{"role": "client"})
	DeferCleanup(func() { _ = k8sClient.Delete(ctx, pod) })
	return pod.Status.PodIP
}

// podIP is the address of the one Pod of a component's colour.
func podIP(ns, component, colour string) string {
	GinkgoHelper()
	return podOf(ns, component, colour).Status.PodIP
}

// podOf is the one Pod of a component's colour, once it has an address.
func podOf(ns, component, colour string) corev1.Pod {
	GinkgoHelper()
	var pod corev1.Pod
	Eventually(func(g Gomega) {
		var pods corev1.PodList
		g.Expect(k8sClient.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{
			apiv1.LabelInstance: app, apiv1.LabelComponent: component, apiv1.LabelEnvironment: colour})).To(Succeed())
		g.Expect(pods.Items).To(HaveLen(1), "%s %s %s", ns, component, colour)
		g.Expect(pods.Items[0].Status.PodIP).NotTo(BeEmpty())
		pod = pods.Items[0]
	}).Should(Succeed())
	return pod
}

// addrOf is a Pod's address on its container port of that name.
func addrOf(pod corev1.Pod, portName string) string {
	GinkgoHelper()
	for _, p := range pod.Spec.Containers[0].Ports {
		if p.Name == portName {
			return fmt.Sprintf("%s:%d", pod.Status.PodIP, p.ContainerPort)
		}
	}
	Fail(fmt.Sprintf("Pod %s has no port %s", pod.Name, portName))
	return ""
}

// viewAnswer sends one request through a view Service and returns the
// answer, peers included.
func viewAnswer(ns, service string) podsim.Answer {
	GinkgoHelper()
	var svc corev1.Service
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: service}, &svc)).To(Succeed())
	out, err := run(nil, labScript(), "load", "-get", fmt.Sprintf("http://%s:%d/", svc.Spec.ClusterIP, svc.Spec.Ports[0].Port))
	Expect(err).NotTo(HaveOccurred(), out)
	var a podsim.Answer
	Expect(json.Unmarshal([]byte(out), &a)).To(Succeed(), out)
	return a
}

var _ = Describe("NetworkPolicies enforced with packets", Ordered, func() {
	var (
		appA, appB, gateway string
		cells               []cell
	)

	BeforeAll(func() {
		if trafficOff() {
			Fail("E2E_TRAFFIC=off: the reachability matrix is measured with packets in the lab, and no lab runs")
		}
		newNS := func(prefix string, labels map[string]string) string {
			GinkgoHelper()
			ns := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
			testNamespaces = append(testNamespaces, ns)
			Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}})).To(Succeed())
			return ns
		}
		appA = newNS("netpol-a", nil)
		appB = newNS("netpol-b", nil)
		gateway = newNS("netpol-gateway", nil)
		outside := newNS("netpol-outside", nil)
		metricsNS := newNS("netpol-metrics", map[string]string{"metrics": "enabled"})

		By("application A: a metrics port, an HTTP check of model, an upgrade held before its switch (both colours run)")
		a := &apiv1.RestAPI{
			ObjectMeta: metav1.ObjectMeta{Namespace: appA, Name: app},
			Spec: apiv1.RestAPISpec{
				Image: "registry.example/shop:1.0.0", Replicas: new(int32(1)),
				AutoScaling:   apiv1.AutoScalingSpec{Enabled: new(false)},
				Observability: apiv1.ObservabilitySpec{Metrics: apiv1.MetricsSpec{Port: new(int32(metricsPort))}},
				BlueGreen: apiv1.BlueGreenSpec{AutoPromotion: new(false), Analysis: &apiv1.AnalysisSpec{
					PrePromotion: []apiv1.AnalysisCheck{{Name: "model", Count: 1, IntervalSeconds: 1,
						Components: []apiv1.ComponentName{apiv1.ComponentModel},
						HTTP:       &apiv1.HTTPCheck{Path: "/", SuccessStatusCodes: []int32{200}}}},
				}},
			},
		}
		Expect(k8sClient.Create(ctx, a)).To(Succeed())
		By("application B: its view exposed only to the Gateway's namespace (ingressFrom)")
		b := &apiv1.RestAPI{
			ObjectMeta: metav1.ObjectMeta{Namespace: appB, Name: app},
			Spec: apiv1.RestAPISpec{
				Image: "registry.example/shop:1.0.0", Replicas: new(int32(1)),
				AutoScaling: apiv1.AutoScalingSpec{Enabled: new(false)},
				NetworkPolicy: apiv1.NetworkPolicySpec{IngressFrom: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: gateway}}}}},
			},
		}
		Expect(k8sClient.Create(ctx, b)).To(Succeed())
		waitAvailable(appA)
		waitAvailable(appB)
		kubectl("patch", "rapi", app, "-n", appA, "--type=merge", "-p", `{"spec":{"image":"registry.example/shop:2.0.0"}}`)
		Eventually(func(g Gomega) {
			st := restAPIStatus(appA).BlueGreen
			g.Expect(st.State).To(Equal(apiv1.StateAwaitingPromotion), "%+v", st)
		}).Should(Succeed())

		By("the matrix: sources and destinations")
		sources := map[string]source{
			"outside":          {"outside", clientPod(outside)},
			"gateway":          {"gateway", clientPod(gateway)},
			"metrics":          {"metrics", clientPod(metricsNS)},
			"operator":         {"operator", clientPod(operatorNamespace)},
			"other app (B)":    {"other app (B) model", podIP(appB, "model", "blue")},
			"A view, blue":     {"A view blue", podIP(appA, "view", "blue")},
			"A view, preview":  {"A view green (preview)", podIP(appA, "view", "green")},
			"B view (to B)":    {"B view", podIP(appB, "view", "blue")},
			"B model (from B)": {"B model", podIP(appB, "model", "blue")},
		}
		aEnds := make([]endpoint, 0, 2*2*len(components))
		for _, colour := range []string{"blue", "green"} {
			for _, c := range components {
				pod := podOf(appA, c, colour)
				aEnds = append(aEnds,
					endpoint{app: "A", component: c, colour: colour, addr: addrOf(pod, "http")},
					endpoint{app: "A", component: c, colour: colour, metrics: true, addr: addrOf(pod, "metrics")})
			}
		}
		bView := endpoint{app: "B", component: "view", colour: "blue", addr: addrOf(podOf(appB, "view", "blue"), "http")}
		bModel := endpoint{app: "B", component: "model", colour: "blue", addr: addrOf(podOf(appB, "model", "blue"), "http")}
		for _, name := range []string{"outside", "gateway", "metrics", "operator", "other app (B)"} {
			for _, e := range aEnds {
				cells = append(cells, cell{from: sources[name], to: e})
			}
		}
		// Within A: each colour's view to its own colour's peers, on the
		// application's port (the flows the design names).
		for _, c := range []string{"model", "controller", "repository"} {
			for _, e := range aEnds {
				if e.component == c && !e.metrics {
					from := sources["A view, blue"]
					if e.colour == "green" {
						from = sources["A view, preview"]
					}
					cells = append(cells, cell{from: from, to: e})
				}
			}
		}
		for _, name := range []string{"outside", "gateway", "metrics", "A view, blue"} {
			cells = append(cells, cell{from: sources[name], to: bView}, cell{from: sources[name], to: bModel})
		}
		cells = append(cells, cell{from: sources["B view (to B)"], to: bModel})
	})

	// designed is what docs/security.md says of a cell, policies on.
	designed := func(c cell) bool {
		from, to := c.from.name, c.to
		if to.app == "B" {
			switch {
			case strings.HasPrefix(from, "B "):
				return true // within B
			case from == "metrics":
				return true // B has no metrics port: its scrapes use the application's
			case to.component == "view":
				return from == "gateway" // ingressFrom: the Gateway's namespace only
			}
			return false
		}
		if to.metrics {
			return from == "metrics"
		}
		switch {
		case strings.HasPrefix(from, "A "):
			return true // the application's own Pods, either colour
		case to.component == "view":
			return true // the entry point: anyone
		case from == "operator":
			return to.component == "model" // an HTTP check measures model
		}
		return false
	}

	It("refuses and admits every connection as the design says, for both colours", func() {
		var wrong []string
		var table string
		// The enforcer follows Pods and policies a moment later.
		Eventually(func() []string {
			wrong, table = measure(cells, designed)
			return wrong
		}, time.Minute, 2*time.Second).Should(BeEmpty(), "the matrix:\n%s", table)
		AddReportEntry("reachability, policies enforced", table)

		By("real requests: each view's answer carries its own colour's peers, resolved through the cluster's DNS")
		for svc, colour := range map[string]string{app + "-view": "blue", app + "-view-preview": "green"} {
			a := viewAnswer(appA, svc)
			Expect(a.Colour).To(Equal(colour), svc)
			Expect(a.Peers).To(HaveLen(3), svc)
			for name, p := range a.Peers {
				Expect(p.Error).To(BeEmpty(), "%s: peer %s", svc, name)
				Expect(p.Colour).To(Equal(colour), "%s: peer %s", svc, name)
			}
		}
	})

	It("answers every cell once the policies are off (negative control: a refusal above was the enforcer's)", func() {
		for _, ns := range []string{appA, appB} {
			kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p", `{"spec":{"networkPolicy":{"enabled":false}}}`)
			Eventually(func(g Gomega) {
				var nps networkingv1.NetworkPolicyList
				g.Expect(k8sClient.List(ctx, &nps, client.InNamespace(ns))).To(Succeed())
				g.Expect(nps.Items).To(BeEmpty())
			}).Should(Succeed())
		}
		var wrong []string
		var table string
		Eventually(func() []string {
			wrong, table = measure(cells, func(cell) bool { return true })
			return wrong
		}, time.Minute, 2*time.Second).Should(BeEmpty(), "the matrix:\n%s", table)
		Expect(slices.ContainsFunc(cells, func(c cell) bool { return !designed(c) })).To(BeTrue(),
			"the design refuses some cells, so this control shows the refusals came from the policies")
		AddReportEntry("reachability, policies off", table)
	})
})
