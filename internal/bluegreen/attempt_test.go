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
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Preview attempts: a verdict counts only for the attempt it measured, and
// going back to the warm colour only when that colour's pods still run the
// revision. Each sequence is one the review of issue 32 found.

// attempts drives the simulated cluster through Decide, with the
// analysis's verdict per revision set by the test: a revision with no
// verdict is being measured (its record stays Running).
type attempts struct {
	*sim
	verdict map[string]apiv1.AnalysisVerdict
	rng     *rand.Rand
}

func newAttempts(auto bool) *attempts {
	s := &sim{colours: map[Colour]*simColour{blue: {}, green: {}, Legacy: {}}, enabled: true, healing: true,
		applied: map[string]bool{}, bad: map[string]bool{}, pending: map[string]time.Duration{}, auto: auto, now: t0, seen: map[string]int{}}
	for i := range s.stable {
		s.stable[i] = Legacy
	}
	a := &attempts{sim: s, verdict: map[string]apiv1.AnalysisVerdict{}, rng: rand.New(rand.NewPCG(1, 2))}
	s.newRevision(false)
	a.settle()
	return a
}

// step reconciles once (and again while the decision asks to), measuring
// as the reconciler does.
func (a *attempts) step(t *testing.T) Plan {
	t.Helper()
	for range 3 {
		in := a.input()
		in.PreAnalysis = true
		p := Decide(in)
		if tg := p.Analyse; tg != nil {
			rec := &apiv1.AnalysisStatus{Revision: tg.Revision, Phase: tg.Phase, Colour: tg.Colour, Attempt: tg.Attempt,
				Verdict: apiv1.VerdictRunning, StartedAt: *at(0)}
			if v := a.verdict[tg.Revision]; v != "" {
				rec.Verdict = v
			}
			if prev := in.Status.Analysis; prev != nil && prev.Revision == tg.Revision && prev.Colour == tg.Colour && prev.Attempt == tg.Attempt && prev.Phase == tg.Phase &&
				a.verdict[tg.Revision] == "" {
				rec = prev // nothing new measured
			}
			in.Status.Analysis = rec
			p = Decide(in)
		}
		a.apply(p, -1)
		a.log = append(a.log, a.desired+": "+string(a.statusBG.State)+" "+a.statusBG.Message)
		if !p.Again {
			return p
		}
	}
	t.Fatalf("the decision asked to decide again three times in a row\n%s", strings.Join(a.log, "\n"))
	return Plan{}
}

// settle lets pods start and time pass, reconciling in between.
func (a *attempts) settle() {
	for range 4 {
		p := Decide(a.input())
		a.apply(p, -1)
		a.progress(a.rng)
		a.now = a.now.Add(15 * time.Second)
	}
}

func (a *attempts) run(t *testing.T, n int) Plan {
	t.Helper()
	for range n {
		a.step(t)
		a.progress(a.rng)
		a.now = a.now.Add(5 * time.Second)
	}
	return a.step(t)
}

func TestAVerdictCountsOnlyForItsAttempt(t *testing.T) {
	t.Run("a revision superseded after it passed, then re-shipped, is analysed again", func(t *testing.T) {
		a := newAttempts(false)
		a.newRevision(false) // r2
		a.verdict["r2"] = apiv1.VerdictPassed
		a.run(t, 3)
		expect(t, a.statusBG.State == apiv1.StateAwaitingPromotion && a.active == blue, "r2 passed and awaits approval: %+v", a.statusBG)
		passed := a.statusBG.Attempt

		a.newRevision(false) // r3: never scheduled, never analysed
		a.pending["r3"] = forever
		a.run(t, 2)
		expect(t, a.colours[green].rev == "r3", "r3 was deployed over green: %+v", *a.colours[green])

		a.desired = "r2" // shipped again: new pods, nothing measured on them yet
		delete(a.verdict, "r2")
		a.ann.promote = "r2"
		p := a.run(t, 4)
		expect(t, a.active == blue && a.colours[green].rev == "r2" && a.colours[green].fullyReady, "r2 is ready in green and not promoted: %+v\n%s", a.statusBG, strings.Join(a.log, "\n"))
		expect(t, a.statusBG.Attempt > passed && p.Analyse != nil && p.Analyse.Attempt == a.statusBG.Attempt,
			"the new attempt (%d, after %d) is measured: %+v", a.statusBG.Attempt, passed, p.Analyse)
		expect(t, a.statusBG.Reason == apiv1.ReasonAnalysisRunning, "status %+v", a.statusBG)

		a.verdict["r2"] = apiv1.VerdictPassed
		a.run(t, 1)
		expect(t, a.active == green && a.statusBG.ActiveRevision == "r2", "promoted once this attempt passed: %+v", a.statusBG)
	})

	t.Run("a revision aborted on a failed verdict, then re-shipped, is analysed again", func(t *testing.T) {
		a := newAttempts(true)
		a.newRevision(false) // r2
		a.verdict["r2"] = apiv1.VerdictFailed
		a.run(t, 3)
		expect(t, a.statusBG.State == apiv1.StateAborted && a.statusBG.Reason == apiv1.ReasonAnalysisFailed, "r2 failed: %+v", a.statusBG)

		a.newRevision(false) // r3: never scheduled
		a.pending["r3"] = forever
		a.run(t, 1)
		a.desired = "r2" // fixed elsewhere (a database, a flag), shipped again
		delete(a.verdict, "r2")
		a.run(t, 4)
		expect(t, a.statusBG.State == apiv1.StateAwaitingPromotion && a.statusBG.Reason == apiv1.ReasonAnalysisRunning,
			"the retry is measured, not aborted on the old verdict: %+v\n%s", a.statusBG, strings.Join(a.log, "\n"))
	})
}

