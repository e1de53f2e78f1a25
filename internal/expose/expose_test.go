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
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
	"github.com/restapi-operator/restapi-operator/internal/scope/scopetest"
)

func shop(mutate func(*apiv1.ExposeSpec)) *apiv1.RestAPI {
	r := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "apps", UID: "u1"}}
	r.Spec.Image = "shop:1"
	r.Spec.View.Expose = &apiv1.ExposeSpec{}
	mutate(r.Spec.View.Expose)
	return r
}

func gateway(e *apiv1.ExposeSpec) {
	e.Gateway = &apiv1.GatewayExposure{
		ParentRefs:       []apiv1.GatewayParentRef{{Name: "public", Namespace: "infra", SectionName: "web"}},
		Hostnames:        []apiv1.Hostname{"shop.example.com", "*.shop.example.com"},
		PreviewHostnames: []apiv1.Hostname{"preview.shop.example.com"},
		Path:             "/api",
	}
}

func TestRoutesPointAtTheStableAndPreviewServices(t *testing.T) {
	routes := Routes(shop(gateway))
	if len(routes) != 2 {
		t.Fatalf("%d routes, want stable and preview", len(routes))
	}
	for i, want := range []string{"shop-view", "shop-view-preview"} {
		u := routes[i]
		if u.GetName() != want || u.GetNamespace() != "apps" {
			t.Errorf("route %d is %s/%s, want apps/%s", i, u.GetNamespace(), u.GetName(), want)
		}
		rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
		rule := rules[0].(map[string]any)
		backend := rule["backendRefs"].([]any)[0].(map[string]any)
		if backend["name"] != want || backend["port"] != int64(3000) || backend["kind"] != "Service" || backend["weight"] != int64(1) {
			t.Errorf("%s sends to %v, want Service %s port 3000 with the CRD's defaults written out", want, backend, want)
		}
		match := rule["matches"].([]any)[0].(map[string]any)["path"].(map[string]any)
		if match["type"] != "PathPrefix" || match["value"] != "/api" {
			t.Errorf("%s matches %v, want PathPrefix /api", want, match)
		}
		parent := u.Object["spec"].(map[string]any)["parentRefs"].([]any)[0].(map[string]any)
		if parent["name"] != "public" || parent["namespace"] != "infra" || parent["sectionName"] != "web" ||
			parent["group"] != "gateway.networking.k8s.io" || parent["kind"] != "Gateway" {
			t.Errorf("%s parent %v", want, parent)
		}
		if len(u.GetOwnerReferences()) != 1 || u.GetLabels()[apiv1.LabelComponent] != "view" {
			t.Errorf("%s: owner %v, labels %v", want, u.GetOwnerReferences(), u.GetLabels())
		}
	}
	hosts, _, _ := unstructured.NestedStringSlice(routes[1].Object, "spec", "hostnames")
	if !slices.Equal(hosts, []string{"preview.shop.example.com"}) {
		t.Errorf("preview hostnames %v", hosts)
	}

	off := shop(gateway)
	off.Spec.BlueGreen.Enabled = new(false)
	if got := Routes(off); len(got) != 1 {
		t.Errorf("without blue-green: %d routes, want the stable one only", len(got))
	}
	disabled := shop(gateway)
	disabled.Spec.View.Enabled = new(false)
	if Wanted(disabled) || Routes(disabled) != nil || Ingress(disabled) != nil {
		t.Error("a disabled view is exposed")
	}
}

func TestIngressRules(t *testing.T) {
	r := shop(func(e *apiv1.ExposeSpec) {
		e.Ingress = &apiv1.IngressExposure{PreviewHost: "preview.example.com", TLSSecretName: "tls"}
	})
	ing := Ingress(r)
	if len(ing.Spec.Rules) != 2 || ing.Spec.Rules[0].Host != nil || *ing.Spec.Rules[1].Host != "preview.example.com" {
		t.Fatalf("rules %+v, want a catch-all to the stable Service and the preview host", ing.Spec.Rules)
	}
	if b := ing.Spec.Rules[1].HTTP.Paths[0].Backend.Service; *b.Name != "shop-view-preview" || *b.Port.Number != 3000 {
		t.Errorf("preview backend %s:%d", *b.Name, *b.Port.Number)
	}
	if p := ing.Spec.Rules[0].HTTP.Paths[0]; *p.Path != "/" || *p.PathType != networkingv1.PathTypePrefix {
		t.Errorf("path %s %s, want the prefix /", *p.Path, *p.PathType)
	}
	if tls := ing.Spec.TLS[0]; !slices.Equal(tls.Hosts, []string{"preview.example.com"}) || *tls.SecretName != "tls" {
		t.Errorf("TLS %v %s", tls.Hosts, *tls.SecretName)
	}
	if ing.Spec.IngressClassName != nil {
		t.Error("a class name the spec did not set")
	}
}

// parentStatus is one status.parents entry as a Gateway writes it.
func parentStatus(section string, generation int64, conds ...map[string]any) map[string]any {
	ref := map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "public", "namespace": "infra"}
	if section != "" {
		ref["sectionName"] = section
	}
	list := make([]any, 0, len(conds))
	for _, c := range conds {
		c = maps.Clone(c)
		c["observedGeneration"] = generation
		list = append(list, c)
	}
	return map[string]any{"parentRef": ref, "controllerName": "example.net/gw", "conditions": list}
}

