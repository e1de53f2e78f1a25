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
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// simColour is one colour's Deployments in the simulated cluster.
type simColour struct {
	exists   bool
	rev      string
	replicas int32
	// anyReady: some pod of this colour is ready (old pods keep serving
	// during a rolling update); fullyReady: every pod runs rev and is ready.
	anyReady, fullyReady bool
	failed               bool
	// waiting: its pods are pending for capacity; renderedAt is when its
	// pods were last created.
	waiting    bool
	renderedAt time.Time
	// gen counts the pod sets the colour had: a new revision, or pods
	// again after it was scaled to zero. servedRev is the revision its
	// current pods served (selected by the stable Services, ready); ""
	// once they are replaced.
	gen       int
	servedRev string
	// pods: how many Pods the colour has, terminating ones included: a
	// colour scaled down or deleted keeps them until the pods progress.
	pods int32
}

// deadlineOf is when a preview must be available.
func deadlineOf(st apiv1.BlueGreenStatus) time.Time {
	if st.PreviewScalingAt != nil {
		return st.PreviewScalingAt.Add(120 * time.Second)
	}
	return st.PreviewStartedAt.Add(120 * time.Second)
}

// The sizes of a colour in the simulation: full, and a smaller preview's.
const fullSize, previewSize = 8, 2

// forever is how long a never-scheduled revision's pods wait.
const forever = time.Duration(1<<63 - 1)

// sim is a cluster as the decision sees it, changed only by applying plans
// and by the events the test injects. A manager restart loses nothing
// because Decide keeps no memory: everything it reads is here.
type sim struct {
	colours  map[Colour]*simColour
	stable   [4]Colour // the four stable Services' colour selectors
	statusBG apiv1.BlueGreenStatus
	active   Colour
	enabled  bool
	healing  bool
	// reduced: spec.blueGreen.previewReplicas makes previews 2 pods where
	// the full size is 8.
	reduced bool
	desired string
	applied map[string]bool // every revision the user ever applied
	bad     map[string]bool // revisions whose pods never become ready
	// pending: revisions whose pods wait that long for room on a node
	// before they are scheduled (forever: never scheduled).
	pending  map[string]time.Duration
	ann      struct{ promote, abort, rollback string }
	auto     bool
	now      time.Time
	served   bool
	log      []string
	revCount int
	seen     map[string]int // Events by reason, over every sequence
	// recordGen: the pod set (simColour.gen) each analysis record was
	// first measured on, by recordKey.
	recordGen map[string]int
	// lab: the analysis's checks and what they measure (analysis_sim_test.go);
	// nil when the sequence runs without analysis.
	lab *analysisLab
	// hooks: the hooks' Jobs (hooks_sim_test.go); nil without hooks.
	hooks *hookLab
}

func newSim(rng *rand.Rand) *sim {
	s := &sim{
		colours: map[Colour]*simColour{blue: {}, green: {}, Legacy: {}},
		enabled: rng.IntN(5) > 0, healing: rng.IntN(4) > 0, reduced: rng.IntN(3) == 0, applied: map[string]bool{}, bad: map[string]bool{}, pending: map[string]time.Duration{},
		auto: rng.IntN(2) == 0, now: t0,
	}
	for i := range s.stable {
		s.stable[i] = Legacy
	}
	s.newRevision(false)
	return s
}

func (s *sim) newRevision(bad bool) {
	s.revCount++
	s.desired = fmt.Sprintf("r%d", s.revCount)
	s.applied[s.desired] = true
	s.bad[s.desired] = bad
}

// newRevisionWith: a new revision whose analysis gives outcome.
func (s *sim) newRevisionWith(bad bool, outcome string) {
	s.newRevision(bad)
	if s.lab != nil {
		s.lab.outcome[s.desired] = outcome
	}
}

