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
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/metrics"
	"github.com/restapi-operator/restapi-operator/internal/testenv"
)

// analysisLab is what the analysis checks measure in these specs: an
// exporter whose error ratio differs by namespace and colour, scraped by
// a real Prometheus, and HTTP endpoints whose status code differs the
// same way.
type analysisLab struct {
	srv   *httptest.Server
	mu    sync.Mutex
	ratio map[string]float64 // namespace/colour
	code  map[string]int     // namespace/colour
}

func newAnalysisLab() *analysisLab {
	l := &analysisLab{ratio: map[string]float64{}, code: map[string]int{}}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if r.URL.Path == "/metrics" {
			_, _ = fmt.Fprintln(w, "# TYPE restapi_test_error_ratio gauge")
			for k, v := range l.ratio {
				ns, colour, _ := strings.Cut(k, "/")
				_, _ = fmt.Fprintf(w, "restapi_test_error_ratio{namespace=%q,colour=%q} %g\n", ns, colour, v)
			}
			return
		}
		code, ok := l.code[strings.TrimPrefix(r.URL.Path, "/check/")]
		if !ok {
			code = http.StatusOK
		}
		w.WriteHeader(code)
	}))
	return l
}

func (l *analysisLab) setRatio(ns, colour string, v float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ratio[ns+"/"+colour] = v
}

func (l *analysisLab) setCode(ns, colour string, code int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.code[ns+"/"+colour] = code
}

// target is the lab's address for Prometheus's scrape configuration.
func (l *analysisLab) target() string { return strings.TrimPrefix(l.srv.URL, "http://") }

const errorRatioQuery = `max(restapi_test_error_ratio{namespace="{{.Namespace}}",colour="{{.Colour}}"})`

// errorsCheck measures green's error ratio through Prometheus every second.
func errorsCheck(name string, count int32) apiv1.AnalysisCheck {
	return apiv1.AnalysisCheck{Name: name, IntervalSeconds: 1, Count: count,
		Prometheus: &apiv1.PrometheusCheck{Query: errorRatioQuery, SuccessCondition: "result < 0.01"}}
}

func (l *analysisLab) smokeCheck(count, interval int32) apiv1.AnalysisCheck {
	return apiv1.AnalysisCheck{Name: "smoke", IntervalSeconds: interval, Count: count,
		HTTP: &apiv1.HTTPCheck{URL: "http://{{.Service}}.{{.Namespace}}.svc:{{.Port}}/check/{{.Namespace}}/{{.Colour}}", TimeoutSeconds: 2}}
}

// analysisOf is status.blueGreen.analysis (nil when absent).
func analysisOf(ns string) *apiv1.AnalysisStatus {
	GinkgoHelper()
	return blueGreenStatus(ns, "shop").Analysis
}

func checkStatus(a *apiv1.AnalysisStatus, name string) apiv1.AnalysisCheckStatus {
	GinkgoHelper()
	Expect(a).NotTo(BeNil())
	for _, c := range a.Checks {
		if c.Name == name {
			return c
		}
	}
	Fail(fmt.Sprintf("no check %s in %+v", name, a))
	return apiv1.AnalysisCheckStatus{}
}

// scraped waits until Prometheus has the lab's series of ns for green.
func scraped(prom, ns string) {
	GinkgoHelper()
	q := url.Values{"query": {fmt.Sprintf("restapi_test_error_ratio{namespace=%q,colour=\"green\"}", ns)}}.Encode()
	Eventually(func(g Gomega) {
		resp, err := http.Get(prom + "/api/v1/query?" + q)
		g.Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(body)).To(ContainSubstring(`"value"`))
	}).Should(Succeed())
}

// measured is what status records of a check of the RestAPI "shop" so
// far (zero until it is recorded).
func measured(ns, check string) apiv1.AnalysisCheckStatus {
	GinkgoHelper()
	if a := analysisOf(ns); a != nil {
		for _, c := range a.Checks {
			if c.Name == check {
				return c
			}
		}
	}
	return apiv1.AnalysisCheckStatus{}
}

// watchStable records every colour any stable Service of the RestAPI
// selects, until stop is called.
func watchStable(ns, name string) (seen func() map[string]bool, stop func()) {
	return testenv.Seen(func() []string {
		var out []string
		for _, c := range components {
			var svc corev1.Service
			if err := k8sClient.Get(ctx, key(ns, name+"-"+string(c)), &svc); err == nil {
				out = append(out, svc.Spec.Selector[apiv1.LabelEnvironment])
			}
		}
		return out
	}, 20*time.Millisecond)
}

