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

// Every condition type and every reason the operator writes, each defined
// once. The reasons are what status.conditions[].reason,
// status.components[].reason and status.blueGreen.reason say; each is
// explained in docs/troubleshooting.md (test/docs checks this list).

// Condition types set on every RestAPI.
const (
	// ConditionReady is the summary: True when the application serves with
	// every enabled component fully available.
	ConditionReady = "Ready"
	// ConditionAvailable is True when every enabled component has at least
	// one ready pod of the serving colour: the application serves, perhaps
	// short of pods. That all desired pods are ready is what Ready says.
	ConditionAvailable = "Available"
	// ConditionProgressing is True while children are created or rolled out.
	ConditionProgressing = "Progressing"
	// ConditionDegraded is True when a component is unhealthy or the operator
	// cannot reconcile a child.
	ConditionDegraded = "Degraded"
	// ConditionVerticalScaling is present when spec.autoScaling.vertical is
	// enabled: True while every component has its VerticalPodAutoscaler,
	// False with the reason when it cannot (CRDNotInstalled).
	ConditionVerticalScaling = "VerticalScaling"
	// ConditionMonitoring is present when
	// spec.observability.metrics.podMonitor is set: True while every
	// component has its PodMonitor, False with the reason when it cannot.
	ConditionMonitoring = "Monitoring"
	// ConditionExposed is present when spec.view.expose is set: True when
	// every route, Ingress and Service it asks for is in place and every
	// Gateway accepted its routes; False with the reason when not (a
	// Gateway's refusal carries the Gateway's own reason, such as
	// NotAllowedByListeners); Unknown while a Gateway or a load balancer has
	// not answered yet.
	ConditionExposed = "Exposed"
	// ConditionNetworkPolicy is present when spec.networkPolicy.enabled:
	// True once the policies are written; its reason says where metrics
	// scrapes are admitted (MetricsOnOwnPort, MetricsOnApplicationPort).
	ConditionNetworkPolicy = "NetworkPolicy"
	// ConditionRenderingPending is True while the pods run a rendering of
	// the spec by an earlier version of the operator and this version
	// renders it differently (status.rendering.pending): nothing rolls
	// until the spec changes or someone asks. False when the pods run this
	// version's rendering.
	ConditionRenderingPending = "RenderingPending"
)

// Reasons of the RenderingPending condition.
const (
	// ReasonNewerRendering: this operator renders the spec differently from
	// what the pods run; the newer rendering waits (RenderingPending True).
	ReasonNewerRendering = "NewerRendering"
	// ReasonRenderingCurrent: the pods run this operator's rendering of the
	// spec (RenderingPending False).
	ReasonRenderingCurrent = "RenderingCurrent"
)

// Reasons of the Ready, Available, Progressing and Degraded conditions.
const (
	ReasonAllComponentsReady   = "AllComponentsReady"
	ReasonComponentsNotReady   = "ComponentsNotReady"
	ReasonComponentsServing    = "ComponentsServing"
	ReasonComponentUnavailable = "ComponentUnavailable"
	ReasonRolloutComplete      = "RolloutComplete"
	// ReasonRollingOut: children are created or rolled out (Progressing);
	// a component's pods are being replaced (component health).
	ReasonRollingOut      = "RollingOut"
	ReasonAsExpected      = "AsExpected"
	ReasonChildConflict   = "ChildConflict"
	ReasonReconcileFailed = "ReconcileFailed"
)

// Reasons of a blue-green rollout (status.blueGreen.reason, Degraded).
const (
	// ReasonProgressDeadlineExceeded: the preview was not available within
	// progressDeadlineSeconds (also a Deployment's own deadline, as a
	// component's health).
	ReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded"
	ReasonPreviewUnhealthy         = "PreviewUnhealthy"
	ReasonAbortRequested           = "AbortRequested"
	ReasonRolledBack               = "RolledBack"
	ReasonUnhealthyAfterPromotion  = "UnhealthyAfterPromotion"
	// ReasonWaitEnded is the Event of a preview that stopped waiting (it
	// found room, its image pulled...).
	ReasonWaitEnded = "WaitEnded"
)

