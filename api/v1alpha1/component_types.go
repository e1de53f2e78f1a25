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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ComponentName names one of the four components.
// +kubebuilder:validation:Enum=model;view;controller;repository
type ComponentName string

const (
	// ComponentModel runs the business logic.
	ComponentModel ComponentName = "model"
	// ComponentView renders templates and formats responses.
	ComponentView ComponentName = "view"
	// ComponentController routes and validates requests.
	ComponentController ComponentName = "controller"
	// ComponentRepository does data access.
	ComponentRepository ComponentName = "repository"
)

// ComponentNames lists the components in promotion order: data access first,
// the externally reachable view last.
var ComponentNames = []ComponentName{ComponentRepository, ComponentModel, ComponentController, ComponentView}

// ComponentSpec is what every component can set. Anything left unset comes
// from the RestAPI-level field of the same name, then from the role default.
type ComponentSpec struct {
	// enabled runs the component. A disabled component's Deployment, Service,
	// HPA and ConfigMap are removed. Default: true.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// image overrides spec.image for this component.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image,omitempty"`

	// replicas overrides spec.replicas for this component when autoscaling is off.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Replicas *int32 `json:"replicas,omitempty"`

	// command overrides the image's entrypoint.
	// +optional
	// +listType=atomic
	Command []string `json:"command,omitempty"`

	// args overrides the image's arguments.
	// +optional
	// +listType=atomic
	Args []string `json:"args,omitempty"`

	// envVars are merged over spec.envVars for this component.
	// +optional
	// +kubebuilder:validation:MaxProperties=128
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z_][A-Za-z0-9_]*$'))",message="envVars names must be valid environment variable names: letters, digits and '_', not starting with a digit"
	EnvVars map[string]string `json:"envVars,omitempty"`

	// envFrom adds Secrets or ConfigMaps to this component's environment,
	// after spec.envFrom.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(e, has(e.secretRef) || has(e.configMapRef))",message="every envFrom entry must name a secretRef or a configMapRef"
	EnvFrom []corev1.EnvFromSource `json:"envFrom,omitempty"`

	// resources replaces the role's default requests and limits as a whole.
	// Defaults: model (CPU-heavy) 250m/256Mi requested, 1 CPU/512Mi limit;
	// view (memory-heavy) 100m/384Mi, 500m/768Mi; controller (balanced)
	// 200m/192Mi, 500m/384Mi; repository (I/O) 150m/256Mi, 500m/512Mi.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// autoScaling overrides spec.autoScaling for this component.
	// +optional
	AutoScaling *ComponentAutoScalingSpec `json:"autoScaling,omitempty"`

	// healthCheck overrides spec.healthCheck for this component, field by field.
	// +optional
	HealthCheck *HealthCheckOverrides `json:"healthCheck,omitempty"`
}

// ModelSpec is the model component.
// +kubebuilder:validation:XValidation:rule="!has(self.autoScaling) || (has(self.autoScaling.minReplicas) ? self.autoScaling.minReplicas : 1) <= (has(self.autoScaling.maxReplicas) ? self.autoScaling.maxReplicas : 10)",message="model: autoScaling.minReplicas must not be greater than autoScaling.maxReplicas (model defaults: 1 to 10)"
type ModelSpec struct {
	ComponentSpec `json:",inline"`
	// port the model listens on. Default: 8080.
	// +optional
	// +kubebuilder:default=8080
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
}

// ViewSpec is the view component.
// +kubebuilder:validation:XValidation:rule="!has(self.autoScaling) || (has(self.autoScaling.minReplicas) ? self.autoScaling.minReplicas : 1) <= (has(self.autoScaling.maxReplicas) ? self.autoScaling.maxReplicas : 5)",message="view: autoScaling.minReplicas must not be greater than autoScaling.maxReplicas (view defaults: 1 to 5)"
type ViewSpec struct {
	ComponentSpec `json:",inline"`
	// port the view listens on. Default: 3000.
	// +optional
	// +kubebuilder:default=3000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`

	// expose makes the view reachable from outside the cluster: a Gateway
	// API HTTPRoute, an Ingress, or the stable Service's type. Only the
	// view has it. Unset: the view's Services stay ClusterIP and nothing
	// else is written.
	// +optional
	Expose *ExposeSpec `json:"expose,omitempty"`
}

