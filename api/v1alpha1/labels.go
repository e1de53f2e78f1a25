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

// Labels and annotations the operator puts on the objects it creates. They are
// part of the API: select on them, never write them.
const (
	// LabelName is app.kubernetes.io/name; always "restapi".
	LabelName = "app.kubernetes.io/name"
	// LabelInstance is app.kubernetes.io/instance: the RestAPI's name.
	LabelInstance = "app.kubernetes.io/instance"
	// LabelComponent is app.kubernetes.io/component: model, view, controller or repository.
	LabelComponent = "app.kubernetes.io/component"
	// LabelManagedBy is app.kubernetes.io/managed-by: always ManagedBy.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// LabelPartOf is app.kubernetes.io/part-of: the RestAPI's name.
	LabelPartOf = "app.kubernetes.io/part-of"
	// LabelEnvironment is the blue-green colour of a child.
	LabelEnvironment = "apps.restapi.dev/environment"
	// LabelRevision is the revision of the pods a child runs.
	LabelRevision = "apps.restapi.dev/revision"
	// LabelHook names the hook (spec.blueGreen.hooks[].name) a Job and its
	// Pod run; LabelHookPhase its phase; LabelAttempt the preview attempt
	// (status.blueGreen.attempt) it belongs to.
	LabelHook      = "apps.restapi.dev/hook"
	LabelHookPhase = "apps.restapi.dev/hook-phase"
	LabelAttempt   = "apps.restapi.dev/attempt"

	// AnnotationConfigHash on a pod template is the hash of its ConfigMap's
	// contents, so a config change rolls the pods.
	AnnotationConfigHash = "apps.restapi.dev/config-hash"

	// AnnotationRestartedAt on a pod template is when the operator last
	// restarted the component's pods to heal it (RFC 3339), like the
	// annotation of kubectl rollout restart.
	AnnotationRestartedAt = "apps.restapi.dev/restartedAt"
	// AnnotationStartedFrom on a pod template says which requests it took
	// from the serving colour's VerticalPodAutoscaler when its revision
	// was deployed ("memory=589Mi"): the colour keeps them while it runs
	// that revision, whatever the VPA recommends later.
	AnnotationStartedFrom = "apps.restapi.dev/started-from-recommendation"

	// HealingFieldOwner is the server-side apply field owner of
	// AnnotationRestartedAt: separate from ManagedBy, so re-applying a
	// rendered Deployment neither removes the annotation nor rolls the pods.
	HealingFieldOwner = "restapi-operator-healing"

	// ReplicasFieldOwner is the field owner that keeps a Deployment's
	// replicas when an HPA takes them over: the operator's own apply then
	// leaves them out, which without a second owner would reset them to 1.
	ReplicasFieldOwner = "restapi-operator-replicas"

	// ManagedBy is the value of LabelManagedBy and the server-side apply field owner.
	ManagedBy = "restapi-operator"
	// AppName is the value of LabelName.
	AppName = "restapi"
)
