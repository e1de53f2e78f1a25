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
	"strings"
	"testing"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var check = apiv1.AnalysisCheck{Name: "errors", IntervalSeconds: 10, Count: 3, FailureLimit: 1, InconclusiveLimit: 2}

// measure records results one by one and returns the verdict after each.
func tally(results ...Result) []apiv1.AnalysisVerdict {
	var s apiv1.AnalysisCheckStatus
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	out := make([]apiv1.AnalysisVerdict, 0, len(results))
	for i, r := range results {
		s = Record(check, s, r, "0.1", "", start.Add(time.Duration(i)*10*time.Second))
		out = append(out, s.Verdict)
	}
	return out
}

func TestTally(t *testing.T) {
	R, P, F, I := apiv1.VerdictRunning, apiv1.VerdictPassed, apiv1.VerdictFailed, apiv1.VerdictInconclusive
	cases := []struct {
		name    string
		results []Result
		want    []apiv1.AnalysisVerdict
	}{
		{"three successes pass", []Result{Success, Success, Success}, []apiv1.AnalysisVerdict{R, R, P}},
		{"one failure is within the limit", []Result{Failure, Success, Success}, []apiv1.AnalysisVerdict{R, R, P}},
		{"the second failure fails at once", []Result{Failure, Failure}, []apiv1.AnalysisVerdict{R, F}},
		{"inconclusive answers are measured again: no pass on fewer answers than count",
			[]Result{Inconclusive, Success, Inconclusive, Success, Success}, []apiv1.AnalysisVerdict{R, R, R, R, P}},
		{"past the inconclusive limit", []Result{Inconclusive, Inconclusive, Inconclusive}, []apiv1.AnalysisVerdict{R, R, I}},
	}
	for _, c := range cases {
		got := tally(c.results...)
		if strings.Join(verdicts(got), ",") != strings.Join(verdicts(c.want), ",") {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func verdicts(vs []apiv1.AnalysisVerdict) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, string(v))
	}
	return out
}

func TestOverall(t *testing.T) {
	st := func(vs ...apiv1.AnalysisVerdict) []apiv1.AnalysisCheckStatus {
		out := make([]apiv1.AnalysisCheckStatus, 0, len(vs))
		for _, v := range vs {
			out = append(out, apiv1.AnalysisCheckStatus{Verdict: v})
		}
		return out
	}
	cases := map[apiv1.AnalysisVerdict][]apiv1.AnalysisCheckStatus{
		apiv1.VerdictRunning:      st(apiv1.VerdictPassed, apiv1.VerdictRunning),
		apiv1.VerdictPassed:       st(apiv1.VerdictPassed, apiv1.VerdictPassed),
		apiv1.VerdictFailed:       st(apiv1.VerdictInconclusive, apiv1.VerdictFailed, apiv1.VerdictRunning),
		apiv1.VerdictInconclusive: st(apiv1.VerdictInconclusive, apiv1.VerdictPassed),
	}
	for want, checks := range cases {
		if got := Overall(checks); got != want {
			t.Errorf("%v: %s, want %s", checks, got, want)
		}
	}
	if Overall(nil) != apiv1.VerdictRunning {
		t.Error("an analysis without checks passed")
	}
}

func TestDue(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var s apiv1.AnalysisCheckStatus
	if got := Due(check, s, start); !got.Equal(start) {
		t.Errorf("first measurement due %s, want at the start", got)
	}
	s = Record(check, s, Success, "0", "", start.Add(3*time.Second))
	if got := Due(check, s, start); !got.Equal(start.Add(13 * time.Second)) {
		t.Errorf("second due %s, want an interval after the first", got)
	}
	s.Verdict = apiv1.VerdictFailed
	if got := Due(check, s, start); !got.IsZero() {
		t.Errorf("a decided check is due again at %s", got)
	}
}

