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

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

var (
	expandHook   = apiv1.Hook{Name: "expand", Phase: apiv1.HookPrePromotion, Command: []string{"migrate", "up"}}
	seedHook     = apiv1.Hook{Name: "seed", Phase: apiv1.HookPrePromotion, Command: []string{"seed"}}
	contractHook = apiv1.Hook{Name: "contract", Phase: apiv1.HookPostPromotion, Command: []string{"migrate", "contract"}}
	undoHook     = apiv1.Hook{Name: "undo", Phase: apiv1.HookOnAbort, Command: []string{"migrate", "down"}}
	notifyHook   = apiv1.Hook{Name: "notify", Phase: apiv1.HookOnAbort, Command: []string{"notify"}}
)

// hooked: r2 is ready in green at attempt 4, blue serves r1, and the spec
// has an expand, a contract and an undo hook.
func hooked() Input {
	in := base()
	in.Name = "shop"
	in.DesiredRevision = "r2"
	in.Hooks = []apiv1.Hook{expandHook, contractHook, undoHook}
	in.Status.PreviewRevision, in.Status.PreviewStartedAt, in.Status.Attempt = "r2", at(-time.Minute), 4
	in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true, Pods: 8}
	in.States[blue] = ColourState{Exists: true, Revision: "r1", Replicas: 8, Ready: true, Pods: 8}
	return in
}

// servingR2: r2 was promoted to green at attempt 4 a minute ago, blue was
// scaled down; oldPods of blue's are still there.
func servingR2(oldPods int) Input {
	in := hooked()
	in.Active = green
	in.States[blue] = ColourState{Exists: true, Revision: "r1", Replicas: 0, Pods: oldPods}
	in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", State: apiv1.StateIdle, Attempt: 4, PromotedAttempt: 4, PromotedAt: at(-time.Minute)}
	return in
}

func job(in *Input, name, rev string, attempt int64, result apiv1.HookResult) {
	if in.HookJobs == nil {
		in.HookJobs = map[string]HookRun{}
	}
	in.HookJobs[name] = HookRun{Revision: rev, Attempt: attempt, Result: result, Message: "BackoffLimitExceeded: Job has reached the specified backoff limit"}
}

func asks(p Plan) []string {
	out := make([]string, 0, len(p.RunHooks))
	for _, h := range p.RunHooks {
		out = append(out, string(h.Colour)+"/"+h.Hook.Name+"/"+h.Revision)
	}
	return out
}

func hasEvent(p Plan, reason string) bool {
	for _, e := range p.Events {
		if e.Reason == reason {
			return true
		}
	}
	return false
}

