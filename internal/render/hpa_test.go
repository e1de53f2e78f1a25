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

package render

import (
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	autoscalingv2ac "k8s.io/client-go/applyconfigurations/autoscaling/v2"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// metricTargets maps each resource metric of an HPA to its utilization target.
func metricTargets(h *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration) map[corev1.ResourceName]int32 {
	out := map[corev1.ResourceName]int32{}
	for _, m := range h.Spec.Metrics {
		if *m.Type != autoscalingv2.ResourceMetricSourceType || *m.Resource.Target.Type != autoscalingv2.UtilizationMetricType {
			continue
		}
		out[*m.Resource.Name] = *m.Resource.Target.AverageUtilization
	}
	return out
}

func TestHPARoleDefaults(t *testing.T) {
	tests := []struct {
		comp          apiv1.ComponentName
		min, max, cpu int32
	}{
		{apiv1.ComponentModel, 1, 10, 70},
		{apiv1.ComponentView, 1, 5, 80},
		{apiv1.ComponentController, 2, 20, 60},
		{apiv1.ComponentRepository, 1, 8, 75},
	}
	for _, tt := range tests {
		t.Run(string(tt.comp), func(t *testing.T) {
			r := baseRestAPI()
			a := ResolveAutoscaling(r, component(r, tt.comp))
			if a == nil {
				t.Fatal("autoscaling is on by default")
			}
			h := HPA(r, tt.comp, a, apiv1.EnvironmentBlue, a.MinReplicas)
			if *h.Name != "shop-"+string(tt.comp) || *h.Namespace != "prod" || *h.Spec.MinReplicas != tt.min || *h.Spec.MaxReplicas != tt.max {
				t.Errorf("name %s min %d max %d", *h.Name, *h.Spec.MinReplicas, *h.Spec.MaxReplicas)
			}
			if got := metricTargets(h); len(got) != 1 || got[corev1.ResourceCPU] != tt.cpu {
				t.Errorf("metrics %v, want CPU only at %d%%", got, tt.cpu)
			}
			ref := h.Spec.ScaleTargetRef
			if *ref.APIVersion != "apps/v1" || *ref.Kind != "Deployment" || *ref.Name != "shop-"+string(tt.comp)+"-blue" {
				t.Errorf("target %s %s %s", *ref.APIVersion, *ref.Kind, *ref.Name)
			}
			if h.Spec.Behavior != nil {
				t.Error("behavior set although the spec has none")
			}
			if h.Labels[apiv1.LabelComponent] != string(tt.comp) || h.Labels[apiv1.LabelManagedBy] != apiv1.ManagedBy || len(h.OwnerReferences) != 1 {
				t.Errorf("labels %v owners %v", h.Labels, h.OwnerReferences)
			}
		})
	}
}

func TestHPAOverrides(t *testing.T) {
	window := int32(120)
	tests := []struct {
		name   string
		mutate func(*apiv1.RestAPI)
		check  func(t *testing.T, h *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration)
	}{
		{"component bounds and CPU target", func(r *apiv1.RestAPI) {
			r.Spec.Model.AutoScaling = &apiv1.ComponentAutoScalingSpec{MinReplicas: new(int32(3)), MaxReplicas: new(int32(30)), TargetCPUUtilizationPercentage: new(int32(55))}
		}, func(t *testing.T, h *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration) {
			if *h.Spec.MinReplicas != 3 || *h.Spec.MaxReplicas != 30 || metricTargets(h)[corev1.ResourceCPU] != 55 {
				t.Errorf("min %d max %d metrics %v", *h.Spec.MinReplicas, *h.Spec.MaxReplicas, metricTargets(h))
			}
		}},
		{"RestAPI memory target adds a memory metric", func(r *apiv1.RestAPI) {
			r.Spec.AutoScaling.TargetMemoryUtilizationPercentage = new(int32(85))
		}, func(t *testing.T, h *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration) {
			if got := metricTargets(h); got[corev1.ResourceCPU] != 70 || got[corev1.ResourceMemory] != 85 {
				t.Errorf("metrics %v", got)
			}
		}},
		{"component memory target wins", func(r *apiv1.RestAPI) {
			r.Spec.AutoScaling.TargetMemoryUtilizationPercentage = new(int32(85))
			r.Spec.Model.AutoScaling = &apiv1.ComponentAutoScalingSpec{TargetMemoryUtilizationPercentage: new(int32(60))}
		}, func(t *testing.T, h *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration) {
			if got := metricTargets(h); got[corev1.ResourceMemory] != 60 {
				t.Errorf("metrics %v", got)
			}
		}},
		{"behavior is passed through", func(r *apiv1.RestAPI) {
			selectMin := autoscalingv2.MinChangePolicySelect
			r.Spec.AutoScaling.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: &window,
					SelectPolicy:               &selectMin,
					Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}},
				},
				ScaleUp: &autoscalingv2.HPAScalingRules{Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}},
			}
		}, func(t *testing.T, h *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration) {
			b := h.Spec.Behavior
			if b == nil || b.ScaleDown == nil || *b.ScaleDown.StabilizationWindowSeconds != 120 || *b.ScaleDown.SelectPolicy != autoscalingv2.MinChangePolicySelect ||
				len(b.ScaleDown.Policies) != 1 || *b.ScaleDown.Policies[0].Type != autoscalingv2.PodsScalingPolicy || *b.ScaleDown.Policies[0].Value != 1 ||
				b.ScaleUp == nil || *b.ScaleUp.Policies[0].Value != 100 || *b.ScaleUp.Policies[0].PeriodSeconds != 15 {
				t.Errorf("behavior %+v", b)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRestAPI()
			tt.mutate(r)
			a := ResolveAutoscaling(r, component(r, apiv1.ComponentModel))
			tt.check(t, HPA(r, apiv1.ComponentModel, a, "", a.MinReplicas))
		})
	}
}

func TestHPAOnOff(t *testing.T) {
	off, on := false, true
	tests := []struct {
		name        string
		restAPI     *bool
		component   *bool
		wantEnabled bool
	}{
		{"on by default", nil, nil, true},
		{"off for every component", &off, nil, false},
		{"off for one component", nil, &off, false},
		{"on for one component while off for the rest", &off, &on, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRestAPI()
			r.Spec.AutoScaling.Enabled = tt.restAPI
			if tt.component != nil {
				r.Spec.View.AutoScaling = &apiv1.ComponentAutoScalingSpec{Enabled: tt.component}
			}
			if got := ResolveAutoscaling(r, component(r, apiv1.ComponentView)) != nil; got != tt.wantEnabled {
				t.Errorf("enabled %v, want %v", got, tt.wantEnabled)
			}
		})
	}
}

func TestHPAFloorAndSingleColourTarget(t *testing.T) {
	r := baseRestAPI()
	a := ResolveAutoscaling(r, component(r, apiv1.ComponentView))
	h := HPA(r, apiv1.ComponentView, a, "", 4)
	if *h.Spec.MinReplicas != 4 || *h.Spec.ScaleTargetRef.Name != "shop-view" {
		t.Errorf("min %d target %s", *h.Spec.MinReplicas, *h.Spec.ScaleTargetRef.Name)
	}
}
