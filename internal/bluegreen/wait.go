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
	"strings"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// A preview waiting for what can pass by itself (room on a node, a quota,
// an image within its grace): see health.Judge for what waits, and
// docs/health.md.

// wait records what the preview waits for and since when, announces a
// new wait with an Event, and looks again when the wait would turn broken.
func (d *decider) wait(c ColourState, deadline time.Time) {
	prev := d.in.Status
	d.waited = true
	d.st.Reason = c.Waiting
	if prev.WaitingSince != nil && prev.Reason == c.Waiting && prev.PreviewRevision == d.in.DesiredRevision {
		d.st.WaitingSince = prev.WaitingSince.DeepCopy()
	} else {
		d.st.WaitingSince = d.now()
	}
	if prev.WaitingSince == nil || prev.Reason != c.Waiting {
		d.event(false, c.Waiting, "Deploy", "Revision %s in %s waits for %s: %s; aborted at %s if it lasts",
			d.in.DesiredRevision, d.plan.Preview, waitsFor(c.Waiting), c.WaitingMessage, deadline.UTC().Format(time.RFC3339))
	}
	d.st.Message = fmt.Sprintf("revision %s in %s waits for %s since %s: %s; aborted at %s if it lasts; %s serves",
		d.in.DesiredRevision, d.plan.Preview, waitsFor(c.Waiting), d.st.WaitingSince.UTC().Format(time.RFC3339), c.WaitingMessage,
		deadline.UTC().Format(time.RFC3339), describe(d.plan.Active))
	if !c.BrokenAt.IsZero() {
		d.requeue(c.BrokenAt)
	}
}

// endWait clears a wait this decision did not find any more, and announces
// its end unless the rollout was aborted (the abort has its own Event).
func (d *decider) endWait() {
	if d.waited {
		return
	}
	d.st.WaitingSince = nil
	prev := d.in.Status
	if prev.WaitingSince == nil {
		return
	}
	if d.st.Reason == prev.Reason {
		d.st.Reason = ""
	}
	if d.st.State != apiv1.StateAborted {
		d.event(false, apiv1.ReasonWaitEnded, "Deploy", "Revision %s no longer waits for %s (waited %s)",
			prev.PreviewRevision, waitsFor(prev.Reason), d.in.Now.Sub(prev.WaitingSince.Time).Round(time.Second))
	}
}

// waitsFor says what a Waiting... reason waits for, in a word.
func waitsFor(reason string) string {
	return strings.ToLower(strings.TrimPrefix(reason, "WaitingFor"))
}
