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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// MaxNameLength is the longest RestAPI name for which every derived child name
// (the longest is "<name>-repository-preview") still fits in 63 characters.
const MaxNameLength = 44

// RestAPISpec is the desired state of a RestAPI: one application run as four
// components (model, view, controller, repository).
//
// Ports must differ between enabled components, because peers reach each other
// through Services on these ports and a NetworkPolicy is written per port.
// +kubebuilder:validation:XValidation:rule="self.model.enabled || self.view.enabled || self.controller.enabled || self.repository.enabled",message="at least one component (model, view, controller, repository) must be enabled"
// +kubebuilder:validation:XValidation:rule="!self.model.enabled || has(self.image) || has(self.model.image)",message="model needs an image: set spec.image or spec.model.image"
// +kubebuilder:validation:XValidation:rule="!self.view.enabled || has(self.image) || has(self.view.image)",message="view needs an image: set spec.image or spec.view.image"
// +kubebuilder:validation:XValidation:rule="!self.controller.enabled || has(self.image) || has(self.controller.image)",message="controller needs an image: set spec.image or spec.controller.image"
// +kubebuilder:validation:XValidation:rule="!self.repository.enabled || has(self.image) || has(self.repository.image)",message="repository needs an image: set spec.image or spec.repository.image"
// +kubebuilder:validation:XValidation:rule="!(self.model.enabled && self.view.enabled && self.model.port == self.view.port)",message="spec.model.port and spec.view.port must differ: every enabled component needs its own port"
// +kubebuilder:validation:XValidation:rule="!(self.model.enabled && self.controller.enabled && self.model.port == self.controller.port)",message="spec.model.port and spec.controller.port must differ: every enabled component needs its own port"
// +kubebuilder:validation:XValidation:rule="!(self.model.enabled && self.repository.enabled && self.model.port == self.repository.port)",message="spec.model.port and spec.repository.port must differ: every enabled component needs its own port"
// +kubebuilder:validation:XValidation:rule="!(self.view.enabled && self.controller.enabled && self.view.port == self.controller.port)",message="spec.view.port and spec.controller.port must differ: every enabled component needs its own port"
// +kubebuilder:validation:XValidation:rule="!(self.view.enabled && self.repository.enabled && self.view.port == self.repository.port)",message="spec.view.port and spec.repository.port must differ: every enabled component needs its own port"
// +kubebuilder:validation:XValidation:rule="!(self.controller.enabled && self.repository.enabled && self.controller.port == self.repository.port)",message="spec.controller.port and spec.repository.port must differ: every enabled component needs its own port"
// +kubebuilder:validation:XValidation:rule="!has(self.view.expose) || !has(self.view.expose.gateway) || !has(self.view.expose.gateway.previewHostnames) || self.blueGreen.enabled",message="spec.view.expose.gateway.previewHostnames needs blue-green (spec.blueGreen.enabled): without it there is no preview colour to reach"
// +kubebuilder:validation:XValidation:rule="!has(self.view.expose) || !has(self.view.expose.ingress) || !has(self.view.expose.ingress.previewHost) || self.blueGreen.enabled",message="spec.view.expose.ingress.previewHost needs blue-green (spec.blueGreen.enabled): without it there is no preview colour to reach"
// +kubebuilder:validation:XValidation:rule="!has(self.view.expose) || self.view.enabled",message="spec.view.expose needs the view enabled: it is what is exposed"
// +kubebuilder:validation:XValidation:rule="!has(self.observability.metrics.port) || ![self.model.port, self.view.port, self.controller.port, self.repository.port].exists(p, p == self.observability.metrics.port)",message="spec.observability.metrics.port must differ from every component's port: metrics are served apart from the application"
// +kubebuilder:validation:XValidation:rule="!has(self.blueGreen.hooks) || self.blueGreen.enabled",message="spec.blueGreen.hooks needs blue-green (spec.blueGreen.enabled): hooks are bound to a preview attempt and its switch"
// +kubebuilder:validation:XValidation:rule="!has(self.blueGreen.hooks) || self.blueGreen.hooks.all(h, (has(h.component) ? [h.component] : ['repository']).all(n, (n == 'model' && self.model.enabled) || (n == 'view' && self.view.enabled) || (n == 'controller' && self.controller.enabled) || (n == 'repository' && self.repository.enabled)))",message="spec.blueGreen.hooks: every hook's component (default: repository) must be an enabled component: the hook runs in its Pod"
// +kubebuilder:validation:XValidation:rule="!has(self.blueGreen.analysis) || self.blueGreen.enabled",message="spec.blueGreen.analysis needs blue-green (spec.blueGreen.enabled): without it there is no colour to analyse before or after a switch"
// +kubebuilder:validation:XValidation:rule="!has(self.blueGreen.analysis) || !has(self.blueGreen.analysis.prePromotion) || self.blueGreen.analysis.prePromotion.all(c, (has(c.components) ? c.components : ['view']).all(n, (n == 'model' && self.model.enabled) || (n == 'view' && self.view.enabled) || (n == 'controller' && self.controller.enabled) || (n == 'repository' && self.repository.enabled)))",message="spec.blueGreen.analysis.prePromotion: every check's components (default: view) must be enabled components"
// +kubebuilder:validation:XValidation:rule="!has(self.blueGreen.analysis) || !has(self.blueGreen.analysis.postPromotion) || self.blueGreen.analysis.postPromotion.all(c, (has(c.components) ? c.components : ['view']).all(n, (n == 'model' && self.model.enabled) || (n == 'view' && self.view.enabled) || (n == 'controller' && self.controller.enabled) || (n == 'repository' && self.repository.enabled)))",message="spec.blueGreen.analysis.postPromotion: every check's components (default: view) must be enabled components"
type RestAPISpec struct {
	// image is the container image every component runs unless the component
	// names its own. Required unless every enabled component sets an image.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image,omitempty"`

	// replicas is the number of pods per component when autoscaling is off and
	// the component sets no replicas of its own. Default: 2.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Replicas *int32 `json:"replicas,omitempty"`

	// envVars are environment variables shared by every component. They are
	// written into each component's ConfigMap; a component's own envVars win
	// over these. Names must be valid environment variable names.
	// +optional
	// +kubebuilder:validation:MaxProperties=128
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z_][A-Za-z0-9_]*$'))",message="envVars names must be valid environment variable names: letters, digits and '_', not starting with a digit"
	EnvVars map[string]string `json:"envVars,omitempty"`

	// envFrom adds whole Secrets or ConfigMaps to every component's
	// environment. Secrets are referenced, never copied by the operator.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(e, has(e.secretRef) || has(e.configMapRef))",message="every envFrom entry must name a secretRef or a configMapRef"
	EnvFrom []corev1.EnvFromSource `json:"envFrom,omitempty"`

	// imagePullSecrets are handed to every component's pods.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// podSecurity adjusts the pods' security settings. Whatever is set here,
	// the pods keep meeting the Pod Security Standard "restricted": non-root,
	// RuntimeDefault seccomp, every capability dropped, no privilege
	// escalation.
	// +optional
	PodSecurity *PodSecuritySpec `json:"podSecurity,omitempty"`

	// shutdownDelaySeconds is how long a Pod that is being removed keeps
	// serving before it is asked to stop (a preStop sleep): the Services'
	// endpoints and every node's proxy stop sending it new connections
	// first, so a scale-down, a rolling update or blue-green being turned
	// off or on fails no request. It counts within the Pods' 30 s
	// termination grace period, which leaves the application at least 5 s
	// to finish. 0 turns it off. Default 5.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=25
	ShutdownDelaySeconds *int32 `json:"shutdownDelaySeconds,omitempty"`

	// observability: Prometheus scraping of the components and tracing.
	// +optional
	// +kubebuilder:default={}
	Observability ObservabilitySpec `json:"observability,omitzero"`

	// model runs the business logic. Default port 8080.
	// +optional
	// +kubebuilder:default={}
	Model ModelSpec `json:"model,omitzero"`

	// view renders templates and formats responses; the only component that
	// receives traffic from outside the application. Default port 3000.
	// +optional
	// +kubebuilder:default={}
	View ViewSpec `json:"view,omitzero"`

	// controller routes and validates requests. Default port 8081.
	// +optional
	// +kubebuilder:default={}
	Controller ControllerSpec `json:"controller,omitzero"`

	// repository does data access. Default port 8082.
	// +optional
	// +kubebuilder:default={}
	Repository RepositorySpec `json:"repository,omitzero"`

	// autoScaling sets the HorizontalPodAutoscaler defaults for all components.
	// +optional
	// +kubebuilder:default={}
	AutoScaling AutoScalingSpec `json:"autoScaling,omitzero"`

	// healthCheck sets probes and healing for all components.
	// +optional
	// +kubebuilder:default={}
	HealthCheck HealthCheckSpec `json:"healthCheck,omitzero"`

	// blueGreen controls how new revisions are shipped.
	// +optional
	// +kubebuilder:default={}
	BlueGreen BlueGreenSpec `json:"blueGreen,omitzero"`

	// networkPolicy controls the NetworkPolicy written for the application.
	// +optional
	// +kubebuilder:default={}
	NetworkPolicy NetworkPolicySpec `json:"networkPolicy,omitzero"`
}

