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

// This file is over 400 lines on purpose: every field carries its
// documentation and validation markers, which become the CRD's schema and
// the API reference; splitting a type's fields across files would scatter
// them.

package v1alpha1

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// AutoScalingSpec sets HorizontalPodAutoscaler defaults for all components.
// When a component sets no bounds of its own, the role defaults apply: model
// 1-10 replicas at 70% CPU, view 1-5 at 80%, controller 2-20 at 60%,
// repository 1-8 at 75%.
type AutoScalingSpec struct {
	// enabled gives every component an HPA unless the component turns it off.
	// While an HPA manages a component, the operator leaves the Deployment's
	// replicas to it. Default: true.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// targetMemoryUtilizationPercentage adds a memory target to every HPA.
	// Unset: CPU only.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	TargetMemoryUtilizationPercentage *int32 `json:"targetMemoryUtilizationPercentage,omitempty"`

	// behavior is passed through to every HPA (scale-up and scale-down
	// policies, stabilization windows). Unset: the Kubernetes defaults.
	// +optional
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`

	// vertical asks for a VerticalPodAutoscaler per component, when the VPA
	// CRD is installed. Unset: none.
	// +optional
	Vertical *VerticalScalingSpec `json:"vertical,omitempty"`

	// predictive raises HPA floors ahead of recurring peaks. Unset: off.
	// +optional
	Predictive *PredictiveScalingSpec `json:"predictive,omitempty"`
}

// IsEnabled reports whether autoscaling is on; unset means on.
func (a *AutoScalingSpec) IsEnabled() bool { return a.Enabled == nil || *a.Enabled }

// ComponentAutoScalingSpec overrides autoscaling for one component.
type ComponentAutoScalingSpec struct {
	// enabled overrides spec.autoScaling.enabled for this component.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// minReplicas is the HPA floor. Default: the role default.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MinReplicas *int32 `json:"minReplicas,omitempty"`

	// maxReplicas is the HPA ceiling. Default: the role default.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxReplicas *int32 `json:"maxReplicas,omitempty"`

	// targetCPUUtilizationPercentage is the HPA CPU target. Default: the role default.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	TargetCPUUtilizationPercentage *int32 `json:"targetCPUUtilizationPercentage,omitempty"`

	// targetMemoryUtilizationPercentage overrides the RestAPI-level memory target.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	TargetMemoryUtilizationPercentage *int32 `json:"targetMemoryUtilizationPercentage,omitempty"`
}

// VerticalScalingSpec asks for a VerticalPodAutoscaler per component.
type VerticalScalingSpec struct {
	// enabled creates the VPAs. Default: false.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// updateMode is the VPA update mode. Default: Off (recommendations only).
	// +optional
	// +kubebuilder:default=Off
	// +kubebuilder:validation:Enum=Off;Initial;Recreate;InPlaceOrRecreate
	UpdateMode string `json:"updateMode,omitempty"`

	// controlledResources are the resources the VPAs recommend and set.
	// Unset: those the component's HPA does not scale on, so the two never
	// act on the same signal: memory for an HPA on CPU; both without an
	// HPA; for an HPA on CPU and memory, both, in update mode Off (the VPA
	// recommends and sets nothing). Set, it is used as written, even on a
	// resource an HPA scales on.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=2
	// +kubebuilder:validation:items:Enum=cpu;memory
	ControlledResources []corev1.ResourceName `json:"controlledResources,omitempty"`
}

// PredictiveScalingSpec raises HPA floors ahead of recurring peaks.
type PredictiveScalingSpec struct {
	// enabled turns predictive scaling on. Default: false.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// leadMinutes is how long before a predicted peak the floor is raised. Default: 15.
	// +optional
	// +kubebuilder:default=15
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=240
	LeadMinutes int32 `json:"leadMinutes,omitempty"`
}

// HealthCheckSpec sets probes and healing for all components.
type HealthCheckSpec struct {
	// enabled renders liveness and readiness probes. Default: true.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// livenessPath is the HTTP path of the liveness probe. Default: /health.
	// +optional
	// +kubebuilder:default="/health"
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:MaxLength=256
	LivenessPath string `json:"livenessPath,omitempty"`

	// readinessPath is the HTTP path of the readiness probe. Default: /health.
	// +optional
	// +kubebuilder:default="/health"
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:MaxLength=256
	ReadinessPath string `json:"readinessPath,omitempty"`

	// startupPath, when set, adds a startup probe on this HTTP path. Default: none.
	// +optional
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:MaxLength=256
	StartupPath string `json:"startupPath,omitempty"`

	// initialDelaySeconds before the first probe. Default: 5.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	InitialDelaySeconds *int32 `json:"initialDelaySeconds,omitempty"`

	// periodSeconds between probes. Default: 10.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	PeriodSeconds *int32 `json:"periodSeconds,omitempty"`

	// timeoutSeconds of one probe. Default: 2.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`

	// failureThreshold is how many failed probes in a row count as a failure. Default: 3.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	FailureThreshold *int32 `json:"failureThreshold,omitempty"`

	// healing bounds the automatic actions taken on unhealthy components.
	// +optional
	// +kubebuilder:default={}
	Healing HealingSpec `json:"healing,omitzero"`
}

