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
	"encoding/json"
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	autoscalingv2ac "k8s.io/client-go/applyconfigurations/autoscaling/v2"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Autoscaling is a component's effective HPA settings.
type Autoscaling struct {
	MinReplicas, MaxReplicas int32
	TargetCPU                int32
	// TargetMemory is 0 when the HPA scales on CPU only.
	TargetMemory int32
	Behavior     *autoscalingv2.HorizontalPodAutoscalerBehavior
}

// roleAutoscaling are the role defaults: model 1-10 at 70% CPU, view 1-5 at
// 80%, controller 2-20 at 60%, repository 1-8 at 75%.
var roleAutoscaling = map[apiv1.ComponentName]Autoscaling{
	apiv1.ComponentModel:      {MinReplicas: 1, MaxReplicas: 10, TargetCPU: 70},
	apiv1.ComponentView:       {MinReplicas: 1, MaxReplicas: 5, TargetCPU: 80},
	apiv1.ComponentController: {MinReplicas: 2, MaxReplicas: 20, TargetCPU: 60},
	apiv1.ComponentRepository: {MinReplicas: 1, MaxReplicas: 8, TargetCPU: 75},
}

// ResolveAutoscaling is a component's HPA settings, or nil when autoscaling
// is off for it (spec.autoScaling.enabled false and not turned on by the
// component, or turned off by the component).
func ResolveAutoscaling(r *apiv1.RestAPI, c apiv1.Component) *Autoscaling {
	on := r.Spec.AutoScaling.IsEnabled()
	o := c.AutoScaling
	if o != nil && o.Enabled != nil {
		on = *o.Enabled
	}
	if !on {
		return nil
	}
	a := roleAutoscaling[c.Name]
	if m := r.Spec.AutoScaling.TargetMemoryUtilizationPercentage; m != nil {
		a.TargetMemory = *m
	}
	a.Behavior = r.Spec.AutoScaling.Behavior
	if o != nil {
		a.MinReplicas = orInt(o.MinReplicas, a.MinReplicas)
		a.MaxReplicas = orInt(o.MaxReplicas, a.MaxReplicas)
		a.TargetCPU = orInt(o.TargetCPUUtilizationPercentage, a.TargetCPU)
		a.TargetMemory = orInt(o.TargetMemoryUtilizationPercentage, a.TargetMemory)
	}
	return &a
}

// HPAName is the name of a component's HorizontalPodAutoscaler.
func HPAName(r *apiv1.RestAPI, c apiv1.ComponentName) string { return ChildName(r, c) }

// HPA renders a component's autoscaling/v2 HorizontalPodAutoscaler,
// targeting the component's Deployment of the given colour ("" without
// blue-green). minReplicas is the floor to set: the spec's, or higher when
// predictive scaling raised it.
func HPA(r *apiv1.RestAPI, c apiv1.ComponentName, a *Autoscaling, target apiv1.Environment, minReplicas int32) *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration {
	metrics := []*autoscalingv2ac.MetricSpecApplyConfiguration{utilization(corev1.ResourceCPU, a.TargetCPU)}
	if a.TargetMemory > 0 {
		metrics = append(metrics, utilization(corev1.ResourceMemory, a.TargetMemory))
	}
	spec := autoscalingv2ac.HorizontalPodAutoscalerSpec().
		WithScaleTargetRef(autoscalingv2ac.CrossVersionObjectReference().
			WithAPIVersion("apps/v1").WithKind("Deployment").WithName(ColourName(r, c, target))).
		WithMinReplicas(minReplicas).
		WithMaxReplicas(a.MaxReplicas).
		WithMetrics(metrics...)
	if a.Behavior != nil {
		spec.WithBehavior(behavior(a.Behavior))
	}
	return autoscalingv2ac.HorizontalPodAutoscaler(HPAName(r, c), r.Namespace).
		WithLabels(Labels(r, c, "")).
		WithOwnerReferences(OwnerReference(r)).
		WithSpec(spec)
}

func utilization(res corev1.ResourceName, percent int32) *autoscalingv2ac.MetricSpecApplyConfiguration {
	return autoscalingv2ac.MetricSpec().
		WithType(autoscalingv2.ResourceMetricSourceType).
		WithResource(autoscalingv2ac.ResourceMetricSource().
			WithName(res).
			WithTarget(autoscalingv2ac.MetricTarget().
				WithType(autoscalingv2.UtilizationMetricType).
				WithAverageUtilization(percent)))
}

// behavior passes the spec's HPA behavior through as an apply configuration;
// both have the same JSON form.
func behavior(b *autoscalingv2.HorizontalPodAutoscalerBehavior) *autoscalingv2ac.HorizontalPodAutoscalerBehaviorApplyConfiguration {
	raw, err := json.Marshal(b)
	if err != nil {
		panic(fmt.Sprintf("render: cannot encode HPA behavior: %v", err))
	}
	var out autoscalingv2ac.HorizontalPodAutoscalerBehaviorApplyConfiguration
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("render: cannot decode HPA behavior: %v", err))
	}
	return &out
}