// Phase is the one-word summary of a RestAPI.
// +kubebuilder:validation:Enum=Pending;Progressing;Available;Degraded;Failed
type Phase string

const (
	// PhasePending means no component has been observed yet.
	PhasePending Phase = "Pending"
	// PhaseProgressing means components are being created or rolled out.
	PhaseProgressing Phase = "Progressing"
	// PhaseAvailable means every enabled component is fully available.
	PhaseAvailable Phase = "Available"
	// PhaseDegraded means at least one component is unhealthy.
	PhaseDegraded Phase = "Degraded"
	// PhaseFailed means the operator cannot make progress without a change by
	// a person (for example a child object owned by something else).
	PhaseFailed Phase = "Failed"
)

// Environment is a blue-green colour.
// +kubebuilder:validation:Enum=blue;green
type Environment string

const (
	// EnvironmentBlue is the colour of the first deployment.
	EnvironmentBlue Environment = "blue"
	// EnvironmentGreen is the other colour.
	EnvironmentGreen Environment = "green"
)

// Health is a component's health.
// +kubebuilder:validation:Enum=Healthy;Progressing;Degraded;Unhealthy;Unknown
type Health string

const (
	// HealthHealthy means every desired pod is updated and ready.
	HealthHealthy Health = "Healthy"
	// HealthProgressing means a rollout is under way and still within its deadline.
	HealthProgressing Health = "Progressing"
	// HealthDegraded means the component serves, but below its desired size.
	HealthDegraded Health = "Degraded"
	// HealthUnhealthy means the component cannot reach a ready state by itself.
	HealthUnhealthy Health = "Unhealthy"
	// HealthUnknown means the component has not been observed yet.
	HealthUnknown Health = "Unknown"
)

