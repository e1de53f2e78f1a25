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

package bluegreen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
)

// The randomized simulation with analysis: the real measurer takes the
// measurements, over loopback, from a server that answers as each
// revision's analysis outcome says, and Prometheus may be down.

// analysisOutcomes a new revision's analysis can have: it passes; its
// pre-promotion checks fail; it passes them and fails after the switch;
// its smoke check never answers (inconclusive).
var analysisOutcomes = []string{"pass", "pass", "fail", "postfail", "postfail", "flaky", "flaky"}

// analysisLab is one sequence's analysis: its checks, what each revision
// measures, and whether Prometheus answers.
type analysisLab struct {
	rapi     *apiv1.RestAPI
	outcome  map[string]string
	promDown atomic.Bool
	measurer *analysis.Measurer
}

// labServer serves every sequence (they run one after another): the
// current sequence's lab answers.
type labServer struct {
	*httptest.Server
	current atomic.Pointer[analysisLab]
}

var revisionInQuery = regexp.MustCompile(`revision="([^"]*)"`)

func startAnalysisServer(t *testing.T) *labServer {
	ls := &labServer{}
	ls.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lab := ls.current.Load()
		hangUp := func() {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
		}
		switch p := r.URL.Path; {
		case p == "/api/v1/query":
			if lab.promDown.Load() {
				hangUp()
				return
			}
			rev := ""
			if m := revisionInQuery.FindStringSubmatch(r.URL.Query().Get("query")); m != nil {
				rev = m[1]
			}
			ratio := "0"
			if lab.outcome[rev] == "fail" {
				ratio = "0.2"
			}
			_, _ = fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,%q]}]}}`, ratio)
		case strings.HasPrefix(p, "/pre/"):
			switch lab.outcome[strings.TrimPrefix(p, "/pre/")] {
			case "fail":
				w.WriteHeader(http.StatusInternalServerError)
			case "flaky":
				hangUp()
			}
		case strings.HasPrefix(p, "/post/"):
			if lab.outcome[strings.TrimPrefix(p, "/post/")] == "postfail" {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}
	}))
	t.Cleanup(ls.Close)
	return ls
}

func newAnalysisLab(t *testing.T, ls *labServer) *analysisLab {
	t.Helper()
	check := func(name, path string) apiv1.AnalysisCheck {
		return apiv1.AnalysisCheck{Name: name, HTTP: &apiv1.HTTPCheck{URL: "http://{{.Service}}.{{.Namespace}}.svc:{{.Port}}" + path, TimeoutSeconds: 2},
			IntervalSeconds: 10, Count: 2}
	}
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Name: "sim", Namespace: "sim"}}
	errors := apiv1.AnalysisCheck{Name: "errors", IntervalSeconds: 10, Count: 2, InconclusiveLimit: 2,
		Prometheus: &apiv1.PrometheusCheck{Query: `errors{revision="{{.Revision}}",colour="{{.Colour}}"}`, SuccessCondition: "result < 0.01"}}
	rapi.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{
		PrePromotion:  []apiv1.AnalysisCheck{check("smoke", "/pre/{{.Revision}}"), errors},
		PostPromotion: []apiv1.AnalysisCheck{check("after", "/post/{{.Revision}}")},
		Prometheus:    &apiv1.PrometheusServer{Address: ls.URL},
	}
	origins, err := analysis.ParseOrigins([]string{ls.URL})
	if err != nil {
		t.Fatal(err)
	}
	// The RestAPI's own Services (every name in namespace sim) answer from
	// the lab server; its Prometheus is the administrator's.
	network := &analysis.Network{
		Resolve: func(_ context.Context, host string) ([]netip.Addr, error) {
			if strings.HasSuffix(host, ".sim.svc") {
				return []netip.Addr{netip.MustParseAddr("192.0.2.1")}, nil
			}
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		},
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			var d net.Dialer
			if strings.HasPrefix(address, "192.0.2.1:") {
				address = ls.Listener.Addr().String()
			}
			return d.DialContext(ctx, network, address)
		},
	}
	lab := &analysisLab{rapi: rapi, outcome: map[string]string{"r1": "pass"},
		measurer: &analysis.Measurer{Network: network, Egress: analysis.Egress{Prometheus: origins}}}
	ls.current.Store(lab)
	return lab
}

func (l *analysisLab) measure(s *sim, t AnalysisTarget, prev *apiv1.AnalysisStatus) analysis.Outcome {
	target := analysis.Target{Phase: t.Phase, Colour: t.Colour, Revision: t.Revision, Attempt: t.Attempt}
	out := l.measurer.Measure(l.rapi, target, prev, s.now)
	if out.Waiting {
		// As the wake of a finished measurement would: once the measurers
		// are done, the same reconcile's clock records the results.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			if running, queued := l.measurer.Busy(); running == 0 && queued == 0 {
				break
			}
			if time.Now().After(deadline) {
				panic("the measurers did not finish within 10 s")
			}
		}
		events := out.Events
		out = l.measurer.Measure(l.rapi, target, out.Status, s.now)
		out.Events = append(events, out.Events...)
	}
	if k := recordKey(out.Status); s.recordGen[k] == 0 && measuredAny(out.Status) {
		if s.recordGen == nil {
			s.recordGen = map[string]int{}
		}
		s.recordGen[k] = s.colours[t.Colour].gen
	}
	if l.promDown.Load() {
		for _, c := range out.Status.Checks {
			if c.Name == "errors" && c.Inconclusive > 0 {
				s.seen["prometheus down: inconclusive"]++
			}
		}
	}
	return out
}

// checkSwitch: traffic never moves to a revision whose pre-promotion
// analysis did not pass for it in that colour (or was inconclusive and a
// person approved it); going back to the warm colour, and moving from the
// single-colour Deployments, are not analysed.
func (l *analysisLab) checkSwitch(t *testing.T, s *sim, step string, in Input, p Plan) {
	t.Helper()
	if l == nil {
		return
	}
	from := s.stable[0]
	if p.Active == Legacy || p.Active == from || from == Legacy || !s.served {
		return
	}
	target := s.colours[p.Active]
	rev := target.rev
	if target.servedRev == rev {
		// A flip back to the warm colour: its pods served this revision
		// and were never replaced since.
		s.seen["flip back to a warm colour"]++
		return
	}
	a := in.Status.Analysis
	fail := func(format string, args ...any) {
		t.Fatalf("%s: %s\n%s", step, fmt.Sprintf(format, args...), strings.Join(s.log, "\n"))
	}
	if a == nil || a.Revision != rev || a.Phase != apiv1.AnalysisPrePromotion || a.Colour != p.Active {
		fail("switched to %s (revision %s) without its pre-promotion analysis: %+v", p.Active, rev, a)
	}
	if a.Attempt != in.Status.Attempt || s.recordGen[recordKey(a)] != target.gen {
		fail("switched to %s (revision %s, pods #%d, attempt %d) on an analysis of other pods (#%d, attempt %d)",
			p.Active, rev, target.gen, in.Status.Attempt, s.recordGen[recordKey(a)], a.Attempt)
	}
	switch {
	case a.Verdict == apiv1.VerdictPassed:
	case a.Verdict == apiv1.VerdictInconclusive && in.PromoteRequest == rev:
		s.seen["analysis inconclusive: promoted on approval"]++
	default:
		fail("switched to %s (revision %s) with its pre-promotion analysis %s", p.Active, rev, a.Verdict)
	}
	if l.outcome[rev] == "fail" {
		fail("revision %s, whose checks fail, received traffic", rev)
	}
}

// checkVerdictAttempt: a rollout is aborted or rolled back on an analysis
// verdict only of its own attempt.
func (l *analysisLab) checkVerdictAttempt(t *testing.T, s *sim, step string, in Input, e Event) {
	t.Helper()
	if l == nil || e.Reason != apiv1.ReasonAnalysisFailed || e.Transition == NoTransition {
		return
	}
	if a := in.Status.Analysis; a == nil || a.Attempt != in.Status.Attempt || a.Verdict != apiv1.VerdictFailed {
		t.Fatalf("%s: %s on an analysis of another attempt (%d): %+v\n%s", step, e.Message, in.Status.Attempt, a, strings.Join(s.log, "\n"))
	}
	s.seen["failed verdict of the same attempt"]++
}

// checkPostFailure: a revision that failed its post-promotion analysis
// while its predecessor was warm and ready does not keep serving; and the
// predecessor is not scaled down before that analysis passed.
func (l *analysisLab) checkPostFailure(s *sim, fail func(string, ...any)) {
	if l == nil {
		return
	}
	st := s.statusBG
	a := st.Analysis
	if st.State == apiv1.StateAborted && st.Reason == apiv1.ReasonAnalysisFailed {
		s.seen["analysis failed: aborted before traffic moved"]++
	}
	if st.State == apiv1.StateRolledBack && st.Reason == apiv1.ReasonAnalysisFailed {
		s.seen["analysis failed after the switch: rolled back"]++
	}
	if a == nil || a.Phase != apiv1.AnalysisPostPromotion || a.Revision != st.ActiveRevision || s.active == Legacy || a.Attempt != st.Attempt {
		// (A record of an earlier attempt: a preview was deployed over
		// the warm colour since, on the user's request.)
		return
	}
	warm := s.colours[Other(s.active)]
	if a.Verdict == apiv1.VerdictFailed && warm.exists && warm.rev == st.PreviousRevision && warm.fullyReady && warm.replicas > 0 {
		fail("revision %s failed its post-promotion analysis and still serves while %s (revision %s) is warm and ready", a.Revision, Other(s.active), warm.rev)
	}
	if st.State == apiv1.StateIdle && s.enabled && a.Verdict != apiv1.VerdictPassed && !a.Approved && a.Colour == s.active {
		fail("the warm colour went before revision %s passed its post-promotion analysis (%s)", a.Revision, a.Verdict)
	}
}

// recordKey names one analysis record: a new one starts for every attempt.
func recordKey(a *apiv1.AnalysisStatus) string {
	return fmt.Sprintf("%s/%s/%s/%d/%d", a.Revision, a.Phase, a.Colour, a.Attempt, a.StartedAt.UnixNano())
}

// measuredAny: some measurement of the record was taken.
func measuredAny(a *apiv1.AnalysisStatus) bool {
	for _, c := range a.Checks {
		if c.Successes+c.Failures+c.Inconclusive > 0 {
			return true
		}
	}
	return false
}

// postFailure: a revision that passes its checks before the switch from a
// ready colour, and fails after it, does not stay.
func (l *analysisLab) postFailure(t *testing.T, s *sim, rng *rand.Rand, seed uint64) {
	t.Helper()
	if l != nil && s.enabled && s.active != Legacy && s.colours[s.active].fullyReady && rng.IntN(3) > 0 {
		s.ann = struct{ promote, abort, rollback string }{}
		l.promDown.Store(false)
		s.newRevisionWith(false, "postfail")
		s.ann.promote = s.desired
		bad := s.desired
		for i := range 10 {
			s.reconcile(t, fmt.Sprintf("seed %d post-promotion failure %d", seed, i), -1)
			s.progress(rng)
			s.now = s.now.Add(15 * time.Second)
		}
		if s.statusBG.ActiveRevision == bad && s.enabled {
			t.Fatalf("seed %d: revision %s failed after its switch and still serves: %+v\n%s", seed, bad, s.statusBG, strings.Join(s.log, "\n"))
		}
	}
}

// overwriteWarm: promote a revision, deploy another over the colour left
// warm, abort it, and go back: a fresh rollout, analysed (checkSwitch).
func (l *analysisLab) overwriteWarm(t *testing.T, s *sim, rng *rand.Rand, seed uint64) {
	t.Helper()
	if l != nil && s.enabled && s.active != Legacy && s.colours[s.active].fullyReady && rng.IntN(2) == 0 {
		s.ann = struct{ promote, abort, rollback string }{}
		l.promDown.Store(false)
		s.newRevisionWith(false, "pass")
		s.ann.promote = s.desired
		for i := 0; i < 8 && (s.statusBG.State != apiv1.StateScalingDown || s.statusBG.PreviousRevision == ""); i++ {
			s.reconcile(t, fmt.Sprintf("seed %d promote %s %d", seed, s.desired, i), -1)
			s.progress(rng)
			s.now = s.now.Add(5 * time.Second)
		}
		if prev := s.statusBG.PreviousRevision; s.statusBG.State == apiv1.StateScalingDown && prev != "" {
			s.newRevisionWith(false, analysisOutcomes[rng.IntN(len(analysisOutcomes))])
			s.reconcile(t, fmt.Sprintf("seed %d %s over the warm colour", seed, s.desired), -1)
			s.ann.abort = s.desired
			s.reconcile(t, fmt.Sprintf("seed %d abort %s", seed, s.desired), -1)
			s.desired = prev
			s.seen["went back after the warm colour was overwritten"]++
			for i := range 6 {
				s.reconcile(t, fmt.Sprintf("seed %d back to %s %d", seed, prev, i), -1)
				s.progress(rng)
				s.now = s.now.Add(15 * time.Second)
			}
		}
	}
}
