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
	"testing"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// randomStep changes the simulated cluster as one random step of a
// sequence does: what the user, the pods, the clock or a crash do. It
// returns the step's description and, for a manager crash, after how many
// stable Service writes it happens (-1: none).
func (s *sim) randomStep(t *testing.T, rng *rand.Rand, step string) (string, int) {
	t.Helper()
	crash := -1
	switch k := rng.IntN(16); k {
	case 0, 1:
		outcome := analysisOutcomes[rng.IntN(len(analysisOutcomes))]
		s.newRevisionWith(rng.IntN(4) == 0, outcome)
		step += " new revision " + s.desired
		if s.lab != nil {
			step += " (analysis: " + outcome + ")"
		}
		switch k := rng.IntN(6); {
		case s.bad[s.desired]:
		case k == 0:
			s.pending[s.desired] = forever
			step += " (never scheduled)"
		case k <= 2:
			s.pending[s.desired] = time.Duration(10+rng.IntN(90)) * time.Second
			step += fmt.Sprintf(" (pending for capacity %v)", s.pending[s.desired])
		}
	case 2:
		// Revert to an earlier revision the user applied.
		back := fmt.Sprintf("r%d", 1+rng.IntN(s.revCount))
		s.desired = back
		step += " revert to " + back
	case 3, 4, 5:
		s.progress(rng)
		step += " pods progress"
	case 6:
		if rng.IntN(2) == 0 {
			s.ann.promote = s.desired
		} else {
			s.ann.promote = fmt.Sprintf("r%d", 1+rng.IntN(s.revCount)) // possibly stale
		}
		step += " approve " + s.ann.promote
	case 7:
		s.ann.abort = s.desired
		step += " abort " + s.desired
	case 8:
		s.ann.rollback = s.statusBG.ActiveRevision
		step += " rollback " + s.ann.rollback
	case 9:
		d := time.Duration(1+rng.IntN(200)) * time.Second
		s.now = s.now.Add(d)
		step += " time +" + d.String()
	case 10:
		crash = rng.IntN(4)
		step += " manager restart mid-reconcile"
	case 11:
		if rng.IntN(3) == 0 && s.active != Legacy && s.colours[s.active].exists {
			// The serving colour turns unhealthy (crash loops) while
			// its pods still serve.
			s.colours[s.active].failed = true
			s.colours[s.active].fullyReady = false
			step += " serving colour unhealthy"
		} else if rng.IntN(4) == 0 && s.hooks == nil {
			// (Hooks need blue-green: admission refuses turning it off.)
			s.enabled = !s.enabled
			step += fmt.Sprintf(" blue-green enabled=%v", s.enabled)
		}
	case 12:
		if s.lab != nil {
			s.lab.promDown.Store(!s.lab.promDown.Load())
			step += fmt.Sprintf(" prometheus down=%v", s.lab.promDown.Load())
		}
	case 13, 14:
		// Re-ship a revision after it was superseded (by one that
		// is never scheduled), after it was aborted, or after its
		// verdict: a new attempt.
		again := s.statusBG.PreviewRevision
		if k == 14 {
			again = s.statusBG.AbortedRevision
			if a := s.statusBG.Analysis; again == "" && a != nil {
				again = a.Revision
			}
		}
		if again == "" {
			break
		}
		if a := s.statusBG.Analysis; a != nil && a.Revision == again && a.Verdict != apiv1.VerdictRunning {
			s.seen["re-shipped after its verdict"]++
		}
		s.newRevisionWith(false, "pass")
		s.pending[s.desired] = forever
		s.reconcile(t, step+" superseded by "+s.desired, -1)
		s.desired = again
		step += " re-ship " + again
		s.seen["re-shipped"]++
	case 15:
		// Overwrite the warm colour with a new revision, abort it,
		// and go back to the revision that was warm there.
		prev := s.statusBG.PreviousRevision
		if s.statusBG.State != apiv1.StateScalingDown || prev == "" {
			break
		}
		s.newRevisionWith(false, analysisOutcomes[rng.IntN(len(analysisOutcomes))])
		s.reconcile(t, step+" "+s.desired+" over the warm colour", -1)
		s.ann.abort = s.desired
		s.reconcile(t, step+" abort "+s.desired, -1)
		s.desired = prev
		step += " back to " + prev
		s.seen["went back after the warm colour was overwritten"]++
	}
	return step, crash
}
