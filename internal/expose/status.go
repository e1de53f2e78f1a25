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

package expose

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Verdict is what the Exposed condition says: its status, reason and
// message.
type Verdict struct {
	Status  metav1.ConditionStatus
	Reason  string
	Message string
}

// RouteVerdict judges one route by what its Gateways wrote in
// status.parents: every parent the route names must have accepted this
// generation of it and resolved its backend. A refusal is False with the
// Gateway's own reason; a parent that has not answered (or answered about
// an older generation) is Unknown, WaitingForGateway. ok is true when
// every parent accepted.
func RouteVerdict(route *unstructured.Unstructured) (v Verdict, ok bool) {
	refs, _, _ := unstructured.NestedSlice(route.Object, "spec", "parentRefs")
	parents, _, _ := unstructured.NestedSlice(route.Object, "status", "parents")
	var waiting []string
	for _, ref := range refs {
		want, _ := ref.(map[string]any)
		name := parentName(route.GetNamespace(), want)
		conds := parentConditions(route.GetNamespace(), want, parents)
		accepted := findCondition(conds, "Accepted")
		if accepted == nil || accepted.ObservedGeneration < route.GetGeneration() {
			waiting = append(waiting, name)
			continue
		}
		if accepted.Status != metav1.ConditionTrue {
			return Verdict{metav1.ConditionFalse, accepted.Reason,
				fmt.Sprintf("Gateway %s refused HTTPRoute %s: %s", name, route.GetName(), accepted.Message)}, false
		}
		if resolved := findCondition(conds, "ResolvedRefs"); resolved != nil && resolved.Status == metav1.ConditionFalse &&
			resolved.ObservedGeneration >= route.GetGeneration() {
			return Verdict{metav1.ConditionFalse, resolved.Reason,
				fmt.Sprintf("Gateway %s cannot send HTTPRoute %s to its backend: %s", name, route.GetName(), resolved.Message)}, false
		}
	}
	if len(waiting) > 0 {
		return Verdict{metav1.ConditionUnknown, apiv1.ReasonWaitingForGateway,
			fmt.Sprintf("HTTPRoute %s is written; waiting for Gateway %s to accept it", route.GetName(), strings.Join(waiting, ", "))}, false
	}
	return Verdict{}, true
}

// parentName is a parent reference as namespace/name[/section].
func parentName(routeNS string, ref map[string]any) string {
	ns, _ := ref["namespace"].(string)
	if ns == "" {
		ns = routeNS
	}
	name, _ := ref["name"].(string)
	if section, _ := ref["sectionName"].(string); section != "" {
		return ns + "/" + name + "/" + section
	}
	return ns + "/" + name
}

// parentConditions are the conditions the Gateways wrote for one parent
// reference: every status.parents entry that names the same Gateway,
// listener and port, whichever controller wrote it.
func parentConditions(routeNS string, want map[string]any, parents []any) []metav1.Condition {
	var out []metav1.Condition
	for _, p := range parents {
		entry, _ := p.(map[string]any)
		got, _ := entry["parentRef"].(map[string]any)
		if parentName(routeNS, got) != parentName(routeNS, want) || fmt.Sprint(got["port"]) != fmt.Sprint(want["port"]) {
			continue
		}
		conds, _ := entry["conditions"].([]any)
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if cond, ok := conditionOf(m); ok {
				out = append(out, cond)
			}
		}
	}
	return out
}

// conditionOf reads a condition from its unstructured form; false when it
// has no type.
func conditionOf(m map[string]any) (metav1.Condition, bool) {
	var c metav1.Condition
	c.Type, _ = m["type"].(string)
	c.Status = metav1.ConditionStatus(fmt.Sprint(m["status"]))
	c.Reason, _ = m["reason"].(string)
	c.Message, _ = m["message"].(string)
	c.ObservedGeneration = int64Of(m["observedGeneration"])
	return c, c.Type != ""
}

