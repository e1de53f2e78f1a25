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

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Hooks: Jobs bound to a blue-green attempt, for the data both colours
// share (docs/blue-green.md, "Schema changes").

// HookPhase is when in a rollout a hook runs.
// +kubebuilder:validation:Enum=PrePromotion;PostPromotion;OnAbort
type HookPhase string

const (
	// HookPrePromotion runs once the preview is ready, before its analysis
	// and its switch: nothing is promoted before it succeeded (expand).
	HookPrePromotion HookPhase = "PrePromotion"
	// HookPostPromotion runs once the old colour has no Pod left (contract).
	HookPostPromotion HookPhase = "PostPromotion"
	// HookOnAbort runs after an abort or a rollback, for the revision that
	// lost.
	HookOnAbort HookPhase = "OnAbort"
)

// HookPhases are the phases in the order a rollout reaches them.
var HookPhases = []HookPhase{HookPrePromotion, HookPostPromotion, HookOnAbort}

// Hook is a Job the operator runs at one phase of every blue-green attempt,
// in a Pod of one component: its image, its ConfigMap, its envFrom and env,
// its security context and resources, with this command. The operator never
// reads what the Pod reaches (a database's credentials stay the
// component's).
type Hook struct {
	// name of the hook, unique among the hooks; the Job is named
	// <restapi>-<name>-<attempt>.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=12
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// phase is when it runs: PrePromotion (after the preview is ready,
	// before its analysis and switch), PostPromotion (after the old colour's
	// last Pod is gone), or OnAbort (after an abort or a rollback, for the
	// revision that lost).
	Phase HookPhase `json:"phase"`

	// component whose Pod the hook runs in: image, ConfigMap, envFrom, env,
	// security context and resources. Default: repository.
	// +optional
	// +kubebuilder:default=repository
	Component ComponentName `json:"component,omitempty"`

	// command run in the component's image (the image's entrypoint is
	// replaced).
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=4096
	Command []string `json:"command"`

	// args of the command.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=4096
	Args []string `json:"args,omitempty"`

	// activeDeadlineSeconds the Job may run, counted from its start, time
	// waiting for room on a node included; past it the hook failed. Unset:
	// spec.blueGreen.progressDeadlineSeconds, so a hook that waits for
	// capacity is waited on as long as a preview is.
	// +optional
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=86400
	ActiveDeadlineSeconds *int32 `json:"activeDeadlineSeconds,omitempty"`

	// backoffLimit is how many times a failed Pod is run again before the
	// hook failed. Default: 0, since a migration that failed half-way is
	// for a person to look at, not to run again blindly.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	BackoffLimit *int32 `json:"backoffLimit,omitempty"`
}

// ComponentOrDefault is the component the hook runs in.
func (h Hook) ComponentOrDefault() ComponentName {
	if h.Component == "" {
		return ComponentRepository
	}
	return h.Component
}

// HookResult is where one hook's Job stands.
// +kubebuilder:validation:Enum=Pending;Running;Succeeded;Failed
type HookResult string

const (
	// HookPending: the hook is due and its Job cannot be created yet (a
	// Job of its name that another attempt left is in the way).
	HookPending HookResult = "Pending"
	// HookRunning: its Job was created; it runs, or waits for a node.
	HookRunning HookResult = "Running"
	// HookSucceeded: its Job completed.
	HookSucceeded HookResult = "Succeeded"
	// HookFailed: its Job failed (backoffLimit or activeDeadlineSeconds).
	HookFailed HookResult = "Failed"
)

// HookStatus is one hook of the current or last attempt.
type HookStatus struct {
	// name of the hook (spec.blueGreen.hooks[].name).
	Name string `json:"name"`
	// phase it ran at.
	Phase HookPhase `json:"phase"`
	// job is the Job's name.
	Job string `json:"job"`
	// revision the Job ran for.
	Revision string `json:"revision"`
	// attempt is the preview attempt (status.blueGreen.attempt) it belongs to.
	Attempt int64 `json:"attempt"`
	// result: Pending, Running, Succeeded or Failed.
	Result HookResult `json:"result"`
	// message says why it failed, for a person.
	// +optional
	Message string `json:"message,omitempty"`
	// startedAt is when the Job started (its status.startTime).
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// finishedAt is when the Job completed or failed.
	// +optional
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
}