func (s *sim) input() Input {
	in := Input{
		Enabled: s.enabled, HealingEnabled: s.healing, DesiredRevision: s.desired, AutoPromotion: s.auto, ReducedPreview: s.reduced,
		AutoPromoteAfter: 10 * time.Second, ScaleDownDelay: 30 * time.Second, ProgressDeadline: 120 * time.Second,
		States: map[Colour]ColourState{}, Status: *s.statusBG.DeepCopy(),
		PromoteRequest: s.ann.promote, AbortRequest: s.ann.abort, RollbackRequest: s.ann.rollback, Now: s.now,
		PreAnalysis: s.lab != nil, PostAnalysis: s.lab != nil,
	}
	for c, sc := range s.colours {
		st := ColourState{Exists: sc.exists, Replicas: sc.replicas, Failed: sc.failed, Degraded: sc.failed, Pods: int(sc.pods)}
		if sc.waiting {
			st.Waiting, st.WaitingMessage = "WaitingForCapacity", "0/3 nodes are available: 3 Too many pods."
		}
		st.Enlarged, st.Full = sc.replicas > previewSize, sc.replicas >= fullSize
		if sc.exists {
			st.Revision = sc.rev
			st.Ready = sc.fullyReady && sc.replicas > 0
		}
		in.States[c] = st
	}
	s.hooks.input(&in)
	in.Active, in.HasActive = s.active, s.active != Legacy
	if !in.HasActive {
		// Status lost or never written: the stable Services tell.
		same := true
		for _, c := range s.stable {
			same = same && c == s.stable[0]
		}
		if same && s.stable[0] != Legacy {
			in.Active, in.HasActive = s.stable[0], true
		}
	}
	return in
}

// apply carries out a plan; with crashAfter >= 0 the manager dies after that
// many stable Service writes and before the status write.
func (s *sim) apply(p Plan, crashAfter int) {
	for _, c := range []Colour{blue, green, Legacy} {
		sc := s.colours[c]
		switch p.Actions[c] {
		case Render:
			size := int32(fullSize)
			if c != p.Serving && p.ReducePreview {
				size = previewSize
			}
			if sc.exists && sc.rev == s.desired && sc.replicas == size {
				continue // nothing to change
			}
			if sc.exists && sc.rev == s.desired && sc.replicas > 0 {
				// Resized: the new pods start, the others keep serving.
				sc.replicas, sc.fullyReady, sc.renderedAt = size, false, s.now
				sc.pods = max(sc.pods, size)
				continue
			}
			sc.exists, sc.replicas, sc.failed, sc.fullyReady, sc.waiting, sc.renderedAt = true, size, false, false, false, s.now
			sc.pods = max(sc.pods, size)
			sc.gen++
			if sc.rev != s.desired {
				sc.rev, sc.servedRev = s.desired, ""
			}
		case ScaleDown:
			// No pods left: nothing ready, nothing failing or waiting.
			sc.replicas, sc.anyReady, sc.fullyReady, sc.failed, sc.waiting, sc.servedRev = 0, false, false, false, false, ""
		case Delete:
			*sc = simColour{pods: sc.pods}
		}
	}
	s.hooks.create(s, p)
	for i := range s.stable {
		if crashAfter >= 0 && i >= crashAfter {
			return
		}
		s.stable[i] = p.Active
	}
	if crashAfter >= 0 {
		return
	}
	if p.Status != nil {
		s.statusBG = *p.Status
	} else {
		s.statusBG = apiv1.BlueGreenStatus{}
	}
	s.active = p.Serving
	for _, a := range p.Consumed {
		switch a {
		case apiv1.AnnotationPromote:
			s.ann.promote = ""
		case apiv1.AnnotationAbort:
			s.ann.abort = ""
		case apiv1.AnnotationRollback:
			s.ann.rollback = ""
		}
	}
}

// selected reports whether stable Service selector c has a ready pod.
func (s *sim) hasReadyPods(c Colour) bool {
	if c == Legacy {
		for _, sc := range s.colours {
			if sc.anyReady {
				return true
			}
		}
		return false
	}
	return s.colours[c].anyReady
}

