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
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// hookLab: the Jobs of the simulated cluster's hooks (spec.blueGreen.hooks:
// an expand, a contract and an undo hook), created by the plans and
// finished by the pods' progress; nil when a sequence runs without hooks.
type hookLab struct {
	jobs map[string]*simJob
	// expandFails: revisions whose expand Job fails.
	expandFails map[string]bool
}

type simJob struct {
	run   HookRun
	phase apiv1.HookPhase
	// oldPods: the Pods of the other colours when the Job was created.
	oldPods int
}

var simHooks = []apiv1.Hook{
	{Name: "expand", Phase: apiv1.HookPrePromotion, Command: []string{"expand"}},
	{Name: "contract", Phase: apiv1.HookPostPromotion, Command: []string{"contract"}},
	{Name: "undo", Phase: apiv1.HookOnAbort, Command: []string{"undo"}},
}

func newHookLab() *hookLab {
	return &hookLab{jobs: map[string]*simJob{}, expandFails: map[string]bool{}}
}

// input adds the hooks and their Jobs to what a decision reads.
func (l *hookLab) input(in *Input) {
	if l == nil {
		return
	}
	in.Name, in.Hooks = "sim", simHooks
	in.HookJobs = map[string]HookRun{}
	for name, j := range l.jobs {
		in.HookJobs[name] = j.run
	}
}

// create makes the Jobs a plan asks for (a Job of that name that exists is
// left alone, as the reconciler does).
func (l *hookLab) create(s *sim, p Plan) {
	if l == nil {
		return
	}
	for _, h := range p.RunHooks {
		name := render.HookJobName("sim", h.Hook.Name, h.Attempt)
		if l.jobs[name] != nil {
			continue
		}
		old := 0
		for c, sc := range s.colours {
			if c != h.Colour {
				old += int(sc.pods)
			}
		}
		l.jobs[name] = &simJob{run: HookRun{Revision: h.Revision, Attempt: h.Attempt, Result: apiv1.HookRunning}, phase: h.Hook.Phase, oldPods: old}
	}
}

// progress finishes some running Jobs: an expand of a revision marked to
// fail fails, every other Job succeeds.
func (l *hookLab) progress(rng *rand.Rand) {
	if l == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(l.jobs)) {
		j := l.jobs[name]
		if j.run.Result != apiv1.HookRunning || rng.IntN(3) == 0 {
			continue
		}
		j.run.Result = apiv1.HookSucceeded
		if j.phase == apiv1.HookPrePromotion && l.expandFails[j.run.Revision] {
			j.run.Result, j.run.Message = apiv1.HookFailed, "BackoffLimitExceeded: Job has reached the specified backoff limit"
		}
	}
}

// check holds the hooks' invariants over one decision (in, p) taken while
// the stable Services selected before.
func (l *hookLab) check(t *testing.T, s *sim, step string, in Input, p Plan, before Colour) {
	t.Helper()
	if l == nil {
		return
	}
	fail := func(format string, args ...any) {
		t.Fatalf("%s: %s\n%s", step, fmt.Sprintf(format, args...), strings.Join(s.log, "\n"))
	}
	for _, e := range p.Events {
		switch {
		case e.Reason == apiv1.EventPromoted:
			// No switch before every PrePromotion hook of that attempt
			// succeeded (going back to the warm colour, or from the
			// single-colour Deployments, runs none).
			if !in.HasActive || in.Active == Legacy || in.Status.PreviousRevision == in.DesiredRevision {
				continue
			}
			j := l.jobs[render.HookJobName("sim", "expand", p.Status.Attempt)]
			if j == nil || j.run.Result != apiv1.HookSucceeded || j.run.Revision != in.DesiredRevision {
				fail("promoted %s at attempt %d without its expand Job succeeded: %+v", in.DesiredRevision, p.Status.Attempt, j)
			}
			s.seen["hooks: promoted after expand"]++
		case e.Reason == apiv1.ReasonHookFailed && e.HookPhase == apiv1.HookPrePromotion:
			// A failed PrePromotion hook ends in an abort; traffic stays.
			if p.Status.State != apiv1.StateAborted || p.Active != before {
				fail("expand of %s failed but the decision did not abort with traffic unmoved: state %s, active %s (was %s)",
					in.DesiredRevision, p.Status.State, p.Active, before)
			}
			s.seen["hooks: expand failed, aborted"]++
		}
	}
	for _, h := range p.RunHooks {
		switch h.Hook.Phase {
		case apiv1.HookPostPromotion:
			// No PostPromotion hook while a Pod of another colour is left.
			for c, sc := range s.colours {
				if c != h.Colour && sc.pods > 0 {
					fail("contract of %s started while %s has %d Pod(s)", h.Revision, describe(c), sc.pods)
				}
			}
			s.seen["hooks: contract after the old colour's last Pod"]++
		case apiv1.HookOnAbort:
			s.seen["hooks: undo"]++
		case apiv1.HookPrePromotion:
		}
	}
}

func (l *hookLab) snapshot() string {
	if l == nil {
		return ""
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(l.jobs)) {
		out = append(out, fmt.Sprintf("%s=%+v", name, l.jobs[name].run))
	}
	return strings.Join(out, " ")
}

func TestRandomizedSequencesWithHooksKeepTheirInvariants(t *testing.T) {
	const sequences, steps = 200, 40
	seen := map[string]int{}
	for seed := range uint64(sequences) {
		rng := rand.New(rand.NewPCG(seed, 36))
		s := newSim(rng)
		s.seen, s.enabled, s.hooks = seen, true, newHookLab()
		s.reconcile(t, fmt.Sprintf("seed %d start", seed), -1)
		for i := range steps {
			step := fmt.Sprintf("seed %d step %d", seed, i)
			step, crash := s.randomStep(t, rng, step)
			if rng.IntN(4) == 0 {
				s.hooks.expandFails[s.desired] = true
				step += " (its expand fails)"
			}
			s.reconcile(t, step, crash)
		}
		// A revision whose hooks succeed ends up serving.
		s.ann = struct{ promote, abort, rollback string }{}
		s.newRevision(false)
		s.ann.promote = s.desired
		s.settle(t, rng, seed, 12)
		if s.statusBG.ActiveRevision != s.desired {
			t.Fatalf("seed %d: revision %s with good hooks did not end up serving: %+v\n%s", seed, s.desired, s.statusBG, strings.Join(s.log, "\n"))
		}
	}
	for _, what := range []string{"hooks: promoted after expand", "hooks: expand failed, aborted", "hooks: contract after the old colour's last Pod", "hooks: undo"} {
		if seen[what] == 0 {
			t.Errorf("no sequence reached %q", what)
		}
	}
	t.Logf("seen: %v", seen)
}
