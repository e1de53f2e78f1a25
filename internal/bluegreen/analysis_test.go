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
	"strings"
	"testing"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// readyPreview: r2 is ready in green, blue serves r1, pre-promotion checks
// are configured.
func readyPreview() Input {
	in := base()
	in.DesiredRevision, in.PreAnalysis = "r2", true
	in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
	in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
	return in
}

// promotedR2: r2 was promoted to green 10 s ago, blue is warm with r1,
// post-promotion checks are configured.
func promotedR2() Input {
	in := base()
	in.DesiredRevision, in.PostAnalysis = "r2", true
	in.Active = green
	in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
	in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", State: apiv1.StateScalingDown, PromotedAt: at(-10 * time.Second)}
	return in
}

func analysed(phase apiv1.AnalysisPhase, colour Colour, rev string, v apiv1.AnalysisVerdict) *apiv1.AnalysisStatus {
	return &apiv1.AnalysisStatus{Revision: rev, Phase: phase, Colour: colour, Verdict: v, StartedAt: *at(-time.Minute),
		Checks: []apiv1.AnalysisCheckStatus{{Name: "errors", Component: apiv1.ComponentView, Verdict: v, Failures: 1, Message: "result 0.2"}}}
}

func TestDecideAnalysis(t *testing.T) {
	pre := func(v apiv1.AnalysisVerdict) func(in *Input) {
		return func(in *Input) { in.Status.Analysis = analysed(apiv1.AnalysisPrePromotion, green, "r2", v) }
	}
	post := func(v apiv1.AnalysisVerdict) func(in *Input) {
		return func(in *Input) { in.Status.Analysis = analysed(apiv1.AnalysisPostPromotion, green, "r2", v) }
	}
	tests := []struct {
		name  string
		in    func() Input
		edit  func(in *Input)
		check func(t *testing.T, p Plan)
	}{
		{"a ready preview is not promoted before its analysis started; the decision asks for it", readyPreview, nil, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAwaitingPromotion && p.Status.Reason == apiv1.ReasonAnalysisRunning, "plan %+v", p)
			expect(t, p.Analyse != nil && *p.Analyse == AnalysisTarget{Phase: apiv1.AnalysisPrePromotion, Colour: green, Revision: "r2"}, "analyse %+v", p.Analyse)
		}},
		{"a running analysis holds the promotion and asks for its measurements", readyPreview, pre(apiv1.VerdictRunning), func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Analyse != nil && p.Status.Reason == apiv1.ReasonAnalysisRunning, "plan %+v", p)
		}},
		{"an approval does not skip a running analysis, and is kept until it can act", readyPreview, func(in *Input) {
			pre(apiv1.VerdictRunning)(in)
			in.AutoPromotion, in.PromoteRequest = false, "r2"
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && len(p.Consumed) == 0, "plan %+v", p)
		}},
		{"a passed analysis promotes", readyPreview, pre(apiv1.VerdictPassed), func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Status.State == apiv1.StateScalingDown && p.Analyse == nil, "plan %+v", p)
		}},
		{"a passed analysis of another revision does not count", readyPreview, func(in *Input) {
			in.Status.Analysis = analysed(apiv1.AnalysisPrePromotion, green, "r1", apiv1.VerdictPassed)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Analyse != nil && p.Analyse.Revision == "r2", "plan %+v", p)
		}},
		{"a passed analysis of the other colour does not count", readyPreview, func(in *Input) {
			in.Status.Analysis = analysed(apiv1.AnalysisPrePromotion, blue, "r2", apiv1.VerdictPassed)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Analyse != nil, "plan %+v", p)
		}},
		{"a passed post-promotion analysis is not a pre-promotion one", readyPreview, post(apiv1.VerdictPassed), func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Analyse != nil && p.Analyse.Phase == apiv1.AnalysisPrePromotion, "plan %+v", p)
		}},
		{"a passed analysis with manual promotion still waits for the approval", readyPreview, func(in *Input) {
			pre(apiv1.VerdictPassed)(in)
			in.AutoPromotion = false
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAwaitingPromotion && p.Status.Reason == "", "plan %+v", p)
		}},
		{"a failed analysis aborts: traffic never moves", readyPreview, pre(apiv1.VerdictFailed), func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAborted && p.Status.Reason == apiv1.ReasonAnalysisFailed, "plan %+v", p)
			expect(t, p.Actions[green] == ScaleDown && p.ProblemReason == apiv1.ReasonAnalysisFailed && p.Status.AbortedRevision == "r2", "plan %+v", p)
			expect(t, len(p.Events) == 1 && p.Events[0].Transition == Abortion, "events %+v", p.Events)
		}},
		{"an approval does not skip a failed analysis", readyPreview, func(in *Input) {
			pre(apiv1.VerdictFailed)(in)
			in.AutoPromotion, in.PromoteRequest = false, "r2"
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAborted, "plan %+v", p)
		}},
		{"an inconclusive analysis waits for a person", readyPreview, pre(apiv1.VerdictInconclusive), func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAwaitingPromotion && p.Status.Reason == apiv1.ReasonAnalysisInconclusive && p.Analyse == nil, "plan %+v", p)
		}},
		{"an inconclusive analysis is promoted on approval of that revision", readyPreview, func(in *Input) {
			pre(apiv1.VerdictInconclusive)(in)
			in.PromoteRequest = "r2"
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && len(p.Consumed) == 1 && p.Consumed[0] == apiv1.AnnotationPromote, "plan %+v", p)
		}},
		{"an inconclusive analysis is aborted on request", readyPreview, func(in *Input) {
			pre(apiv1.VerdictInconclusive)(in)
			in.AbortRequest = "r2"
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAborted && p.Status.Reason == apiv1.ReasonAbortRequested, "plan %+v", p)
		}},
		{"a check that cannot run makes the RestAPI Degraded with its reason, and nothing is promoted", readyPreview, func(in *Input) {
			pre(apiv1.VerdictRunning)(in)
			in.Status.Analysis.Checks[0].Problem = apiv1.ReasonAnalysisQueryInvalid
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.ProblemReason == apiv1.ReasonAnalysisQueryInvalid && p.Status.Reason == apiv1.ReasonAnalysisQueryInvalid, "plan %+v", p)
		}},
		{"going back to the warm colour is not analysed", readyPreview, func(in *Input) {
			in.Status.PreviousRevision = "r2"
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Analyse == nil, "plan %+v", p)
		}},
		{"after the switch the warm colour stays past its delay while the post-promotion analysis runs", promotedR2, func(in *Input) {
			post(apiv1.VerdictRunning)(in)
			in.Now = t0.Add(time.Hour)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Actions[blue] == Keep && p.Status.State == apiv1.StateScalingDown && p.Status.Reason == apiv1.ReasonAnalysisRunning, "plan %+v", p)
			expect(t, p.Analyse != nil && *p.Analyse == AnalysisTarget{Phase: apiv1.AnalysisPostPromotion, Colour: green, Revision: "r2"}, "analyse %+v", p.Analyse)
		}},
		{"a passed post-promotion analysis lets the warm colour go at its delay", promotedR2, func(in *Input) {
			post(apiv1.VerdictPassed)(in)
			in.Now = t0.Add(time.Hour)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Actions[blue] == ScaleDown && p.Status.State == apiv1.StateIdle, "plan %+v", p)
		}},
		{"a failed post-promotion analysis rolls back at once", promotedR2, post(apiv1.VerdictFailed), func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateRolledBack && p.Status.Reason == apiv1.ReasonAnalysisFailed, "plan %+v", p)
			expect(t, p.Status.ActiveRevision == "r1" && p.Status.AbortedRevision == "r2" && len(p.Events) == 1 && p.Events[0].Transition == Rollback, "plan %+v", p)
		}},
		{"a failed post-promotion analysis with the warm colour not ready keeps it and says so", promotedR2, func(in *Input) {
			post(apiv1.VerdictFailed)(in)
			in.States[blue] = ColourState{Exists: true, Revision: "r1", Replicas: 8}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Actions[blue] == Keep && p.ProblemReason == apiv1.ReasonAnalysisFailed, "plan %+v", p)
		}},
		{"an inconclusive post-promotion analysis keeps the warm colour for a person", promotedR2, func(in *Input) {
			post(apiv1.VerdictInconclusive)(in)
			in.Now = t0.Add(time.Hour)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Actions[blue] == Keep && p.Status.Reason == apiv1.ReasonAnalysisInconclusive, "plan %+v", p)
		}},
		{"an approval of an inconclusive post-promotion analysis lets the warm colour go", promotedR2, func(in *Input) {
			post(apiv1.VerdictInconclusive)(in)
			in.Now, in.PromoteRequest = t0.Add(time.Hour), "r2"
		}, func(t *testing.T, p Plan) {
			expect(t, p.Actions[blue] == ScaleDown && p.Status.Analysis.Approved && len(p.Consumed) == 1, "plan %+v", p)
		}},
		{"a failed post-promotion analysis with nothing warm left keeps serving, Degraded, and says why", promotedR2, func(in *Input) {
			post(apiv1.VerdictFailed)(in)
			in.States[blue] = ColourState{Exists: true, Revision: "r1"} // scaled down by hand
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Status.State == apiv1.StateIdle && p.ProblemReason == apiv1.ReasonAnalysisFailed, "plan %+v", p)
			expect(t, strings.Contains(p.Status.Message, "no previous revision is warm"), "message %q", p.Status.Message)
		}},
		{"a rollback request during the post-promotion analysis goes back", promotedR2, func(in *Input) {
			post(apiv1.VerdictInconclusive)(in)
			in.RollbackRequest = "r2"
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateRolledBack, "plan %+v", p)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			if tc.edit != nil {
				tc.edit(&in)
			}
			before := in.Status.Analysis.DeepCopy()
			p := Decide(in)
			tc.check(t, p)
			if before != nil && before.Approved != in.Status.Analysis.Approved {
				t.Errorf("Decide changed its input's analysis")
			}
		})
	}
}
