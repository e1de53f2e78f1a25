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
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// Measurer runs the analyses a decision waits for: it keeps each
// analysis's record, checks every measurement against the tenant boundary
// (egress.go, template.go), and takes the measurements that are due on
// its pool of measurers (pool.go), never in the reconcile that asks.
type Measurer struct {
	// Network reaches what is measured; nil: the process's resolver and
	// dialer.
	Network *Network
	// PrometheusAddress is the server a prometheus check queries when
	// neither it nor its RestAPI names one (--prometheus-address).
	PrometheusAddress string
	// Token, when set, gives the bearer token sent with every query to the
	// administrator's Prometheus (--prometheus-bearer-token-file or
	// --prometheus-bearer-token-secret), and to no other address.
	Token TokenSource
	// Egress is where tenants' checks may go.
	Egress Egress
	// Measurers is how many measurements run at once; 0: DefaultMeasurers.
	Measurers int
	// Wake is called with a RestAPI whose measurement finished, so it is
	// reconciled and the result recorded.
	Wake func(types.NamespacedName)

	clientsOnce     sync.Once
	trusted, tenant *http.Client

	mu   sync.Mutex
	pool pool
}

// waitSlack is how long past a measurement's timeout its RestAPI is
// looked at again if no wake came.
const waitSlack = 10 * time.Second

// eventAction is the action of the analysis's Events.
const eventAction = "Analyse"

// Target is what is analysed: a revision in a colour, before or after its
// switch.
type Target struct {
	Phase    apiv1.AnalysisPhase
	Colour   apiv1.Environment
	Revision string
	// Attempt is the preview attempt (status.blueGreen.attempt): a record
	// of another attempt is never continued.
	Attempt int64
}

// Outcome is what one Measure did.
type Outcome struct {
	// Status is the analysis with the new measurements recorded.
	Status *apiv1.AnalysisStatus
	// Next is when the next measurement is due; zero when none is.
	Next time.Time
	// Events announce the analysis starting and reaching its verdict
	// (a failure is announced by the abort or rollback it causes).
	Events []scope.Event
	// Measured is each measurement recorded, for the metrics.
	Measured []Measured
	// Waiting: measurements are in flight on the measurers; the RestAPI is
	// woken when each finishes (Measurer.Wake).
	Waiting bool
}

// Measured is one measurement taken.
type Measured struct {
	Check  string
	Result Result
}

// measurement is what one measurement found: a result, or a problem that
// stops the check until its spec is fixed (a reason such as
// AnalysisTemplateInvalid).
type measurement struct {
	result         Result
	value, message string
	problem        string
}

// Measure continues the analysis of t that prev records (a new one when
// prev is of another revision, colour, phase or attempt): it records the results
// of the measurements that were due and finished, a problem for those that
// cannot be taken as written, and hands the others to the measurers. It
// never waits on the network.
func (m *Measurer) Measure(rapi *apiv1.RestAPI, t Target, prev *apiv1.AnalysisStatus, now time.Time) Outcome {
	var out Outcome
	st := prev.DeepCopy()
	if st == nil || st.Revision != t.Revision || st.Phase != t.Phase || st.Colour != t.Colour || st.Attempt != t.Attempt {
		st = &apiv1.AnalysisStatus{Revision: t.Revision, Phase: t.Phase, Colour: t.Colour, Attempt: t.Attempt, Verdict: apiv1.VerdictRunning, StartedAt: metaTime(now)}
		out.Events = append(out.Events, scope.Event{Reason: apiv1.EventAnalysisStarted, Action: eventAction,
			Message: fmt.Sprintf("%s analysis of revision %s in %s started", phaseWord(t.Phase), t.Revision, t.Colour)})
	}
	out.Status = st
	if st.Verdict != apiv1.VerdictRunning {
		return out // decided: nothing is measured again for this revision
	}
	checks := rapi.Spec.BlueGreen.Analysis.Checks(t.Phase)
	st.Checks = entries(rapi, checks, st.Checks)

	waiting := map[int]time.Time{}
	for i := range st.Checks {
		e := &st.Checks[i]
		c := checkNamed(checks, e.Name)
		if due := Due(*c, *e, st.StartedAt.Time); due.IsZero() || due.After(now) {
			continue
		}
		p, problem := m.prepare(rapi, *c, e.Component, t)
		f, ok := measurement{}, false
		if problem != nil {
			f, ok = *problem, true
		} else {
			k := keyOf(rapi, st, *e)
			k.what = p.what
			if f, ok = m.take(k); !ok {
				m.submit(k, p, now)
				out.Waiting = true
				// Woken when it finishes; looked at again past its
				// timeout in any case.
				waiting[i] = now.Add(p.timeout + waitSlack)
				continue
			}
		}
		if f.problem != "" {
			e.Problem, e.Message = f.problem, f.message
			lt := metaTime(now)
			e.LastTime = &lt
			continue
		}
		e.Problem = ""
		*e = Record(*c, *e, f.result, f.value, f.message, now)
		out.Measured = append(out.Measured, Measured{Check: e.Name, Result: f.result})
	}

	st.Verdict = Overall(st.Checks)
	switch st.Verdict {
	case apiv1.VerdictPassed:
		out.Events = append(out.Events, scope.Event{Reason: apiv1.EventAnalysisPassed, Action: eventAction,
			Message: fmt.Sprintf("%s analysis of revision %s in %s passed: %s", phaseWord(t.Phase), t.Revision, t.Colour, Progress(st))})
	case apiv1.VerdictInconclusive:
		out.Events = append(out.Events, scope.Event{Warning: true, Reason: apiv1.ReasonAnalysisInconclusive, Action: eventAction,
			Message: fmt.Sprintf("%s analysis of revision %s in %s was inconclusive: %s; it waits for a person", phaseWord(t.Phase), t.Revision, t.Colour, Finding(st))})
	case apiv1.VerdictRunning:
		for i := range st.Checks {
			due, ok := waiting[i]
			if !ok {
				due = Due(*checkNamed(checks, st.Checks[i].Name), st.Checks[i], st.StartedAt.Time)
			}
			if !due.IsZero() && (out.Next.IsZero() || due.Before(out.Next)) {
				out.Next = due
			}
		}
	}
	return out
}