// ControllerSpec is the controller component.
// +kubebuilder:validation:XValidation:rule="!has(self.autoScaling) || (has(self.autoScaling.minReplicas) ? self.autoScaling.minReplicas : 2) <= (has(self.autoScaling.maxReplicas) ? self.autoScaling.maxReplicas : 20)",message="controller: autoScaling.minReplicas must not be greater than autoScaling.maxReplicas (controller defaults: 2 to 20)"
type ControllerSpec struct {
	ComponentSpec `json:",inline"`
	// port the controller listens on. Default: 8081.
	// +optional
	// +kubebuilder:default=8081
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
}

// RepositorySpec is the repository component.
// +kubebuilder:validation:XValidation:rule="!has(self.autoScaling) || (has(self.autoScaling.minReplicas) ? self.autoScaling.minReplicas : 1) <= (has(self.autoScaling.maxReplicas) ? self.autoScaling.maxReplicas : 8)",message="repository: autoScaling.minReplicas must not be greater than autoScaling.maxReplicas (repository defaults: 1 to 8)"
type RepositorySpec struct {
	ComponentSpec `json:",inline"`
	// port the repository listens on. Default: 8082.
	// +optional
	// +kubebuilder:default=8082
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`

	// storage gives the repository a persistent volume. Optional.
	// +optional
	Storage *StorageSpec `json:"storage,omitempty"`
}

// StorageSpec is a persistent volume for the repository.
type StorageSpec struct {
	// size of the volume, for example 10Gi.
	// +required
	Size resource.Quantity `json:"size"`

	// storageClassName of the volume; the cluster default when unset.
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// mountPath where the volume is mounted. Default: /data.
	// +optional
	// +kubebuilder:default="/data"
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:XValidation:rule="self != '/tmp'",message="storage.mountPath must not be /tmp: the operator mounts a scratch volume there"
	MountPath string `json:"mountPath,omitempty"`

	// accessMode of the claim. Every repository pod of every colour mounts
	// the same claim, so with more than one pod, or while blue-green runs two
	// colours, ReadWriteOnce works only when they share a node: use
	// ReadWriteMany where the storage class offers it. Default: ReadWriteOnce.
	// +optional
	// +kubebuilder:default=ReadWriteOnce
	// +kubebuilder:validation:Enum=ReadWriteOnce;ReadWriteMany;ReadWriteOncePod
	AccessMode corev1.PersistentVolumeAccessMode `json:"accessMode,omitempty"`
}

// IsEnabled reports whether the component runs; unset means enabled.
func (c *ComponentSpec) IsEnabled() bool { return c.Enabled == nil || *c.Enabled }

// Component is a role-independent view of one component of a RestAPI.
type Component struct {
	Name ComponentName
	ComponentSpec
	Port int32
}

// Components returns the four components in promotion order (repository,
// model, controller, view), enabled or not.
// A port left at zero (an object that skipped API defaulting) gets the role's
// default port.
func (s *RestAPISpec) Components() []Component {
	return []Component{
		{Name: ComponentRepository, ComponentSpec: s.Repository.ComponentSpec, Port: orDefault(s.Repository.Port, 8082)},
		{Name: ComponentModel, ComponentSpec: s.Model.ComponentSpec, Port: orDefault(s.Model.Port, 8080)},
		{Name: ComponentController, ComponentSpec: s.Controller.ComponentSpec, Port: orDefault(s.Controller.Port, 8081)},
		{Name: ComponentView, ComponentSpec: s.View.ComponentSpec, Port: orDefault(s.View.Port, 3000)},
	}
}

// EnabledComponents names the enabled components in promotion order.
func (s *RestAPISpec) EnabledComponents() []ComponentName {
	var out []ComponentName
	for _, c := range s.Components() {
		if c.IsEnabled() {
			out = append(out, c.Name)
		}
	}
	return out
}

func orDefault(v, def int32) int32 {
	if v == 0 {
		return def
	}
	return v
}