// ComponentStatus is the observed state of one component.
type ComponentStatus struct {
	// name is the component: model, view, controller or repository.
	Name ComponentName `json:"name"`
	// environment is the colour this status describes (empty without blue-green).
	// +optional
	Environment Environment `json:"environment,omitempty"`
	// revision is the hash of everything that reaches this component's pods.
	// +optional
	Revision string `json:"revision,omitempty"`
	// replicas is the number of pods the component should run.
	Replicas int32 `json:"replicas"`
	// readyReplicas is the number of ready pods serving this component; during
	// a rolling update it counts old and new pods, like a Deployment's.
	ReadyReplicas int32 `json:"readyReplicas"`
	// health is the component's health.
	Health Health `json:"health"`
	// reason is why, in one CamelCase word: AllReplicasReady, RollingOut,
	// CrashLoopBackOff, ImagePullBackOff, NoReadyPods...
	// +optional
	Reason string `json:"reason,omitempty"`
	// message says why the component has this health, for a person, and
	// what healing does about it.
	// +optional
	Message string `json:"message,omitempty"`

	// unhealthySince is when this component, having served, turned Unhealthy
	// on this colour and revision. It stays set through the restarts meant to
	// heal it and is cleared once the component is Healthy again.
	// +optional
	UnhealthySince *metav1.Time `json:"unhealthySince,omitempty"`
	// restarts counts the automatic restarts since unhealthySince. At
	// healing.maxRestartsPerHour the operator gives up until the component
	// is healthy again or runs another revision.
	// +optional
	Restarts int32 `json:"restarts,omitempty"`
	// restartTimes are the latest automatic restarts of this component (at
	// most healing.maxRestartsPerHour of them, newest last); those of the
	// last hour count against that limit. The newest is the value of the
	// apps.restapi.dev/restartedAt annotation on the pod template.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=60
	RestartTimes []metav1.Time `json:"restartTimes,omitempty"`

	// autoscaler is the component's HorizontalPodAutoscaler, when
	// autoscaling is on for it.
	// +optional
	Autoscaler *AutoscalerStatus `json:"autoscaler,omitempty"`
}

