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

package v1alpha1

import (
	"testing"
	"time"
)

// TestDefaultsMatchTheSchema: an object the API server never defaulted
// reads as one it did (the +kubebuilder:default markers), and a value set
// is honoured.
func TestDefaultsMatchTheSchema(t *testing.T) {
	var bg BlueGreenSpec
	if !bg.IsEnabled() || !bg.AutoPromotes() || bg.AutoPromoteAfter() != 0 || bg.ScaleDownDelay() != 30*time.Second || bg.ProgressDeadline() != 600*time.Second {
		t.Errorf("blue-green defaults: %v %v %v %v %v", bg.IsEnabled(), bg.AutoPromotes(), bg.AutoPromoteAfter(), bg.ScaleDownDelay(), bg.ProgressDeadline())
	}
	off, zero := new(false), new(int32(0))
	bg = BlueGreenSpec{Enabled: off, AutoPromotion: off, AutoPromotionSeconds: new(int32(20)), ScaleDownDelaySeconds: zero, ProgressDeadlineSeconds: 90}
	if bg.IsEnabled() || bg.AutoPromotes() || bg.AutoPromoteAfter() != 20*time.Second || bg.ScaleDownDelay() != 0 || bg.ProgressDeadline() != 90*time.Second {
		t.Error("a value set is not honoured")
	}
	var spec RestAPISpec
	if spec.ShutdownDelay() != 5*time.Second {
		t.Errorf("shutdown delay %s, want 5s", spec.ShutdownDelay())
	}
	spec.ShutdownDelaySeconds = zero
	if spec.ShutdownDelay() != 0 {
		t.Error("a shutdown delay of 0 is not honoured")
	}
	var (
		h  HealingSpec
		hc HealthCheckSpec
		m  MetricsSpec
		np NetworkPolicySpec
		p  PredictiveScalingSpec
	)
	if !h.IsEnabled() || !hc.IsEnabled() || !m.IsEnabled() || !np.IsEnabled() || p.Lead() != 15*time.Minute {
		t.Error("a feature on by default reads as off, or the predictive lead is not 15 minutes")
	}
	h.Enabled, hc.Enabled, m.Enabled, np.Enabled, p.LeadMinutes = off, off, off, off, 30
	if h.IsEnabled() || hc.IsEnabled() || m.IsEnabled() || np.IsEnabled() || p.Lead() != 30*time.Minute {
		t.Error("a value set is not honoured")
	}
}
