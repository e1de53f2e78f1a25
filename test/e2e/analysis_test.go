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
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
	"github.com/restapi-operator/restapi-operator/internal/testenv"
	"github.com/restapi-operator/restapi-operator/test/lab/netns"
	"github.com/restapi-operator/restapi-operator/test/lab/podsim"
)

// Promotion analysis with real requests: the manager (in this process)
// sends its HTTP checks to the per-colour Services and its PromQL queries
// to a Prometheus that runs inside the traffic lab and scrapes the
// simulated Pods' /metrics, through a dialer into the lab's network
// namespace: what an operator inside the cluster does.

// labPrometheusAddr is where the lab's Prometheus listens, on the lab
// namespace's own loopback.
const labPrometheusAddr = "127.0.0.1:19090"

// labMeasurer is the manager's analysis measurer: every connection opens
// inside the lab, names resolve through the lab's CoreDNS the way a Pod's
// do. Nil without traffic (no lab).
func labMeasurer() *analysis.Measurer {
	GinkgoHelper()
	if trafficOff() {
		return nil
	}
	labMeasurerOnce.Do(func() { labMeasurerValue = newLabMeasurer() })
	return labMeasurerValue
}

var (
	labMeasurerOnce  sync.Once
	labMeasurerValue *analysis.Measurer
)

func newLabMeasurer() *analysis.Measurer {
	name := os.Getenv("LAB_NETNS")
	if name == "" {
		name = "restapi-lab"
	}
	// From an address of the Pod range no Pod has, as if from a Pod of the
	// operator's (the lab routes the whole range locally).
	dial, err := netns.Dialer(filepath.Join("/run/netns", name), "10.244.255.254")
	Expect(err).NotTo(HaveOccurred())
	resolve := podsim.DNSVia(podsim.Dial(dial), "10.96.0.10:53")
	// Only where connections open and how names resolve are the lab's:
	// the HTTP clients, the tenant boundary's checks on every address and
	// the pool of measurers are the production ones.
	network := &analysis.Network{
		Resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
			ip, err := resolve(ctx, "default", host)
			if err != nil {
				return nil, err
			}
			a, err := netip.ParseAddr(ip)
			if err != nil {
				return nil, err
			}
			return []netip.Addr{a}, nil
		},
		Dial: dial,
	}
	labPromClient = &http.Client{Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
	return &analysis.Measurer{Network: network, PrometheusAddress: "http://" + labPrometheusAddr,
		Egress: analysis.Egress{Prometheus: []analysis.Origin{{Scheme: "http", Host: "127.0.0.1", Port: "19090"}}}}
}

// labPromClient reaches the lab's Prometheus from the tests themselves.
var labPromClient *http.Client

// startLabPrometheus runs Prometheus inside the lab, discovering the Pods
// through the API server and scraping those annotated prometheus.io/scrape,
// labelled with their namespace, component, colour and revision.
func startLabPrometheus() {
	GinkgoHelper()
	bin, err := testenv.PrometheusBinary()
	Expect(err).NotTo(HaveOccurred())
	dir, err := os.MkdirTemp("", "lab-prometheus-")
	Expect(err).NotTo(HaveOccurred())
	config := fmt.Sprintf(`global: {scrape_interval: 2s, scrape_timeout: 1s}
scrape_configs:
  - job_name: restapi-pods
    kubernetes_sd_configs:
      - role: pod
        kubeconfig_file: %s
    relabel_configs:
      - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], regex: "true", action: keep}
      - {source_labels: [__meta_kubernetes_pod_ip, __meta_kubernetes_pod_annotation_prometheus_io_port], regex: "(.+);(.+)", target_label: __address__, replacement: "$1:$2"}
      - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path], regex: "(.+)", target_label: __metrics_path__}
      - {source_labels: [__meta_kubernetes_namespace], target_label: namespace}
      - {source_labels: [__meta_kubernetes_pod_name], target_label: pod}
      - {source_labels: [__meta_kubernetes_pod_label_app_kubernetes_io_component], target_label: component}
      - {source_labels: [__meta_kubernetes_pod_label_apps_restapi_dev_environment], target_label: colour}
      - {source_labels: [__meta_kubernetes_pod_label_apps_restapi_dev_revision], target_label: revision}
`, os.Getenv("KUBECONFIG"))
	Expect(os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600)).To(Succeed())
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	Expect(err).NotTo(HaveOccurred())
	cmd := exec.Command(labScript(), "exec", bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+labPrometheusAddr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = log, log
	Expect(cmd.Start()).To(Succeed())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	DeferCleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		_ = log.Close()
		_ = os.RemoveAll(dir)
	})
	Eventually(func() error {
		select {
		case <-exited:
			b, _ := os.ReadFile(log.Name())
			StopTrying("the lab's Prometheus exited: " + string(b)).Now()
		default:
		}
		_, err := promQuery("vector(1)")
		return err
	}, 30*time.Second, 250*time.Millisecond).Should(Succeed())
}

