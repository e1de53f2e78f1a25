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
	"slices"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

func entry(ns, name string, at time.Duration) Entry {
	return Entry{Namespace: ns, Name: name, QueuedAt: t0.Add(at)}
}

func TestTakeTurn(t *testing.T) {
	queue := []Entry{entry("a", "x", 2*time.Second), entry("a", "y", time.Second), entry("b", "z", time.Second), entry("a", "w", 3*time.Second)}
	tests := []struct {
		name     string
		me       Entry
		scopes   []Scope
		admitted bool
		position int32
	}{
		{"no limit: admitted", entry("a", "w", 3*time.Second), []Scope{{Name: "cluster-wide", Limit: 0, InFlight: 9, Queue: queue}}, true, 0},
		{"first come: the earliest is admitted when one slot is free", entry("a", "y", time.Second),
			[]Scope{{Name: "cluster-wide", Limit: 3, InFlight: 2, Queue: queue}}, true, 0},
		{"same time: by namespace and name", entry("b", "z", time.Second),
			[]Scope{{Name: "cluster-wide", Limit: 3, InFlight: 2, Queue: queue}}, false, 1},
		{"two free slots admit the first two", entry("b", "z", time.Second),
			[]Scope{{Name: "cluster-wide", Limit: 4, InFlight: 2, Queue: queue}}, true, 1},
		{"the last waits behind three", entry("a", "w", 3*time.Second),
			[]Scope{{Name: "cluster-wide", Limit: 4, InFlight: 2, Queue: queue}}, false, 3},
		{"a newcomer goes to the back", entry("a", "new", time.Hour),
			[]Scope{{Name: "cluster-wide", Limit: 10, InFlight: 2, Queue: queue}}, true, 4},
		{"every scope must leave a slot: the namespace's is full", entry("a", "y", time.Second),
			[]Scope{{Name: "cluster-wide", Limit: 10, InFlight: 2, Queue: queue}, {Name: "in namespace a", Limit: 1, InFlight: 1, Queue: queue[:2]}}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TakeTurn(tt.me, tt.scopes...)
			if got.Admitted != tt.admitted || got.Position != tt.position {
				t.Errorf("got %+v, want admitted %v position %d", got, tt.admitted, tt.position)
			}
			if !got.Admitted && got.Why == "" {
				t.Error("no reason for a person")
			}
		})
	}
	if f := Front(queue, 2); len(f) != 2 || f[0].Name != "y" || f[1].Name != "z" {
		t.Errorf("front %+v", f)
	}
}

// queuedInput: r2 is wanted while blue serves r1, and the queue is full.
func queuedInput() Input {
	in := base()
	in.DesiredRevision = "r2"
	in.Turn = &Turn{Position: 3, Why: "5 of 5 rollouts cluster-wide in flight, 3 queued ahead"}
	return in
}

