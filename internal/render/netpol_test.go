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

package render

import (
	"maps"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// peerKind says what a rule lets in: "app" (the RestAPI's own pods),
// "metrics" (namespaces by selector), "anyone" (no from).
func peerKind(rule networkingv1ac.NetworkPolicyIngressRuleApplyConfiguration) string {
	switch {
	case len(rule.From) == 0:
		return "anyone"
	case rule.From[0].PodSelector != nil:
		return "app"
	case rule.From[0].NamespaceSelector != nil:
		return "metrics"
	}
	return "?"
}

func TestNetworkPolicies(t *testing.T) {
	r := baseRestAPI()
	policies := NetworkPolicies(r, "")
	if len(policies) != 4 {
		t.Fatalf("%d policies, want one per component", len(policies))
	}
	ports := map[string]int32{"shop-model": 8080, "shop-view": 3000, "shop-controller": 8081, "shop-repository": 8082}
	for _, p := range policies {
		name := *p.Name
		if p.Spec.PolicyTypes[0] != networkingv1.PolicyTypeIngress || len(p.Spec.PolicyTypes) != 1 {
			t.Errorf("%s: policy types %v", name, p.Spec.PolicyTypes)
		}
		comp := p.Labels[apiv1.LabelComponent]
		if p.Spec.PodSelector.MatchLabels[apiv1.LabelComponent] != comp || p.Spec.PodSelector.MatchLabels[apiv1.LabelInstance] != "shop" ||
			p.Spec.PodSelector.MatchLabels[apiv1.LabelEnvironment] != "" {
			t.Errorf("%s: selects %v, want the component's pods of every colour", name, p.Spec.PodSelector.MatchLabels)
		}
		kinds := map[string]bool{}
		for _, rule := range p.Spec.Ingress {
			kinds[peerKind(rule)] = true
			if len(rule.Ports) != 1 || rule.Ports[0].Port.IntVal != ports[name] {
				t.Errorf("%s: rule ports %v, want only %d", name, rule.Ports, ports[name])
			}
		}
		wantAnyone := comp == string(apiv1.ComponentView)
		if !kinds["app"] || !kinds["metrics"] || kinds["anyone"] != wantAnyone {
			t.Errorf("%s: lets in %v; only view is open to anyone", name, kinds)
		}
		for _, rule := range p.Spec.Ingress {
			if peerKind(rule) == "app" && rule.From[0].PodSelector.MatchLabels[apiv1.LabelInstance] != "shop" {
				t.Errorf("%s: app rule selects %v", name, rule.From[0].PodSelector.MatchLabels)
			}
			if peerKind(rule) == "metrics" && rule.From[0].NamespaceSelector.MatchLabels["metrics"] != "enabled" {
				t.Errorf("%s: default metrics namespaces %v", name, rule.From[0].NamespaceSelector.MatchLabels)
			}
		}
	}

	r.Spec.NetworkPolicy.MetricsNamespaceSelector = &metav1.LabelSelector{
		MatchLabels:      map[string]string{"team": "obs"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod"}}},
	}
	for _, rule := range NetworkPolicies(r, "")[0].Spec.Ingress {
		if peerKind(rule) == "metrics" {
			sel := rule.From[0].NamespaceSelector
			if sel.MatchLabels["team"] != "obs" || len(sel.MatchExpressions) != 1 || sel.MatchExpressions[0].Values[0] != "prod" {
				t.Errorf("metrics selector %+v", sel)
			}
		}
	}

	r.Spec.View.Enabled = new(false)
	if n := len(NetworkPolicies(r, "")); n != 3 {
		t.Errorf("%d policies with view disabled", n)
	}
	r.Spec.NetworkPolicy.Enabled = new(false)
	if NetworkPolicies(r, "") != nil {
		t.Error("policies while disabled")
	}
}

func TestViewIngressFromOnlyTheNamedSources(t *testing.T) {
	r := baseRestAPI()
	r.Spec.NetworkPolicy.IngressFrom = []networkingv1.NetworkPolicyPeer{
		{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "gateways"}}},
		{IPBlock: &networkingv1.IPBlock{CIDR: "203.0.113.0/24", Except: []string{"203.0.113.9/32"}}},
	}
	for _, p := range NetworkPolicies(r, "") {
		last := p.Spec.Ingress[len(p.Spec.Ingress)-1]
		if *p.Name != "shop-view" {
			if peerKind(last) == "anyone" || len(last.From) == 2 && last.From[1].IPBlock != nil {
				t.Errorf("%s admits the view's sources: %+v", *p.Name, last)
			}
			continue
		}
		if len(last.From) != 2 {
			t.Fatalf("view: the last rule admits %d sources, want the 2 named", len(last.From))
		}
		if got := last.From[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]; got != "gateways" {
			t.Errorf("view: first source selects namespace %q, want gateways", got)
		}
		if b := last.From[1].IPBlock; b == nil || *b.CIDR != "203.0.113.0/24" || len(b.Except) != 1 {
			t.Errorf("view: second source %+v, want the ipBlock", last.From[1])
		}
		if last.Ports[0].Port.IntValue() != 3000 {
			t.Errorf("view: port %v, want 3000", last.Ports[0].Port)
		}
	}
}