// Reasons a preview waits: what it waits for, shown as status.blueGreen.reason
// and as the reason of the Progressing condition while it lasts.
const (
	ReasonWaitingForCapacity   = "WaitingForCapacity"
	ReasonWaitingForQuota      = "WaitingForQuota"
	ReasonWaitingForImage      = "WaitingForImage"
	ReasonWaitingForConfig     = "WaitingForConfig"
	ReasonWaitingForContainers = "WaitingForContainers"
	// ReasonQuotaExceeded is a ReplicaFailure caused by a ResourceQuota: the
	// namespace has no room for the Pods yet.
	ReasonQuotaExceeded = "QuotaExceeded"
)

// Reasons of a component's health (status.components[].reason).
const (
	ReasonCreating            = "Creating"
	ReasonRolloutPending      = "RolloutPending"
	ReasonReplicaFailure      = "ReplicaFailure"
	ReasonReplicasUnavailable = "ReplicasUnavailable"
	ReasonNoReadyPods         = "NoReadyPods"
	ReasonAllReplicasReady    = "AllReplicasReady"
	// Pod-level reasons: a container's waiting reason or last termination,
	// or the scheduler's verdict.
	ReasonCreateContainerConfigError = "CreateContainerConfigError"
	ReasonInvalidImageName           = "InvalidImageName"
	ReasonErrImagePull               = "ErrImagePull"
	ReasonImagePullBackOff           = "ImagePullBackOff"
	ReasonCrashLoopBackOff           = "CrashLoopBackOff"
	ReasonOOMKilled                  = "OOMKilled"
	ReasonCreateContainerError       = "CreateContainerError"
	ReasonUnschedulable              = "Unschedulable"
)

// Reasons of the optional kinds' conditions (VerticalScaling, Monitoring).
const (
	ReasonCRDNotInstalled        = "CRDNotInstalled"
	ReasonVPAsActive             = "VPAsActive"
	ReasonVPANameConflict        = "VPANameConflict"
	ReasonPodMonitorsActive      = "PodMonitorsActive"
	ReasonPodMonitorNameConflict = "PodMonitorNameConflict"
)

// Reasons of the Exposed condition. A route a Gateway refused carries the
// Gateway's reason instead (Gateway API's route condition reasons:
// NotAllowedByListeners, NoMatchingListenerHostname, NoMatchingParent,
// UnsupportedValue, RefNotPermitted, BackendNotFound...).
const (
	// ReasonExposureReady: everything asked for is in place and accepted.
	ReasonExposureReady = "ExposureReady"
	// ReasonGatewayAPINotInstalled: spec.view.expose.gateway is set but the
	// HTTPRoute CRD is not installed; the rest of the exposure and the
	// application work, and it recovers once the CRDs are installed.
	ReasonGatewayAPINotInstalled = "GatewayAPINotInstalled"
	// ReasonWaitingForGateway: a route is written and a Gateway named in
	// its parentRefs has not reported on it yet.
	ReasonWaitingForGateway = "WaitingForGateway"
	// ReasonWaitingForAddress: the LoadBalancer Service has no address yet.
	ReasonWaitingForAddress = "WaitingForAddress"
	// ReasonExposureNameConflict: an HTTPRoute of the name the operator
	// writes exists and is not the RestAPI's.
	ReasonExposureNameConflict = "ExposureNameConflict"
)

// Reasons of the NetworkPolicy condition.
const (
	// ReasonMetricsOnOwnPort: the metrics namespaces are admitted on the
	// metrics port (spec.observability.metrics.port) only.
	ReasonMetricsOnOwnPort = "MetricsOnOwnPort"
	// ReasonMetricsOnApplicationPort: metrics are served on the
	// application's port, so the metrics namespaces are admitted to every
	// component's whole API.
	ReasonMetricsOnApplicationPort = "MetricsOnApplicationPort"
)