// HealthCheckOverrides overrides spec.healthCheck for one component; every
// unset field keeps the RestAPI-level value.
type HealthCheckOverrides struct {
	// enabled overrides spec.healthCheck.enabled.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// livenessPath overrides spec.healthCheck.livenessPath.
	// +optional
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:MaxLength=256
	LivenessPath string `json:"livenessPath,omitempty"`
	// readinessPath overrides spec.healthCheck.readinessPath.
	// +optional
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:MaxLength=256
	ReadinessPath string `json:"readinessPath,omitempty"`
	// startupPath overrides spec.healthCheck.startupPath.
	// +optional
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:MaxLength=256
	StartupPath string `json:"startupPath,omitempty"`
	// initialDelaySeconds overrides spec.healthCheck.initialDelaySeconds.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	InitialDelaySeconds *int32 `json:"initialDelaySeconds,omitempty"`
	// periodSeconds overrides spec.healthCheck.periodSeconds.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	PeriodSeconds *int32 `json:"periodSeconds,omitempty"`
	// timeoutSeconds overrides spec.healthCheck.timeoutSeconds.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`
	// failureThreshold overrides spec.healthCheck.failureThreshold.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	FailureThreshold *int32 `json:"failureThreshold,omitempty"`
}

// ObservabilitySpec makes the components observable.
type ObservabilitySpec struct {
	// metrics annotates every component pod for Prometheus scraping
	// (prometheus.io/scrape, prometheus.io/port: the component's port,
	// prometheus.io/path). Default: on, path /metrics.
	// +optional
	// +kubebuilder:default={}
	Metrics MetricsSpec `json:"metrics,omitzero"`

	// tracing, when it names an endpoint, gives every component the
	// OpenTelemetry environment: OTEL_EXPORTER_OTLP_ENDPOINT,
	// OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME (<name>-<component>)
	// and OTEL_RESOURCE_ATTRIBUTES with the namespace, colour and revision.
	// +optional
	Tracing *TracingSpec `json:"tracing,omitempty"`
}

// MetricsSpec is how Prometheus scrapes the components.
type MetricsSpec struct {
	// enabled adds the scrape annotations. Default: true.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`
	// path the components serve metrics on. Default: /metrics.
	// +optional
	// +kubebuilder:default="/metrics"
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:MaxLength=256
	Path string `json:"path,omitempty"`
	// port, when set, is a port of its own every component serves metrics
	// on (METRICS_PORT in its environment, a container port named
	// "metrics"): the scrape annotations and PodMonitors point there, and
	// the NetworkPolicies admit the metrics namespaces on it alone. Unset:
	// metrics are on the application's port, and the metrics namespaces
	// are admitted to the whole API of every component (the NetworkPolicy
	// condition says so).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port *int32 `json:"port,omitempty"`
	// podMonitor creates a PodMonitor (monitoring.coreos.com/v1) per
	// component when the Prometheus Operator is installed; without it, the
	// Monitoring condition says so. Default: false.
	// +optional
	PodMonitor bool `json:"podMonitor,omitempty"`
}