func (s *sim) reconcile(t *testing.T, step string, crashAfter int) {
	t.Helper()
	in := s.input()
	p := Decide(in)
	if p.Analyse != nil && s.lab != nil {
		// As the reconciler does: measure what is due, decide again.
		out := s.lab.measure(s, *p.Analyse, in.Status.Analysis)
		in.Status.Analysis = out.Status
		p = Decide(in)
		for _, e := range out.Events {
			s.seen[e.Reason]++
		}
	}
	s.lab.checkSwitch(t, s, step, in, p)
	for _, e := range p.Events {
		s.seen[e.Reason]++
		s.checkAbort(t, step, in, e)
		s.lab.checkVerdictAttempt(t, s, step, in, e)
	}
	before := s.stable
	s.hooks.check(t, s, step, in, p, before[0])
	// A switch of colour only ever goes to a colour fully ready with the
	// revision it promotes (or, for a rollback, the warm previous one).
	if p.Active != Legacy && p.Active != before[0] && s.served && before[0] != Legacy {
		target := s.colours[p.Active]
		if !target.fullyReady || target.replicas == 0 {
			t.Fatalf("%s: switched to %s which is not fully ready (%+v)\n%s", step, p.Active, *target, strings.Join(s.log, "\n"))
		}
		if target.replicas < fullSize {
			t.Fatalf("%s: switched to %s below its full size (%+v)\n%s", step, p.Active, *target, strings.Join(s.log, "\n"))
		}
		if s.reduced {
			s.seen["reduced preview: switched at full size"]++
		}
	}
	s.apply(p, crashAfter)
	if crashAfter >= 0 {
		s.log = append(s.log, fmt.Sprintf("%s: crashed after %d Service writes", step, crashAfter))
		return
	}
	s.log = append(s.log, fmt.Sprintf("%s: desired=%s active=%s state=%s blue=%+v green=%+v legacy=%+v",
		step, s.desired, s.active, s.statusBG.State, *s.colours[blue], *s.colours[green], *s.colours[Legacy]))
	s.check(t, step)
	if p.Again {
		// Status recorded an intent first: the reconciler decides again
		// as soon as it is written.
		s.reconcile(t, step+" (again)", -1)
		return
	}

	// Nothing changed: a second decision writes nothing (and measures
	// nothing: no measurement is due twice at one time).
	snapshot := s.snapshot()
	in2 := s.input()
	p2 := Decide(in2)
	if p2.Analyse != nil && s.lab != nil {
		in2.Status.Analysis = s.lab.measure(s, *p2.Analyse, in2.Status.Analysis).Status
		p2 = Decide(in2)
	}
	s.apply(p2, -1)
	if got := s.snapshot(); got != snapshot {
		t.Fatalf("%s: a reconcile with nothing to change changed something:\nbefore %s\nafter  %s\n%s", step, snapshot, got, strings.Join(s.log, "\n"))
	}
}

// checkAbort: a preview is aborted early only when it is broken, and a
// preview that waits (for capacity) only at its deadline.
func (s *sim) checkAbort(t *testing.T, step string, in Input, e Event) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Fatalf("%s: %s\n%s", step, fmt.Sprintf(format, args...), strings.Join(s.log, "\n"))
	}
	switch e.Reason {
	case apiv1.ReasonPreviewUnhealthy:
		broken := false
		for _, c := range Colours {
			broken = broken || (in.States[c].Revision == in.DesiredRevision && in.States[c].Failed)
		}
		if !broken {
			fail("aborted %s as unhealthy, but no colour running it is broken: %+v", in.DesiredRevision, in.States)
		}
		if _, waits := s.pending[in.DesiredRevision]; waits {
			fail("aborted %s, which only waits for capacity, as unhealthy", in.DesiredRevision)
		}
	case apiv1.ReasonProgressDeadlineExceeded:
		if start := in.Status.PreviewStartedAt; start == nil || in.Now.Before(deadlineOf(in.Status)) {
			fail("aborted %s at the progress deadline before the deadline (started %v, now %v)", in.DesiredRevision, start, in.Now)
		}
		if s.pending[in.DesiredRevision] == forever {
			s.seen["never scheduled: aborted at the deadline"]++
		}
	case apiv1.ReasonWaitEnded:
		if w, ok := s.pending[in.Status.PreviewRevision]; ok && w != forever {
			s.seen["pending for capacity: then scheduled"]++
		}
	}
}

func (s *sim) snapshot() string {
	st := s.statusBG
	a := st.Analysis
	st.Analysis = nil
	return fmt.Sprintf("%+v %+v %+v %v %v %+v %+v %+v %s", *s.colours[blue], *s.colours[green], *s.colours[Legacy], s.stable, s.active, st, a, s.ann, s.hooks.snapshot())
}

func (s *sim) check(t *testing.T, step string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Fatalf("%s: %s\n%s", step, fmt.Sprintf(format, args...), strings.Join(s.log, "\n"))
	}
	for _, c := range s.stable[1:] {
		if c != s.stable[0] {
			fail("stable Services disagree after a complete reconcile: %v", s.stable)
		}
	}
	if s.hasReadyPods(s.stable[0]) {
		s.served = true
		if sc := s.colours[s.stable[0]]; s.stable[0] != Legacy && sc.fullyReady {
			sc.servedRev = sc.rev
		}
	} else if s.served {
		fail("the stable Services select %q, which has no ready pod, after the application has served", s.stable[0])
	}
	if st := s.statusBG; s.enabled && st.State == apiv1.StateDeploying && st.PreviewStartedAt != nil && !s.now.Before(deadlineOf(st)) {
		fail("revision %s is still being prepared past its progress deadline (started %v, now %v)", st.PreviewRevision, st.PreviewStartedAt, s.now)
	}
	if rev := s.statusBG.ActiveRevision; rev != "" && !s.applied[rev] {
		fail("active revision %s was never applied by the user", rev)
	}
	if s.active != Legacy && s.colours[s.active].exists && s.served && s.colours[s.active].rev != s.statusBG.ActiveRevision {
		fail("status says %s serves revision %s, but it runs %s", s.active, s.statusBG.ActiveRevision, s.colours[s.active].rev)
	}
	s.lab.checkPostFailure(s, fail)
}