// Reasons of a rollout's analysis (spec.blueGreen.analysis), carried by
// status.blueGreen.reason, the Progressing condition while it runs or
// waits, and Degraded when it failed or cannot run as written.
const (
	// ReasonAnalysisRunning: measurements are still due; nothing is
	// promoted, and the old colour is not scaled down, before they pass.
	ReasonAnalysisRunning = "AnalysisRunning"
	// ReasonAnalysisFailed: a check failed past its failureLimit: the
	// preview was aborted (traffic never moved), or traffic went back to
	// the warm colour.
	ReasonAnalysisFailed = "AnalysisFailed"
	// ReasonAnalysisInconclusive: a check gave no answer more often than
	// its inconclusiveLimit; the rollout waits for a person to approve or
	// abort (roll back) the revision.
	ReasonAnalysisInconclusive = "AnalysisInconclusive"
	// ReasonAnalysisTemplateInvalid: a check's URL or query template does
	// not render.
	ReasonAnalysisTemplateInvalid = "AnalysisTemplateInvalid"
	// ReasonAnalysisConditionInvalid: a check's successCondition does not
	// compile, or does not give a bool.
	ReasonAnalysisConditionInvalid = "AnalysisConditionInvalid"
	// ReasonAnalysisQueryInvalid: Prometheus refused a check's query, or
	// its result is not one number.
	ReasonAnalysisQueryInvalid = "AnalysisQueryInvalid"
	// ReasonAnalysisPrometheusUnset: a prometheus check names no server,
	// the RestAPI none, and the manager has no --prometheus-address.
	ReasonAnalysisPrometheusUnset = "AnalysisPrometheusUnset"
	// ReasonAnalysisTemplateNotAllowed: a check's URL or query template is
	// more than text and {{.Variable}} (an action, a function, a pipeline),
	// or renders past its bound; it is never executed.
	ReasonAnalysisTemplateNotAllowed = "AnalysisTemplateNotAllowed"
	// ReasonAnalysisPrometheusNotAllowed: a check names a Prometheus
	// address the operator's administrator did not list
	// (--prometheus-allowed-addresses), and the manager refuses such
	// addresses (--prometheus-unlisted-addresses=refuse).
	ReasonAnalysisPrometheusNotAllowed = "AnalysisPrometheusNotAllowed"
	// ReasonAnalysisURLNotAllowed: an HTTP check's URL names a host that is
	// not one of the RestAPI's own Services nor on the administrator's
	// list (--analysis-allowed-hosts), or resolves to an address no check
	// may reach (loopback, link-local, unspecified, multicast, the API
	// server). Nothing was sent to it.
	ReasonAnalysisURLNotAllowed = "AnalysisURLNotAllowed"
)

// Reasons of a rollout's hooks (spec.blueGreen.hooks): status.blueGreen.reason,
// Progressing while one runs, Degraded when one failed.
const (
	// ReasonHookRunning: a PrePromotion hook's Job runs; nothing is
	// promoted before it succeeded.
	ReasonHookRunning = "HookRunning"
	// ReasonHookFailed: a hook's Job failed (its backoffLimit, or its
	// activeDeadlineSeconds). PrePromotion: the preview was aborted, traffic
	// never moved, and the OnAbort hooks run. PostPromotion: the revision
	// keeps serving, Degraded, until the spec changes. OnAbort: reported.
	ReasonHookFailed = "HookFailed"
)

// Reasons of the Events that no condition carries (docs/observability.md
// lists them; a test keeps the two together). A rollout's abort, rollback
// and wait Events carry the Reason constants above.
const (
	EventCreated           = "Created"
	EventUpdated           = "Updated"
	EventDeleted           = "Deleted"
	EventDeploying         = "Deploying"
	EventDeployed          = "Deployed"
	EventPromoted          = "Promoted"
	EventQueued            = "Queued"
	EventScaledDown        = "ScaledDown"
	EventRollbackRefused   = "RollbackRefused"
	EventBlueGreenDisabled = "BlueGreenDisabled"
	EventRestarted         = "Restarted"
	EventAnalysisStarted   = "AnalysisStarted"
	EventAnalysisPassed    = "AnalysisPassed"
	// EventHookStarted: a hook's Job was created.
	EventHookStarted = "HookStarted"
	// EventHookSucceeded: a hook's Job completed.
	EventHookSucceeded = "HookSucceeded"
	// EventRenderingApplied: this operator's rendering of an unchanged
	// spec replaces an earlier version's (asked for, or the earlier one's
	// pods were gone); the rollout follows.
	EventRenderingApplied = "RenderingApplied"
)