// entries are the analysis's checks, one per check and component in spec
// order: what prev recorded of each, a new one for a check added since,
// none for a check removed.
func entries(rapi *apiv1.RestAPI, checks []apiv1.AnalysisCheck, prev []apiv1.AnalysisCheckStatus) []apiv1.AnalysisCheckStatus {
	var out []apiv1.AnalysisCheckStatus
	for _, c := range checks {
		for _, comp := range c.ComponentsOf() {
			if !enabled(rapi, comp) {
				continue // admission refuses it; a check never waits on what does not run
			}
			e := apiv1.AnalysisCheckStatus{Name: c.Name, Component: comp, Verdict: apiv1.VerdictRunning}
			for _, p := range prev {
				if p.Name == c.Name && p.Component == comp {
					e = p
				}
			}
			out = append(out, e)
		}
	}
	return out
}

func enabled(rapi *apiv1.RestAPI, name apiv1.ComponentName) bool {
	for _, c := range rapi.Spec.Components() {
		if c.Name == name {
			return c.IsEnabled()
		}
	}
	return false
}

func checkNamed(checks []apiv1.AnalysisCheck, name string) *apiv1.AnalysisCheck {
	for i := range checks {
		if checks[i].Name == name {
			return &checks[i]
		}
	}
	return nil
}

func phaseWord(p apiv1.AnalysisPhase) string {
	if p == apiv1.AnalysisPrePromotion {
		return "Pre-promotion"
	}
	return "Post-promotion"
}

// prepare checks and renders one measurement of check c on component
// comp, ready for a measurer; a problem of the spec instead, found without
// sending anything.
func (m *Measurer) prepare(rapi *apiv1.RestAPI, c apiv1.AnalysisCheck, comp apiv1.ComponentName, t Target) (probe, *measurement) {
	v := Vars{Name: rapi.Name, Namespace: rapi.Namespace, Component: string(comp), Colour: string(t.Colour), Revision: t.Revision}
	for _, spec := range rapi.Spec.Components() {
		if spec.Name == comp {
			s := render.Resolve(rapi, spec, t.Colour)
			v.Service, v.Port, v.Path = render.ColourName(rapi, comp, t.Colour), s.Port, s.Probes.ReadinessPath
		}
	}
	field := fmt.Sprintf("spec.blueGreen.analysis.%s[%s]", listName(t.Phase), c.Name)
	if c.HTTP != nil {
		if c.HTTP.Path != "" {
			v.Path = c.HTTP.Path
		}
		return m.prepareGet(rapi, comp, field+".http.url", *c.HTTP, v)
	}
	return m.preparePrometheus(rapi, field+".prometheus.query", *c.Prometheus, v)
}

func listName(p apiv1.AnalysisPhase) string {
	if p == apiv1.AnalysisPrePromotion {
		return "prePromotion"
	}
	return "postPromotion"
}