// promQuery asks the lab's Prometheus, through the manager's own dialer.
func promQuery(q string) (string, error) {
	m := labMeasurer()
	resp, err := labPromClient.Get(m.PrometheusAddress + "/api/v1/query?" + url.Values{"query": {q}}.Encode())
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("prometheus answered %d: %s", resp.StatusCode, b)
	}
	return string(b), nil
}

// errorRatio is the share of the view's answers of the colour under test
// that were 5xx over the last 20 s, from the simulated Pods' own counters.
const errorRatio = `(sum(rate(http_requests_total{namespace="{{.Namespace}}",component="{{.Component}}",colour="{{.Colour}}",code=~"5.."}[20s])) or vector(0))` +
	` / sum(rate(http_requests_total{namespace="{{.Namespace}}",component="{{.Component}}",colour="{{.Colour}}"}[20s]))`

// analysedRestAPI is the application with checks before and after the
// switch: a GET of the view's / through the colour's own Service, and its
// error ratio in Prometheus.
// postCount is how many measurements the post-promotion check takes, 5 s
// apart: long enough to see a release that degrades, or short.
func analysedRestAPI(ns string, postCount int32) *apiv1.RestAPI {
	check := func(name string, count, interval int32) apiv1.AnalysisCheck {
		return apiv1.AnalysisCheck{Name: name, Count: count, IntervalSeconds: interval, InconclusiveLimit: 20,
			Prometheus: &apiv1.PrometheusCheck{Query: errorRatio, SuccessCondition: "result < 0.05"}}
	}
	r := onePodRestAPI(ns, app, "registry.example/shop:1.0.0")
	r.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{
		PrePromotion: []apiv1.AnalysisCheck{
			{Name: "smoke", Count: 3, IntervalSeconds: 2, HTTP: &apiv1.HTTPCheck{Path: "/", SuccessStatusCodes: []int32{200}}},
			check("errors", 3, 4),
		},
		PostPromotion: []apiv1.AnalysisCheck{check("errors-serving", postCount, 5)},
	}
	return r
}

