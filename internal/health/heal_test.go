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
	"slices"
	"strings"
	"testing"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// observation is one reconcile's view of a component, at t0+at.
type observation struct {
	at       time.Duration
	health   apiv1.Health
	reason   string
	revision string // "" means "r1"
	steady   *bool  // nil means true
}

func obs(at time.Duration, h apiv1.Health, reason string) observation {
	return observation{at: at, health: h, reason: reason}
}

// replay feeds the observations to Heal, each with the status the previous
// one produced, and returns the offsets at which Heal restarted, the last
// status and the last verdict.
func replay(t *testing.T, p Policy, steps []observation) ([]time.Duration, *apiv1.ComponentStatus, Verdict) {
	t.Helper()
	var prev *apiv1.ComponentStatus
	var restarts []time.Duration
	var v Verdict
	for _, s := range steps {
		rev := s.revision
		if rev == "" {
			rev = "r1"
		}
		cur := &apiv1.ComponentStatus{Name: apiv1.ComponentModel, Environment: apiv1.EnvironmentBlue, Revision: rev, Health: s.health, Reason: s.reason}
		steady := s.steady == nil || *s.steady
		v = Heal(p, prev, cur, steady, t0.Add(s.at))
		if v.Restart {
			restarts = append(restarts, s.at)
		}
		prev = cur
	}
	return restarts, prev, v
}

const (
	healthy   = apiv1.HealthHealthy
	unhealthy = apiv1.HealthUnhealthy
	degraded  = apiv1.HealthDegraded
	rolling   = apiv1.HealthProgressing
	crash     = "CrashLoopBackOff"
)

func sec(n int) time.Duration { return time.Duration(n) * time.Second }

// unhealthyEvery returns an Unhealthy observation with the reason every
// step from start to end (inclusive).
func unhealthyEvery(start, end, step time.Duration, reason string) []observation {
	var out []observation
	for at := start; at <= end; at += step {
		out = append(out, obs(at, unhealthy, reason))
	}
	return out
}

func TestHealRestartsAfterTheDelayWithBackoffAndGivesUp(t *testing.T) {
	p := Policy{Enabled: true, After: sec(300), MaxPerHour: 3}
	steps := append([]observation{obs(0, healthy, apiv1.ReasonAllReplicasReady)}, unhealthyEvery(sec(10), sec(4*3600), sec(10), crash)...)
	got, last, v := replay(t, p, steps)
	// Spell starts at 10s: restart at 310s, then 600s and 1200s after the one before.
	want := []time.Duration{sec(310), sec(910), sec(2110)}
	if !slices.Equal(got, want) {
		t.Fatalf("restarted at %v, want %v", got, want)
	}
	if last.Restarts != 3 || len(last.RestartTimes) != 3 || !last.UnhealthySince.Time.Equal(t0.Add(sec(10))) {
		t.Errorf("record %d restarts, times %v, unhealthySince %v", last.Restarts, last.RestartTimes, last.UnhealthySince)
	}
	if v.RequeueAfter != 0 || !strings.Contains(v.Note, "3 restarts did not make it healthy; it needs a person") {
		t.Errorf("after giving up: %+v", v)
	}
}

func TestHealWaitsAndSaysWhen(t *testing.T) {
	p := Policy{Enabled: true, After: sec(300), MaxPerHour: 3}
	_, last, v := replay(t, p, []observation{obs(0, healthy, ""), obs(sec(10), unhealthy, crash), obs(sec(100), unhealthy, crash)})
	if v.Restart || v.RequeueAfter != sec(210) {
		t.Errorf("verdict %+v, want a requeue in 210s", v)
	}
	if !strings.Contains(v.Note, "restart 1 of at most 3 due at 2026-11-26T10:05:10Z") {
		t.Errorf("note %q", v.Note)
	}
	if last.UnhealthySince == nil || last.Restarts != 0 {
		t.Errorf("record %+v", last)
	}
}

func TestHealOnlyRestartsWhatServed(t *testing.T) {
	p := Policy{Enabled: true, After: sec(30), MaxPerHour: 3}
	tests := []struct {
		name  string
		steps []observation
	}{
		{"a revision that never became healthy", append([]observation{obs(0, rolling, apiv1.ReasonRollingOut)}, unhealthyEvery(sec(10), sec(3600), sec(10), crash)...)},
		{"unhealthy from the first look", unhealthyEvery(0, sec(3600), sec(10), crash)},
		{"healthy on another revision", append([]observation{{at: 0, health: healthy, revision: "r0"}}, unhealthyEvery(sec(10), sec(3600), sec(10), crash)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, last, _ := replay(t, p, tt.steps)
			if len(got) != 0 || last.UnhealthySince != nil {
				t.Errorf("restarted at %v, unhealthySince %v", got, last.UnhealthySince)
			}
		})
	}
}

