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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

const (
	blue  = apiv1.EnvironmentBlue
	green = apiv1.EnvironmentGreen
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *metav1.Time { t := metav1.NewTime(t0.Add(d)); return &t }

// base: blue serves r1, green is cold, r1 is desired.
func base() Input {
	return Input{
		Enabled: true, DesiredRevision: "r1", AutoPromotion: true, HealingEnabled: true,
		ScaleDownDelay: 30 * time.Second, ProgressDeadline: 600 * time.Second,
		States: map[Colour]ColourState{
			blue:   {Exists: true, Revision: "r1", Replicas: 8, Ready: true},
			green:  {},
			Legacy: {},
		},
		Active: blue, HasActive: true,
		Status: apiv1.BlueGreenStatus{ActiveRevision: "r1", State: apiv1.StateIdle},
		Now:    t0,
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name  string
		in    func(in *Input)
		check func(t *testing.T, p Plan)
	}{
		{"first deploy goes to blue, stable Services select blue", func(in *Input) {
			in.HasActive, in.Active, in.Status = false, "", apiv1.BlueGreenStatus{}
			in.States[blue] = ColourState{}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[blue] == Render && p.Status.State == apiv1.StateDeploying, "plan %+v", p)
		}},
		{"the first revision turning ready is a deployment", func(in *Input) {
			in.Status.State = apiv1.StateDeploying
		}, func(t *testing.T, p Plan) {
			expect(t, p.Deployed && p.Status.State == apiv1.StateIdle && len(p.Events) == 1, "plan %+v", p)
		}},
		{"steady state: render the serving colour, nothing else, no requeue", nil, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[blue] == Render && p.Actions[green] == Keep && p.RequeueAfter == 0 && !p.Deployed, "plan %+v", p)
		}},
		{"a serving colour missing a Deployment is restored in place, not redeployed elsewhere", func(in *Input) {
			in.States[blue] = ColourState{Exists: true, Replicas: 6}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[blue] == Render && p.Actions[green] == Keep && p.Status.State == apiv1.StateIdle, "plan %+v", p)
		}},
		{"a new revision is prepared in the idle colour; the serving one is not touched", func(in *Input) {
			in.DesiredRevision = "r2"
		}, func(t *testing.T, p Plan) {
			expect(t, p.Again && p.Actions[green] == Keep && p.Status.Attempt == 1, "the attempt is recorded before anything is deployed: plan %+v", p)
			in := base()
			in.DesiredRevision = "r2"
			p = again(in, p)
			expect(t, p.Active == blue && p.Preview == green && p.Actions[green] == Render && p.Actions[blue] == Keep, "plan %+v", p)
			expect(t, p.Status.PreviewRevision == "r2" && p.Status.State == apiv1.StateDeploying && p.Status.PreviewStartedAt.Time.Equal(t0), "status %+v", p.Status)
			expect(t, p.RequeueAfter == 600*time.Second, "requeue %s, want the deadline", p.RequeueAfter)
		}},
		{"a preview with no start in status (edited by hand) is not a crash: its deadline counts from now", func(in *Input) {
			in.DesiredRevision = "r2"
			in.Status.PreviewRevision, in.Status.State = "r2", apiv1.StateDeploying
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Status.State == apiv1.StateDeploying && p.Status.PreviewStartedAt != nil && p.Status.PreviewStartedAt.Time.Equal(t0), "status %+v", p.Status)
			expect(t, p.RequeueAfter == 600*time.Second, "requeue %s, want the deadline from now", p.RequeueAfter)
		}},
		{"a ready preview is promoted automatically", func(in *Input) {
			in.DesiredRevision = "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Deployed && p.Status.ActiveRevision == "r2" && p.Status.PreviousRevision == "r1", "plan %+v", p)
			expect(t, p.Status.State == apiv1.StateScalingDown && p.RequeueAfter == 30*time.Second && p.Actions[blue] == Keep, "plan %+v", p)
			expect(t, len(p.Events) == 1 && p.Events[0].Reason == "Promoted" && !p.Events[0].Warning, "events %+v", p.Events)
		}},
		{"autoPromotionSeconds waits from the moment the preview was ready", func(in *Input) {
			in.DesiredRevision, in.AutoPromoteAfter = "r2", time.Minute
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAwaitingPromotion && p.RequeueAfter == time.Minute, "plan %+v", p)
		}},
		{"manual promotion waits for an approval of that revision", func(in *Input) {
			in.DesiredRevision, in.AutoPromotion = "r2", false
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAwaitingPromotion && p.RequeueAfter == 0, "plan %+v", p)
		}},
		{"a stale approval never promotes a newer revision", func(in *Input) {
			in.DesiredRevision, in.AutoPromotion, in.PromoteRequest = "r3", false, "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r3", at(-time.Minute)
			in.States[green] = ColourState{Exists: true, Revision: "r3", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAwaitingPromotion, "plan %+v", p)
		}},
		{"an approval of the preview revision promotes it", func(in *Input) {
			in.DesiredRevision, in.AutoPromotion, in.PromoteRequest = "r2", false, "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Status.ActiveRevision == "r2", "plan %+v", p)
		}},
		{"an approval does not promote a preview that is not ready", func(in *Input) {
			in.DesiredRevision, in.AutoPromotion, in.PromoteRequest = "r2", false, "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateDeploying, "plan %+v", p)
		}},
		{"past the progress deadline the preview is aborted; traffic stays", func(in *Input) {
			in.DesiredRevision = "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-601*time.Second)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[green] == ScaleDown && p.Status.State == apiv1.StateAborted, "plan %+v", p)
			expect(t, p.Status.AbortedRevision == "r2" && p.ProblemReason == apiv1.ReasonProgressDeadlineExceeded && p.Events[0].Warning, "plan %+v", p)
		}},
		{"an unhealthy preview is aborted without waiting for the deadline", func(in *Input) {
			in.DesiredRevision = "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Second)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Failed: true, FailedMessage: "model: crash"}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAborted && p.ProblemReason == apiv1.ReasonPreviewUnhealthy, "plan %+v", p)
			expect(t, len(p.Healing) == 1 && p.Healing[0] == HealingAbort, "healing %v", p.Healing)
		}},
		{"with healing disabled an unhealthy preview is only reported, until the deadline", func(in *Input) {
			in.DesiredRevision, in.HealingEnabled = "r2", false
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Second)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Failed: true, FailedMessage: "model: crash"}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[green] == Render && p.Status.State == apiv1.StateDeploying && len(p.Healing) == 0, "plan %+v", p)
			expect(t, p.ProblemReason == apiv1.ReasonPreviewUnhealthy && p.RequeueAfter == 599*time.Second, "plan %+v", p)
			expect(t, strings.Contains(p.Status.Message, "model: crash; healing is disabled"), "message %q", p.Status.Message)
		}},
		{"a preview past its deadline is aborted, but that is the rollout's contract, not healing", func(in *Input) {
			in.DesiredRevision = "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-601*time.Second)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Status.State == apiv1.StateAborted && len(p.Healing) == 0, "plan %+v", p)
		}},
		{"an abort request for the preview revision aborts it", func(in *Input) {
			in.DesiredRevision, in.AbortRequest = "r2", "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Second)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAborted && p.ProblemReason == apiv1.ReasonAbortRequested, "plan %+v", p)
		}},
		{"an abort request for another revision is ignored", func(in *Input) {
			in.DesiredRevision, in.AbortRequest = "r3", "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r3", at(-time.Second)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Status.State == apiv1.StateDeploying, "plan %+v", p)
		}},
		{"an aborted revision is not retried while the spec still asks for it", func(in *Input) {
			in.DesiredRevision = "r2"
			in.Status.AbortedRevision, in.Status.State, in.Status.Message = "r2", apiv1.StateAborted, "aborted"
			in.States[green] = ColourState{Exists: true, Revision: "r2"}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[green] == Keep && p.Actions[blue] == Keep && p.Status.State == apiv1.StateAborted, "plan %+v", p)
		}},
		{"the next spec change starts a fresh attempt", func(in *Input) {
			in.DesiredRevision = "r3"
			in.Status.AbortedRevision, in.Status.State = "r2", apiv1.StateAborted
		}, func(t *testing.T, p Plan) {
			// Status records the attempt first; the next decision deploys.
			expect(t, p.Again && p.Actions[green] == Keep && p.Status.State == apiv1.StateDeploying && p.Status.AbortedRevision == "" && p.Status.Attempt == 1, "plan %+v", p)
		}},
		{"the old colour stays warm for scaleDownDelaySeconds", func(in *Input) {
			in.Active, in.DesiredRevision = green, "r2"
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", State: apiv1.StateScalingDown, PromotedAt: at(-10 * time.Second)}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Actions[blue] == Keep && p.Status.State == apiv1.StateScalingDown && p.RequeueAfter == 20*time.Second, "plan %+v", p)
		}},
		{"then scales to zero", func(in *Input) {
			in.Active, in.DesiredRevision = green, "r2"
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", State: apiv1.StateScalingDown, PromotedAt: at(-31 * time.Second)}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Actions[blue] == ScaleDown && p.Status.State == apiv1.StateIdle && p.RequeueAfter == 0, "plan %+v", p)
		}},
		{"going back to the warm previous revision is an immediate selector flip", func(in *Input) {
			in.Active, in.DesiredRevision, in.AutoPromotion = green, "r1", false
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", State: apiv1.StateScalingDown, PromotedAt: at(-10 * time.Second)}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[blue] == Render && p.Status.ActiveRevision == "r1", "plan %+v", p)
		}},
		{"a rollback request flips back to the warm colour and marks the revision aborted", func(in *Input) {
			in.Active, in.DesiredRevision, in.RollbackRequest = green, "r2", "r2"
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", State: apiv1.StateScalingDown, PromotedAt: at(-10 * time.Second)}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[green] == Keep && p.Status.AbortedRevision == "r2" && p.Status.State == apiv1.StateRolledBack, "plan %+v", p)
			expect(t, p.RequeueAfter == RollbackGrace, "requeue %s, want the rollback grace", p.RequeueAfter)
		}},
		{"a promoted colour turning unhealthy inside the warm window is rolled back automatically", func(in *Input) {
			in.Active, in.DesiredRevision, in.HealingEnabled = green, "r2", true
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Degraded: true, DegradedMessage: "model: 1 of 2 pods ready"}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", State: apiv1.StateScalingDown, PromotedAt: at(-10 * time.Second)}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateRolledBack && p.Status.Reason == apiv1.ReasonUnhealthyAfterPromotion, "plan %+v", p)
			expect(t, len(p.Healing) == 1 && p.Healing[0] == HealingRollback && p.Status.AbortedRevision == "r2", "plan %+v", p)
		}},
		{"with healing off it only reports", func(in *Input) {
			in.Active, in.DesiredRevision, in.HealingEnabled = green, "r2", false
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Degraded: true, DegradedMessage: "model: CrashLoopBackOff"}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", State: apiv1.StateScalingDown, PromotedAt: at(-10 * time.Second)}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && len(p.Healing) == 0, "plan %+v", p)
		}},
		{"the colour rolled back from keeps its pods for the grace period", func(in *Input) {
			in.DesiredRevision = "r2"
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r1", AbortedRevision: "r2", State: apiv1.StateRolledBack, AbortedAt: at(-5 * time.Second), Message: "rolled back"}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[green] == Keep && p.RequeueAfter == 5*time.Second, "plan %+v", p)
		}},
		{"then it scales down", func(in *Input) {
			in.DesiredRevision = "r2"
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r1", AbortedRevision: "r2", State: apiv1.StateRolledBack, AbortedAt: at(-11 * time.Second), Message: "rolled back"}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[green] == ScaleDown && p.RequeueAfter == 0, "plan %+v", p)
		}},
		{"a rollback request when the previous colour is cold changes nothing", func(in *Input) {
			in.Active, in.DesiredRevision, in.RollbackRequest = green, "r2", "r2"
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
			in.States[blue] = ColourState{Exists: true, Revision: "r1"}
			in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", State: apiv1.StateIdle}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Status.State == apiv1.StateIdle, "plan %+v", p)
		}},
		{"turning blue-green on moves the single-colour Deployments to blue, then removes them", func(in *Input) {
			in.HasActive, in.Active, in.Status = false, "", apiv1.BlueGreenStatus{}
			in.States[Legacy] = ColourState{Exists: true, Revision: "r1", Replicas: 8, Ready: true}
			in.States[blue] = ColourState{Exists: true, Revision: "r1", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Actions[Legacy] == Delete && p.Actions[blue] == Render && p.Deployed, "plan %+v", p)
		}},
		{"turning blue-green off keeps the colours until the single set is ready", func(in *Input) {
			in.Enabled = false
			in.States[Legacy] = ColourState{Exists: true, Revision: "r1", Replicas: 8}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == Legacy && p.Actions[Legacy] == Render && p.Actions[blue] == Keep && p.Preview == green, "plan %+v", p)
		}},
		{"without blue-green a revision is deployed when its rolling update finished", func(in *Input) {
			in.Enabled, in.DesiredRevision, in.DeployedRevision = false, "r2", "r1"
			in.States = map[Colour]ColourState{Legacy: {Exists: true, Revision: "r2", Replicas: 2, Ready: true}}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Deployed && p.DeployedRevision == "r2", "plan %+v", p)
		}},
		{"without blue-green a revision still rolling out is not deployed yet", func(in *Input) {
			in.Enabled, in.DesiredRevision, in.DeployedRevision = false, "r2", "r1"
			in.States = map[Colour]ColourState{Legacy: {Exists: true, Revision: "r2", Replicas: 2}}
		}, func(t *testing.T, p Plan) {
			expect(t, !p.Deployed, "plan %+v", p)
		}},
		{"without blue-green a deployed revision scaled up is not deployed again", func(in *Input) {
			in.Enabled, in.DesiredRevision, in.DeployedRevision = false, "r2", "r2"
			in.States = map[Colour]ColourState{Legacy: {Exists: true, Revision: "r2", Replicas: 9, Ready: true}}
		}, func(t *testing.T, p Plan) {
			expect(t, !p.Deployed, "plan %+v", p)
		}},
		{"a promotion records the revision deployed", func(in *Input) {
			in.DesiredRevision = "r2"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
			in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Deployed && p.DeployedRevision == "r2", "plan %+v", p)
		}},
		{"and removes them once it is", func(in *Input) {
			in.Enabled = false
			in.States[Legacy] = ColourState{Exists: true, Revision: "r1", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == Legacy && p.Actions[blue] == Delete && p.Actions[green] == Delete && p.Preview == Legacy, "plan %+v", p)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			if tt.in != nil {
				tt.in(&in)
			}
			tt.check(t, Decide(in))
		})
	}
}