func cond(t, status, reason, message string) map[string]any {
	return map[string]any{"type": t, "status": status, "reason": reason, "message": message}
}

func TestRouteVerdict(t *testing.T) {
	route := func(generation int64, parents ...any) *unstructured.Unstructured {
		u := Routes(shop(gateway))[0]
		u.SetGeneration(generation)
		if len(parents) > 0 {
			u.Object["status"] = map[string]any{"parents": parents}
		}
		return u
	}
	accepted := cond("Accepted", "True", "Accepted", "")
	resolved := cond("ResolvedRefs", "True", "ResolvedRefs", "")
	cases := []struct {
		name   string
		route  *unstructured.Unstructured
		ok     bool
		status metav1.ConditionStatus
		reason string
		text   string
	}{
		{"no Gateway answered yet", route(1), false, metav1.ConditionUnknown, apiv1.ReasonWaitingForGateway, "infra/public/web"},
		{"accepted", route(2, parentStatus("web", 2, accepted, resolved)), true, "", "", ""},
		{"accepted an older generation: waits for this one", route(3, parentStatus("web", 2, accepted, resolved)),
			false, metav1.ConditionUnknown, apiv1.ReasonWaitingForGateway, ""},
		{"another listener's answer is not this one's", route(1, parentStatus("other", 1, accepted)),
			false, metav1.ConditionUnknown, apiv1.ReasonWaitingForGateway, ""},
		{"refused: the Gateway's own reason", route(1, parentStatus("web", 1,
			cond("Accepted", "False", "NoMatchingListenerHostname", "no listener matches shop.example.com"))),
			false, metav1.ConditionFalse, "NoMatchingListenerHostname", "no listener matches shop.example.com"},
		{"accepted, backend not resolved", route(1, parentStatus("web", 1, accepted,
			cond("ResolvedRefs", "False", "BackendNotFound", "Service shop-view not found"))),
			false, metav1.ConditionFalse, "BackendNotFound", "Service shop-view not found"},
		{"two controllers: a refusal wins", route(1, parentStatus("web", 1, accepted),
			parentStatus("web", 1, cond("Accepted", "False", "NotAllowedByListeners", "namespace not allowed"))),
			false, metav1.ConditionFalse, "NotAllowedByListeners", ""},
	}
	for _, c := range cases {
		v, ok := RouteVerdict(c.route)
		if ok != c.ok || v.Status != c.status || v.Reason != c.reason || !strings.Contains(v.Message, c.text) {
			t.Errorf("%s: ok %v, %s %s %q", c.name, ok, v.Status, v.Reason, v.Message)
		}
	}
}

func TestURLs(t *testing.T) {
	r := shop(func(e *apiv1.ExposeSpec) {
		gateway(e)
		e.Ingress = &apiv1.IngressExposure{Path: "/"}
		e.Service = &apiv1.ServiceExposure{Type: corev1.ServiceTypeLoadBalancer}
	})
	src := Sources{
		Listeners: map[string][]Listener{"infra/public": {{Name: "plain", Protocol: "HTTP", Port: 80}, {Name: "web", Protocol: "HTTPS", Port: 8443}}},
		Ingress: &networkingv1.Ingress{Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{
			Ingress: []networkingv1.IngressLoadBalancerIngress{{IP: "198.51.100.4"}}}}},
		Service: &corev1.Service{Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{
			Ingress: []corev1.LoadBalancerIngress{{IP: "2001:db8::7"}}}}},
	}
	got := URLs(r, src)
	wantStable := []string{"https://shop.example.com:8443/api", "http://198.51.100.4/", "http://[2001:db8::7]:3000/"}
	if !slices.Equal(got.Stable, wantStable) {
		t.Errorf("stable %v, want %v (the wildcard hostname is no URL)", got.Stable, wantStable)
	}
	if !slices.Equal(got.Preview, []string{"https://preview.shop.example.com:8443/api"}) {
		t.Errorf("preview %v", got.Preview)
	}

	By := func(listeners []Listener) string {
		return URLs(shop(gateway), Sources{Listeners: map[string][]Listener{"infra/public": listeners}}).Stable[0]
	}
	if u := By(nil); u != "http://shop.example.com/api" {
		t.Errorf("a Gateway that cannot be read: %s, want http without a port", u)
	}
	if u := By([]Listener{{Name: "web", Protocol: "HTTPS", Port: 443}}); u != "https://shop.example.com/api" {
		t.Errorf("HTTPS on 443: %s", u)
	}
	if u := By([]Listener{{Name: "web", Protocol: "HTTP", Port: 8080}}); u != "http://shop.example.com:8080/api" {
		t.Errorf("HTTP on 8080: %s", u)
	}

	pending := shop(func(e *apiv1.ExposeSpec) { e.Service = &apiv1.ServiceExposure{Type: corev1.ServiceTypeLoadBalancer} })
	if u := URLs(pending, Sources{Service: &corev1.Service{}}); u != nil {
		t.Errorf("a LoadBalancer without an address has URLs %v", u)
	}
}