// AutoscalerStatus is what a component's HPA is set to and last did.
type AutoscalerStatus struct {
	// name of the HorizontalPodAutoscaler.
	Name string `json:"name"`
	// target is the Deployment it scales: the serving colour's.
	Target string `json:"target"`
	// minReplicas is the floor in force: the spec's, or higher while
	// predictive scaling raised it (see predictedMinReplicas).
	MinReplicas int32 `json:"minReplicas"`
	// maxReplicas is the ceiling.
	MaxReplicas int32 `json:"maxReplicas"`
	// currentReplicas is how many pods the HPA last saw.
	// +optional
	CurrentReplicas int32 `json:"currentReplicas"`
	// desiredReplicas is how many pods the HPA last asked for.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas"`
	// predictedMinReplicas is the floor predictive scaling sets ahead of a
	// recurring peak; 0 when it raises nothing.
	// +optional
	PredictedMinReplicas int32 `json:"predictedMinReplicas,omitempty"`
	// prediction says why, for a person.
	// +optional
	Prediction string `json:"prediction,omitempty"`
}

// BlueGreenStatus is the observed state of the blue-green rollout.
type BlueGreenStatus struct {
	// activeRevision is the revision the stable Services route to.
	// +optional
	ActiveRevision string `json:"activeRevision,omitempty"`
	// previewRevision is the revision being prepared in the idle colour.
	// +optional
	PreviewRevision string `json:"previewRevision,omitempty"`
	// previousRevision served before the last promotion; while its colour is
	// still warm (its Deployments' pod templates still run it), going back
	// to it is a selector flip. It is cleared as soon as a preview is
	// deployed over that colour.
	// +optional
	PreviousRevision string `json:"previousRevision,omitempty"`
	// attempt counts the preview attempts: it goes up by one each time a
	// revision starts being deployed into the idle colour (a re-shipped
	// revision is a new attempt). An analysis counts only for the attempt
	// it measured (analysis.attempt).
	// +optional
	Attempt int64 `json:"attempt,omitempty"`
	// abortedRevision is the revision last aborted or rolled back from. It is
	// not tried again until the spec changes to another revision.
	// +optional
	AbortedRevision string `json:"abortedRevision,omitempty"`
	// state is where the rollout stands: Deploying, AwaitingPromotion,
	// ScalingDown, Idle, Aborted or RolledBack.
	// +optional
	State BlueGreenState `json:"state,omitempty"`
	// reason is why the rollout is Aborted or RolledBack
	// (ProgressDeadlineExceeded, PreviewUnhealthy, AbortRequested,
	// RolledBack, UnhealthyAfterPromotion), or, while Deploying, what the
	// preview waits for (WaitingForCapacity, WaitingForQuota,
	// WaitingForImage, WaitingForConfig, WaitingForContainers).
	// +optional
	Reason string `json:"reason,omitempty"`
	// waitingSince is when the preview started waiting for what reason
	// names; unset when it waits for nothing in particular.
	// +optional
	WaitingSince *metav1.Time `json:"waitingSince,omitempty"`
	// previewStartedAt is when the preview revision started to deploy; the
	// progress deadline counts from here.
	// +optional
	PreviewStartedAt *metav1.Time `json:"previewStartedAt,omitempty"`
	// previewReadyAt is when the preview revision was first seen fully
	// available; autoPromotionSeconds counts from here.
	// +optional
	PreviewReadyAt *metav1.Time `json:"previewReadyAt,omitempty"`
	// previewScalingAt is when a preview checked at
	// spec.blueGreen.previewReplicas started scaling to its full size (its
	// promotion fell due); the progress deadline counts again from here.
	// +optional
	PreviewScalingAt *metav1.Time `json:"previewScalingAt,omitempty"`
	// promotedAt is when the stable Services last switched colour.
	// +optional
	PromotedAt *metav1.Time `json:"promotedAt,omitempty"`
	// abortedAt is when the last rollout was aborted.
	// +optional
	AbortedAt *metav1.Time `json:"abortedAt,omitempty"`
	// queuedAt is when the rollout joined the rollout queue (state Queued);
	// first come, first served, and a spec change while queued keeps it.
	// +optional
	QueuedAt *metav1.Time `json:"queuedAt,omitempty"`
	// queuePosition is how many queued rollouts are ahead of this one (0: it
	// is next). Exact for the rollouts nearest the front, which are looked
	// at whenever a rollout finishes; further back it is refreshed every 30
	// seconds, and can only be too high, never too low.
	// +optional
	QueuePosition *int32 `json:"queuePosition,omitempty"`

	// traceParent is the W3C trace context of the current or last rollout
	// (00-<trace id>-<span id>-01): every step of the rollout is a span of
	// that trace, whichever manager takes it, when the manager exports
	// traces (the OTEL_* environment). Set when the rollout begins.
	// +optional
	// +kubebuilder:validation:MaxLength=55
	TraceParent string `json:"traceParent,omitempty"`
	// traceStartedAt is when the rollout of traceParent began: the start
	// of its root span.
	// +optional
	TraceStartedAt *metav1.Time `json:"traceStartedAt,omitempty"`

	// analysis is the analysis of the revision under test, measurement by
	// measurement (spec.blueGreen.analysis).
	// +optional
	Analysis *AnalysisStatus `json:"analysis,omitempty"`
	// promotedAttempt is the attempt the stable Services last switched to
	// (0 after a rollback): its PostPromotion hooks run once the old
	// colour's last Pod is gone.
	// +optional
	PromotedAttempt int64 `json:"promotedAttempt,omitempty"`
	// hooks are the hooks of the current or last attempt
	// (spec.blueGreen.hooks), each with its Job and result.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=8
	Hooks []HookStatus `json:"hooks,omitempty"`
	// message explains the state, for a person.
	// +optional
	Message string `json:"message,omitempty"`
}