// again decides again on the status p wrote: what the reconciler does
// when p asked to (Plan.Again).
func again(in Input, p Plan) Plan {
	in.Status = *p.Status
	return Decide(in)
}

func expect(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}

// waitingPreview: r2 is being prepared in green since a minute ago, and
// green's pods cannot be scheduled.
func waitingPreview() Input {
	in := base()
	in.DesiredRevision = "r2"
	in.Status.State, in.Status.PreviewRevision, in.Status.PreviewStartedAt = apiv1.StateDeploying, "r2", at(-time.Minute)
	in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8,
		Waiting: "WaitingForCapacity", WaitingMessage: "pod shop-model-green-x: cannot be scheduled: 0/3 nodes are available: 3 Too many pods."}
	return in
}

func TestDecideWaitsForWhatCanPassByItself(t *testing.T) {
	in := waitingPreview()
	p := Decide(in)
	expect(t, p.Status.State == apiv1.StateDeploying && p.Status.Reason == "WaitingForCapacity" && p.Status.WaitingSince.Time.Equal(t0), "status %+v", p.Status)
	expect(t, strings.Contains(p.Status.Message, "waits for capacity since") && strings.Contains(p.Status.Message, "Too many pods"), "message %q", p.Status.Message)
	expect(t, p.ProblemReason == "" && p.Actions[green] == Render, "a wait is no problem: %+v", p)
	expect(t, len(p.Events) == 1 && p.Events[0].Reason == "WaitingForCapacity" && !p.Events[0].Warning, "events %+v", p.Events)
	expect(t, p.RequeueAfter == 9*time.Minute, "requeue %s, want the deadline", p.RequeueAfter)

	t.Run("the wait goes on: same start, no new Event", func(t *testing.T) {
		in := waitingPreview()
		in.Now, in.Status = t0.Add(5*time.Minute), *p.Status
		q := Decide(in)
		expect(t, q.Status.WaitingSince.Time.Equal(t0) && len(q.Events) == 0, "status %+v events %+v", q.Status, q.Events)
	})
	t.Run("an image pull within its grace is looked at again when the grace ends", func(t *testing.T) {
		in := waitingPreview()
		st := in.States[green]
		st.Waiting, st.BrokenAt = "WaitingForImage", t0.Add(20*time.Second)
		in.States[green] = st
		expect(t, Decide(in).RequeueAfter == 20*time.Second, "requeue")
	})
	t.Run("room found: the wait ends with an Event, and the preview is promoted once ready", func(t *testing.T) {
		in := waitingPreview()
		in.Now, in.Status = t0.Add(42*time.Second), *p.Status
		in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
		q := Decide(in)
		expect(t, q.Active == green && q.Status.WaitingSince == nil && q.Status.Reason == "", "plan %+v status %+v", q, q.Status)
		reasons := make([]string, 0, len(q.Events))
		for _, e := range q.Events {
			reasons = append(reasons, e.Reason)
		}
		expect(t, strings.Join(reasons, ",") == "Promoted,WaitEnded", "events %v", reasons)
		expect(t, strings.Contains(q.Events[1].Message, "waited 42s"), "event %+v", q.Events[1])
	})
	t.Run("still waiting at the deadline: aborted, saying what it waited for", func(t *testing.T) {
		in := waitingPreview()
		in.Now, in.Status = t0.Add(9*time.Minute), *p.Status
		q := Decide(in)
		expect(t, q.Status.State == apiv1.StateAborted && q.Status.Reason == apiv1.ReasonProgressDeadlineExceeded && q.Status.WaitingSince == nil, "status %+v", q.Status)
		expect(t, strings.Contains(q.Status.Message, "it waited for capacity: pod shop-model-green-x"), "message %q", q.Status.Message)
		expect(t, len(q.Events) == 1 && q.Events[0].Reason == apiv1.ReasonProgressDeadlineExceeded, "events %+v", q.Events)
	})
	t.Run("a broken preview is aborted at once, waiting or not", func(t *testing.T) {
		in := waitingPreview()
		st := in.States[green]
		st.Failed, st.FailedMessage = true, "model: CrashLoopBackOff"
		in.States[green] = st
		q := Decide(in)
		expect(t, q.Status.State == apiv1.StateAborted && q.Status.Reason == apiv1.ReasonPreviewUnhealthy, "status %+v", q.Status)
	})
}

