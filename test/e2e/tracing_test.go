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
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/tracing"
	"github.com/restapi-operator/restapi-operator/test/lab/load"
)

// jaegerQuery is the lab's Jaeger query API, bridged to the host's
// loopback (hack/lab.sh); jaegerOTLP its OTLP gRPC receiver, where the
// in-process manager sends its rollout traces.
func jaegerQuery() string { return "http://127.0.0.1:" + envOr("LAB_JAEGER_QUERY_PORT", "16686") }
func jaegerOTLP() string  { return "http://127.0.0.1:" + envOr("LAB_JAEGER_OTLP_PORT", "4317") }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// jaegerTrace is a trace as Jaeger's query API gives it.
type jaegerTrace struct {
	TraceID   string       `json:"traceID"`
	Spans     []jaegerSpan `json:"spans"`
	Processes map[string]struct {
		ServiceName string     `json:"serviceName"`
		Tags        []jaegerKV `json:"tags"`
	} `json:"processes"`
}

type jaegerSpan struct {
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		SpanID string `json:"spanID"`
	} `json:"references"`
	StartTime int64      `json:"startTime"`
	Duration  int64      `json:"duration"`
	Tags      []jaegerKV `json:"tags"`
	ProcessID string     `json:"processID"`
}

type jaegerKV struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

func tag(kvs []jaegerKV, key string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return fmt.Sprint(kv.Value)
		}
	}
	return ""
}

