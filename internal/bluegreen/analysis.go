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
	"fmt"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
)

// A colour earning its traffic (spec.blueGreen.analysis): the decision
// reads the analysis status.blueGreen.analysis records and never promotes a
// revision whose pre-promotion analysis has not passed for that revision
// in that colour; after a switch the old colour stays warm until the
// post-promotion analysis passed, and goes back to serving if it failed.
// The measurements are taken by the reconciler (internal/analysis) when a
// decision asks for them (Plan.Analyse).

// analysis is the analysis of the desired revision in colour for phase,
// when status records it; nil when it has not started. While it runs (or
// has not started) the decision asks for its measurements.
func (d *decider) analysis(phase apiv1.AnalysisPhase, colour Colour) *apiv1.AnalysisStatus {
	a := d.recorded(phase, colour)
	if a == nil || a.Verdict == apiv1.VerdictRunning {
		d.plan.Analyse = &AnalysisTarget{Phase: phase, Colour: colour, Revision: d.in.DesiredRevision, Attempt: d.st.Attempt}
	}
	return a
}

// recorded is the analysis of the desired revision in colour for phase,
// of this attempt, when status records it; nil otherwise. A verdict of an
// earlier attempt (the same revision shipped before, superseded, aborted
// or rolled back from) measured other pods: it never counts.
func (d *decider) recorded(phase apiv1.AnalysisPhase, colour Colour) *apiv1.AnalysisStatus {
	a := d.st.Analysis
	if a == nil || a.Revision != d.in.DesiredRevision || a.Phase != phase || a.Colour != colour || a.Attempt != d.st.Attempt {
		return nil
	}
	return a
}

// prePromotionPassed: the preview in idle passed its pre-promotion
// analysis, or it was inconclusive and a person approved the revision.
// Otherwise the rollout waits for it, or is aborted when it failed.
func (d *decider) prePromotionPassed(active, idle Colour) bool {
	in := d.in
	desired := in.DesiredRevision
	a := d.analysis(apiv1.AnalysisPrePromotion, idle)
	d.st.State = apiv1.StateAwaitingPromotion
	switch {
	case a != nil && a.Verdict == apiv1.VerdictPassed:
		d.st.Reason = ""
		return true
	case a != nil && a.Verdict == apiv1.VerdictFailed:
		d.abort(idle, apiv1.ReasonAnalysisFailed, fmt.Sprintf("revision %s failed its pre-promotion analysis in %s: %s; %s keeps serving",
			desired, idle, analysis.Finding(a), describe(active)))
		return false
	case a != nil && a.Verdict == apiv1.VerdictInconclusive:
		if in.PromoteRequest == desired {
			return true // a person approved it knowing the analysis could not judge
		}
		d.st.Reason = apiv1.ReasonAnalysisInconclusive
		d.st.Message = fmt.Sprintf("the pre-promotion analysis of revision %s in %s was inconclusive (%s); approve it with: kubectl annotate rapi NAME %s=%s --overwrite, "+
			"or abort it with %s=%s; %s serves", desired, idle, analysis.Finding(a), apiv1.AnnotationPromote, desired, apiv1.AnnotationAbort, desired, describe(active))
		return false
	}
	d.st.Reason = apiv1.ReasonAnalysisRunning
	d.st.Message = fmt.Sprintf("revision %s is ready in %s and is analysed before its promotion: %s; %s serves",
		desired, idle, analysis.Progress(a), describe(active))
	d.analysisProblem(a)
	return false
}

// analysisProblem reports a check that cannot be measured as written: the
// RestAPI is Degraded with the check's reason until the spec is fixed.
func (d *decider) analysisProblem(a *apiv1.AnalysisStatus) {
	if p := analysis.Problem(a); p != nil {
		d.st.Reason = p.Problem
		d.plan.ProblemReason = p.Problem
		d.plan.ProblemMessage = fmt.Sprintf("analysis check %s on %s cannot run: %s; nothing is promoted until the spec is fixed", p.Name, p.Component, p.Message)
		d.st.Message = d.plan.ProblemMessage
	}
}

// postPromotionFailed rolls traffic back to the warm colour when the
// revision serving from active failed its post-promotion analysis; false
// when it did not fail, or nothing warm is there to go back to.
func (d *decider) postPromotionFailed(active, idle Colour) bool {
	if !d.in.PostAnalysis || d.st.State != apiv1.StateScalingDown || active == Legacy {
		return false
	}
	a := d.recorded(apiv1.AnalysisPostPromotion, active)
	if a == nil || a.Verdict != apiv1.VerdictFailed {
		return false
	}
	return d.rollback(active, idle, apiv1.ReasonAnalysisFailed, "because it failed its post-promotion analysis: "+analysis.Finding(a))
}

