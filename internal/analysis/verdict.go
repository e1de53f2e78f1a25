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

// Package analysis measures a colour before and after it earns traffic
// (spec.blueGreen.analysis): HTTP checks and PromQL queries, each judged
// by its limits, recorded measurement by measurement in
// status.blueGreen.analysis. What it decides is pure (Tally, Due, the
// verdict of an analysis); the measurements are its only I/O. The
// blue-green decision reads the verdict: it never promotes a revision
// whose pre-promotion analysis has not passed.
package analysis

import (
	"fmt"
	"strings"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Tally is a check's verdict from its counts. Failed past failureLimit and
// Inconclusive past inconclusiveLimit, whichever came first is decided by
// the caller recording one measurement at a time; Passed once count
// conclusive measurements were taken (an inconclusive one is measured
// again, within its limit: no check passes on fewer answers than count).
func Tally(c apiv1.AnalysisCheck, s apiv1.AnalysisCheckStatus) apiv1.AnalysisVerdict {
	switch {
	case s.Failures > c.FailureLimit:
		return apiv1.VerdictFailed
	case s.Inconclusive > c.InconclusiveLimit:
		return apiv1.VerdictInconclusive
	case s.Successes+s.Failures >= max(c.Count, 1):
		return apiv1.VerdictPassed
	}
	return apiv1.VerdictRunning
}

// Overall is an analysis's verdict from its checks' verdicts: Failed as
// soon as one failed, then Inconclusive, Passed when all passed (and
// there is at least one), else Running.
func Overall(checks []apiv1.AnalysisCheckStatus) apiv1.AnalysisVerdict {
	if len(checks) == 0 {
		return apiv1.VerdictRunning
	}
	passed := 0
	inconclusive := false
	for _, c := range checks {
		switch c.Verdict {
		case apiv1.VerdictFailed:
			return apiv1.VerdictFailed
		case apiv1.VerdictInconclusive:
			inconclusive = true
		case apiv1.VerdictPassed:
			passed++
		}
	}
	switch {
	case inconclusive:
		return apiv1.VerdictInconclusive
	case passed == len(checks):
		return apiv1.VerdictPassed
	}
	return apiv1.VerdictRunning
}

// Due is when a check's next measurement is due: at the start for the
// first, an interval after the last one otherwise. The zero time: none is
// due any more (the check has its verdict).
func Due(c apiv1.AnalysisCheck, s apiv1.AnalysisCheckStatus, started time.Time) time.Time {
	if s.Verdict != "" && s.Verdict != apiv1.VerdictRunning {
		return time.Time{}
	}
	if s.LastTime == nil {
		return started
	}
	return s.LastTime.Add(time.Duration(max(c.IntervalSeconds, 1)) * time.Second)
}

// Result is one measurement's outcome.
type Result int

const (
	// Success: the answer met the check's condition.
	Success Result = iota
	// Failure: an answer that did not.
	Failure
	// Inconclusive: no answer to judge (unreachable, no data, a timeout).
	Inconclusive
)

func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Failure:
		return "failure"
	}
	return "inconclusive"
}

// Record adds one measurement to a check's status and returns it with its
// new verdict.
func Record(c apiv1.AnalysisCheck, s apiv1.AnalysisCheckStatus, r Result, value, message string, at time.Time) apiv1.AnalysisCheckStatus {
	switch r {
	case Success:
		s.Successes++
	case Failure:
		s.Failures++
	default:
		s.Inconclusive++
	}
	s.LastValue, s.Message = value, message
	t := metaTime(at)
	s.LastTime = &t
	s.Verdict = Tally(c, s)
	return s
}

// Progress says how far an analysis is, for a person: "1 of 2 checks
// passed (error-rate on view: 2 of 3 measured)".
func Progress(a *apiv1.AnalysisStatus) string {
	if a == nil || len(a.Checks) == 0 {
		return "no measurement yet"
	}
	passed := 0
	var running []string
	for _, c := range a.Checks {
		switch c.Verdict {
		case apiv1.VerdictPassed:
			passed++
		case apiv1.VerdictRunning, "":
			running = append(running, fmt.Sprintf("%s on %s: %d measured", c.Name, c.Component, c.Successes+c.Failures+c.Inconclusive))
		}
	}
	out := fmt.Sprintf("%d of %d checks passed", passed, len(a.Checks))
	if len(running) > 0 {
		out += " (" + strings.Join(running, ", ") + ")"
	}
	return out
}

// Finding says what decided an analysis that failed or was inconclusive:
// its first check with that verdict, its counts and its last message.
func Finding(a *apiv1.AnalysisStatus) string {
	if a == nil {
		return ""
	}
	for _, c := range a.Checks {
		if c.Verdict == a.Verdict {
			return fmt.Sprintf("check %s on %s: %d succeeded, %d failed, %d inconclusive; last: %s",
				c.Name, c.Component, c.Successes, c.Failures, c.Inconclusive, c.Message)
		}
	}
	return ""
}

// Problem is the first check of an analysis that cannot be measured as
// written (see AnalysisCheckStatus.Problem); nil when there is none.
func Problem(a *apiv1.AnalysisStatus) *apiv1.AnalysisCheckStatus {
	if a == nil {
		return nil
	}
	for i := range a.Checks {
		if a.Checks[i].Problem != "" {
			return &a.Checks[i]
		}
	}
	return nil
}