// progress lets pods start: good revisions turn ready, bad ones may fail.
// settle reconciles rounds times, 15 s apart, with the cluster making
// progress between them, then once more.
func (s *sim) settle(t *testing.T, rng *rand.Rand, seed uint64, rounds int) {
	t.Helper()
	for i := range rounds {
		s.reconcile(t, fmt.Sprintf("seed %d settle %d", seed, i), -1)
		s.progress(rng)
		s.now = s.now.Add(15 * time.Second)
	}
	s.reconcile(t, fmt.Sprintf("seed %d settled", seed), -1)
}

func (s *sim) progress(rng *rand.Rand) {
	s.hooks.progress(rng)
	for _, sc := range s.colours {
		sc.pods = sc.replicas // the Pods of a smaller size, or of no size, are gone
		if !sc.exists || sc.replicas == 0 {
			continue
		}
		if s.bad[sc.rev] {
			sc.failed = sc.failed || rng.IntN(3) == 0
			continue
		}
		if wait, ok := s.pending[sc.rev]; ok && (wait == forever || s.now.Before(sc.renderedAt.Add(wait))) {
			sc.waiting = true
			continue
		}
		sc.waiting = false
		sc.anyReady, sc.fullyReady = true, true
	}
}

func TestRandomizedSequencesKeepTheInvariants(t *testing.T) {
	const sequences, steps = 300, 40
	seen := map[string]int{}
	lab := startAnalysisServer(t)
	for seed := range uint64(sequences) {
		rng := rand.New(rand.NewPCG(seed, 42))
		s := newSim(rng)
		s.seen = seen
		if rng.IntN(2) == 0 {
			s.lab = newAnalysisLab(t, lab)
		}
		s.reconcile(t, fmt.Sprintf("seed %d start", seed), -1)
		for i := range steps {
			step := fmt.Sprintf("seed %d step %d", seed, i)
			step, crash := s.randomStep(t, rng, step)
			s.reconcile(t, step, crash)
		}
		s.lab.postFailure(t, s, rng, seed)
		s.lab.overwriteWarm(t, s, rng, seed)
		// Whatever happened, a healthy new revision eventually serves.
		s.ann = struct{ promote, abort, rollback string }{}
		s.newRevisionWith(false, "pass")
		if s.lab != nil {
			s.lab.promDown.Store(false)
		}
		s.ann.promote = s.desired
		s.settle(t, rng, seed, 10)
		if s.statusBG.ActiveRevision != s.desired && (s.enabled || s.colours[Legacy].rev != s.desired) {
			t.Fatalf("seed %d: a healthy revision %s did not end up serving: %+v\n%s", seed, s.desired, s.statusBG, strings.Join(s.log, "\n"))
		}
		if !reflect.DeepEqual(s.stable, [4]Colour{s.active, s.active, s.active, s.active}) {
			t.Fatalf("seed %d: stable Services %v", seed, s.stable)
		}
	}
	// The sequences went through every transition, not just the easy ones.
	for _, reason := range []string{"Deployed", "Deploying", "Promoted", "ScaledDown", apiv1.ReasonRolledBack, "RollbackRefused", apiv1.ReasonUnhealthyAfterPromotion,
		apiv1.ReasonProgressDeadlineExceeded, apiv1.ReasonAbortRequested, apiv1.ReasonPreviewUnhealthy, "BlueGreenDisabled", "WaitingForCapacity", apiv1.ReasonWaitEnded,
		"never scheduled: aborted at the deadline", "pending for capacity: then scheduled", "reduced preview: switched at full size",
		apiv1.EventAnalysisStarted, apiv1.EventAnalysisPassed, apiv1.ReasonAnalysisInconclusive,
		"analysis failed: aborted before traffic moved", "analysis failed after the switch: rolled back",
		"analysis inconclusive: promoted on approval", "prometheus down: inconclusive",
		"re-shipped", "re-shipped after its verdict", "went back after the warm colour was overwritten", "flip back to a warm colour"} {
		if seen[reason] == 0 {
			t.Errorf("no sequence reached %s", reason)
		}
	}
	t.Logf("transitions seen: %v", seen)
}
