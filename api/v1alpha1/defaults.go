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

import "time"

// The defaults of the fields the reconciler reads, in one place. The API
// server applies the same ones (+kubebuilder:default) to every object it
// stores; these cover an object that was never defaulted (a unit test, an
// object stored before a default existed). Nothing else repeats them.

// IsEnabled reports whether new revisions ship blue-green (default true).
func (b *BlueGreenSpec) IsEnabled() bool { return b.Enabled == nil || *b.Enabled }

// AutoPromotes reports whether a ready preview is switched to without a
// person's approval (default true).
func (b *BlueGreenSpec) AutoPromotes() bool { return b.AutoPromotion == nil || *b.AutoPromotion }

// AutoPromoteAfter is how long a ready preview waits before an automatic
// switch (default 0).
func (b *BlueGreenSpec) AutoPromoteAfter() time.Duration { return seconds(b.AutoPromotionSeconds, 0) }

// ShutdownDelay is how long a Pod being removed keeps serving before it is
// asked to stop (default 5 s).
func (s *RestAPISpec) ShutdownDelay() time.Duration { return seconds(s.ShutdownDelaySeconds, 5) }

// ScaleDownDelay is how long the previous colour stays warm after a switch
// (default 30 s).
func (b *BlueGreenSpec) ScaleDownDelay() time.Duration { return seconds(b.ScaleDownDelaySeconds, 30) }

// ProgressDeadline is how long a preview has to become available (default
// 600 s).
func (b *BlueGreenSpec) ProgressDeadline() time.Duration {
	return time.Duration(orDefault(b.ProgressDeadlineSeconds, 600)) * time.Second
}

// IsEnabled reports whether the operator acts on unhealthy components
// (default true).
func (h *HealingSpec) IsEnabled() bool { return h.Enabled == nil || *h.Enabled }

// IsEnabled reports whether probes are rendered (default true).
func (h *HealthCheckSpec) IsEnabled() bool { return h.Enabled == nil || *h.Enabled }

// IsEnabled reports whether the components expose metrics (default true).
func (m *MetricsSpec) IsEnabled() bool { return m.Enabled == nil || *m.Enabled }

// IsEnabled reports whether NetworkPolicies are written (default true).
func (n *NetworkPolicySpec) IsEnabled() bool { return n.Enabled == nil || *n.Enabled }

// Lead is how long before a predicted peak its floor is raised (default
// 15 minutes).
func (p *PredictiveScalingSpec) Lead() time.Duration {
	return time.Duration(orDefault(p.LeadMinutes, 15)) * time.Minute
}

func seconds(v *int32, def int32) time.Duration {
	if v == nil {
		return time.Duration(def) * time.Second
	}
	return time.Duration(*v) * time.Second
}