func TestHealSpellLastsThroughRestartsAndEndsWhenHealthy(t *testing.T) {
	p := Policy{Enabled: true, After: sec(60), MaxPerHour: 10}
	steps := []observation{
		obs(0, healthy, ""),
		obs(sec(10), degraded, apiv1.ReasonReplicasUnavailable),
		obs(sec(20), unhealthy, apiv1.ReasonNoReadyPods),
		obs(sec(80), unhealthy, apiv1.ReasonNoReadyPods),
		obs(sec(90), rolling, apiv1.ReasonRolloutPending),
		obs(sec(150), unhealthy, crash), // still sick: the spell goes on
		obs(sec(200), unhealthy, crash), // restart 2 due at 80+120
		obs(sec(210), healthy, ""),      // cured
		obs(sec(300), degraded, apiv1.ReasonReplicasUnavailable),
		obs(sec(310), unhealthy, crash), // a new spell
		obs(sec(369), unhealthy, crash),
		obs(sec(370), unhealthy, crash), // restart 1 of the new spell
	}
	got, last, _ := replay(t, p, steps)
	want := []time.Duration{sec(80), sec(200), sec(370)}
	if !slices.Equal(got, want) {
		t.Fatalf("restarted at %v, want %v", got, want)
	}
	if last.Restarts != 1 || len(last.RestartTimes) != 3 || !last.UnhealthySince.Time.Equal(t0.Add(sec(310))) {
		t.Errorf("record %+v", last)
	}
}

func TestHealNeverMoreThanMaxPerHour(t *testing.T) {
	// Spells five minutes apart, each cured before the next.
	p := Policy{Enabled: true, After: sec(30), MaxPerHour: 2}
	var steps []observation
	for start := time.Duration(0); start < 3*time.Hour; start += 5 * time.Minute {
		steps = append(steps, obs(start, healthy, ""))
		steps = append(steps, unhealthyEvery(start+sec(10), start+sec(290), sec(10), crash)...)
	}
	got, _, _ := replay(t, p, steps)
	for i := range got {
		if i >= 2 && got[i]-got[i-2] < time.Hour {
			t.Fatalf("restarts %v: three within an hour", got)
		}
	}
	// Each spell allows two (30s in, then 60s later); the hourly limit then
	// holds every later spell back until the first restart is an hour old.
	want := []time.Duration{sec(40), sec(100), sec(3640), sec(3700), sec(7240), sec(7300)}
	if !slices.Equal(got, want) {
		t.Errorf("restarted at %v, want %v", got, want)
	}
}

func TestHealOnlyReports(t *testing.T) {
	tests := []struct {
		name   string
		p      Policy
		reason string
		steady bool
		note   string
	}{
		{"healing disabled", Policy{Enabled: false, After: sec(30), MaxPerHour: 3}, crash, true, "healing is disabled: not restarted"},
		{"no restarts allowed", Policy{Enabled: true, After: sec(30), MaxPerHour: 0}, crash, true, "maxRestartsPerHour is 0"},
		{"an image that cannot be pulled", Policy{Enabled: true, After: sec(30), MaxPerHour: 3}, "ImagePullBackOff", true, "a restart cannot fix ImagePullBackOff"},
		{"a missing Secret", Policy{Enabled: true, After: sec(30), MaxPerHour: 3}, "CreateContainerConfigError", true, "a restart cannot fix CreateContainerConfigError"},
		{"inside the blue-green warm window", Policy{Enabled: true, After: sec(30), MaxPerHour: 3}, crash, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := []observation{obs(0, healthy, "")}
			for _, o := range unhealthyEvery(sec(10), sec(7200), sec(10), tt.reason) {
				o.steady = &tt.steady
				steps = append(steps, o)
			}
			got, last, v := replay(t, tt.p, steps)
			if len(got) != 0 || v.RequeueAfter != 0 {
				t.Errorf("restarted at %v, requeue %v", got, v.RequeueAfter)
			}
			if last.UnhealthySince == nil {
				t.Error("the spell is not recorded")
			}
			if tt.note == "" && v.Note != "" || !strings.Contains(v.Note, tt.note) {
				t.Errorf("note %q, want %q", v.Note, tt.note)
			}
		})
	}
}

func TestHealNewRevisionStartsAFreshRecord(t *testing.T) {
	p := Policy{Enabled: true, After: sec(30), MaxPerHour: 1}
	steps := append([]observation{obs(0, healthy, "")}, unhealthyEvery(sec(10), sec(100), sec(10), crash)...)
	steps = append(steps, observation{at: sec(110), health: healthy, revision: "r2"})
	steps = append(steps, observation{at: sec(120), health: unhealthy, reason: crash, revision: "r2"})
	steps = append(steps, observation{at: sec(150), health: unhealthy, reason: crash, revision: "r2"})
	got, last, _ := replay(t, p, steps)
	if want := []time.Duration{sec(40), sec(150)}; !slices.Equal(got, want) {
		t.Errorf("restarted at %v, want %v", got, want)
	}
	if len(last.RestartTimes) != 1 || !last.RestartTimes[0].Time.Equal(t0.Add(sec(150))) {
		t.Errorf("record %+v", last.RestartTimes)
	}
}

func TestPolicyOf(t *testing.T) {
	if got := PolicyOf(apiv1.HealingSpec{}); got != (Policy{Enabled: true, After: sec(300), MaxPerHour: 3}) {
		t.Errorf("defaults: %+v", got)
	}
	no, zero := false, int32(0)
	if got := PolicyOf(apiv1.HealingSpec{Enabled: &no, RestartAfterSeconds: 45, MaxRestartsPerHour: &zero}); got != (Policy{After: sec(45)}) {
		t.Errorf("set: %+v", got)
	}
}