var _ = Describe("Promotion analysis with real requests in the traffic lab", Ordered, func() {
	BeforeAll(func() {
		if trafficOff() {
			// Nothing to measure without the lab; a skip would read as a
			// pass. envtest proves the analysis against a real Prometheus.
			Fail("E2E_TRAFFIC=off: promotion analysis measures the lab's Pods, and no lab runs")
		}
		startLabPrometheus()
	})

	// ship deploys 1.0.0 to blue with user traffic on the stable view,
	// ships image, and sends synthetic traffic to the preview view once it
	// is ready (what the error-ratio check measures before the switch).
	ship := func(image string, postCount int32) (ns string, users, smoke *traffic, oldRev string) {
		GinkgoHelper()
		ns = fmt.Sprintf("analysis-%d", time.Now().UnixNano())
		testNamespaces = append(testNamespaces, ns)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Expect(k8sClient.Create(ctx, analysedRestAPI(ns, postCount))).To(Succeed())
		waitAvailable(ns)
		oldRev = restAPIStatus(ns).BlueGreen.ActiveRevision
		users = startTraffic(ns, app+"-view")
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p", fmt.Sprintf(`{"spec":{"image":%q}}`, image))
		Eventually(func(g Gomega) {
			st := restAPIStatus(ns).BlueGreen
			g.Expect(st.Analysis).NotTo(BeNil())
			g.Expect(st.Analysis.Revision).To(Equal(st.PreviewRevision))
		}).Should(Succeed())
		smoke = startTraffic(ns, app+"-view-preview")
		return ns, users, smoke, oldRev
	}

	It("promotes an upgrade that passes its HTTP and Prometheus checks; users see no failure", func() {
		ns, users, smoke, oldRev := ship("registry.example/shop:2.0.0", 3)
		Eventually(func() []string { return stableColours(ns) }).Should(Equal([]string{"green"}))
		Eventually(func(g Gomega) {
			a := restAPIStatus(ns).BlueGreen.Analysis
			g.Expect(a.Phase).To(Equal(apiv1.AnalysisPostPromotion))
			g.Expect(a.Verdict).To(Equal(apiv1.VerdictPassed), "%+v", a)
		}).Should(Succeed())
		smoke.stop()
		users.waitServing()
		reports := users.stop()
		users.checkTraffic(reports)
		view := reports[ns+"/"+app+"-view"]
		Expect(answeredBy(view)).To(HaveLen(2), "users were answered by %s, then by the new revision", oldRev)
		Expect(measuredValues(ns)).NotTo(BeEmpty())
		AddReportEntry("analysis: good upgrade", summary(reports))
	})

	It("aborts an upgrade whose pods answer 20% with 500 while passing their probes, before any user request reaches it", func() {
		ns, users, smoke, oldRev := ship("registry.example/shop:2.0.0-fail20", 3)
		seen, stopWatching := watchStableColours(ns)
		Eventually(func(g Gomega) {
			st := restAPIStatus(ns).BlueGreen
			g.Expect(st.State).To(Equal(apiv1.StateAborted))
			g.Expect(st.Reason).To(Equal(apiv1.ReasonAnalysisFailed))
		}).Should(Succeed())
		stopWatching()
		smokeReports := smoke.stop()
		reports := users.stop()
		users.checkTraffic(reports)
		Expect(seen()).To(Equal(map[string]bool{"blue": true}), "a stable Service selected the failing colour")
		Expect(answeredBy(reports[ns+"/"+app+"-view"])).To(Equal([]string{oldRev}), "a user request reached the failing revision")
		Expect(smokeReports[ns+"/"+app+"-view-preview"].Non2xx).To(BeNumerically(">", 0), "the synthetic traffic saw the failures the check measured")
		AddReportEntry("analysis: failing upgrade", summary(reports)+summary(smokeReports)+"\n  "+restAPIStatus(ns).BlueGreen.Message)
	})

	It("keeps a tenant's checks to its own Services: one aimed at another tenant's pods is refused and sends nothing; the NetworkPolicy admits the operator's namespace only where HTTP checks measure", func() {
		newNS := func(prefix string) string {
			GinkgoHelper()
			ns := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
			testNamespaces = append(testNamespaces, ns)
			Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
			return ns
		}
		By("tenant A: an application with no HTTP check, serving")
		victim := newNS("tenant-a")
		plain := analysedRestAPI(victim, 1)
		plain.Spec.BlueGreen.Analysis = nil
		Expect(k8sClient.Create(ctx, plain)).To(Succeed())
		waitAvailable(victim)

		By("tenant B: a pre-promotion check at tenant A's view, and an upgrade")
		attacker := newNS("tenant-b")
		r := analysedRestAPI(attacker, 1)
		r.Spec.BlueGreen.Analysis.PrePromotion = []apiv1.AnalysisCheck{{Name: "probe", Count: 1, IntervalSeconds: 5,
			HTTP: &apiv1.HTTPCheck{URL: fmt.Sprintf("http://%s-view-blue.%s.svc:3000/", app, victim)}}}
		r.Spec.BlueGreen.Analysis.PostPromotion = nil
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		waitAvailable(attacker)
		kubectl("patch", "rapi", app, "-n", attacker, "--type=merge", "-p", `{"spec":{"image":"registry.example/shop:2.0.0"}}`)
		Eventually(func(g Gomega) {
			st := restAPIStatus(attacker)
			g.Expect(st.BlueGreen.Reason).To(Equal(apiv1.ReasonAnalysisURLNotAllowed))
			g.Expect(st.BlueGreen.Message).To(ContainSubstring("nothing was sent"))
		}).Should(Succeed())
		Expect(stableColours(attacker)).To(Equal([]string{"blue"}), "nothing is promoted on a refused check")

		By("tenant A's pods answered nothing: their request counters, scraped by the lab's Prometheus, never appear")
		// Two scrapes and more after the refusal.
		Consistently(func() string {
			out, err := promQuery(fmt.Sprintf(`sum(http_requests_total{namespace=%q})`, victim))
			Expect(err).NotTo(HaveOccurred())
			return out
		}, 6*time.Second, time.Second).ShouldNot(ContainSubstring(`"value"`), "a request reached tenant A")

		By("the rendered NetworkPolicies: the operator's namespace only on the port of a component an HTTP check measures")
		admitsOperator := func(ns, component string) []int32 {
			GinkgoHelper()
			var np networkingv1.NetworkPolicy
			Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-" + component}, &np)).To(Succeed())
			var ports []int32
			for _, rule := range np.Spec.Ingress {
				for _, from := range rule.From {
					if from.NamespaceSelector != nil && from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == operatorNamespace {
						for _, p := range rule.Ports {
							ports = append(ports, p.Port.IntVal)
						}
					}
				}
			}
			return ports
		}
		Expect(admitsOperator(attacker, "view")).To(Equal([]int32{3000}))
		for _, c := range []string{"model", "controller", "repository"} {
			Expect(admitsOperator(attacker, c)).To(BeEmpty(), c)
		}
		for _, c := range components {
			Expect(admitsOperator(victim, c)).To(BeEmpty(), "tenant A has no HTTP check: %s admits no operator", c)
		}
		Expect(managerLog.String()).NotTo(MatchRegexp(`forbidden: User \\?"system:serviceaccount:`),
			"the manager, bound only to the kustomize ClusterRole, was refused something")
		AddReportEntry("analysis: tenant boundary", restAPIStatus(attacker).BlueGreen.Message)
	})

	It("rolls back an upgrade that degrades once it serves; users see the failures until then, and end on the good colour", func() {
		ns, users, smoke, oldRev := ship("registry.example/shop:2.0.0-fail20-after60", 10)
		Eventually(func() []string { return stableColours(ns) }).Should(Equal([]string{"green"}))
		smoke.stop()
		Eventually(func(g Gomega) {
			st := restAPIStatus(ns).BlueGreen
			g.Expect(st.State).To(Equal(apiv1.StateRolledBack))
			g.Expect(st.Reason).To(Equal(apiv1.ReasonAnalysisFailed))
		}, 3*time.Minute).Should(Succeed())
		Expect(stableColours(ns)).To(Equal([]string{"blue"}))
		// New connections are answered by blue's Pods, the good revision:
		// the users' traffic ends there.
		users.waitServing()
		reports := users.stop()
		view := reports[ns+"/"+app+"-view"]
		Expect(view.Non2xx).To(BeNumerically(">", 0), "users saw the degraded revision fail before the rollback: %s", view)
		Expect(answeredBy(view)).To(Equal([]string{oldRev, restAPIStatus(ns).BlueGreen.AbortedRevision}), "answered by the good revision and the degraded one, nothing else")
		AddReportEntry("analysis: degrading upgrade", summary(reports)+"\n  "+restAPIStatus(ns).BlueGreen.Message)
	})
})

func restAPIStatus(ns string) apiv1.RestAPIStatus {
	GinkgoHelper()
	var r apiv1.RestAPI
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app}, &r)).To(Succeed())
	return r.Status
}

// measuredValues are the last values the analysis recorded.
func measuredValues(ns string) []string {
	GinkgoHelper()
	var out []string
	if a := restAPIStatus(ns).BlueGreen.Analysis; a != nil {
		for _, c := range a.Checks {
			out = append(out, c.Name+"="+c.LastValue)
		}
	}
	return out
}

// watchStableColours records every colour a stable Service selects until
// stop.
func watchStableColours(ns string) (seen func() map[string]bool, stop func()) {
	return testenv.Seen(func() []string {
		var out []string
		for _, c := range components {
			var svc corev1.Service
			if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: app + "-" + c}, &svc); err == nil {
				out = append(out, svc.Spec.Selector[apiv1.LabelEnvironment])
			}
		}
		return out
	}, 50*time.Millisecond)
}
