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

// Package expose makes the view reachable from outside the cluster, as
// spec.view.expose asks: it renders the Gateway API HTTPRoutes and the
// Ingress (the stable view Service's type is rendered with the Service, in
// internal/render), judges what the Gateways and load balancers say of
// them, and derives the URLs a person can open. Routes and the Ingress
// point at the stable and preview Services, which switch with the colour:
// a promotion changes no route.
package expose

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	networkingv1 "k8s.io/api/networking/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// HTTPRouteGroupVersionKind is the Gateway API route the operator writes
// (standard channel, v1). Its CRD comes with the Gateway API, not with
// Kubernetes.
var HTTPRouteGroupVersionKind = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"}

// spec is the RestAPI's exposure, nil when there is none (or the view is
// disabled, which admission refuses with an exposure).
func spec(r *apiv1.RestAPI) *apiv1.ExposeSpec {
	if !r.Spec.View.IsEnabled() {
		return nil
	}
	return r.Spec.View.Expose
}

// Wanted reports whether the RestAPI exposes its view at all.
func Wanted(r *apiv1.RestAPI) bool { return spec(r) != nil }

// GatewayWanted reports whether the RestAPI asks for HTTPRoutes.
func GatewayWanted(r *apiv1.RestAPI) bool { e := spec(r); return e != nil && e.Gateway != nil }

// blueGreen reports whether the RestAPI runs a preview colour to reach.
func blueGreen(r *apiv1.RestAPI) bool { return r.Spec.BlueGreen.IsEnabled() }

// Routes renders the view's HTTPRoutes: one to the stable Service, named
// like it, and with blue-green and previewHostnames one to the preview
// Service, named like that. Every field the Gateway API CRD defaults is
// written out, so what is applied is what is stored, and a route that
// matches is not written again.
func Routes(r *apiv1.RestAPI) []*unstructured.Unstructured {
	if !GatewayWanted(r) {
		return nil
	}
	g := r.Spec.View.Expose.Gateway
	out := []*unstructured.Unstructured{route(r, render.ChildName(r, apiv1.ComponentView), g.Hostnames, g)}
	if blueGreen(r) && len(g.PreviewHostnames) > 0 {
		out = append(out, route(r, render.PreviewName(r, apiv1.ComponentView), g.PreviewHostnames, g))
	}
	return out
}

// route renders one HTTPRoute named like the Service it sends to.
func route(r *apiv1.RestAPI, service string, hostnames []apiv1.Hostname, g *apiv1.GatewayExposure) *unstructured.Unstructured {
	u := render.Unstructured(r, HTTPRouteGroupVersionKind, apiv1.ComponentView)
	u.SetName(service)
	parents := make([]any, 0, len(g.ParentRefs))
	for _, p := range g.ParentRefs {
		ref := map[string]any{"group": HTTPRouteGroupVersionKind.Group, "kind": "Gateway", "name": p.Name}
		if p.Namespace != "" {
			ref["namespace"] = p.Namespace
		}
		if p.SectionName != "" {
			ref["sectionName"] = p.SectionName
		}
		if p.Port != nil {
			ref["port"] = int64(*p.Port)
		}
		parents = append(parents, ref)
	}
	s := map[string]any{
		"parentRefs": parents,
		"rules": []any{map[string]any{
			"matches": []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": path(g.Path)}}},
			"backendRefs": []any{map[string]any{
				"group": "", "kind": "Service", "name": service, "port": int64(viewPort(r)), "weight": int64(1),
			}},
		}},
	}
	if len(hostnames) > 0 {
		hs := make([]any, 0, len(hostnames))
		for _, h := range hostnames {
			hs = append(hs, string(h))
		}
		s["hostnames"] = hs
	}
	u.Object["spec"] = s
	return u
}

// viewPort is the port of the view's Services.
func viewPort(r *apiv1.RestAPI) int32 {
	for _, c := range r.Spec.Components() {
		if c.Name == apiv1.ComponentView {
			return c.Port
		}
	}
	return 0
}

// path is the path prefix, "/" when unset.
func path(p apiv1.HTTPPath) string {
	if p == "" {
		return "/"
	}
	return string(p)
}

// Ingress renders the view's Ingress, named like its stable Service: a
// rule for host to the stable Service and, with blue-green and
// previewHost, one for previewHost to the preview Service. Nil when the
// spec asks for none.
func Ingress(r *apiv1.RestAPI) *networkingv1ac.IngressApplyConfiguration {
	e := spec(r)
	if e == nil || e.Ingress == nil {
		return nil
	}
	in := e.Ingress
	name := render.ChildName(r, apiv1.ComponentView)
	ing := networkingv1ac.Ingress(name, r.Namespace).
		WithLabels(render.Labels(r, apiv1.ComponentView, "")).
		WithOwnerReferences(render.OwnerReference(r))
	if len(in.Annotations) > 0 {
		ing.WithAnnotations(in.Annotations)
	}
	spec := networkingv1ac.IngressSpec().WithRules(ingressRule(r, in.Host, name, in.Path))
	if in.ClassName != nil {
		spec.WithIngressClassName(*in.ClassName)
	}
	var tlsHosts []string
	if in.Host != "" {
		tlsHosts = append(tlsHosts, string(in.Host))
	}
	if blueGreen(r) && in.PreviewHost != "" {
		spec.WithRules(ingressRule(r, in.PreviewHost, render.PreviewName(r, apiv1.ComponentView), in.Path))
		tlsHosts = append(tlsHosts, string(in.PreviewHost))
	}
	if in.TLSSecretName != "" {
		spec.WithTLS(networkingv1ac.IngressTLS().WithHosts(tlsHosts...).WithSecretName(in.TLSSecretName))
	}
	return ing.WithSpec(spec)
}

// ingressRule sends host's requests under the path prefix to a Service of
// the view.
func ingressRule(r *apiv1.RestAPI, host apiv1.Hostname, service string, p apiv1.HTTPPath) *networkingv1ac.IngressRuleApplyConfiguration {
	rule := networkingv1ac.IngressRule().WithHTTP(networkingv1ac.HTTPIngressRuleValue().WithPaths(
		networkingv1ac.HTTPIngressPath().
			WithPath(path(p)).
			WithPathType(networkingv1.PathTypePrefix).
			WithBackend(networkingv1ac.IngressBackend().WithService(
				networkingv1ac.IngressServiceBackend().WithName(service).
					WithPort(networkingv1ac.ServiceBackendPort().WithNumber(viewPort(r)))))))
	if host != "" {
		rule.WithHost(string(host))
	}
	return rule
}
