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

package childcache

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

func TestTrimChildKeepsOnlyTheOperatorsApply(t *testing.T) {
	entry := func(manager string, op metav1.ManagedFieldsOperationType, sub string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, Subresource: sub, FieldsV1: metav1.NewFieldsV1(`{"f:spec":{}}`)}
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", ManagedFields: []metav1.ManagedFieldsEntry{
		entry("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "status"),
		entry(apiv1.ManagedBy, metav1.ManagedFieldsOperationApply, ""),
		entry("restapi-operator-replicas", metav1.ManagedFieldsOperationApply, ""), // the operator's other field owner
		entry(apiv1.ManagedBy, metav1.ManagedFieldsOperationUpdate, ""),
		entry("kubectl", metav1.ManagedFieldsOperationApply, ""),
	}}}
	out, err := trimChild(d)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*appsv1.Deployment).ManagedFields
	if len(got) != 1 || got[0].Manager != apiv1.ManagedBy || got[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Fatalf("kept %+v, want only the operator's apply", got)
	}
	if len(d.ManagedFields) != 1 {
		t.Fatalf("the cached object keeps %d entries", len(d.ManagedFields))
	}
}

func TestTrimRestAPIDropsManagedFieldsAndLastApplied(t *testing.T) {
	r := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Name: "r",
		Annotations:   map[string]string{lastApplied: `{"spec":{}}`, apiv1.AnnotationPromote: "abc"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
	out, err := trimRestAPI(r)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*apiv1.RestAPI)
	if got.ManagedFields != nil {
		t.Fatal("managed fields kept")
	}
	if _, ok := got.Annotations[lastApplied]; ok || got.Annotations[apiv1.AnnotationPromote] != "abc" {
		t.Fatalf("annotations %v: want last-applied gone, requests kept", got.Annotations)
	}
}

// TestOptionsTrimEveryKind proves the transforms are wired: every kind
// the manager caches is trimmed, and the children only with the operator's
// labels.
func TestOptionsTrimEveryKind(t *testing.T) {
	byObject := Options().ByObject
	if len(byObject) != len(Kinds())+1 {
		t.Fatalf("%d kinds cached, want the %d child kinds and RestAPIs", len(byObject), len(Kinds()))
	}
	foreign := []metav1.ManagedFieldsEntry{{Manager: "someone", Operation: metav1.ManagedFieldsOperationUpdate}}
	for obj, o := range byObject {
		kind := fmt.Sprintf("%T", obj)
		if o.Transform == nil {
			t.Errorf("%s: no transform", kind)
			continue
		}
		_, isRestAPI := obj.(*apiv1.RestAPI)
		if !isRestAPI && (o.Label == nil || o.Label.String() != apiv1.LabelManagedBy+"="+apiv1.ManagedBy) {
			t.Errorf("%s: cached with label selector %v", kind, o.Label)
		}
		obj.SetManagedFields(foreign)
		out, err := o.Transform(obj)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.(client.Object).GetManagedFields(); len(got) != 0 {
			t.Errorf("%s: another manager's managed fields kept: %v", kind, got)
		}
	}
}

// TestTrimChildSharesLabels: two children keep one copy of their common
// label keys and values, and the zero-write comparison reads the same from
// them as before.
func TestTrimChildSharesLabels(t *testing.T) {
	a, b := childOf("shop", "0b5a0c9e-1111-4d6a-9a57-0f3c2b1e7d01"), childOf("cart", "0b5a0c9e-2222-4d6a-9a57-0f3c2b1e7d02")
	before, err := appsv1ac.ExtractDeployment(a, apiv1.ManagedBy)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*appsv1.Deployment{a, b} {
		if _, err := trimChild(d); err != nil {
			t.Fatal(err)
		}
	}
	keyOf := func(m map[string]string, key string) *byte {
		for k := range m {
			if k == key {
				return unsafe.StringData(k)
			}
		}
		return nil
	}
	if unsafe.StringData(a.Labels[apiv1.LabelManagedBy]) != unsafe.StringData(b.Labels[apiv1.LabelManagedBy]) {
		t.Error("a label value is held twice")
	}
	if keyOf(a.Labels, apiv1.LabelInstance) != keyOf(b.Labels, apiv1.LabelInstance) {
		t.Error("a label key is held twice")
	}
	if unsafe.StringData(a.Labels[apiv1.LabelManagedBy]) != unsafe.StringData(a.Spec.Template.Labels[apiv1.LabelManagedBy]) {
		t.Error("template label value held apart from the Deployment's own")
	}
	read := a.DeepCopy() // as the cache hands it out
	Restore(read)
	after, err := appsv1ac.ExtractDeployment(read, apiv1.ManagedBy)
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(before, after) {
		t.Fatalf("the extracted apply changed:\nbefore %+v\nafter  %+v", before, after)
	}
	if a.Labels[apiv1.LabelInstance] != "shop" || b.Labels[apiv1.LabelInstance] != "cart" {
		t.Fatalf("labels changed: %v %v", a.Labels, b.Labels)
	}
}