func TestGoingBackIsAFlipOnlyToAWarmColour(t *testing.T) {
	promoted := func(t *testing.T) *attempts {
		a := newAttempts(true)
		a.newRevision(false) // r2
		a.verdict["r2"] = apiv1.VerdictPassed
		a.run(t, 5)
		expect(t, a.active == green && a.statusBG.State == apiv1.StateScalingDown && a.statusBG.PreviousRevision == "r1", "r2 serves, r1 warm: %+v", a.statusBG)
		return a
	}
	t.Run("r1 still warm in blue: going back is a flip, at once", func(t *testing.T) {
		a := promoted(t)
		a.desired = "r1"
		p := a.step(t)
		expect(t, a.active == blue && p.Analyse == nil, "flipped back to blue without analysis: %+v", a.statusBG)
	})
	t.Run("blue overwritten by an aborted r3: going back to r1 is a fresh rollout", func(t *testing.T) {
		a := promoted(t)
		a.newRevision(false) // r3, inside the warm window, deployed over blue
		a.run(t, 1)
		expect(t, a.colours[blue].rev == "r3" && a.statusBG.PreviousRevision == "", "r3 went over blue, nothing is warm: %+v %+v", *a.colours[blue], a.statusBG)
		a.ann.abort = "r3"
		a.run(t, 1)
		expect(t, a.statusBG.State == apiv1.StateAborted, "r3 aborted: %+v", a.statusBG)

		a.desired = "r1"
		p := a.run(t, 4)
		expect(t, a.active == green && a.colours[blue].rev == "r1" && a.colours[blue].fullyReady, "r1 is ready in blue and not promoted: %+v\n%s", a.statusBG, strings.Join(a.log, "\n"))
		expect(t, p.Analyse != nil && p.Analyse.Revision == "r1" && a.statusBG.Reason == apiv1.ReasonAnalysisRunning, "r1 is analysed: %+v", a.statusBG)
	})
	t.Run("status still naming r1 warm does not make a re-rendered colour warm", func(t *testing.T) {
		// A status written by an older manager, or a stop between the
		// Deployment writes and the status write: blue's pod templates run
		// r3, whatever status remembers.
		in := base()
		in.Active, in.DesiredRevision = green, "r1"
		in.States[green] = ColourState{Exists: true, Revision: "r2", Replicas: 8, Ready: true}
		in.States[blue] = ColourState{Exists: true, Revision: "r3", Replicas: 8}
		in.Status = apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", State: apiv1.StateScalingDown, PromotedAt: at(-10 * time.Second)}
		in.PreAnalysis = true
		p := Decide(in)
		expect(t, p.Again && p.Status.PreviousRevision == "" && p.Actions[blue] == Keep, "a new attempt, recorded first: %+v %+v", p, p.Status)
		in.Status = *p.Status
		in.States[blue] = ColourState{Exists: true, Revision: "r1", Replicas: 8, Ready: true} // re-rendered, ready
		p = Decide(in)
		expect(t, p.Active == green && p.Analyse != nil, "not promoted before it is analysed: %+v", p)
	})
}