func TestDecideHooks(t *testing.T) {
	tests := []struct {
		name  string
		in    func() Input
		edit  func(in *Input)
		check func(t *testing.T, p Plan)
	}{
		{"a ready preview is not promoted before its PrePromotion hook ran; the decision asks for its Job", hooked, nil, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAwaitingPromotion && p.Status.Reason == apiv1.ReasonHookRunning, "plan %+v", p.Status)
			expect(t, strings.Join(asks(p), ",") == "green/expand/r2", "asks %v", asks(p))
			expect(t, hasEvent(p, apiv1.EventHookStarted) && len(p.Status.Hooks) == 1 && p.Status.Hooks[0].Job == "shop-expand-4" &&
				p.Status.Hooks[0].Result == apiv1.HookRunning, "status %+v", p.Status.Hooks)
		}},
		{"a running hook holds the promotion and asks for nothing", hooked, func(in *Input) {
			job(in, "shop-expand-4", "r2", 4, apiv1.HookRunning)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && len(p.RunHooks) == 0 && p.Status.Hooks[0].Result == apiv1.HookRunning, "plan %+v", p.Status)
			expect(t, strings.Contains(p.Status.Message, "shop-expand-4"), "message %q", p.Status.Message)
		}},
		{"a hook that succeeded lets the preview be promoted", hooked, func(in *Input) {
			job(in, "shop-expand-4", "r2", 4, apiv1.HookSucceeded)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Status.PromotedAttempt == 4 && hasEvent(p, apiv1.EventHookSucceeded), "plan %+v", p.Status)
		}},
		{"the Job of an earlier attempt never counts: this attempt gets its own", hooked, func(in *Input) {
			job(in, "shop-expand-3", "r2", 3, apiv1.HookSucceeded)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && strings.Join(asks(p), ",") == "green/expand/r2", "plan %+v, asks %v", p.Status, asks(p))
		}},
		{"a Job of this name made for another revision is reported and blocks, never counted", hooked, func(in *Input) {
			job(in, "shop-expand-4", "r9", 4, apiv1.HookSucceeded)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && len(p.RunHooks) == 0 && p.ProblemReason == apiv1.ReasonChildConflict, "plan %+v", p)
		}},
		{"the hooks of a phase run one after the other", hooked, func(in *Input) {
			in.Hooks = []apiv1.Hook{expandHook, seedHook}
			job(in, "shop-expand-4", "r2", 4, apiv1.HookSucceeded)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && strings.Join(asks(p), ",") == "green/seed/r2", "asks %v", asks(p))
		}},
		{"a failed PrePromotion hook aborts: traffic stays, the preview goes, OnAbort runs in its colour", hooked, func(in *Input) {
			job(in, "shop-expand-4", "r2", 4, apiv1.HookFailed)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateAborted && p.Status.Reason == apiv1.ReasonHookFailed, "plan %+v", p.Status)
			expect(t, p.Actions[green] == ScaleDown && p.Actions[blue] == Keep && p.ProblemReason == apiv1.ReasonHookFailed, "actions %v", p.Actions)
			expect(t, strings.Join(asks(p), ",") == "green/undo/r2", "asks %v", asks(p))
			expect(t, strings.Contains(p.Status.Message, "BackoffLimitExceeded"), "message %q", p.Status.Message)
		}},
		{"the analysis starts only after the PrePromotion hooks", hooked, func(in *Input) {
			in.PreAnalysis = true
		}, func(t *testing.T, p Plan) {
			expect(t, p.Analyse == nil && len(p.RunHooks) == 1, "plan %+v", p)
		}},
		{"going back to the warm colour runs no PrePromotion hook", hooked, func(in *Input) {
			in.DesiredRevision = "r0"
			in.Status.PreviousRevision = "r0"
			in.Status.PreviewRevision = "r0"
			in.States[green] = ColourState{Exists: true, Revision: "r0", Replicas: 8, Ready: true}
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && len(p.RunHooks) == 0, "plan %+v", p.Status)
		}},
		{"PostPromotion waits while a Pod of the old colour is left", func() Input { return servingR2(1) }, nil, func(t *testing.T, p Plan) {
			expect(t, len(p.RunHooks) == 0 && p.Status.Reason == apiv1.ReasonHookRunning && strings.Contains(p.Status.Message, "1 Pod"), "plan %+v", p.Status)
		}},
		{"PostPromotion runs in the serving colour once the old colour's last Pod is gone", func() Input { return servingR2(0) }, nil, func(t *testing.T, p Plan) {
			expect(t, strings.Join(asks(p), ",") == "green/contract/r2" && p.Status.Hooks[0].Job == "shop-contract-4", "asks %v", asks(p))
		}},
		{"a Pod of the single-colour Deployments counts as old too", func() Input { return servingR2(0) }, func(in *Input) {
			in.States[Legacy] = ColourState{Pods: 2}
		}, func(t *testing.T, p Plan) {
			expect(t, len(p.RunHooks) == 0, "asks %v", asks(p))
		}},
		{"a failed PostPromotion hook moves no traffic: the revision serves, Degraded", func() Input { return servingR2(0) }, func(in *Input) {
			job(in, "shop-contract-4", "r2", 4, apiv1.HookFailed)
		}, func(t *testing.T, p Plan) {
			expect(t, p.Active == green && p.Actions[green] == Render && p.Actions[blue] == Keep && p.Status.State == apiv1.StateIdle, "plan %+v", p)
			expect(t, p.ProblemReason == apiv1.ReasonHookFailed && strings.Contains(p.ProblemMessage, "shop-contract-4"), "problem %q", p.ProblemMessage)
		}},
		{"no PostPromotion for the revision a rollback went back to", func() Input { return servingR2(0) }, func(in *Input) {
			in.Status.PromotedAttempt = 0
		}, func(t *testing.T, p Plan) {
			expect(t, len(p.RunHooks) == 0 && p.Status.Reason == "", "plan %+v", p.Status)
		}},
		{"no PostPromotion hook for a first deploy", func() Input { return servingR2(0) }, func(in *Input) {
			in.Status.PromotedAttempt, in.Status.Attempt = 0, 0
		}, func(t *testing.T, p Plan) {
			expect(t, len(p.RunHooks) == 0, "asks %v", asks(p))
		}},
		{"a rollback runs OnAbort for the revision that lost, in its colour", func() Input {
			in := servingR2(8)
			in.States[blue] = ColourState{Exists: true, Revision: "r1", Replicas: 8, Ready: true, Pods: 8}
			in.Status.State, in.Status.PreviousRevision = apiv1.StateScalingDown, "r1"
			in.RollbackRequest = "r2"
			return in
		}, nil, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && p.Status.State == apiv1.StateRolledBack && p.Status.PromotedAttempt == 0, "plan %+v", p.Status)
			expect(t, strings.Join(asks(p), ",") == "green/undo/r2", "asks %v", asks(p))
		}},
		{"after an abort, the OnAbort hooks go on one after the other", func() Input {
			in := hooked()
			in.Hooks = append(in.Hooks, notifyHook)
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "", nil
			in.Status.AbortedRevision, in.Status.State, in.Status.Reason = "r2", apiv1.StateAborted, apiv1.ReasonHookFailed
			in.Status.Hooks = []apiv1.HookStatus{{Name: "undo", Phase: apiv1.HookOnAbort, Job: "shop-undo-4", Revision: "r2", Attempt: 4, Result: apiv1.HookRunning}}
			job(&in, "shop-undo-4", "r2", 4, apiv1.HookSucceeded)
			return in
		}, nil, func(t *testing.T, p Plan) {
			expect(t, p.Active == blue && strings.Join(asks(p), ",") == "green/notify/r2", "asks %v", asks(p))
		}},
		{"a failed OnAbort hook is reported on top of the abort, once", func() Input {
			in := hooked()
			in.Status.PreviewRevision, in.Status.PreviewStartedAt = "", nil
			in.Status.AbortedRevision, in.Status.State, in.Status.Reason = "r2", apiv1.StateAborted, apiv1.ReasonHookFailed
			in.Status.Message = "PrePromotion hook expand of revision r2 failed"
			in.Status.Hooks = []apiv1.HookStatus{{Name: "undo", Phase: apiv1.HookOnAbort, Job: "shop-undo-4", Revision: "r2", Attempt: 4, Result: apiv1.HookRunning}}
			job(&in, "shop-undo-4", "r2", 4, apiv1.HookFailed)
			return in
		}, nil, func(t *testing.T, p Plan) {
			expect(t, p.Status.Reason == apiv1.ReasonHookFailed && hasEvent(p, apiv1.ReasonHookFailed), "plan %+v", p.Status)
			expect(t, strings.Count(p.ProblemMessage, "its OnAbort hook undo failed (Job shop-undo-4") == 1, "problem %q", p.ProblemMessage)
			in := hooked()
			in.Status, in.HookJobs = *p.Status, map[string]HookRun{"shop-undo-4": {Revision: "r2", Attempt: 4, Result: apiv1.HookFailed, Message: "x"}}
			again := Decide(in)
			expect(t, again.Status.Message == p.Status.Message && len(again.Events) == 0, "decided again: %q, events %v", again.Status.Message, again.Events)
		}},
		{"an abort of a rollout still queued runs no OnAbort hook: nothing was deployed", func() Input {
			in := hooked()
			in.DesiredRevision = "r3"
			in.Status.PreviewRevision, in.Status.PreviewStartedAt, in.Status.State = "", nil, apiv1.StateQueued
			in.Status.QueuedAt = at(-time.Minute)
			in.AbortRequest = "r3"
			in.Turn = &Turn{}
			return in
		}, nil, func(t *testing.T, p Plan) {
			expect(t, p.Status.State == apiv1.StateAborted && len(p.RunHooks) == 0, "plan %+v, asks %v", p.Status, asks(p))
		}},
		{"a new attempt forgets the hooks of the last one", func() Input {
			in := servingR2(0)
			in.DesiredRevision = "r3"
			in.Status.Hooks = []apiv1.HookStatus{{Name: "contract", Phase: apiv1.HookPostPromotion, Job: "shop-contract-4", Revision: "r2", Attempt: 4, Result: apiv1.HookSucceeded}}
			return in
		}, nil, func(t *testing.T, p Plan) {
			expect(t, p.Status.Attempt == 5 && len(p.Status.Hooks) == 0, "status %+v", p.Status)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in()
			if tt.edit != nil {
				tt.edit(&in)
			}
			tt.check(t, Decide(in))
		})
	}
}