// TestShareSetStartsAgainWhenFull: past the bound the set starts again
// empty; a copy handed out before stays what it was.
func TestShareSetStartsAgainWhenFull(t *testing.T) {
	s := newShareSet(2, func(a, b string) bool { return a == b }, func(string) int { return 1 })
	share := func(hash uint64, v string) string { return s.share(hash, v, func() string { return v }) }
	x := strings.Clone("x")
	share(1, x)
	if got := share(1, strings.Clone("x")); unsafe.StringData(got) != unsafe.StringData(x) {
		t.Fatal("a string added before the bound is not shared")
	}
	other := strings.Clone("not x")
	if got := share(1, other); got != "not x" || unsafe.StringData(got) != unsafe.StringData(other) {
		t.Fatalf("another string with the same hash: got %q, want it kept as it is", got)
	}
	share(2, "y")
	z := strings.Clone("z")
	if got := share(3, z); unsafe.StringData(got) != unsafe.StringData(z) || s.len() != 1 {
		t.Fatalf("past the bound: %d kept, want only the new one", s.len())
	}
	if got := share(3, strings.Clone("z")); unsafe.StringData(got) != unsafe.StringData(z) {
		t.Fatal("the new generation does not share")
	}
}

// childOf is a cached child as the API server sends it: a fresh copy of
// everything, owned by the RestAPI of that UID.
func childOf(instance string, uid types.UID) *appsv1.Deployment {
	fields := `{"f:metadata":{"f:labels":{"f:app.kubernetes.io/instance":{}},"f:ownerReferences":{"k:{\"uid\":\"` + string(uid) +
		`\"}":{}}},"f:spec":{"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"model\"}":{".":{},"f:image":{},"f:name":{}}}}}}}`
	labels := func() map[string]string {
		return map[string]string{strings.Clone(apiv1.LabelInstance): strings.Clone(instance), strings.Clone(apiv1.LabelManagedBy): strings.Clone(apiv1.ManagedBy)}
	}
	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: instance + "-model-blue", Namespace: strings.Clone("shop"), Labels: labels(),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: apiv1.GroupVersion.String(), Kind: "RestAPI", Name: strings.Clone(instance),
				UID: types.UID(strings.Clone(string(uid))), Controller: new(true), BlockOwnerDeletion: new(true)}},
			ManagedFields: []metav1.ManagedFieldsEntry{{
				Manager: apiv1.ManagedBy, Operation: metav1.ManagedFieldsOperationApply, APIVersion: "apps/v1",
				FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields),
			}}},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels()},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "model", Image: "registry.example/shop:1"}}},
			},
		},
	}
}

// TestTrimChildSharesFieldSets: children of two RestAPIs of the same shape
// hold one copy of the operator's field set; read back from the cache (a
// deep copy, restoreOwner), each extracts what it did before, its own
// owner reference included.
func TestTrimChildSharesFieldSets(t *testing.T) {
	a, b := childOf("shop", "0b5a0c9e-1111-4d6a-9a57-0f3c2b1e7d01"), childOf("cart", "0b5a0c9e-2222-4d6a-9a57-0f3c2b1e7d02")
	want := map[*appsv1.Deployment]*appsv1ac.DeploymentApplyConfiguration{}
	for _, d := range []*appsv1.Deployment{a, b} {
		ac, err := appsv1ac.ExtractDeployment(d, apiv1.ManagedBy)
		if err != nil {
			t.Fatal(err)
		}
		if len(ac.OwnerReferences) != 1 {
			t.Fatalf("the test's field set owns %d owner references", len(ac.OwnerReferences))
		}
		want[d] = ac
		if _, err := trimChild(d); err != nil {
			t.Fatal(err)
		}
	}
	if a.ManagedFields[0].FieldsV1 != b.ManagedFields[0].FieldsV1 {
		t.Fatal("the field sets of two children of the same shape are held twice")
	}
	for d, before := range want {
		read := d.DeepCopy()
		Restore(read)
		after, err := appsv1ac.ExtractDeployment(read, apiv1.ManagedBy)
		if err != nil {
			t.Fatal(err)
		}
		if !equality.Semantic.DeepEqual(before, after) {
			t.Fatalf("%s: the extracted apply changed:\nbefore %+v\nafter  %+v", d.Name, before, after)
		}
	}
	if !bytes.Contains(a.ManagedFields[0].FieldsV1.GetRawBytes(), ownerPlaceholder) {
		t.Fatal("restoreOwner wrote to the cached copy")
	}
}