func TestJudge(t *testing.T) {
	r := shop(func(e *apiv1.ExposeSpec) {
		gateway(e)
		e.Service = &apiv1.ServiceExposure{Type: corev1.ServiceTypeLoadBalancer}
	})
	lb := &corev1.Service{Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{
		Ingress: []corev1.LoadBalancerIngress{{Hostname: "lb.example.net"}}}}}
	accepted := func(name string) *unstructured.Unstructured {
		for _, u := range Routes(r) {
			if u.GetName() == name {
				u.SetGeneration(1)
				u.Object["status"] = map[string]any{"parents": []any{parentStatus("web", 1, cond("Accepted", "True", "Accepted", ""))}}
				return u
			}
		}
		return nil
	}
	live := map[string]*unstructured.Unstructured{"shop-view": accepted("shop-view"), "shop-view-preview": accepted("shop-view-preview")}
	cases := []struct {
		name   string
		routes scope.Optional
		svc    *corev1.Service
		status metav1.ConditionStatus
		reason string
	}{
		{"no Gateway API", scope.Optional{Checked: true}, lb, metav1.ConditionFalse, apiv1.ReasonGatewayAPINotInstalled},
		{"a route's name taken", scope.Optional{Checked: true, Installed: true, Taken: []string{"shop-view"}, Live: live},
			lb, metav1.ConditionFalse, apiv1.ReasonExposureNameConflict},
		{"a route that could not be written", scope.Optional{Checked: true, Installed: true, Live: map[string]*unstructured.Unstructured{
			"shop-view-preview": live["shop-view-preview"]}}, lb, metav1.ConditionFalse, apiv1.ReasonReconcileFailed},
		{"routes just written", scope.Optional{Checked: true, Installed: true, Live: live, Written: map[string]bool{"shop-view": true}},
			lb, metav1.ConditionUnknown, apiv1.ReasonWaitingForGateway},
		{"accepted, no address yet", scope.Optional{Checked: true, Installed: true, Live: live}, &corev1.Service{},
			metav1.ConditionUnknown, apiv1.ReasonWaitingForAddress},
		{"all in place", scope.Optional{Checked: true, Installed: true, Live: live}, lb, metav1.ConditionTrue, apiv1.ReasonExposureReady},
	}
	for _, c := range cases {
		v := judge(r, c.routes, Sources{Service: c.svc})
		if v.Status != c.status || v.Reason != c.reason {
			t.Errorf("%s: %s %s %q, want %s %s", c.name, v.Status, v.Reason, v.Message, c.status, c.reason)
		}
	}
}

// Changing how the view is reached ships no new revision: no pod changes.
func TestExposureIsNotPartOfTheRevision(t *testing.T) {
	plain := shop(func(*apiv1.ExposeSpec) {})
	plain.Spec.View.Expose = nil
	exposed := shop(func(e *apiv1.ExposeSpec) {
		gateway(e)
		e.Service = &apiv1.ServiceExposure{Type: corev1.ServiceTypeLoadBalancer}
	})
	if render.Revision(plain) != render.Revision(exposed) {
		t.Error("exposing the view changes the revision: it would start a rollout")
	}
}

// A RestAPI exposed only through an Ingress looks for leftover routes of a
// missing Gateway API once per recheck period, not on every reconcile: each
// look is a discovery request.
func TestAMissingGatewayAPIIsLookedForOncePerRecheck(t *testing.T) {
	x := &Reconciler{}
	ingressOnly := shop(func(e *apiv1.ExposeSpec) { e.Ingress = &apiv1.IngressExposure{Host: "shop.example.com"} })
	w := &scopetest.Writer{}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i, at := range []time.Duration{0, time.Minute, 4 * time.Minute} {
		s := scopetest.Scope(ingressOnly, w, now.Add(at))
		x.Reconcile(t.Context(), s)
		if w.Lookups != 1 {
			t.Fatalf("reconcile %d: %d lookups of the HTTPRoute kind, want 1 in all", i, w.Lookups)
		}
		if c := s.Status.Conditions; len(c) != 1 || c[0].Reason != apiv1.ReasonExposureReady {
			t.Fatalf("reconcile %d: conditions %+v", i, c)
		}
	}
	x.Reconcile(t.Context(), scopetest.Scope(ingressOnly, w, now.Add(scope.OptionalKindRecheck+time.Second)))
	if w.Lookups != 2 {
		t.Errorf("after the recheck period: %d lookups, want 2", w.Lookups)
	}
	// A RestAPI that asks for routes looks every time, to say so.
	gw := shop(gateway)
	before := w.Lookups
	s := scopetest.Scope(gw, w, now.Add(scope.OptionalKindRecheck+2*time.Second))
	x.Reconcile(t.Context(), s)
	if w.Lookups != before+1 || s.Status.Conditions[0].Reason != apiv1.ReasonGatewayAPINotInstalled {
		t.Errorf("a Gateway exposure: %d lookups, condition %+v", w.Lookups-before, s.Status.Conditions)
	}
}