func TestTheOperatorNamespaceIsAdmittedWhereHTTPChecksMeasureAndNowhereElse(t *testing.T) {
	r := baseRestAPI()
	r.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{
		PrePromotion: []apiv1.AnalysisCheck{
			{Name: "smoke", HTTP: &apiv1.HTTPCheck{}}, // view, by default
			{Name: "errors", Components: []apiv1.ComponentName{apiv1.ComponentModel}, Prometheus: &apiv1.PrometheusCheck{}}, // no request to model
		},
		PostPromotion: []apiv1.AnalysisCheck{{Name: "api", Components: []apiv1.ComponentName{apiv1.ComponentController}, HTTP: &apiv1.HTTPCheck{}}},
	}
	admits := func(p *networkingv1ac.NetworkPolicyApplyConfiguration) bool {
		for _, rule := range p.Spec.Ingress {
			for _, from := range rule.From {
				if from.NamespaceSelector != nil && from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "restapi-system" {
					if from.PodSelector != nil || len(rule.Ports) != 1 {
						t.Errorf("%s admits more than the operator's namespace on one port: %+v", *p.Name, rule)
					}
					return true
				}
			}
		}
		return false
	}
	got := map[string]bool{}
	for _, p := range NetworkPolicies(r, "restapi-system") {
		got[*p.Name] = admits(p)
	}
	want := map[string]bool{"shop-view": true, "shop-controller": true, "shop-model": false, "shop-repository": false}
	if !maps.Equal(got, want) {
		t.Errorf("admitted: %v, want %v", got, want)
	}
	for _, p := range NetworkPolicies(r, "") {
		if admits(p) {
			t.Errorf("%s admits a namespace while the operator's is unknown", *p.Name)
		}
	}
}

func TestAMetricsPortOfItsOwnIsAllTheMetricsNamespacesReach(t *testing.T) {
	r := baseRestAPI()
	r.Spec.Observability.Metrics.Port = new(int32(9090))
	for _, p := range NetworkPolicies(r, "") {
		for _, rule := range p.Spec.Ingress {
			if peerKind(rule) != "metrics" {
				continue
			}
			if got := rule.Ports[0].Port.IntValue(); got != 9090 {
				t.Errorf("%s admits the metrics namespaces on %d, want the metrics port 9090 only", *p.Name, got)
			}
		}
	}
	for _, c := range Desired(r, apiv1.EnvironmentBlue) {
		tmpl := c.Deployment.Spec.Template
		ports := tmpl.Spec.Containers[0].Ports
		if len(ports) != 2 || *ports[1].Name != MetricsPortName || *ports[1].ContainerPort != 9090 {
			t.Errorf("%s: container ports %v, want http and metrics 9090", c.Settings.Name, ports)
		}
		if tmpl.Annotations["prometheus.io/port"] != "9090" || c.ConfigMap.Data["METRICS_PORT"] != "9090" {
			t.Errorf("%s: scrape annotation %q, METRICS_PORT %q", c.Settings.Name, tmpl.Annotations["prometheus.io/port"], c.ConfigMap.Data["METRICS_PORT"])
		}
	}
	spec := PodMonitor(r, apiv1.ComponentModel).Object["spec"].(map[string]any)
	if port := spec["podMetricsEndpoints"].([]any)[0].(map[string]any)["port"]; port != MetricsPortName {
		t.Errorf("PodMonitor scrapes port %v, want %s", port, MetricsPortName)
	}

	// Without it: on the application's port, and the pod template, hence
	// the revision, is what it was.
	plain := baseRestAPI()
	for _, c := range Desired(plain, apiv1.EnvironmentBlue) {
		if n := len(c.Deployment.Spec.Template.Spec.Containers[0].Ports); n != 1 {
			t.Errorf("%s: %d container ports without a metrics port", c.Settings.Name, n)
		}
		if _, ok := c.ConfigMap.Data["METRICS_PORT"]; ok {
			t.Errorf("%s: METRICS_PORT without a metrics port", c.Settings.Name)
		}
	}
}