// TestTrimChildSharesMetadata: children of one RestAPI hold one label map
// and one owner reference list; the Deployment's selector and template
// labels are that same map.
func TestTrimChildSharesMetadata(t *testing.T) {
	a, b := childOf("shop", "0b5a0c9e-1111-4d6a-9a57-0f3c2b1e7d01"), childOf("shop", "0b5a0c9e-1111-4d6a-9a57-0f3c2b1e7d01")
	b.Name = "shop-view-blue"
	for _, d := range []*appsv1.Deployment{a, b} {
		if _, err := trimChild(d); err != nil {
			t.Fatal(err)
		}
	}
	same := func(x, y map[string]string) bool {
		return reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	}
	if !same(a.Labels, b.Labels) || !same(a.Labels, a.Spec.Selector.MatchLabels) || !same(a.Labels, b.Spec.Template.Labels) {
		t.Error("equal label maps are held apart")
	}
	if &a.OwnerReferences[0] != &b.OwnerReferences[0] {
		t.Error("equal owner references are held apart")
	}
	if unsafe.StringData(a.Namespace) != unsafe.StringData(b.Namespace) {
		t.Error("the namespace is held twice")
	}
	c := childOf("cart", "0b5a0c9e-2222-4d6a-9a57-0f3c2b1e7d02")
	if _, err := trimChild(c); err != nil {
		t.Fatal(err)
	}
	if same(a.Labels, c.Labels) || c.Labels[apiv1.LabelInstance] != "cart" || c.OwnerReferences[0].Name != "cart" {
		t.Fatalf("another RestAPI's child shares its labels or owner: %v %v", c.Labels, c.OwnerReferences)
	}
}

