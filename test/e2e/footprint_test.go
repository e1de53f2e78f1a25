//go:build e2e

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

package e2e

import (
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// footprintKinds are the kinds a RestAPI makes, directly or through the
// cluster's controllers, counted by footprint.
var footprintKinds = []schema.GroupVersionKind{
	{Group: "apps.restapi.dev", Version: "v1alpha1", Kind: "RestAPI"},
	{Group: "apps", Version: "v1", Kind: "Deployment"},
	{Group: "apps", Version: "v1", Kind: "ReplicaSet"},
	{Version: "v1", Kind: "Pod"},
	{Version: "v1", Kind: "ConfigMap"},
	{Version: "v1", Kind: "Service"},
	{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice"},
	{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"},
	{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"},
	{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
	{Version: "v1", Kind: "Event"},
}

// footprint counts, per RestAPI, the objects n RestAPIs left in the
// namespaces, by kind, and the ClusterIPs their Services hold (each one an
// IPAddress object too): the objects etcd stores and the Service IP range
// gives for them (docs/scale.md). Metadata only: the test's own process
// holds the manager whose heap the load spec measures.
func footprint(namespaces []string, n int) string {
	counts := map[string]int{}
	clusterIPs := 0
	for _, ns := range namespaces {
		for _, gvk := range footprintKinds {
			l := &metav1.PartialObjectMetadataList{}
			l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			Expect(k8sClient.List(ctx, l, client.InNamespace(ns))).To(Succeed())
			counts[gvk.Kind] += len(l.Items)
			if gvk.Kind == "ConfigMap" {
				counts[gvk.Kind]-- // kube-root-ca.crt, the cluster's
			}
		}
		var svcs corev1.ServiceList
		Expect(k8sClient.List(ctx, &svcs, client.InNamespace(ns))).To(Succeed())
		for _, s := range svcs.Items {
			if s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone {
				clusterIPs++
			}
		}
	}
	var ips networkingv1.IPAddressList
	Expect(k8sClient.List(ctx, &ips)).To(Succeed())
	addresses := 0
	for _, ip := range ips.Items {
		if ip.Spec.ParentRef != nil && slices.Contains(namespaces, ip.Spec.ParentRef.Namespace) {
			addresses++
		}
	}
	parts := make([]string, 0, len(footprintKinds))
	stored := 0
	for _, gvk := range footprintKinds {
		parts = append(parts, fmt.Sprintf("%s %.1f", gvk.Kind, float64(counts[gvk.Kind])/float64(n)))
		if gvk.Kind != "Event" {
			stored += counts[gvk.Kind]
		}
	}
	return fmt.Sprintf("objects per RestAPI at rest: %s; %.1f in all, Events apart, and %.1f IPAddresses; %.1f ClusterIPs",
		strings.Join(parts, ", "), float64(stored)/float64(n), float64(addresses)/float64(n), float64(clusterIPs)/float64(n))
}