// TestDecideHooksAgainAsksNothingTwice: deciding again on the status just
// written, with the Job it asked for now in the cluster, asks for nothing
// and announces nothing again; the same holds once the Job finished.
func TestDecideHooksAgainAsksNothingTwice(t *testing.T) {
	in := hooked()
	p := Decide(in)
	if len(p.RunHooks) != 1 {
		t.Fatalf("asks %v", asks(p))
	}
	in.Status = *p.Status
	job(&in, "shop-expand-4", "r2", 4, apiv1.HookRunning)
	p = Decide(in)
	if len(p.RunHooks) != 0 || hasEvent(p, apiv1.EventHookStarted) {
		t.Fatalf("asked again: %v, events %v", asks(p), p.Events)
	}
	in.Status = *p.Status
	job(&in, "shop-expand-4", "r2", 4, apiv1.HookFailed)
	p = Decide(in)
	if !hasEvent(p, apiv1.ReasonHookFailed) || strings.Join(asks(p), ",") != "green/undo/r2" {
		t.Fatalf("events %v, asks %v", p.Events, asks(p))
	}
	in.Status = *p.Status
	in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 0, Pods: 3}
	job(&in, "shop-undo-4", "r2", 4, apiv1.HookRunning)
	p = Decide(in)
	if len(p.Events) != 0 || len(p.RunHooks) != 0 || p.Active != blue || p.Status.State != apiv1.StateAborted {
		t.Fatalf("events %v, asks %v, status %+v", p.Events, asks(p), p.Status)
	}
}

