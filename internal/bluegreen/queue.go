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
	"slices"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// The rollout queue: when a limit applies (--max-concurrent-rollouts, or a
// namespace's apps.restapi.dev/max-concurrent-rollouts), at most that many
// RestAPIs run a rollout (a second colour) at the same time; the others wait
// in state Queued, first come first served. Like Decide, everything here is read
// from the cluster (the RestAPIs' status), so a restarted manager keeps the
// same order.

// Turn is a rollout's place in the queue, given to Decide.
type Turn struct {
	// Admitted: the rollout may prepare its preview now.
	Admitted bool
	// Position is how many queued rollouts are ahead of it.
	Position int32
	// Why says which limit holds it back, for a person.
	Why string
}

// HoldsSlot reports whether a RestAPI's status holds a rollout slot: it
// runs a second colour for a rollout, from the start of its preview
// (Deploying, AwaitingPromotion) until the old colour is scaled down after
// its warm window (ScalingDown). The limit then bounds the extra colours a
// cluster must hold at once. A first deploy, with nothing serving yet,
// holds none; an aborted preview is scaled down at once.
func HoldsSlot(st *apiv1.BlueGreenStatus) bool {
	if st == nil {
		return false
	}
	switch st.State {
	case apiv1.StateDeploying, apiv1.StateAwaitingPromotion:
		return st.PreviewRevision != ""
	case apiv1.StateScalingDown:
		return true
	}
	return false
}

// Queued reports whether a RestAPI's status is in the queue, and since when.
func Queued(st *apiv1.BlueGreenStatus) (time.Time, bool) {
	if st == nil || st.State != apiv1.StateQueued || st.QueuedAt == nil {
		return time.Time{}, false
	}
	return st.QueuedAt.Time, true
}

// Entry is a queued rollout: who, and since when.
type Entry struct {
	Namespace, Name string
	QueuedAt        time.Time
}

func (e Entry) before(o Entry) bool {
	if !e.QueuedAt.Equal(o.QueuedAt) {
		return e.QueuedAt.Before(o.QueuedAt)
	}
	if e.Namespace != o.Namespace {
		return e.Namespace < o.Namespace
	}
	return e.Name < o.Name
}

// Scope is one limit and what it counts: the rollouts holding a slot
// (HoldsSlot), and the queued ones, in a namespace or in the whole cluster.
type Scope struct {
	// Name says where the limit comes from, for a person.
	Name     string
	Limit    int
	InFlight int
	Queue    []Entry
}

// TakeTurn places me in every scope's queue: it is admitted when, in each
// scope, the rollouts in flight plus the queued ones ahead of it leave a
// slot. Its position is the most rollouts ahead of it in any scope.
func TakeTurn(me Entry, scopes ...Scope) Turn {
	t := Turn{Admitted: true}
	for _, s := range scopes {
		if s.Limit <= 0 {
			continue
		}
		ahead := int32(0)
		for _, e := range s.Queue {
			if e.Namespace == me.Namespace && e.Name == me.Name {
				continue
			}
			if e.before(me) {
				ahead++
			}
		}
		if s.InFlight+int(ahead) >= s.Limit {
			t.Admitted = false
			if ahead >= t.Position {
				t.Why = fmt.Sprintf("%d of %d rollouts %s in flight, %d queued ahead", s.InFlight, s.Limit, s.Name, ahead)
			}
		}
		t.Position = max(t.Position, ahead)
	}
	return t
}

// Front lists the first n entries of a queue, in order: the rollouts to
// look at again when a slot frees.
func Front(queue []Entry, n int) []Entry {
	q := slices.Clone(queue)
	slices.SortFunc(q, func(a, b Entry) int {
		switch {
		case a.before(b):
			return -1
		case b.before(a):
			return 1
		}
		return 0
	})
	return q[:min(n, len(q))]
}

// QueueRecheck is how often a queued rollout looks at its place again,
// when nothing wakes it earlier (the rollouts nearest the front are woken
// when a slot frees).
const QueueRecheck = 30 * time.Second

// queued keeps the rollout in the queue: nothing is prepared, the serving
// colour serves, and a warm previous colour goes at the end of its window
// (its room is what the queue waits for).
func (d *decider) queued(active, idle Colour) {
	in := d.in
	if _, ok := Queued(&in.Status); !ok {
		d.st.QueuedAt = d.now()
		d.event(false, apiv1.EventQueued, "Deploy", "Revision %s is queued: %s", in.DesiredRevision, in.Turn.Why)
	}
	pos := in.Turn.Position
	d.st.QueuePosition = &pos
	d.st.State = apiv1.StateQueued
	d.st.Reason, d.st.WaitingSince = "", nil
	d.st.Message = fmt.Sprintf("revision %s is queued since %s, %d ahead of it: %s; %s serves",
		in.DesiredRevision, d.st.QueuedAt.UTC().Format(time.RFC3339), pos, in.Turn.Why, describe(active))
	d.requeue(in.Now.Add(QueueRecheck))
	d.coolDown(idle)
}

// abortQueued: the rollout was aborted while it waited in the queue. It
// never deployed anything; it leaves the queue at once (no slot is
// waited for), and the revision is not tried again until the spec changes.
func (d *decider) abortQueued(active, idle Colour) {
	desired := d.in.DesiredRevision
	d.st.AbortedRevision, d.st.AbortedAt = desired, d.now()
	d.clearPreview()
	d.st.State = apiv1.StateAborted
	d.st.Reason = apiv1.ReasonAbortRequested
	d.st.Message = fmt.Sprintf("revision %s was aborted on request while it was queued; %s keeps serving", desired, describe(active))
	d.plan.ProblemReason, d.plan.ProblemMessage = d.st.Reason, d.st.Message
	d.transition(Abortion, true, d.st.Reason, "Abort", "%s", d.st.Message)
	d.coolDown(idle)
}

// coolDown: nothing is being prepared in idle. A warm previous colour
// there stays until the end of its window (a rollback may still go to it),
// anything else with pods is scaled down.
func (d *decider) coolDown(idle Colour) {
	in := d.in
	other := in.States[idle]
	warmUntil := time.Time{}
	if d.st.PromotedAt != nil {
		warmUntil = d.st.PromotedAt.Add(in.ScaleDownDelay)
	}
	switch {
	case other.Replicas > 0 && other.Revision != "" && other.Revision == d.st.PreviousRevision && in.Now.Before(warmUntil):
		d.requeue(warmUntil)
	case other.Replicas > 0:
		d.plan.Actions[idle] = ScaleDown
		d.st.PreviousRevision = ""
	}
}
