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

package analysis

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var now0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

var pre = Target{Phase: apiv1.AnalysisPrePromotion, Colour: apiv1.EnvironmentGreen, Revision: "r2"}

func restAPI(checks ...apiv1.AnalysisCheck) *apiv1.RestAPI {
	r := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "team"}}
	r.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{PrePromotion: checks}
	return r
}

func httpCheck(name, url string) apiv1.AnalysisCheck {
	return apiv1.AnalysisCheck{Name: name, HTTP: &apiv1.HTTPCheck{URL: url, TimeoutSeconds: 2}, IntervalSeconds: 10, Count: 3, InconclusiveLimit: 1}
}

func promCheck(name, query, cond string) apiv1.AnalysisCheck {
	return apiv1.AnalysisCheck{Name: name, Prometheus: &apiv1.PrometheusCheck{Query: query, SuccessCondition: cond}, IntervalSeconds: 10, Count: 2}
}

// byColour answers 200 on /green/... and 500 on /blue/...
func byColour(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/green/") {
			_, _ = fmt.Fprint(w, "ok")
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPCheckPassesAfterCountMeasurementsAtItsInterval(t *testing.T) {
	srv := byColour(t)
	rapi := restAPI(httpCheck("health", svcURL+"/{{.Colour}}/{{.Component}}{{.Path}}"))
	m := measurerOn(newFakeNet().services(srv))
	out := measure(t, m, rapi, pre, nil, now0)
	if out.Status.Verdict != apiv1.VerdictRunning || len(out.Events) != 1 || out.Events[0].Reason != apiv1.EventAnalysisStarted {
		t.Fatalf("first measure: %+v", out)
	}
	c := out.Status.Checks[0]
	if c.Successes != 1 || c.LastValue != "200" || c.Component != apiv1.ComponentView || !out.Next.Equal(now0.Add(10*time.Second)) {
		t.Fatalf("after one measurement: %+v next %s", c, out.Next)
	}
	// Not due yet: nothing measured, nothing announced.
	again := m.Measure(rapi, pre, out.Status, now0.Add(5*time.Second))
	if again.Status.Checks[0].Successes != 1 || len(again.Measured) != 0 || len(again.Events) != 0 || again.Waiting {
		t.Fatalf("measured before due: %+v", again)
	}
	out = measure(t, m, rapi, pre, out.Status, now0.Add(10*time.Second))
	out = measure(t, m, rapi, pre, out.Status, now0.Add(20*time.Second))
	if out.Status.Verdict != apiv1.VerdictPassed || !out.Next.IsZero() || len(out.Events) != 1 || out.Events[0].Reason != apiv1.EventAnalysisPassed {
		t.Fatalf("after three: %+v", out)
	}
	if !strings.Contains(out.Status.Checks[0].Message, "/green/view/") {
		t.Errorf("the default path is the readiness path, the template has the colour: %q", out.Status.Checks[0].Message)
	}
	// Decided: nothing is measured again for this revision.
	if done := m.Measure(rapi, pre, out.Status, now0.Add(time.Hour)); len(done.Measured) != 0 || done.Waiting {
		t.Fatalf("measured a decided analysis: %+v", done)
	}
}

func TestHTTPCheckFailsPastItsFailureLimit(t *testing.T) {
	srv := byColour(t)
	rapi := restAPI(httpCheck("health", svcURL+"/{{.Colour}}/"))
	blue := pre
	blue.Colour = apiv1.EnvironmentBlue
	out := measure(t, measurerOn(newFakeNet().services(srv)), rapi, blue, nil, now0)
	c := out.Status.Checks[0]
	if out.Status.Verdict != apiv1.VerdictFailed || c.Failures != 1 || c.LastValue != "500" || !out.Next.IsZero() {
		t.Fatalf("a 500 with failureLimit 0: %+v", out)
	}
	if len(out.Measured) != 1 || out.Measured[0].Result != Failure {
		t.Fatalf("measured %+v", out.Measured)
	}
}

func TestUnansweredChecksAreInconclusivePastTheirLimitAndMeasuredAgainBefore(t *testing.T) {
	srv := byColour(t)
	m := measurerOn(newFakeNet().services(srv))
	srv.Close() // nobody answers
	rapi := restAPI(httpCheck("health", svcURL+"/{{.Colour}}/"))
	out := measure(t, m, rapi, pre, nil, now0)
	if out.Status.Verdict != apiv1.VerdictRunning || out.Status.Checks[0].Inconclusive != 1 {
		t.Fatalf("one inconclusive within the limit: %+v", out)
	}
	out = measure(t, m, rapi, pre, out.Status, now0.Add(10*time.Second))
	if out.Status.Verdict != apiv1.VerdictInconclusive || len(out.Events) != 1 || out.Events[0].Reason != apiv1.ReasonAnalysisInconclusive || !out.Events[0].Warning {
		t.Fatalf("two past a limit of one: %+v", out)
	}
}

func TestANewRevisionStartsAfreshAndARemovedCheckGoes(t *testing.T) {
	srv := byColour(t)
	rapi := restAPI(httpCheck("a", svcURL+"/green/"), httpCheck("b", svcURL+"/green/"))
	m := measurerOn(newFakeNet().services(srv))
	out := measure(t, m, rapi, pre, nil, now0)
	if len(out.Status.Checks) != 2 {
		t.Fatalf("checks %+v", out.Status.Checks)
	}
	rapi.Spec.BlueGreen.Analysis.PrePromotion = rapi.Spec.BlueGreen.Analysis.PrePromotion[1:]
	kept := measure(t, m, rapi, pre, out.Status, now0.Add(time.Second))
	if len(kept.Status.Checks) != 1 || kept.Status.Checks[0].Name != "b" || kept.Status.Checks[0].Successes != 1 || len(kept.Events) != 0 {
		t.Fatalf("removing a check keeps the others' counts: %+v", kept)
	}
	r3 := pre
	r3.Revision = "r3"
	fresh := measure(t, m, rapi, r3, kept.Status, now0.Add(2*time.Second))
	if fresh.Status.Revision != "r3" || fresh.Status.Checks[0].Successes != 1 || fresh.Events[0].Reason != apiv1.EventAnalysisStarted {
		t.Fatalf("a newer revision counts none of the older one's: %+v", fresh)
	}
}

func TestChecksThatCannotRunAsWrittenSayWhyAndAreTriedAtTheirInterval(t *testing.T) {
	prom := fakePrometheus(t, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	t.Run("no Prometheus anywhere", func(t *testing.T) {
		out := (&Measurer{}).Measure(restAPI(promCheck("p", "up", "result < 1.0")), pre, nil, now0)
		if c := out.Status.Checks[0]; c.Problem != apiv1.ReasonAnalysisPrometheusUnset || out.Waiting {
			t.Fatalf("want %s: %+v", apiv1.ReasonAnalysisPrometheusUnset, c)
		}
	})
	tests := []struct {
		name   string
		check  apiv1.AnalysisCheck
		server string
		reason string
	}{
		{"a URL template naming what does not exist", httpCheck("u", "http://{{.Nope}}/"), "", apiv1.ReasonAnalysisTemplateInvalid},
		{"a URL template that is a program", httpCheck("u", "http://{{range 2000000000}}{{.Namespace}}{{end}}/"), "", apiv1.ReasonAnalysisTemplateNotAllowed},
		{"a query template that calls a function", promCheck("p", `up{x="{{printf "%s" .Colour}}"}`, "result < 1.0"), "", apiv1.ReasonAnalysisTemplateNotAllowed},
		{"a URL to another namespace's Service", httpCheck("u", "http://shop-view.other.svc:3000/"), "", apiv1.ReasonAnalysisURLNotAllowed},
		{"a Prometheus address the administrator did not list", promCheck("p", "up", "result < 1.0"), "http://prometheus.tenant.example:9090", apiv1.ReasonAnalysisPrometheusNotAllowed},
		{"a URL template that does not parse", httpCheck("u", "http://{{.Service"), "", apiv1.ReasonAnalysisTemplateInvalid},
		{"a URL that is not http", httpCheck("u", "ftp://{{.Service}}/"), "", apiv1.ReasonAnalysisTemplateInvalid},
		{"a success condition that does not compile", promCheck("p", "up", "result <"), "", apiv1.ReasonAnalysisConditionInvalid},
		{"a success condition that is not a bool", promCheck("p", "up", "result + 1.0"), "", apiv1.ReasonAnalysisConditionInvalid},
		{"a query template that does not render", promCheck("p", "up{x=\"{{.Colur}}\"}", "result < 1.0"), "", apiv1.ReasonAnalysisTemplateInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rapi := restAPI(tc.check)
			if tc.server != "" {
				rapi.Spec.BlueGreen.Analysis.Prometheus = &apiv1.PrometheusServer{Address: tc.server}
			}
			net := newFakeNet()
			m := measurerOn(net)
			m.PrometheusAddress = prom.URL
			out := m.Measure(rapi, pre, nil, now0)
			c := out.Status.Checks[0]
			if out.Waiting || len(net.dials()) != 0 || len(net.lookups) != 0 {
				t.Fatalf("a problem of the spec is found before anything is sent: waiting %v, dialled %v, looked up %v", out.Waiting, net.dials(), net.lookups)
			}
			if c.Problem != tc.reason || c.Successes+c.Failures+c.Inconclusive != 0 || out.Status.Verdict != apiv1.VerdictRunning || len(out.Measured) != 0 {
				t.Fatalf("want problem %s and nothing counted: %+v", tc.reason, c)
			}
			if !out.Next.Equal(now0.Add(10 * time.Second)) {
				t.Errorf("tried again at %s, want an interval later (no hot loop)", out.Next)
			}
			if c.Message == "" {
				t.Errorf("no message")
			}
		})
	}
}

// fakePrometheus answers every query with body (the Prometheus HTTP API's
// shape), and records the queries and their Authorization headers.
type fakeProm struct {
	*httptest.Server
	queries, auth atomic.Value
}

func fakePrometheus(t *testing.T, body string) *fakeProm {
	f := &fakeProm{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.queries.Store(r.URL.Query().Get("query"))
		f.auth.Store(r.Header.Get("Authorization"))
		if !strings.HasSuffix(r.URL.Path, "/api/v1/query") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if strings.Contains(body, `"bad_data"`) {
			w.WriteHeader(http.StatusBadRequest)
		}
		_, _ = fmt.Fprint(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func TestPrometheusCheckResults(t *testing.T) {
	tests := []struct {
		name, body string
		result     Result
		problem    string
		value      string
	}{
		{"a vector of one sample that meets the condition", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0"]}]}}`, Success, "", "0"},
		{"a vector of one sample that does not", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.2"]}]}}`, Failure, "", "0.2"},
		{"a scalar", `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.001"]}}`, Success, "", "0.001"},
		{"no data", `{"status":"success","data":{"resultType":"vector","result":[]}}`, Inconclusive, "", ""},
		{"NaN: nothing to divide by", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"NaN"]}]}}`, Inconclusive, "", "NaN"},
		{"a query Prometheus refuses", `{"status":"error","errorType":"bad_data","error":"parse error"}`, 0, apiv1.ReasonAnalysisQueryInvalid, ""},
		{"several series", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"0"]},{"metric":{"a":"2"},"value":[1,"0"]}]}}`, 0, apiv1.ReasonAnalysisQueryInvalid, ""},
		{"a range vector", `{"status":"success","data":{"resultType":"matrix","result":[]}}`, 0, apiv1.ReasonAnalysisQueryInvalid, ""},
		{"an execution error", `{"status":"error","errorType":"execution","error":"too many samples"}`, Inconclusive, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prom := fakePrometheus(t, tc.body)
			rapi := restAPI(promCheck("errors", `sum(rate(errors{namespace="{{.Namespace}}",colour="{{.Colour}}",revision="{{.Revision}}"}[1m]))`, "result < 0.01"))
			m := measurerOn(newFakeNet())
			m.PrometheusAddress = prom.URL
			out := measure(t, m, rapi, pre, nil, now0)
			c := out.Status.Checks[0]
			if c.Problem != tc.problem {
				t.Fatalf("problem %q, want %q: %+v", c.Problem, tc.problem, c)
			}
			if tc.problem == "" && (len(out.Measured) != 1 || out.Measured[0].Result != tc.result || c.LastValue != tc.value) {
				t.Fatalf("measured %+v, want %s %q: %+v", out.Measured, tc.result, tc.value, c)
			}
			if q := prom.queries.Load(); q != `sum(rate(errors{namespace="team",colour="green",revision="r2"}[1m]))` {
				t.Errorf("query sent: %v", q)
			}
		})
	}
}
