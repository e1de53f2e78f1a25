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
	"fmt"
	"maps"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Fallbacks for objects that did not go through API defaulting (the CRD
// schema carries the same defaults).
const (
	defaultReplicas            = 2
	defaultHealthPath          = "/health"
	defaultInitialDelaySeconds = 5
	defaultPeriodSeconds       = 10
	defaultTimeoutSeconds      = 2
	defaultFailureThreshold    = 3
	defaultProgressDeadline    = 600
)

// Probes are a component's effective probe settings.
type Probes struct {
	Enabled             bool
	LivenessPath        string
	ReadinessPath       string
	StartupPath         string
	InitialDelaySeconds int32
	PeriodSeconds       int32
	TimeoutSeconds      int32
	FailureThreshold    int32
}

// Settings are one component's effective settings: the component's own
// fields, else the RestAPI-level ones, else the role defaults.
type Settings struct {
	Name      apiv1.ComponentName
	Port      int32
	Image     string
	Replicas  int32
	Command   []string
	Args      []string
	Env       map[string]string
	EnvFrom   []corev1.EnvFromSource
	Resources corev1.ResourceRequirements
	Probes    Probes
	// Storage is the repository's persistent volume; nil for the other
	// components and without spec.repository.storage.
	Storage *apiv1.StorageSpec
	// Autoscaling is the component's HPA; nil when autoscaling is off. When
	// set, Replicas is its minReplicas: the size a Deployment starts at
	// before the HPA takes over.
	Autoscaling *Autoscaling
	// ProgressDeadlineSeconds is spec.blueGreen.progressDeadlineSeconds, also
	// the Deployment's own progress deadline.
	ProgressDeadlineSeconds int32
}

// Replicas is the size a component's Deployment is rendered at: the HPA's
// minReplicas when autoscaling is on, else the component's replicas, the
// RestAPI's, or the default.
func Replicas(r *apiv1.RestAPI, c apiv1.Component) int32 {
	return replicas(r, c, ResolveAutoscaling(r, c))
}

func replicas(r *apiv1.RestAPI, c apiv1.Component, a *Autoscaling) int32 {
	switch {
	case a != nil:
		return a.MinReplicas
	case c.Replicas != nil:
		return *c.Replicas
	case r.Spec.Replicas != nil:
		return *r.Spec.Replicas
	}
	return defaultReplicas
}

// PreviewReplicas is the size a preview starts at when its full size is
// full: spec.blueGreen.previewReplicas, a count or a percentage of full
// rounded up, at least 1 and at most full; full when it is unset.
func PreviewReplicas(r *apiv1.RestAPI, full int32) int32 {
	v := r.Spec.BlueGreen.PreviewReplicas
	if v == nil || full <= 1 {
		return full
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, int(full), true)
	if err != nil {
		return full // admission refuses what cannot be read
	}
	return min(max(int32(n), 1), full)
}

// Resolve computes a component's effective settings, with peer URLs for the
// given colour ("" without blue-green).
func Resolve(r *apiv1.RestAPI, c apiv1.Component, colour apiv1.Environment) Settings {
	s := Settings{
		Name:     c.Name,
		Port:     c.Port,
		Image:    r.Spec.Image,
		Replicas: defaultReplicas,
		Command:  c.Command,
		Args:     c.Args,
		Env:      Env(r, c, colour),
		Probes:   resolveProbes(r.Spec.HealthCheck, c.HealthCheck),

		ProgressDeadlineSeconds: defaultProgressDeadline,
	}
	if r.Spec.BlueGreen.ProgressDeadlineSeconds != 0 {
		s.ProgressDeadlineSeconds = r.Spec.BlueGreen.ProgressDeadlineSeconds
	}
	if c.Image != "" {
		s.Image = c.Image
	}
	if c.Name == apiv1.ComponentRepository && r.Spec.Repository.Storage != nil {
		s.Storage = r.Spec.Repository.Storage.DeepCopy()
	}
	s.Autoscaling = ResolveAutoscaling(r, c)
	s.Replicas = replicas(r, c, s.Autoscaling)
	s.EnvFrom = append(append([]corev1.EnvFromSource{}, r.Spec.EnvFrom...), c.EnvFrom...)
	if c.Resources != nil {
		s.Resources = *c.Resources.DeepCopy()
	} else {
		s.Resources = DefaultResources(c.Name)
	}
	return s
}

// Env is the content of a component's ConfigMap: PORT, METRICS_PORT (with
// spec.observability.metrics.port), COMPONENT and the URL
// of every enabled component (MODEL_URL, VIEW_URL, ...) of the same colour,
// then spec.envVars, then the component's envVars; later sources win.
func Env(r *apiv1.RestAPI, c apiv1.Component, colour apiv1.Environment) map[string]string {
	env := map[string]string{
		"COMPONENT": string(c.Name),
		"PORT":      strconv.Itoa(int(c.Port)),
	}
	if p := r.Spec.Observability.Metrics.Port; p != nil {
		env["METRICS_PORT"] = strconv.Itoa(int(*p))
	}
	for _, peer := range r.Spec.Components() {
		if !peer.IsEnabled() {
			continue
		}
		key := strings.ToUpper(string(peer.Name)) + "_URL"
		env[key] = fmt.Sprintf("http://%s.%s.svc:%d", ColourName(r, peer.Name, colour), r.Namespace, peer.Port)
	}
	maps.Copy(env, r.Spec.EnvVars)
	maps.Copy(env, c.EnvVars)
	return env
}

// DefaultResources are the role-based requests and limits: model is
// CPU-heavy, view memory-heavy, controller balanced, repository I/O-oriented
// (modest CPU, room for page cache).
func DefaultResources(c apiv1.ComponentName) corev1.ResourceRequirements {
	rr := func(reqCPU, reqMem, limCPU, limMem string) corev1.ResourceRequirements {
		return corev1.ResourceRequirements{
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse(reqCPU),
				corev1.ResourceMemory: resource.MustParse(reqMem),
			},
			Limits: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse(limCPU),
				corev1.ResourceMemory: resource.MustParse(limMem),
			},
		}
	}
	switch c {
	case apiv1.ComponentModel:
		return rr("250m", "256Mi", "1", "512Mi")
	case apiv1.ComponentView:
		return rr("100m", "384Mi", "500m", "768Mi")
	case apiv1.ComponentController:
		return rr("200m", "192Mi", "500m", "384Mi")
	default:
		return rr("150m", "256Mi", "500m", "512Mi")
	}
}