func TestDecideQueues(t *testing.T) {
	p := Decide(queuedInput())
	expect(t, p.Status.State == apiv1.StateQueued && p.Status.QueuedAt.Time.Equal(t0) && *p.Status.QueuePosition == 3, "status %+v", p.Status)
	expect(t, p.Actions[green] == Keep && p.Actions[blue] == Keep && p.Active == blue, "nothing is prepared: %+v", p)
	expect(t, p.Status.PreviewRevision == "" && p.Status.PreviewStartedAt == nil, "the deadline does not run while queued: %+v", p.Status)
	expect(t, p.RequeueAfter == QueueRecheck && p.ProblemReason == "", "plan %+v", p)
	expect(t, len(p.Events) == 1 && p.Events[0].Reason == "Queued" && strings.Contains(p.Events[0].Message, "3 queued ahead"), "events %+v", p.Events)
	expect(t, strings.Contains(p.Status.Message, "3 ahead of it"), "message %q", p.Status.Message)

	t.Run("a spec change while queued keeps the place", func(t *testing.T) {
		in := queuedInput()
		in.DesiredRevision, in.Now, in.Status = "r3", t0.Add(time.Minute), *p.Status
		in.Turn.Position = 1
		q := Decide(in)
		expect(t, q.Status.State == apiv1.StateQueued && q.Status.QueuedAt.Time.Equal(t0) && *q.Status.QueuePosition == 1 && len(q.Events) == 0, "status %+v", q.Status)
	})
	t.Run("its turn: prepared, the deadline starts now, the queue is left", func(t *testing.T) {
		in := queuedInput()
		in.Now, in.Status = t0.Add(42*time.Second), *p.Status
		in.Turn = &Turn{Admitted: true}
		q := Decide(in)
		expect(t, q.Again && q.Status.State == apiv1.StateDeploying && q.Status.PreviewStartedAt.Time.Equal(t0.Add(42*time.Second)), "status %+v", q.Status)
		expect(t, q.Status.QueuedAt == nil && q.Status.QueuePosition == nil, "status %+v", q.Status)
		expect(t, len(q.Events) == 1 && strings.Contains(q.Events[0].Message, "after 42s in the queue"), "events %+v", q.Events)
		q = again(in, q)
		expect(t, q.Actions[green] == Render && q.Status.State == apiv1.StateDeploying && len(q.Events) == 0, "plan %+v", q)
	})
	t.Run("a rollout preparing keeps its slot through a spec change", func(t *testing.T) {
		in := queuedInput()
		in.DesiredRevision = "r3"
		in.Status.State, in.Status.PreviewRevision, in.Status.PreviewStartedAt = apiv1.StateDeploying, "r2", at(-time.Minute)
		q := again(in, Decide(in))
		expect(t, q.Status.State == apiv1.StateDeploying && q.Actions[green] == Render, "status %+v", q.Status)
	})
	t.Run("the spec goes back to what serves: the queue is left", func(t *testing.T) {
		in := queuedInput()
		in.DesiredRevision, in.Status = "r1", *p.Status
		q := Decide(in)
		expect(t, q.Status.State == apiv1.StateIdle && q.Status.QueuedAt == nil && q.Status.QueuePosition == nil, "status %+v", q.Status)
	})
	t.Run("going back to the warm colour is a flip: never queued", func(t *testing.T) {
		in := queuedInput()
		in.Status.PreviousRevision, in.Status.PromotedAt, in.Status.State = "r2", at(-10*time.Second), apiv1.StateScalingDown
		in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
		q := Decide(in)
		expect(t, q.Active == green && q.Status.State == apiv1.StateScalingDown, "plan %+v", q)
	})
	t.Run("a warm colour stays through its window while queued, then goes", func(t *testing.T) {
		in := queuedInput()
		in.Status.PreviousRevision, in.Status.PromotedAt = "r0", at(-10*time.Second)
		in.States[green] = ColourState{Exists: true, Revision: "r0", Replicas: 8, Ready: true}
		q := Decide(in)
		expect(t, q.Actions[green] == Keep && q.RequeueAfter == 20*time.Second, "plan %+v", q)
		in.Now = t0.Add(20 * time.Second)
		q = Decide(in)
		expect(t, q.Actions[green] == ScaleDown && q.Status.PreviousRevision == "", "plan %+v status %+v", q, q.Status)
	})
	t.Run("an abort of a queued rollout acts at once: no slot, no preview", func(t *testing.T) {
		in := queuedInput()
		in.Status = *p.Status
		in.Status.PreviousRevision, in.Status.PromotedAt = "r0", at(-10*time.Second)
		in.States[green] = ColourState{Exists: true, Revision: "r0", Replicas: 8, Ready: true}
		in.AbortRequest = "r2"
		q := Decide(in)
		expect(t, q.Status.State == apiv1.StateAborted && q.Status.Reason == apiv1.ReasonAbortRequested && q.Status.AbortedRevision == "r2", "status %+v", q.Status)
		expect(t, q.Status.QueuedAt == nil && q.Status.PreviewRevision == "" && !HoldsSlot(q.Status), "left the queue: %+v", q.Status)
		expect(t, q.Actions[green] == Keep && q.Status.PreviousRevision == "r0", "the warm colour stays through its window: %+v", q)
		expect(t, slices.Contains(q.Consumed, apiv1.AnnotationAbort) && len(q.Events) == 1 && q.Events[0].Transition == Abortion, "plan %+v", q)
		// Once admitted it still deploys nothing: the revision is aborted.
		in.Status, in.AbortRequest, in.Turn = *q.Status, "", &Turn{Admitted: true}
		in.Now = t0.Add(time.Minute)
		q = Decide(in)
		expect(t, q.Status.State == apiv1.StateAborted && q.Actions[green] == ScaleDown && q.Status.PreviousRevision == "", "the warm window ended: %+v %+v", q, q.Status)
	})
	t.Run("an early approval waits through the queue", func(t *testing.T) {
		in := queuedInput()
		in.PromoteRequest = "r2"
		expect(t, len(Decide(in).Consumed) == 0, "consumed")
	})
}
