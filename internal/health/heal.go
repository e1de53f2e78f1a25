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

package health

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Policy is spec.healthCheck.healing with its defaults filled in.
type Policy struct {
	// Enabled: restart; when false, only report.
	Enabled bool
	// After is how long a component stays Unhealthy before its first restart.
	After time.Duration
	// MaxPerHour caps restarts per component in any hour, and restarts in one
	// unhealthy spell: after that many, the operator gives up.
	MaxPerHour int32
}

// PolicyOf resolves a RestAPI's healing policy.
func PolicyOf(h apiv1.HealingSpec) Policy {
	p := Policy{Enabled: h.IsEnabled(), After: 300 * time.Second, MaxPerHour: 3}
	if h.RestartAfterSeconds > 0 {
		p.After = time.Duration(h.RestartAfterSeconds) * time.Second
	}
	if h.MaxRestartsPerHour != nil {
		p.MaxPerHour = *h.MaxRestartsPerHour
	}
	return p
}

// restartable are the reasons a fresh set of pods may cure: a process that
// crashes or hangs. A restart cannot fix an image that cannot be pulled, a
// missing Secret, a full cluster or a quota, so those are only reported.
var restartable = map[string]bool{
	apiv1.ReasonCrashLoopBackOff: true,
	apiv1.ReasonOOMKilled:        true,
	apiv1.ReasonNoReadyPods:      true,
}

// maxBackoffShift caps the exponential backoff at After×64.
const maxBackoffShift = 6

// Verdict is what healing does about one component in one reconcile.
type Verdict struct {
	// Restart: restart the component's pods now; the restart is recorded in
	// the component status (restarts, restartTimes).
	Restart bool
	// RequeueAfter is when the next restart falls due (0: none pending).
	RequeueAfter time.Duration
	// Note tells a person what healing does or why it does not act; the
	// controller appends it to the component's message.
	Note string
}

// Heal carries a component's healing record over from its previous status
// and decides whether to restart it now.
//
// cur is the component's new status with name, environment, revision,
// health, reason and message filled in; Heal fills in unhealthySince,
// restarts and restartTimes. prev is its previous status (nil when none).
// steady is false while the blue-green rollout owns the serving colour (its
// warm window, where a rollback heals instead).
//
// The rules:
//   - A spell starts when a component that served on this colour and
//     revision (Healthy or Degraded) turns Unhealthy. A restart only brings
//     back what worked: a revision that never served is not restarted.
//   - The spell lasts, through the restarts' rollouts, until the component
//     is Healthy again; another colour or revision starts a new record.
//   - The first restart comes After the spell started; the n-th After×2^(n-1)
//     after the one before, and never more than MaxPerHour in an hour.
//   - After MaxPerHour restarts in one spell the operator gives up: a
//     crash-looping image is not restarted forever.
func Heal(p Policy, prev, cur *apiv1.ComponentStatus, steady bool, now time.Time) Verdict {
	same := prev != nil && cur.Revision != "" && prev.Environment == cur.Environment && prev.Revision == cur.Revision
	cur.UnhealthySince, cur.Restarts, cur.RestartTimes = nil, 0, nil
	if same {
		cur.UnhealthySince, cur.Restarts = prev.UnhealthySince.DeepCopy(), prev.Restarts
		cur.RestartTimes = append([]metav1.Time(nil), prev.RestartTimes...)
	}
	switch cur.Health {
	case apiv1.HealthHealthy:
		cur.UnhealthySince, cur.Restarts = nil, 0
		return Verdict{}
	case apiv1.HealthUnhealthy:
		if cur.UnhealthySince == nil {
			if !same || (prev.Health != apiv1.HealthHealthy && prev.Health != apiv1.HealthDegraded) {
				return Verdict{}
			}
			t := metav1.NewTime(now.Truncate(time.Second))
			cur.UnhealthySince = &t
		}
	default:
		return Verdict{}
	}

	switch {
	case !restartable[cur.Reason]:
		return Verdict{Note: fmt.Sprintf("a restart cannot fix %s: not restarted", cur.Reason)}
	case !p.Enabled:
		return Verdict{Note: "healing is disabled: not restarted"}
	case p.MaxPerHour <= 0:
		return Verdict{Note: "healing.maxRestartsPerHour is 0: not restarted"}
	case cur.Restarts >= p.MaxPerHour:
		return Verdict{Note: fmt.Sprintf("not restarted again: %d restarts did not make it healthy; it needs a person", cur.Restarts)}
	case !steady:
		return Verdict{}
	}

	due := cur.UnhealthySince.Add(p.After)
	if n := len(cur.RestartTimes); n > 0 && cur.Restarts > 0 {
		due = latest(due, cur.RestartTimes[n-1].Add(p.After<<min(cur.Restarts, maxBackoffShift)))
	}
	if n := int(p.MaxPerHour); len(cur.RestartTimes) >= n {
		// The n-th latest restart must be an hour old.
		due = latest(due, cur.RestartTimes[len(cur.RestartTimes)-n].Add(time.Hour))
	}
	if now.Before(due) {
		return Verdict{
			RequeueAfter: due.Sub(now),
			Note:         fmt.Sprintf("restart %d of at most %d due at %s", cur.Restarts+1, p.MaxPerHour, due.UTC().Format(time.RFC3339)),
		}
	}

	cur.Restarts++
	cur.RestartTimes = append(cur.RestartTimes, metav1.NewTime(now.Truncate(time.Second)))
	if extra := len(cur.RestartTimes) - int(p.MaxPerHour); extra > 0 {
		cur.RestartTimes = cur.RestartTimes[extra:]
	}
	note := fmt.Sprintf("restarted at %s (restart %d of at most %d)", now.UTC().Format(time.RFC3339), cur.Restarts, p.MaxPerHour)
	return Verdict{Restart: true, Note: note}
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