// postPromotionHolds: the old colour, warm in idle, must stay warm for the
// post-promotion analysis of the revision serving from active: it runs,
// it was inconclusive and nobody approved, or it failed while the warm
// colour could not take traffic back yet.
func (d *decider) postPromotionHolds(active, idle Colour) bool {
	in := d.in
	if !in.PostAnalysis || d.st.State != apiv1.StateScalingDown || d.st.PreviousRevision == "" {
		return false
	}
	desired := in.DesiredRevision
	if d.postPromotionSettling(active, idle) {
		return true
	}
	a := d.analysis(apiv1.AnalysisPostPromotion, active)
	switch {
	case a != nil && (a.Verdict == apiv1.VerdictPassed || a.Approved):
		return false
	case a != nil && a.Verdict == apiv1.VerdictInconclusive:
		if in.PromoteRequest == desired {
			d.consume(apiv1.AnnotationPromote)
			approved := a.DeepCopy()
			approved.Approved = true
			d.st.Analysis = approved
			return false
		}
		d.st.Reason = apiv1.ReasonAnalysisInconclusive
		d.st.Message = fmt.Sprintf("revision %s serves from %s; its post-promotion analysis was inconclusive (%s); %s stays warm with %s: "+
			"keep the revision with: kubectl annotate rapi NAME %s=%s --overwrite, or go back with %s=%s",
			desired, active, analysis.Finding(a), idle, d.st.PreviousRevision, apiv1.AnnotationPromote, desired, apiv1.AnnotationRollback, desired)
		return true
	case a != nil && a.Verdict == apiv1.VerdictFailed:
		d.st.Reason = apiv1.ReasonAnalysisFailed
		d.st.Message = fmt.Sprintf("revision %s failed its post-promotion analysis in %s (%s); %s (revision %s) is not ready to take traffic back yet",
			desired, active, analysis.Finding(a), idle, d.st.PreviousRevision)
		d.plan.ProblemReason, d.plan.ProblemMessage = apiv1.ReasonAnalysisFailed, d.st.Message
		return true
	}
	d.st.Reason = apiv1.ReasonAnalysisRunning
	d.st.Message = fmt.Sprintf("revision %s serves from %s and is analysed: %s; %s stays warm with %s until it passes",
		desired, active, analysis.Progress(a), idle, d.st.PreviousRevision)
	d.analysisProblem(a)
	return true
}

// AnalysisSettle is how long after a switch the post-promotion analysis
// starts: the endpoints follow a selector change with a delay (the grace a
// rollback gives too), and what is measured must be the new colour
// serving.
const AnalysisSettle = RollbackGrace

// postPromotionSettling: the switch to active is too recent for its
// analysis to start; the old colour in idle stays warm meanwhile.
func (d *decider) postPromotionSettling(active, idle Colour) bool {
	if d.st.PromotedAt == nil {
		return false
	}
	start := d.st.PromotedAt.Add(AnalysisSettle)
	if !d.in.Now.Before(start) {
		return false
	}
	d.st.Reason = apiv1.ReasonAnalysisRunning
	d.st.Message = fmt.Sprintf("revision %s serves from %s; its post-promotion analysis starts at %s; %s stays warm with %s until it passes",
		d.in.DesiredRevision, active, start.UTC().Format(time.RFC3339), idle, d.st.PreviousRevision)
	d.requeue(start)
	return true
}

// postPromotionFailedWithNothingWarm reports a serving revision that failed
// its post-promotion analysis when no warm colour is left to go back to (it
// was scaled down or deleted by hand): it keeps serving, Degraded, until
// the spec changes.
func (d *decider) postPromotionFailedWithNothingWarm(active Colour) {
	a := d.recorded(apiv1.AnalysisPostPromotion, active)
	if !d.in.PostAnalysis || a == nil || a.Verdict != apiv1.VerdictFailed || d.st.State == apiv1.StateScalingDown {
		return
	}
	d.st.Reason = apiv1.ReasonAnalysisFailed
	d.st.Message = fmt.Sprintf("revision %s failed its post-promotion analysis in %s (%s) and no previous revision is warm to go back to; "+
		"apply the previous spec to deploy it again", d.in.DesiredRevision, active, analysis.Finding(a))
	d.plan.ProblemReason, d.plan.ProblemMessage = apiv1.ReasonAnalysisFailed, d.st.Message
}