// TestTrimChildSharesSpecs: equal requests and limits, and equal selectors
// of NetworkPolicies, are held once; an HPA keeps the replicas status
// reports and nothing else of its status.
func TestTrimChildSharesSpecs(t *testing.T) {
	resources := func() corev1.ResourceRequirements {
		return corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		}
	}
	a, b := childOf("shop", "0b5a0c9e-1111-4d6a-9a57-0f3c2b1e7d01"), childOf("cart", "0b5a0c9e-2222-4d6a-9a57-0f3c2b1e7d02")
	a.Spec.Template.Spec.Containers[0].Resources = resources()
	b.Spec.Template.Spec.Containers[0].Resources = resources()
	c := childOf("big", "0b5a0c9e-3333-4d6a-9a57-0f3c2b1e7d03")
	c.Spec.Template.Spec.Containers[0].Resources = resources()
	c.Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory] = resource.MustParse("1Gi")
	for _, d := range []*appsv1.Deployment{a, b, c} {
		if _, err := trimChild(d); err != nil {
			t.Fatal(err)
		}
	}
	same := func(x, y corev1.ResourceList) bool {
		return reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	}
	ra, rb, rc := a.Spec.Template.Spec.Containers[0].Resources, b.Spec.Template.Spec.Containers[0].Resources, c.Spec.Template.Spec.Containers[0].Resources
	if !same(ra.Requests, rb.Requests) || !same(ra.Limits, rb.Limits) || !same(ra.Requests, rc.Requests) {
		t.Error("equal requests or limits are held apart")
	}
	if same(ra.Limits, rc.Limits) || rc.Limits.Memory().String() != "1Gi" {
		t.Errorf("different limits shared: %v", rc.Limits)
	}

	conditions := func() []appsv1.DeploymentCondition {
		return []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: strings.Clone("MinimumReplicasAvailable")}}
	}
	a.Status.Conditions, b.Status.Conditions = conditions(), conditions()
	data := func() map[string]string { return map[string]string{"LOG_LEVEL": strings.Clone("info")} }
	cmA := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "shop-model-blue"}, Data: data()}
	cmB := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "shop-model-green"}, Data: data()}
	for _, o := range []client.Object{a, b, cmA, cmB} {
		if _, err := trimChild(o); err != nil {
			t.Fatal(err)
		}
	}
	if unsafe.StringData(a.Status.Conditions[0].Reason) != unsafe.StringData(b.Status.Conditions[0].Reason) {
		t.Error("a Deployment condition's reason is held twice")
	}
	if reflect.ValueOf(cmA.Data).UnsafePointer() != reflect.ValueOf(cmB.Data).UnsafePointer() || cmB.Data["LOG_LEVEL"] != "info" {
		t.Error("two ConfigMaps with the same data hold it twice")
	}

	policy := func(instance string) *networkingv1.NetworkPolicy {
		sel := func() *metav1.LabelSelector {
			return &metav1.LabelSelector{MatchLabels: map[string]string{strings.Clone(apiv1.LabelInstance): strings.Clone(instance)}}
		}
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: instance + "-model"}, Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *sel(),
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: sel()}}}},
		}}
	}
	np := policy("shop")
	if _, err := trimChild(np); err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(np.Spec.PodSelector.MatchLabels).UnsafePointer() != reflect.ValueOf(np.Spec.Ingress[0].From[0].PodSelector.MatchLabels).UnsafePointer() {
		t.Error("a NetworkPolicy's equal selectors are held apart")
	}

	hpa := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "shop-model"}, Status: autoscalingv2.HorizontalPodAutoscalerStatus{
		CurrentReplicas: 3, DesiredReplicas: 4,
		Conditions:     []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.ScalingActive, Message: "the HPA was able to compute the replica count"}},
		CurrentMetrics: []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType}},
	}}
	if _, err := trimChild(hpa); err != nil {
		t.Fatal(err)
	}
	// What status reports of an HPA (the replicas) stays; what nothing reads goes.
	if st := hpa.Status; st.CurrentReplicas != 3 || st.DesiredReplicas != 4 || hpa.Status.Conditions != nil || hpa.Status.CurrentMetrics != nil {
		t.Fatalf("HPA status after trimming: %+v", hpa.Status)
	}
}

// TestTrimServiceDropsOnlyWhatTheOperatorNeverSets: the fields the API
// server fills in are dropped from cached Services, and no Service the
// operator renders sets any of them (else its field set would name a field
// the cache no longer holds, and every comparison would differ).
func TestTrimServiceDropsOnlyWhatTheOperatorNeverSets(t *testing.T) {
	for _, ac := range render.Services(&apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "api"}, Spec: apiv1.RestAPISpec{Image: "registry.example/shop:1.0.0"}}, apiv1.EnvironmentBlue, apiv1.EnvironmentGreen, true) {
		s := ac.Spec
		if s.ClusterIP != nil || len(s.ClusterIPs) > 0 || len(s.IPFamilies) > 0 || s.IPFamilyPolicy != nil || s.SessionAffinity != nil || s.InternalTrafficPolicy != nil {
			t.Fatalf("%s: the operator sets a field the cache drops: %+v", *ac.Name, s)
		}
	}
	single, cluster := corev1.IPFamilyPolicySingleStack, corev1.ServiceInternalTrafficPolicyCluster
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "api-model"}, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeClusterIP, Selector: map[string]string{"a": "b"}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}},
		ClusterIP: "10.0.0.7", ClusterIPs: []string{"10.0.0.7"}, IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
		IPFamilyPolicy: &single, SessionAffinity: corev1.ServiceAffinityNone, InternalTrafficPolicy: &cluster,
	}}
	if _, err := trimChild(svc); err != nil {
		t.Fatal(err)
	}
	want := corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Selector: map[string]string{"a": "b"}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}
	if !equality.Semantic.DeepEqual(svc.Spec, want) {
		t.Fatalf("cached Service spec %+v, want %+v", svc.Spec, want)
	}
}