// TracingSpec points the components at an OpenTelemetry collector.
// +kubebuilder:validation:XValidation:rule="!has(self.protocol) || !(self.protocol == 'grpc' && self.endpoint.matches('^[^/]*//[^/]*:4318(/.*)?$') || self.protocol == 'http/protobuf' && self.endpoint.matches('^[^/]*//[^/]*:4317(/.*)?$'))",message="tracing.protocol does not match the endpoint's port: OTLP's standard ports are 4317 for grpc and 4318 for http/protobuf; set tracing.protocol to the one the collector serves on that port"
type TracingSpec struct {
	// endpoint of the OTLP collector, for example http://otel-collector.observability:4317.
	// The components' SDKs send to it; the operator never does.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^https?://`
	Endpoint string `json:"endpoint"`

	// protocol the SDKs speak to the endpoint (OTEL_EXPORTER_OTLP_PROTOCOL):
	// grpc (port 4317 by convention) or http/protobuf (4318, the
	// OpenTelemetry specification's default when the variable is unset).
	// Default: grpc.
	// +optional
	// +kubebuilder:default=grpc
	// +kubebuilder:validation:Enum=grpc;http/protobuf
	Protocol string `json:"protocol,omitempty"`
}

// PodSecuritySpec adjusts what the restricted defaults leave to the image.
type PodSecuritySpec struct {
	// runAsUser is the UID every container runs as. Unset: the image's
	// user, which must not be root (runAsNonRoot is always set).
	// +optional
	// +kubebuilder:validation:Minimum=1
	RunAsUser *int64 `json:"runAsUser,omitempty"`

	// runAsGroup is the primary GID of every container. Unset: the image's.
	// +optional
	// +kubebuilder:validation:Minimum=0
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`

	// fsGroup owns the volumes the pods mount, so the non-root user can
	// write them. Default: 65532 for pods that mount the repository's
	// storage, none otherwise.
	// +optional
	// +kubebuilder:validation:Minimum=0
	FSGroup *int64 `json:"fsGroup,omitempty"`

	// readOnlyRootFilesystem keeps the container's filesystem read-only
	// (a writable /tmp is always mounted). Default: true.
	// +optional
	ReadOnlyRootFilesystem *bool `json:"readOnlyRootFilesystem,omitempty"`
}

// HealingSpec bounds automatic healing.
type HealingSpec struct {
	// enabled lets the operator act on unhealthy components (abort, roll back,
	// restart); when false it only reports. Default: true.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// restartAfterSeconds is how long a component may stay unhealthy in steady
	// state before it is restarted. Default: 300.
	// +optional
	// +kubebuilder:default=300
	// +kubebuilder:validation:Minimum=30
	// +kubebuilder:validation:Maximum=86400
	RestartAfterSeconds int32 `json:"restartAfterSeconds,omitempty"`

	// maxRestartsPerHour caps restarts per component. Default: 3.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=60
	MaxRestartsPerHour *int32 `json:"maxRestartsPerHour,omitempty"`
}

// BlueGreenSpec controls how new revisions are shipped.
// +kubebuilder:validation:XValidation:rule="(has(self.progressDeadlineSeconds) ? self.progressDeadlineSeconds : 600) > (has(self.autoPromotionSeconds) ? self.autoPromotionSeconds : 0)",message="blueGreen.progressDeadlineSeconds must be greater than blueGreen.autoPromotionSeconds, or every rollout would be aborted before it could be promoted"
type BlueGreenSpec struct {
	// enabled ships new revisions blue-green: all components of a revision are
	// prepared in the idle colour and switched together. When false, each
	// Deployment is updated in place with a rolling update. Default: true.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// autoPromotion switches traffic as soon as the new colour is fully
	// available (after autoPromotionSeconds). When false, a person approves
	// the exact revision. Default: true.
	// +optional
	// +kubebuilder:default=true
	AutoPromotion *bool `json:"autoPromotion,omitempty"`

	// autoPromotionSeconds to wait after the new colour is fully available
	// before switching. Default: 0.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	AutoPromotionSeconds *int32 `json:"autoPromotionSeconds,omitempty"`

	// scaleDownDelaySeconds the old colour stays at full size after a switch,
	// so a rollback is an instant selector flip. Default: 30.
	// +optional
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	ScaleDownDelaySeconds *int32 `json:"scaleDownDelaySeconds,omitempty"`

	// progressDeadlineSeconds the new colour has to become fully available (also each
	// Deployment's own progress deadline);
	// past it the rollout is aborted and traffic stays. Default: 600.
	// +optional
	// +kubebuilder:default=600
	// +kubebuilder:validation:Minimum=30
	// +kubebuilder:validation:Maximum=86400
	ProgressDeadlineSeconds int32 `json:"progressDeadlineSeconds,omitempty"`

	// previewReplicas starts the preview smaller than the colour that
	// serves, so two colours need less room at once: a count of pods per
	// component (1) or a percentage of each component's serving size
	// ("25%", rounded up, at least one pod). The preview is checked at that
	// size, then scaled to the full size once its promotion is due
	// (autoPromotionSeconds passed, or the revision was approved) and
	// switched only when the full size is available. Unset: the preview
	// starts at full size. See docs/blue-green.md for the trade-off.
	// +optional
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self >= 1 : self.matches('^([1-9][0-9]?|100)%$')",message="blueGreen.previewReplicas must be a count of at least 1, or a percentage from 1% to 100%"
	PreviewReplicas *intstr.IntOrString `json:"previewReplicas,omitempty"`

	// failFast says when a preview that is not available yet counts as
	// broken, and is aborted before progressDeadlineSeconds (with healing
	// enabled). What can pass by itself (no room on any node, a quota, a Pod
	// still starting) is waited on until the deadline; see docs/health.md.
	// A grace at or past the deadline never fires: the deadline comes first.
	// +optional
	// +kubebuilder:default={}
	FailFast FailFastSpec `json:"failFast,omitzero"`

	// analysis makes a colour earn its traffic: checks against the preview
	// before it is promoted and against the new active colour after the
	// switch (docs/analysis.md). Unset: a colour is promoted when its pods
	// are ready.
	// +optional
	Analysis *AnalysisSpec `json:"analysis,omitempty"`

	// hooks are Jobs bound to every attempt, for the data both colours
	// share: PrePromotion ones (expand) gate the switch, PostPromotion ones
	// (contract) run once the old colour's last Pod is gone, OnAbort ones
	// run for the revision that lost an abort or a rollback. The hooks of
	// one phase run one after the other, in this order. See
	// docs/blue-green.md, "Schema changes".
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=8
	Hooks []Hook `json:"hooks,omitempty"`
}

// FailFastSpec holds the thresholds past which a problem of a preview
// counts as broken instead of waited on.
type FailFastSpec struct {
	// restarts a container of the preview may make while it crash-loops
	// (CrashLoopBackOff) or is killed for using too much memory (OOMKilled);
	// at this many the preview is broken. Default: 3.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Restarts *int32 `json:"restarts,omitempty"`

	// imagePullSeconds an image of the preview may keep failing to pull
	// (ErrImagePull, ImagePullBackOff), counted from when its Pod was
	// scheduled; past it the preview is broken. 0: at once. Default: 120.
	// +optional
	// +kubebuilder:default=120
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	ImagePullSeconds *int32 `json:"imagePullSeconds,omitempty"`

	// configErrorSeconds a container of the preview may fail to be created
	// (CreateContainerConfigError: a Secret, ConfigMap or key it names does
	// not exist; CreateContainerError), counted from when its Pod was
	// scheduled; past it the preview is broken. It leaves time for a
	// Secret that another controller writes. 0: at once. Default: 30.
	// +optional
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	ConfigErrorSeconds *int32 `json:"configErrorSeconds,omitempty"`
}

// NetworkPolicySpec controls the application's NetworkPolicy.
type NetworkPolicySpec struct {
	// enabled writes a NetworkPolicy that denies ingress to the application's
	// pods except: from outside the application to view, between the
	// application's own components, and to metrics ports from the namespaces
	// metricsNamespaceSelector selects. Default: true.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// metricsNamespaceSelector selects namespaces allowed to scrape metrics.
	// Default: namespaces labelled metrics=enabled.
	// +optional
	MetricsNamespaceSelector *metav1.LabelSelector `json:"metricsNamespaceSelector,omitempty"`

	// ingressFrom are the only sources admitted to the view's port from
	// outside the application: the namespace of the Gateway's or the
	// ingress controller's pods, for example. Empty: every source (the
	// view is the application's entry point). A LoadBalancer Service whose
	// traffic reaches the pods from node addresses needs an ipBlock here,
	// or this left empty.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:XValidation:rule="self.all(p, has(p.ipBlock) ? !has(p.podSelector) && !has(p.namespaceSelector) : has(p.podSelector) || has(p.namespaceSelector))",message="every networkPolicy.ingressFrom entry needs a podSelector, a namespaceSelector (or both), or else an ipBlock alone"
	IngressFrom []networkingv1.NetworkPolicyPeer `json:"ingressFrom,omitempty"`
}