func resolveProbes(h apiv1.HealthCheckSpec, o *apiv1.HealthCheckOverrides) Probes {
	p := Probes{
		Enabled:             h.IsEnabled(),
		LivenessPath:        orString(h.LivenessPath, defaultHealthPath),
		ReadinessPath:       orString(h.ReadinessPath, defaultHealthPath),
		StartupPath:         h.StartupPath,
		InitialDelaySeconds: orInt(h.InitialDelaySeconds, defaultInitialDelaySeconds),
		PeriodSeconds:       orInt(h.PeriodSeconds, defaultPeriodSeconds),
		TimeoutSeconds:      orInt(h.TimeoutSeconds, defaultTimeoutSeconds),
		FailureThreshold:    orInt(h.FailureThreshold, defaultFailureThreshold),
	}
	if o == nil {
		return p
	}
	if o.Enabled != nil {
		p.Enabled = *o.Enabled
	}
	p.LivenessPath = orString(o.LivenessPath, p.LivenessPath)
	p.ReadinessPath = orString(o.ReadinessPath, p.ReadinessPath)
	p.StartupPath = orString(o.StartupPath, p.StartupPath)
	p.InitialDelaySeconds = orInt(o.InitialDelaySeconds, p.InitialDelaySeconds)
	p.PeriodSeconds = orInt(o.PeriodSeconds, p.PeriodSeconds)
	p.TimeoutSeconds = orInt(o.TimeoutSeconds, p.TimeoutSeconds)
	p.FailureThreshold = orInt(o.FailureThreshold, p.FailureThreshold)
	return p
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func orInt(v *int32, def int32) int32 {
	if v == nil {
		return def
	}
	return *v
}

// MetricsPort is the port a component serves metrics on: the metrics port
// when the spec sets one, else the application's.
func MetricsPort(r *apiv1.RestAPI, appPort int32) int32 {
	if p := r.Spec.Observability.Metrics.Port; p != nil {
		return *p
	}
	return appPort
}