// BlueGreenState is where a blue-green rollout stands.
// +kubebuilder:validation:Enum=Queued;Deploying;AwaitingPromotion;ScalingDown;Idle;Aborted;RolledBack
type BlueGreenState string

const (
	// StateQueued: the new revision waits for its turn to run a rollout
	// (--max-concurrent-rollouts, or the namespace's
	// apps.restapi.dev/max-concurrent-rollouts annotation); the serving
	// colour keeps serving.
	StateQueued BlueGreenState = "Queued"
	// StateDeploying: the new revision is being deployed into the idle colour.
	StateDeploying BlueGreenState = "Deploying"
	// StateAwaitingPromotion: the new colour is fully available and waits for
	// autoPromotionSeconds or an approval of its revision.
	StateAwaitingPromotion BlueGreenState = "AwaitingPromotion"
	// StateScalingDown: promoted; the old colour stays warm for scaleDownDelaySeconds.
	StateScalingDown BlueGreenState = "ScalingDown"
	// StateIdle: one colour serves, nothing is being prepared.
	StateIdle BlueGreenState = "Idle"
	// StateAborted: the new revision was aborted; traffic stayed.
	StateAborted BlueGreenState = "Aborted"
	// StateRolledBack: traffic went back to the previous revision.
	StateRolledBack BlueGreenState = "RolledBack"
)

// Annotations that ask for an imperative action. Each names the revision it
// is about, so a request made for one revision never acts on another.
const (
	// AnnotationPromote approves the promotion of the named preview revision:
	//   kubectl annotate rapi NAME apps.restapi.dev/promote=REVISION --overwrite
	AnnotationPromote = "apps.restapi.dev/promote"
	// AnnotationMaxConcurrentRollouts, on a Namespace, is how many
	// RestAPIs in it may run a rollout (a second colour, from its preview
	// until the old colour is scaled down) at the same time; the others are
	// Queued. Unset or 0: no limit of the namespace's own.
	AnnotationMaxConcurrentRollouts = "apps.restapi.dev/max-concurrent-rollouts"
	// AnnotationAbort aborts the named preview revision; traffic stays.
	AnnotationAbort = "apps.restapi.dev/abort"
	// AnnotationRollback sends traffic back to the previous revision while its
	// colour is warm, if the named revision is the one serving.
	AnnotationRollback = "apps.restapi.dev/rollback"
	// AnnotationApplyRendering applies the newer rendering of the spec
	// (status.rendering.pending) to this RestAPI: a rollout like any other.
	// It names the pending revision, so a request made before another
	// operator upgrade does not apply a rendering nobody looked at:
	//   kubectl annotate rapi NAME apps.restapi.dev/apply-rendering=REVISION --overwrite
	// (kubectl restapi rerender NAME does this).
	AnnotationApplyRendering = "apps.restapi.dev/apply-rendering"
)