// jaegerGet reads a query API path; found is false on 404 (a trace not
// stored yet).
func jaegerGet(path string) (traces []jaegerTrace, found bool, err error) {
	resp, err := http.Get(jaegerQuery() + path)
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode == http.StatusNotFound {
		return nil, false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	var body struct {
		Data []jaegerTrace `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, false, err
	}
	return body.Data, len(body.Data) > 0, nil
}

// requireJaeger fails unless the lab's Jaeger answers.
func requireJaeger() {
	GinkgoHelper()
	if trafficOff() {
		Fail("E2E_TRAFFIC=off: the traces are the lab's Pods' and the lab's Jaeger stores them, and no lab runs")
	}
	resp, err := http.Get(jaegerQuery() + "/api/services")
	Expect(err).NotTo(HaveOccurred(), "the lab's Jaeger does not answer at %s (hack/lab.sh up starts it unless LAB_JAEGER=off)", jaegerQuery())
	_ = resp.Body.Close()
	Expect(resp.StatusCode).To(Equal(http.StatusOK), "the lab's Jaeger at %s", jaegerQuery())
}

var _ = Describe("Traces in Jaeger", Ordered, func() {
	BeforeAll(requireJaeger)

	It("follows every request across all four components of one revision through a switch, and records the rollout as one trace that matches its Events", func() {
		ns := fmt.Sprintf("traces-%d", time.Now().UnixNano())
		testNamespaces = append(testNamespaces, ns)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		r := analysedRestAPI(ns, 1)
		// HTTP checks only: the trace has analysis spans without waiting
		// on Prometheus's scrapes.
		smoke := func(name string, count int32) apiv1.AnalysisCheck {
			return apiv1.AnalysisCheck{Name: name, Count: count, IntervalSeconds: 2, HTTP: &apiv1.HTTPCheck{Path: "/", SuccessStatusCodes: []int32{200}}}
		}
		r.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{PrePromotion: []apiv1.AnalysisCheck{smoke("smoke", 3)},
			PostPromotion: []apiv1.AnalysisCheck{smoke("smoke-serving", 2)}}
		r.Spec.Observability.Tracing = &apiv1.TracingSpec{Endpoint: "http://jaeger.restapi-lab:4317"}
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		waitAvailable(ns)
		users := startTracedTraffic(ns, app+"-view")
		patched := time.Now()
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p", `{"spec":{"image":"registry.example/shop:2.0.0"}}`)
		Eventually(func() []string { return stableColours(ns) }, 3*time.Minute).Should(Equal([]string{"green"}))
		Eventually(func(g Gomega) {
			st := restAPIStatus(ns).BlueGreen
			g.Expect(st.State).To(Equal(apiv1.StateIdle), "the old colour scaled down: %s", st.Message)
		}, 3*time.Minute).Should(Succeed())
		users.waitServing()
		reports := users.stop()
		users.checkTraffic(reports)
		view := reports[ns+"/"+app+"-view"]
		Expect(answeredBy(view)).To(HaveLen(2), "the requests crossed the switch")

		By("every answered request is one trace in Jaeger: the four components, all of the revision that answered")
		checkRequestTraces(view.Traced)

		By("the view's traces in Jaeger are the requests sent, no more")
		q := url.Values{"service": {app + "-view"}, "limit": {fmt.Sprint(4 * len(view.Traced))},
			"start": {fmt.Sprint(users.started.Add(-time.Second).UnixMicro())}, "end": {fmt.Sprint(time.Now().UnixMicro())},
			"tags": {fmt.Sprintf(`{"k8s.namespace.name":%q}`, ns)}}
		found, _, err := jaegerGet("/api/traces?" + q.Encode())
		Expect(err).NotTo(HaveOccurred())
		// A trace the load generator started has a view span whose parent
		// is the generator's (not in Jaeger); the view starts a trace of
		// its own for a request that carried none (the traffic's warm-up
		// requests, the analysis's HTTP checks).
		sent := map[string]bool{}
		for _, t := range view.Traced {
			sent[t.TraceID] = true
		}
		fromLoad, own := map[string]bool{}, 0
		for _, tr := range found {
			for _, sp := range tr.Spans {
				if tr.Processes[sp.ProcessID].ServiceName != app+"-view" || sp.OperationName != "GET /" {
					continue
				}
				if len(sp.References) > 0 {
					fromLoad[tr.TraceID] = true
				} else {
					own++
				}
			}
		}
		Expect(fromLoad).To(Equal(sent), "traces of %s-view in Jaeger started by the load generator, against its requests", app)
		AddReportEntry("view traces", fmt.Sprintf("%d traces of %s-view in Jaeger: %d started by the load generator's %d requests, %d by the view for requests without a traceparent (warm-up, analysis checks)",
			len(found), app, len(fromLoad), len(sent), own))

		By("the rollout is one trace: its steps are spans, one per rollout Event, at the Event's time")
		checkRolloutTrace(ns, patched)
	})
})

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// startTracedTraffic is startTraffic with a trace started by every
// request (load -trace).
func startTracedTraffic(ns string, services ...string) *traffic {
	GinkgoHelper()
	keys := make([]client.ObjectKey, 0, len(services))
	for _, name := range services {
		keys = append(keys, client.ObjectKey{Namespace: ns, Name: name})
	}
	return startTrafficWith(trafficRate, keys, "-trace")
}

// checkRequestTraces reads each request's trace from Jaeger (the Pods
// export in batches: a trace may take seconds to arrive) and checks that
// all four components took part, all of one revision, the one that
// answered, as the resource their OTEL_* environment describes.
func checkRequestTraces(traced []load.Traced) {
	GinkgoHelper()
	Expect(traced).NotTo(BeEmpty())
	pending := map[string]load.Traced{}
	for _, t := range traced {
		Expect(t.Code).To(Equal(http.StatusOK), "trace %s", t.TraceID)
		pending[t.TraceID] = t
	}
	checked := 0
	incomplete := map[string]int{}
	Eventually(func(g Gomega) {
		for id, t := range pending {
			traces, found, err := jaegerGet("/api/traces/" + id)
			g.Expect(err).NotTo(HaveOccurred())
			if !found {
				continue
			}
			tr := traces[0]
			if len(tr.Spans) < 7 {
				// The Pods export in their own batches: the rest is
				// on its way.
				incomplete[id] = len(tr.Spans)
				continue
			}
			delete(incomplete, id)
			services := map[string]bool{}
			versions := map[string]bool{}
			for _, p := range tr.Processes {
				services[p.ServiceName] = true
				versions[tag(p.Tags, "service.version")] = true
				Expect(tag(p.Tags, "k8s.namespace.name")).NotTo(BeEmpty(), "trace %s: %s without its namespace", id, p.ServiceName)
			}
			Expect(services).To(Equal(map[string]bool{app + "-view": true, app + "-model": true, app + "-controller": true, app + "-repository": true}),
				"trace %s: the services that took part", id)
			Expect(versions).To(Equal(map[string]bool{t.Revision: true}), "trace %s: revisions (service.version) against the answer's %s", id, t.Revision)
			for _, s := range tr.Spans {
				p := tr.Processes[s.ProcessID]
				if rev := tag(s.Tags, "restapi.revision"); rev != "" {
					Expect(rev).To(Equal(tag(p.Tags, "service.version")), "span %s of %s: the Pod's label against its environment", s.OperationName, p.ServiceName)
				}
			}
			Expect(tr.Spans).To(HaveLen(7), "trace %s: the view's server span, its three calls, the peers' three server spans", id)
			delete(pending, id)
			checked++
		}
		g.Expect(pending).To(BeEmpty(), "%d of %d traces not in Jaeger yet, or not whole (spans so far, by trace: %v)",
			len(pending), len(traced), incomplete)
	}, time.Minute, 2*time.Second).Should(Succeed())
	AddReportEntry("traces", fmt.Sprintf("%d requests, %d traces in Jaeger, each of four components and one revision", len(traced), checked))
}

// rolloutEvents are the Events a rollout's trace has a span for.
var rolloutEvents = []string{apiv1.EventDeploying, apiv1.EventAnalysisStarted, apiv1.EventAnalysisPassed,
	apiv1.EventPromoted, apiv1.EventScaledDown}

// checkRolloutTrace reads the trace status.blueGreen.traceParent names and
// checks it against the RestAPI's Events since the rollout began: a span
// per rollout Event, ended within two seconds of it, every step a child of the root span, which covers them all.
func checkRolloutTrace(ns string, since time.Time) {
	GinkgoHelper()
	st := restAPIStatus(ns).BlueGreen
	id := tracing.TraceID(st.TraceParent)
	Expect(id).NotTo(BeEmpty(), "status.blueGreen.traceParent %q", st.TraceParent)
	var tr jaegerTrace
	Eventually(func(g Gomega) {
		traces, found, err := jaegerGet("/api/traces/" + id)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(found).To(BeTrue(), "the rollout's trace %s is not in Jaeger", id)
		tr = traces[0]
		g.Expect(slices.ContainsFunc(tr.Spans, func(s jaegerSpan) bool {
			return strings.HasPrefix(s.OperationName, tracing.SpanRollout+" ")
		})).To(BeTrue(), "the root span (the rollout ended)")
	}, time.Minute, 2*time.Second).Should(Succeed())

	var list eventsv1.EventList
	Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	type step struct {
		reason string
		at     time.Time
	}
	var events []step
	for _, e := range list.Items {
		at := e.EventTime.Time
		if e.Regarding.Name != app || !slices.Contains(rolloutEvents, e.Reason) || at.Before(since.Add(-time.Second)) {
			continue
		}
		events = append(events, step{e.Reason, at})
	}
	slices.SortStableFunc(events, func(a, b step) int { return a.at.Compare(b.at) })
	Expect(events).NotTo(BeEmpty())

	rootID, rootStart, rootEnd := "", int64(0), int64(0)
	var spans []step
	for _, s := range tr.Spans {
		if strings.HasPrefix(s.OperationName, tracing.SpanRollout+" ") {
			rootID, rootStart, rootEnd = s.SpanID, s.StartTime, s.StartTime+s.Duration
			Expect(tag(s.Tags, "restapi.outcome")).To(Equal(string(apiv1.StateIdle)))
		}
		if e := tag(s.Tags, "restapi.event"); e != "" {
			spans = append(spans, step{e, time.UnixMicro(s.StartTime + s.Duration)})
		}
	}
	Expect(rootID).To(Equal(strings.Split(st.TraceParent, "-")[2]), "the root span has the ID status kept since the rollout began")
	slices.SortStableFunc(spans, func(a, b step) int { return a.at.Compare(b.at) })
	var names []string
	for _, s := range tr.Spans {
		names = append(names, s.OperationName)
		if s.SpanID == rootID {
			continue
		}
		Expect(s.References).NotTo(BeEmpty(), "span %s has no parent", s.OperationName)
		Expect(s.References[0].SpanID).To(Equal(rootID), "span %s is not a step of the rollout", s.OperationName)
		Expect(s.StartTime).To(BeNumerically(">=", rootStart), "span %s starts before the rollout", s.OperationName)
		Expect(s.StartTime+s.Duration).To(BeNumerically("<=", rootEnd), "span %s ends after the rollout", s.OperationName)
	}
	reasons := func(steps []step) []string {
		out := make([]string, 0, len(steps))
		for _, s := range steps {
			out = append(out, s.reason)
		}
		return out
	}
	// One span per Event: the same reasons as many times, each span ended
	// within two seconds of its Event (the Events of one reconcile share
	// its time, so their order among themselves is not compared).
	Expect(sorted(reasons(spans))).To(Equal(sorted(reasons(events))), "the rollout's spans by Event against its Events (spans: %v)", names)
	used := map[int]bool{}
	for _, e := range events {
		best := -1
		for i, sp := range spans {
			if used[i] || sp.reason != e.reason {
				continue
			}
			if best < 0 || sp.at.Sub(e.at).Abs() < spans[best].at.Sub(e.at).Abs() {
				best = i
			}
		}
		used[best] = true
		Expect(spans[best].at).To(BeTemporally("~", e.at, 2*time.Second), "the span of the %s Event at %s", e.reason, e.at)
	}
	AddReportEntry("rollout trace", fmt.Sprintf("trace %s: %d spans (%s); Events %v", id, len(tr.Spans), strings.Join(names, ", "), reasons(events)))
}