func eventNotes(ns, reason string) []string {
	GinkgoHelper()
	var events eventsv1.EventList
	Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
	var notes []string
	for _, e := range events.Items {
		if e.Reason == reason {
			notes = append(notes, e.Note)
		}
	}
	return notes
}

func degradedReason(ns, name string) string {
	GinkgoHelper()
	c := meta.FindStatusCondition(restAPI(ns, name).Status.Conditions, apiv1.ConditionDegraded)
	if c == nil || c.Status != "True" {
		return ""
	}
	return c.Reason
}

var _ = Describe("Promotion analysis against a real Prometheus", Ordered, func() {
	var (
		lab  *analysisLab
		prom *testenv.Prometheus
		ns   string
	)
	BeforeAll(func() {
		lab = newAnalysisLab()
		DeferCleanup(lab.srv.Close)
		// The RestAPIs' own Services answer from the lab.
		serviceTarget.Store(lab.target())
		var err error
		prom, err = testenv.StartPrometheus([]string{lab.target()}, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(prom.Stop)
	})
	BeforeEach(func() { ns = newNamespace() })

	// deploy brings blue to serving with the analysis, then ships 2.0.0
	// to green and reports it ready.
	deploy := func(analysis *apiv1.AnalysisSpec) {
		GinkgoHelper()
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(1))
			r.Spec.BlueGreen.Analysis = analysis
		})
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func(g Gomega) {
			g.Expect(blueGreenStatus(ns, "shop").PreviewRevision).NotTo(BeEmpty())
		}).Should(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-repository-green"), &appsv1.Deployment{}) }).Should(Succeed())
		markColourReady(ns, "shop", "green")
	}

	It("promotes a good revision once its pre-promotion checks passed, and scales the old colour down only after the post-promotion ones", func() {
		lab.setRatio(ns, "green", 0)
		lab.setRatio(ns, "blue", 0)
		scraped(prom.URL, ns)
		before := measurementsOf(ns, "errors", "success")
		deploy(&apiv1.AnalysisSpec{
			Prometheus:    usePrometheus(labPrometheus, prom.URL),
			PrePromotion:  []apiv1.AnalysisCheck{lab.smokeCheck(2, 1), errorsCheck("errors", 2)},
			PostPromotion: []apiv1.AnalysisCheck{errorsCheck("errors-after", 2)},
		})
		rev := blueGreenStatus(ns, "shop").PreviewRevision

		By("analysing the ready preview before any switch")
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionProgressing)
			g.Expect(c.Reason).To(Equal(apiv1.ReasonAnalysisRunning))
		}).Should(Succeed())

		By("switching once both checks passed for this revision in green")
		Eventually(func() []string { return stableColours(ns, "shop") }, 30*time.Second).Should(Equal(allColour("green")))
		// Services are written before status: read it once it says so.
		Eventually(func() apiv1.Environment { return restAPI(ns, "shop").Status.ActiveEnvironment }).Should(Equal(apiv1.EnvironmentGreen))
		a := analysisOf(ns)
		if a.Phase == apiv1.AnalysisPrePromotion {
			Expect(a.Verdict).To(Equal(apiv1.VerdictPassed))
			Expect(a.Revision).To(Equal(rev))
			Expect(checkStatus(a, "smoke").Successes).To(BeNumerically(">=", 2))
			Expect(checkStatus(a, "errors").LastValue).To(Equal("0"))
		}

		By("keeping blue warm past its delay until the post-promotion analysis passed")
		Consistently(func() int32 { return *deploymentOf(ns, "shop-view-blue").Spec.Replicas }, 3*time.Second).ShouldNot(BeZero())
		Expect(blueGreenStatus(ns, "shop").Reason).To(Equal(apiv1.ReasonAnalysisRunning))
		advanceClock(bluegreen.AnalysisSettle)
		Eventually(func(g Gomega) {
			a := analysisOf(ns)
			g.Expect(a.Phase).To(Equal(apiv1.AnalysisPostPromotion))
			g.Expect(a.Verdict).To(Equal(apiv1.VerdictPassed))
			g.Expect(a.Colour).To(Equal(apiv1.EnvironmentGreen))
		}, 30*time.Second).Should(Succeed())
		Eventually(func() int32 { return *deploymentOf(ns, "shop-view-blue").Spec.Replicas }).Should(BeZero())
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateIdle))

		By("announcing it and counting the measurements")
		Eventually(func(g Gomega) {
			g.Expect(eventNotes(ns, apiv1.EventAnalysisStarted)).To(HaveLen(2))
			g.Expect(eventNotes(ns, apiv1.EventAnalysisPassed)).To(ContainElement(ContainSubstring("Pre-promotion analysis of revision " + rev)))
		}).Should(Succeed())
		Expect(measurementsOf(ns, "errors", "success") - before).To(BeNumerically(">=", 2))
	})

	It("aborts a revision that fails its checks, and no stable Service ever selects it", func() {
		lab.setRatio(ns, "green", 0.2)
		scraped(prom.URL, ns)
		seen, stop := watchStable(ns, "shop")
		deploy(&apiv1.AnalysisSpec{
			Prometheus:   usePrometheus(labPrometheus, prom.URL),
			PrePromotion: []apiv1.AnalysisCheck{errorsCheck("errors", 3)},
		})
		Eventually(func(g Gomega) {
			st := blueGreenStatus(ns, "shop")
			g.Expect(st.State).To(Equal(apiv1.StateAborted))
			g.Expect(st.Reason).To(Equal(apiv1.ReasonAnalysisFailed))
			g.Expect(st.Message).To(ContainSubstring("check errors on view"))
			g.Expect(st.Analysis.Verdict).To(Equal(apiv1.VerdictFailed))
			g.Expect(checkStatus(st.Analysis, "errors").LastValue).To(Equal("0.2"))
		}, 30*time.Second).Should(Succeed())
		Eventually(func() int32 { return *deploymentOf(ns, "shop-view-green").Spec.Replicas }).Should(BeZero())
		stop()
		Expect(seen()).To(Equal(map[string]bool{"blue": true}), "a stable Service selected the failing colour")
		Expect(degradedReason(ns, "shop")).To(Equal(apiv1.ReasonAnalysisFailed))
	})

	It("rolls traffic back to the warm colour when the post-promotion analysis fails", func() {
		lab.setRatio(ns, "green", 0)
		scraped(prom.URL, ns)
		deploy(&apiv1.AnalysisSpec{
			Prometheus:    usePrometheus(labPrometheus, prom.URL),
			PrePromotion:  []apiv1.AnalysisCheck{errorsCheck("errors", 1)},
			PostPromotion: []apiv1.AnalysisCheck{errorsCheck("errors-after", 3)},
		})
		Eventually(func() []string { return stableColours(ns, "shop") }, 30*time.Second).Should(Equal(allColour("green")))

		By("degrading green once it serves")
		lab.setRatio(ns, "green", 0.2)
		time.Sleep(2 * time.Second) // two scrapes
		advanceClock(bluegreen.AnalysisSettle)
		Eventually(func(g Gomega) {
			st := blueGreenStatus(ns, "shop")
			g.Expect(st.State).To(Equal(apiv1.StateRolledBack))
			g.Expect(st.Reason).To(Equal(apiv1.ReasonAnalysisFailed))
			g.Expect(st.Analysis.Phase).To(Equal(apiv1.AnalysisPostPromotion))
		}, 30*time.Second).Should(Succeed())
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))
		Expect(restAPI(ns, "shop").Status.ActiveEnvironment).To(Equal(apiv1.EnvironmentBlue))
	})

	It("continues an analysis across a manager restart: no early promotion, no recorded failure lost", func() {
		lab.setCode(ns, "green", http.StatusInternalServerError)
		smoke := lab.smokeCheck(3, 3)
		smoke.FailureLimit = 1
		deploy(&apiv1.AnalysisSpec{PrePromotion: []apiv1.AnalysisCheck{smoke}})
		Eventually(func() int32 { return measured(ns, "smoke").Failures }).Should(Equal(int32(1)))
		started := analysisOf(ns).StartedAt

		By("restarting the manager with one failure recorded")
		lab.setCode(ns, "green", http.StatusOK)
		restartManager()
		stillServes(ns, "shop", "blue")

		By("promoting only after the remaining measurements, the failure still counted")
		Eventually(func() []string { return stableColours(ns, "shop") }, 30*time.Second).Should(Equal(allColour("green")))
		// Services are written before status: read it once it says so.
		Eventually(func() apiv1.Environment { return restAPI(ns, "shop").Status.ActiveEnvironment }).Should(Equal(apiv1.EnvironmentGreen))
		a := analysisOf(ns)
		if a.Phase == apiv1.AnalysisPrePromotion {
			c := checkStatus(a, "smoke")
			Expect([]int32{c.Failures, c.Successes}).To(Equal([]int32{1, 2}))
			Expect(a.StartedAt.Time).To(BeTemporally("==", started.Time), "the analysis was not started over")
		}
	})

	It("reports a check that cannot run as written with its own reason, promotes nothing, and does not loop", func() {
		cases := []struct {
			reason string
			check  apiv1.AnalysisCheck
		}{
			{apiv1.ReasonAnalysisQueryInvalid, apiv1.AnalysisCheck{Name: "bad-query", IntervalSeconds: 30, Count: 1,
				Prometheus: &apiv1.PrometheusCheck{Query: "sum(rate(x[1m]", SuccessCondition: "result < 1.0"}}},
			{apiv1.ReasonAnalysisConditionInvalid, apiv1.AnalysisCheck{Name: "bad-condition", IntervalSeconds: 30, Count: 1,
				Prometheus: &apiv1.PrometheusCheck{Query: "vector(0)", SuccessCondition: "result <"}}},
			{apiv1.ReasonAnalysisTemplateInvalid, apiv1.AnalysisCheck{Name: "bad-url", IntervalSeconds: 30, Count: 1,
				HTTP: &apiv1.HTTPCheck{URL: "ftp://{{.Service}}.{{.Namespace}}.svc/"}}},
			// The tenant boundary: refused before anything is sent.
			{apiv1.ReasonAnalysisURLNotAllowed, apiv1.AnalysisCheck{Name: "other-namespace", IntervalSeconds: 30, Count: 1,
				HTTP: &apiv1.HTTPCheck{URL: "http://shop-view.kube-system.svc:3000/"}}},
			{apiv1.ReasonAnalysisURLNotAllowed, apiv1.AnalysisCheck{Name: "metadata", IntervalSeconds: 30, Count: 1,
				HTTP: &apiv1.HTTPCheck{URL: "http://169.254.169.254/latest/meta-data/"}}},
			{apiv1.ReasonAnalysisPrometheusNotAllowed, apiv1.AnalysisCheck{Name: "tenant-prometheus", IntervalSeconds: 30, Count: 1,
				Prometheus: &apiv1.PrometheusCheck{Query: "vector(0)", SuccessCondition: "result < 1.0",
					Server: &apiv1.PrometheusServer{Address: "http://prometheus.tenant.example:9090"}}}},
		}
		deploy(&apiv1.AnalysisSpec{Prometheus: usePrometheus(labPrometheus, prom.URL), PrePromotion: []apiv1.AnalysisCheck{cases[0].check}})
		for i, tc := range cases {
			By(tc.reason)
			dialled := dials.count()
			if i > 0 {
				updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.Analysis.PrePromotion = []apiv1.AnalysisCheck{tc.check} })
				advanceClock(31 * time.Second) // the check is tried again an interval later
			}
			Eventually(func(g Gomega) {
				r := restAPI(ns, "shop")
				c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
				g.Expect(c.Reason).To(Equal(tc.reason))
				g.Expect(c.Message).To(ContainSubstring("analysis check " + tc.check.Name))
			}).Should(Succeed())
			writes.quiet(ns)
			n := len(writes.in(ns))
			Consistently(func() int { return len(writes.in(ns)) }, 2*time.Second).Should(Equal(n), "no hot loop")
			Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))
			if i > 1 {
				Expect(dials.since(dialled)).To(BeEmpty(), "nothing is dialled for a check that cannot run as written")
			}
		}
	})

	It("waits for a person when Prometheus stops answering mid-analysis, and never promotes on its own", func() {
		own, err := testenv.StartPrometheus([]string{lab.target()}, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(own.Stop)
		lab.setRatio(ns, "green", 0)
		scraped(own.URL, ns)
		// Far more measurements than can pass before Prometheus is gone.
		errors := errorsCheck("errors", 30)
		errors.InconclusiveLimit = 1
		deploy(&apiv1.AnalysisSpec{Prometheus: usePrometheus(otherPrometheus, own.URL), PrePromotion: []apiv1.AnalysisCheck{errors}})
		Eventually(func() int32 { return measured(ns, "errors").Successes }).Should(BeNumerically(">=", 1))
		own.Stop()
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionProgressing)
			g.Expect(c.Reason).To(Equal(apiv1.ReasonAnalysisInconclusive))
			g.Expect(r.Status.BlueGreen.Analysis.Verdict).To(Equal(apiv1.VerdictInconclusive))
		}, 30*time.Second).Should(Succeed())
		stillServes(ns, "shop", "blue")

		By("promoting when a person approves that revision")
		annotate(ns, "shop", apiv1.AnnotationPromote, blueGreenStatus(ns, "shop").PreviewRevision)
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
	})
})

// measurementsOf reads restapi_analysis_measurements_total for a check.
func measurementsOf(ns, check, result string) float64 {
	GinkgoHelper()
	return testutil.ToFloat64(metrics.AnalysisMeasurements.WithLabelValues(ns, "shop", check, result))
}