// The metrics count what the Events' transitions say, not their names: a
// refused rollback moves no traffic.
func TestEventsCarryTheirTransition(t *testing.T) {
	transitions := func(p Plan) map[string]Transition {
		out := map[string]Transition{}
		for _, e := range p.Events {
			out[e.Reason] = e.Transition
		}
		return out
	}
	in := base()
	in.RollbackRequest = "r1" // green is cold: nothing to go back to
	got := transitions(Decide(in))
	expect(t, len(got) == 1 && got["RollbackRefused"] == NoTransition, "refused rollback: %v", got)

	in = base()
	in.DesiredRevision = "r2"
	in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
	in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
	p := Decide(in)
	expect(t, transitions(p)["Promoted"] == Promotion, "promotion: %v", transitions(p))

	in.Status, in.States[blue] = *p.Status, ColourState{Exists: true, Revision: "r1", Replicas: 8, Ready: true}
	in.Active, in.RollbackRequest, in.Now = green, "r2", t0.Add(time.Second)
	expect(t, transitions(Decide(in))[apiv1.ReasonRolledBack] == Rollback, "rollback: %v", transitions(Decide(in)))

	in = base()
	in.DesiredRevision, in.AbortRequest = "r2", "r2"
	in.Status.PreviewRevision, in.Status.PreviewStartedAt = "r2", at(-time.Minute)
	expect(t, transitions(Decide(in))[apiv1.ReasonAbortRequested] == Abortion, "abort: %v", transitions(Decide(in)))
}