// RestAPIStatus is the observed state of a RestAPI, computed from the cluster
// on every reconcile.
type RestAPIStatus struct {
	// phase is the one-word summary: Pending, Progressing, Available, Degraded or Failed.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// replicas is the number of desired pods over the serving colour, all components.
	// +optional
	Replicas int32 `json:"replicas"`

	// readyReplicas is the number of ready pods over the serving colour, all components.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas"`

	// ready is "readyReplicas/replicas", for kubectl's Ready column. Like a
	// Deployment's, it can exceed the desired count while a rollout surges.
	// +optional
	Ready string `json:"ready,omitempty"`

	// activeEnvironment is the colour the stable Services route to.
	// +optional
	ActiveEnvironment Environment `json:"activeEnvironment,omitempty"`

	// lastDeploymentTime is when a revision last started serving: with
	// blue-green, when it was switched to (or, the first one, when it was
	// ready); without, when its rolling update finished.
	// +optional
	LastDeploymentTime *metav1.Time `json:"lastDeploymentTime,omitempty"`

	// deployedRevision is the revision lastDeploymentTime is about.
	// +optional
	DeployedRevision string `json:"deployedRevision,omitempty"`

	// observedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready (the summary), Available, Progressing and Degraded.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// components is the state of each enabled component.
	// +listType=map
	// +listMapKey=name
	// +optional
	Components []ComponentStatus `json:"components,omitempty"`

	// blueGreen is the state of the blue-green rollout.
	// +optional
	BlueGreen *BlueGreenStatus `json:"blueGreen,omitempty"`

	// rendering records which rendering of the spec the pods run: an
	// operator upgrade that renders the same spec differently rolls nothing
	// until the spec changes or someone asks (docs/operating.md).
	// +optional
	Rendering *RenderingStatus `json:"rendering,omitempty"`

	// healing records the last automatic healing action.
	// +optional
	Healing *HealingStatus `json:"healing,omitempty"`

	// urls are the addresses a person can open, from spec.view.expose:
	// the hostnames of the routes and the Ingress, or the LoadBalancer's
	// address once it has one.
	// +optional
	URLs *URLs `json:"urls,omitempty"`
}

// RenderingStatus is which rendering of the spec the operator deploys.
type RenderingStatus struct {
	// specHash is the hash of the spec's fields that can reach the pods
	// (everything but replicas, autoscaling, the blue-green settings other
	// than enabled, the network policy, healing and exposure), the one
	// revision was rendered from.
	// +kubebuilder:validation:MaxLength=64
	SpecHash string `json:"specHash"`
	// revision is the revision the operator deploys for that spec. It may
	// have been rendered by an earlier version of the operator: its pod
	// templates and ConfigMaps are then kept as they are in the cluster.
	// +kubebuilder:validation:MaxLength=64
	Revision string `json:"revision"`
	// pending is the revision this version of the operator renders for the
	// same spec, when it differs from revision: it is applied at the next
	// change of the spec, with the apps.restapi.dev/apply-rendering
	// annotation (kubectl restapi rerender), or fleet-wide with the
	// manager's --rendering-upgrades=apply.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Pending string `json:"pending,omitempty"`
}

// HealingStatus records the last automatic healing action.
type HealingStatus struct {
	// lastAction is what was done, for example "rollback".
	LastAction string `json:"lastAction"`
	// lastActionTime is when.
	LastActionTime metav1.Time `json:"lastActionTime"`
	// message says why, for a person.
	// +optional
	Message string `json:"message,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rapi,categories=all
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Active",type=string,JSONPath=`.status.activeEnvironment`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.ready`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.urls.stable[0]`,priority=1
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 44",message="metadata.name must be at most 44 characters, so that every derived name such as <name>-repository-preview fits in 63"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must start with a letter and contain only lowercase letters, digits and '-', because it names Services"

// RestAPI is one application run as four components (model, view, controller,
// repository), each with its own Deployment, Service, HPA and ConfigMap.
type RestAPI struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is a standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the desired state of the application.
	// +required
	Spec RestAPISpec `json:"spec"`

	// status is the observed state of the application.
	// +optional
	Status RestAPIStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// RestAPIList contains a list of RestAPI.
type RestAPIList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []RestAPI `json:"items"`
}

func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(SchemeGroupVersion, &RestAPI{}, &RestAPIList{})
		return nil
	})
}
