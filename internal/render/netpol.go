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
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// DefaultMetricsNamespaceLabel is the label that, by default, lets a
// namespace's pods scrape every component's port (metrics=enabled).
var DefaultMetricsNamespaceLabel = map[string]string{"metrics": "enabled"}

// NetworkPoliciesEnabled reports whether spec.networkPolicy is on (the default).
func NetworkPoliciesEnabled(r *apiv1.RestAPI) bool {
	return r.Spec.NetworkPolicy.IsEnabled()
}

// NetworkPolicies renders one ingress NetworkPolicy per enabled component,
// named like its stable Service and selecting its pods of every colour.
// Selecting them denies every other ingress; each policy then lets in:
//   - the pods of the same RestAPI, on the component's port;
//   - for view only, on view's port, anyone (the application's entry point),
//     or only the sources spec.networkPolicy.ingressFrom names;
//   - pods in the namespaces spec.networkPolicy.metricsNamespaceSelector
//     selects (default: labelled metrics=enabled), for scraping: on the
//     metrics port (spec.observability.metrics.port) when set, else on the
//     component's port, which opens its whole API to them;
//   - for a component an HTTP analysis check measures
//     (spec.blueGreen.analysis), the operator's namespace, on the
//     component's port: the manager sends the checks' requests. Nothing when
//     operatorNamespace is unknown ("": a manager outside the cluster).
//
// Egress is not restricted. Nil when spec.networkPolicy.enabled is false.
func NetworkPolicies(r *apiv1.RestAPI, operatorNamespace string) []*networkingv1ac.NetworkPolicyApplyConfiguration {
	if !NetworkPoliciesEnabled(r) {
		return nil
	}
	metricsNS := metav1ac.LabelSelector().WithMatchLabels(DefaultMetricsNamespaceLabel)
	if sel := r.Spec.NetworkPolicy.MetricsNamespaceSelector; sel != nil {
		metricsNS = labelSelector(sel)
	}
	var out []*networkingv1ac.NetworkPolicyApplyConfiguration
	for _, c := range r.Spec.Components() {
		if !c.IsEnabled() {
			continue
		}
		port := func() *networkingv1ac.NetworkPolicyPortApplyConfiguration {
			return networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(intstr.FromInt32(c.Port))
		}
		rules := []*networkingv1ac.NetworkPolicyIngressRuleApplyConfiguration{
			networkingv1ac.NetworkPolicyIngressRule().
				WithFrom(networkingv1ac.NetworkPolicyPeer().
					WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{apiv1.LabelInstance: r.Name, apiv1.LabelManagedBy: apiv1.ManagedBy}))).
				WithPorts(port()),
			networkingv1ac.NetworkPolicyIngressRule().
				WithFrom(networkingv1ac.NetworkPolicyPeer().WithNamespaceSelector(metricsNS)).
				WithPorts(networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).
					WithPort(intstr.FromInt32(MetricsPort(r, c.Port)))),
		}
		if operatorNamespace != "" && httpChecked(r, c.Name) {
			rules = append(rules, networkingv1ac.NetworkPolicyIngressRule().
				WithFrom(networkingv1ac.NetworkPolicyPeer().WithNamespaceSelector(
					metav1ac.LabelSelector().WithMatchLabels(map[string]string{corev1.LabelMetadataName: operatorNamespace}))).
				WithPorts(port()))
		}
		if c.Name == apiv1.ComponentView {
			// No "from": every source, inside the cluster or not; or only
			// the sources spec.networkPolicy.ingressFrom names (a gateway's
			// namespace).
			entry := networkingv1ac.NetworkPolicyIngressRule().WithPorts(port())
			for _, p := range r.Spec.NetworkPolicy.IngressFrom {
				entry.WithFrom(peer(p))
			}
			rules = append(rules, entry)
		}
		out = append(out, networkingv1ac.NetworkPolicy(ChildName(r, c.Name), r.Namespace).
			WithLabels(Labels(r, c.Name, "")).
			WithOwnerReferences(OwnerReference(r)).
			WithSpec(networkingv1ac.NetworkPolicySpec().
				WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(SelectorLabels(r, c.Name, ""))).
				WithPolicyTypes(networkingv1.PolicyTypeIngress).
				WithIngress(rules...)))
	}
	return out
}

// peer converts a NetworkPolicy peer to its apply configuration.
func peer(p networkingv1.NetworkPolicyPeer) *networkingv1ac.NetworkPolicyPeerApplyConfiguration {
	out := networkingv1ac.NetworkPolicyPeer()
	if p.PodSelector != nil {
		out.WithPodSelector(labelSelector(p.PodSelector))
	}
	if p.NamespaceSelector != nil {
		out.WithNamespaceSelector(labelSelector(p.NamespaceSelector))
	}
	if b := p.IPBlock; b != nil {
		out.WithIPBlock(networkingv1ac.IPBlock().WithCIDR(b.CIDR).WithExcept(b.Except...))
	}
	return out
}

// labelSelector converts a label selector to its apply configuration.
func labelSelector(s *metav1.LabelSelector) *metav1ac.LabelSelectorApplyConfiguration {
	out := metav1ac.LabelSelector()
	if s.MatchLabels != nil {
		out.WithMatchLabels(s.MatchLabels)
	}
	for _, e := range s.MatchExpressions {
		out.WithMatchExpressions(metav1ac.LabelSelectorRequirement().
			WithKey(e.Key).WithOperator(e.Operator).WithValues(e.Values...))
	}
	return out
}

// httpChecked: an HTTP check of spec.blueGreen.analysis measures the
// component, before or after a switch.
func httpChecked(r *apiv1.RestAPI, name apiv1.ComponentName) bool {
	a := r.Spec.BlueGreen.Analysis
	for _, phase := range []apiv1.AnalysisPhase{apiv1.AnalysisPrePromotion, apiv1.AnalysisPostPromotion} {
		for _, c := range a.Checks(phase) {
			if c.HTTP != nil && slices.Contains(c.ComponentsOf(), name) {
				return true
			}
		}
	}
	return false
}