func TestConditions(t *testing.T) {
	c, err := CompileCondition("result < 0.01")
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[float64]bool{0: true, 0.0099: true, 0.01: false, 0.2: false} {
		if got, err := c.Holds(v); err != nil || got != want {
			t.Errorf("result %v: %v %v, want %v", v, got, err, want)
		}
	}
	// Conditions as users write them, and as docs/analysis.md shows them:
	// integers compare with the double result.
	for expr, cases := range map[string]map[float64]bool{
		"result >= 0":                      {0: true, 0.5: true, -1: false},
		"result < 1":                       {0.99: true, 1: false},
		"result >= 0.99 && result <= 1.0":  {0.995: true, 0.9: false, 1.5: false},
		"result == 0.0":                    {0: true, 0.1: false},
		"result > 100 || result < 0":       {101: true, 50: false, -0.5: true},
		"result <= 1 && result >= 0.5":     {0.7: true, 0.2: false},
		"result < 0.01":                    {0.001: true, 0.01: false},
		"result >= 0 && result < 250":      {249.9: true, 250: false},
		"!(result > 5)":                    {5: true, 6: false},
		"result != 0.0":                    {0: false, 3: true},
		"result < 10 ? result < 5 : false": {4: true, 7: false, 12: false},
		"int(result) == 3":                 {3.7: true, 4: false},
		"result >= 0u":                     {0: true, -1: false},
		"result * 100.0 < 1":               {0.009: true, 0.02: false},
		"result / 2.0 < 1":                 {1.5: true, 3: false},
	} {
		c, err := CompileCondition(expr)
		if err != nil {
			t.Errorf("%q does not compile: %v", expr, err)
			continue
		}
		for v, want := range cases {
			if got, err := c.Holds(v); err != nil || got != want {
				t.Errorf("%q on %v: %v %v, want %v", expr, v, got, err, want)
			}
		}
	}
	for expr, why := range map[string]string{
		"result <":         "does not compile",
		"result + 1.0":     "not a bool",
		"latency < 0.5":    "does not compile",
		"result < 'a lot'": "does not compile",
		// Equality and arithmetic do not mix numeric types in CEL: the
		// message says how to write it.
		"result == 0":    "write numbers with a decimal point",
		"result / 2 < 1": "write numbers with a decimal point",
	} {
		if _, err := CompileCondition(expr); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: %v, want an error saying %q", expr, err, why)
		}
	}
}

func TestConditionsAreCompiledOnceAndBounded(t *testing.T) {
	a, _ := CompileCondition("result < 0.5")
	b, _ := CompileCondition("result < 0.5")
	if a != b {
		t.Error("the same condition was compiled twice")
	}
	for i := range MaxConditions + 10 {
		_, _ = CompileCondition(fmt.Sprintf("result < %d.5", i))
	}
	if n := CachedConditions(); n > MaxConditions || n == 0 {
		t.Errorf("%d conditions cached, want at most %d", n, MaxConditions)
	}
}

func TestRender(t *testing.T) {
	v := Vars{Name: "shop", Namespace: "apps", Component: "model", Colour: "green", Revision: "abc", Service: "shop-model-green", Port: 8080, Path: "/health"}
	got, err := Render("url", "http://{{.Service}}.{{.Namespace}}.svc:{{.Port}}{{.Path}}", MaxURLBytes, v)
	if err != nil || got != "http://shop-model-green.apps.svc:8080/health" {
		t.Errorf("default URL %q %v", got, err)
	}
	q, err := Render("query", `sum(rate(errors{colour="{{.Colour}}",revision="{{.Revision}}"}[1m]))`, MaxQueryBytes, v)
	if err != nil || q != `sum(rate(errors{colour="green",revision="abc"}[1m]))` {
		t.Errorf("query %q %v", q, err)
	}
	if _, err := Render("url", "http://{{.Servce}}/", MaxURLBytes, v); err == nil || !strings.Contains(err.Error(), "does not render") {
		t.Errorf("a misspelt variable: %v", err)
	}
	if _, err := Render("url", "http://{{.Service", MaxURLBytes, v); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("an unclosed action: %v", err)
	}
}