// TestHookStatusKeepsTheJobsTimes: the cluster's Job gives each hook's
// status its start and end (its startTime; its completionTime, or when it
// was marked failed), and a running Job no end.
func TestHookStatusKeepsTheJobsTimes(t *testing.T) {
	started, done := metav1.NewTime(t0.Add(-30*time.Second)), metav1.NewTime(t0.Add(-2*time.Second))
	newJob := func(name string, conds ...batchv1.JobCondition) *batchv1.Job {
		return &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{apiv1.LabelHook: "expand", apiv1.LabelRevision: "r2", apiv1.LabelAttempt: "4"}},
			Status:     batchv1.JobStatus{StartTime: &started, CompletionTime: &done, Conditions: conds},
		}
	}
	runs := hookRuns(scope.Children{Jobs: map[string]*batchv1.Job{
		"ok":      newJob("ok", batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}),
		"failed":  newJob("failed", batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "DeadlineExceeded", LastTransitionTime: done}),
		"running": newJob("running"),
	}})
	for name, want := range map[string]HookRun{
		"ok":      {Revision: "r2", Attempt: 4, Result: apiv1.HookSucceeded, StartedAt: &started, FinishedAt: &done},
		"failed":  {Revision: "r2", Attempt: 4, Result: apiv1.HookFailed, Message: "DeadlineExceeded:", StartedAt: &started, FinishedAt: &done},
		"running": {Revision: "r2", Attempt: 4, Result: apiv1.HookRunning, StartedAt: &started},
	} {
		if got := runs[name]; !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}

	in := hooked()
	in.HookJobs = map[string]HookRun{"shop-expand-4": runs["running"]}
	p := Decide(in)
	if h := p.Status.Hooks[0]; !h.StartedAt.Equal(&started) || h.FinishedAt != nil {
		t.Fatalf("running: %+v", h)
	}
	in.Status = *p.Status
	in.HookJobs = map[string]HookRun{"shop-expand-4": runs["ok"]}
	p = Decide(in)
	if h := p.Status.Hooks[0]; h.Result != apiv1.HookSucceeded || !h.StartedAt.Equal(&started) || !h.FinishedAt.Equal(&done) {
		t.Fatalf("succeeded: %+v", h)
	}
}