// int64Of is an unstructured integer: int64 as decoded from the API
// server, float64 as decoded from plain JSON; 0 otherwise.
func int64Of(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

// findCondition is the first condition of that type; when several
// controllers wrote one, a refusal wins over an acceptance.
func findCondition(conds []metav1.Condition, t string) *metav1.Condition {
	var found *metav1.Condition
	for i := range conds {
		if conds[i].Type != t {
			continue
		}
		if found == nil || conds[i].Status == metav1.ConditionFalse {
			found = &conds[i]
		}
	}
	return found
}

// Listener is what a Gateway's listener tells about a URL: its protocol
// and port.
type Listener struct {
	Name     string
	Protocol string
	Port     int64
}

// GatewayListeners reads a Gateway's listeners.
func GatewayListeners(gw *unstructured.Unstructured) []Listener {
	ls, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	out := make([]Listener, 0, len(ls))
	for _, l := range ls {
		m, _ := l.(map[string]any)
		var li Listener
		li.Name, _ = m["name"].(string)
		li.Protocol, _ = m["protocol"].(string)
		li.Port = int64Of(m["port"])
		out = append(out, li)
	}
	return out
}

const (
	schemeHTTP  = "http"
	schemeHTTPS = "https"
)

// schemeAndPort is the URL scheme and the port to write for the listeners
// a parent reference attaches to: https when one of them is HTTPS, the port
// only when it is not the scheme's own. Without the Gateway's listeners
// (not readable): http, no port.
func schemeAndPort(ref apiv1.GatewayParentRef, listeners []Listener) (string, int64) {
	for _, l := range listeners {
		if ref.SectionName != "" && l.Name != ref.SectionName {
			continue
		}
		if ref.Port != nil && int64(*ref.Port) != l.Port {
			continue
		}
		if l.Protocol == "HTTPS" {
			return schemeHTTPS, l.Port
		}
	}
	for _, l := range listeners {
		if (ref.SectionName == "" || l.Name == ref.SectionName) && (ref.Port == nil || int64(*ref.Port) == l.Port) {
			return schemeHTTP, l.Port
		}
	}
	return schemeHTTP, 0
}

// url joins a scheme, host, port (left out when it is the scheme's own)
// and path.
func url(scheme, host string, port int64, p apiv1.HTTPPath) string {
	defaultPort := scheme == schemeHTTP && port == 80 || scheme == schemeHTTPS && port == 443
	if port != 0 && !defaultPort {
		host = net.JoinHostPort(host, strconv.FormatInt(port, 10))
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 address
	}
	return scheme + "://" + host + path(p)
}

// Sources are what the URLs are made of besides the spec: the Gateways'
// listeners by parent (namespace/name), the live Ingress and the stable
// view Service.
type Sources struct {
	Listeners map[string][]Listener
	Ingress   *networkingv1.Ingress
	Service   *corev1.Service
}

// URLs are the addresses a person can open: per hostname of the routes
// (scheme and port from the Gateway's listener), per host of the Ingress
// (https with a TLS Secret) or its load balancer's address, and the
// LoadBalancer Service's address. A wildcard hostname is no URL.
func URLs(r *apiv1.RestAPI, src Sources) *apiv1.URLs {
	e := spec(r)
	if e == nil {
		return nil
	}
	var out apiv1.URLs
	add := func(list *[]string, u string) {
		if !slices.Contains(*list, u) {
			*list = append(*list, u)
		}
	}
	if g := e.Gateway; g != nil {
		for _, ref := range g.ParentRefs {
			ns := ref.Namespace
			if ns == "" {
				ns = r.Namespace
			}
			scheme, port := schemeAndPort(ref, src.Listeners[ns+"/"+ref.Name])
			for _, h := range g.Hostnames {
				if !strings.HasPrefix(string(h), "*") {
					add(&out.Stable, url(scheme, string(h), port, g.Path))
				}
			}
			if blueGreen(r) {
				for _, h := range g.PreviewHostnames {
					if !strings.HasPrefix(string(h), "*") {
						add(&out.Preview, url(scheme, string(h), port, g.Path))
					}
				}
			}
		}
	}
	if in := e.Ingress; in != nil {
		scheme := schemeHTTP
		if in.TLSSecretName != "" {
			scheme = schemeHTTPS
		}
		switch {
		case in.Host != "" && !strings.HasPrefix(string(in.Host), "*"):
			add(&out.Stable, url(scheme, string(in.Host), 0, in.Path))
		case in.Host == "" && src.Ingress != nil:
			if addr := lbAddress(src.Ingress.Status.LoadBalancer.Ingress); addr != "" {
				add(&out.Stable, url(scheme, addr, 0, in.Path))
			}
		}
		if blueGreen(r) && in.PreviewHost != "" && !strings.HasPrefix(string(in.PreviewHost), "*") {
			add(&out.Preview, url(scheme, string(in.PreviewHost), 0, in.Path))
		}
	}
	if s := e.Service; s != nil && s.Type == corev1.ServiceTypeLoadBalancer && src.Service != nil {
		if addr := serviceAddress(src.Service); addr != "" {
			add(&out.Stable, url(schemeHTTP, addr, int64(viewPort(r)), "/"))
		}
	}
	if len(out.Stable) == 0 && len(out.Preview) == 0 {
		return nil
	}
	return &out
}

// serviceAddress is a LoadBalancer Service's first address, "" until it
// has one.
func serviceAddress(svc *corev1.Service) string {
	ings := make([]networkingv1.IngressLoadBalancerIngress, 0, len(svc.Status.LoadBalancer.Ingress))
	for _, i := range svc.Status.LoadBalancer.Ingress {
		ings = append(ings, networkingv1.IngressLoadBalancerIngress{IP: i.IP, Hostname: i.Hostname})
	}
	return lbAddress(ings)
}

// lbAddress is a load balancer's first address, its hostname before its IP.
func lbAddress(ings []networkingv1.IngressLoadBalancerIngress) string {
	for _, i := range ings {
		if i.Hostname != "" {
			return i.Hostname
		}
		if i.IP != "" {
			return i.IP
		}
	}
	return ""
}
