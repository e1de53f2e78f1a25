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

import corev1 "k8s.io/api/core/v1"

// ExposeSpec makes the view reachable from outside the cluster: through a
// Gateway (Gateway API HTTPRoutes), an Ingress, or the type of the view's
// stable Service. Any of them, or several at once (while moving from an
// Ingress to a Gateway, for example). Only the view has it: external
// traffic enters through view, the other components stay inside.
// docs/exposure.md has examples.
type ExposeSpec struct {
	// gateway writes an HTTPRoute that attaches the view's stable Service
	// to the Gateways named, and, with previewHostnames, a second one for
	// the preview Service. Needs the Gateway API CRDs (standard channel).
	// +optional
	Gateway *GatewayExposure `json:"gateway,omitempty"`

	// ingress writes an Ingress for the view's stable Service, and with
	// previewHost a rule for the preview Service.
	// +optional
	Ingress *IngressExposure `json:"ingress,omitempty"`

	// service sets the type of the view's stable Service (the preview and
	// per-colour Services stay ClusterIP).
	// +optional
	Service *ServiceExposure `json:"service,omitempty"`
}

// Hostname is a fully qualified domain name, optionally with a leading
// wildcard label ("*.example.com"), as Gateway API and Ingress take it.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=253
// +kubebuilder:validation:XValidation:rule="self.matches('^([*][.])?[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be a DNS name in lowercase, such as shop.example.com or *.example.com (no scheme, port or path)"
type Hostname string

// HTTPPath is the path prefix the view is served under.
// +kubebuilder:validation:MaxLength=1024
// +kubebuilder:validation:XValidation:rule="self.matches('^/[^?#[:space:]]*$')",message="must be an absolute path starting with '/', without a query, fragment or spaces"
type HTTPPath string

// GatewayParentRef names a Gateway (or one of its listeners) the view's
// routes attach to.
type GatewayParentRef struct {
	// name of the Gateway.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// namespace of the Gateway; the RestAPI's own when unset. The Gateway's
	// listener must allow routes from the RestAPI's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`

	// sectionName is the name of one listener of the Gateway; every
	// listener that accepts the route when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SectionName string `json:"sectionName,omitempty"`

	// port of the Gateway's listeners to attach to, when sectionName does
	// not pick one.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port *int32 `json:"port,omitempty"`
}

// GatewayExposure attaches the view to Gateways through HTTPRoutes
// (gateway.networking.k8s.io/v1, standard channel fields only).
type GatewayExposure struct {
	// parentRefs are the Gateways the routes attach to.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	ParentRefs []GatewayParentRef `json:"parentRefs"`

	// hostnames the stable route answers for; every hostname the Gateway's
	// listener accepts when empty (the route then has no URL of its own in
	// status.urls).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	Hostnames []Hostname `json:"hostnames,omitempty"`

	// path prefix the view is served under. Default: /.
	// +optional
	// +kubebuilder:default="/"
	Path HTTPPath `json:"path,omitempty"`

	// previewHostnames, when set, get a second HTTPRoute to the preview
	// Service: the colour being prepared, end to end, before it is
	// promoted. Needs blue-green.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	PreviewHostnames []Hostname `json:"previewHostnames,omitempty"`
}

// IngressExposure serves the view through an Ingress
// (networking.k8s.io/v1).
// +kubebuilder:validation:XValidation:rule="!has(self.previewHost) || !has(self.host) || self.previewHost != self.host",message="ingress.previewHost must differ from ingress.host"
type IngressExposure struct {
	// className is the IngressClass; the cluster's default class when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ClassName *string `json:"className,omitempty"`

	// host the Ingress answers for; every host when unset.
	// +optional
	Host Hostname `json:"host,omitempty"`

	// previewHost, when set, is a second rule to the preview Service.
	// Needs blue-green.
	// +optional
	PreviewHost Hostname `json:"previewHost,omitempty"`

	// path prefix the view is served under. Default: /.
	// +optional
	// +kubebuilder:default="/"
	Path HTTPPath `json:"path,omitempty"`

	// tlsSecretName is a Secret of type kubernetes.io/tls in the RestAPI's
	// namespace, holding the certificate for host and previewHost. The
	// operator names it and never reads it; the URLs are https when set.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	TLSSecretName string `json:"tlsSecretName,omitempty"`

	// annotations for the ingress controller (rewrites, timeouts,
	// cert-manager's issuer...).
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ServiceExposure sets how the view's stable Service is reached.
// +kubebuilder:validation:XValidation:rule="!has(self.loadBalancerSourceRanges) || self.type == 'LoadBalancer'",message="service.loadBalancerSourceRanges needs service.type LoadBalancer"
type ServiceExposure struct {
	// type of the view's stable Service. Default: ClusterIP.
	// +optional
	// +kubebuilder:default=ClusterIP
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	Type corev1.ServiceType `json:"type,omitempty"`

	// annotations of the view's stable Service (a cloud load balancer's
	// settings, for example).
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	Annotations map[string]string `json:"annotations,omitempty"`

	// loadBalancerSourceRanges are the client CIDRs a LoadBalancer admits;
	// every client when empty.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=43
	// +kubebuilder:validation:XValidation:rule="self.all(c, isCIDR(c))",message="service.loadBalancerSourceRanges must be CIDRs, such as 203.0.113.0/24"
	LoadBalancerSourceRanges []string `json:"loadBalancerSourceRanges,omitempty"`
}

// URLs are the addresses a person can open: the stable view, and the
// preview colour's view.
type URLs struct {
	// stable URLs reach the serving colour's view.
	// +optional
	// +listType=atomic
	Stable []string `json:"stable,omitempty"`
	// preview URLs reach the preview colour's view (blue-green with a
	// preview hostname).
	// +optional
	// +listType=atomic
	Preview []string `json:"preview,omitempty"`
}
