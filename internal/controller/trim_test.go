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

package controller

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

func TestTrimChildKeepsOnlyTheOperatorsApply(t *testing.T) {
	entry := func(manager string, op metav1.ManagedFieldsOperationType, sub string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, Subresource: sub, FieldsV1: metav1.NewFieldsV1(`{"f:spec":{}}`)}
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", ManagedFields: []metav1.ManagedFieldsEntry{
		entry("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "status"),
		entry(apiv1.ManagedBy, metav1.ManagedFieldsOperationApply, ""),
		entry(ReplicasFieldOwner, metav1.ManagedFieldsOperationApply, ""),
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

func TestTrimPodKeepsMetadataAndStatus(t *testing.T) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "b"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i", Env: []corev1.EnvVar{{Name: "X", Value: "y"}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "c", RestartCount: 3}}},
	}
	out, err := trimPod(p)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.Pod)
	if got.ManagedFields != nil || len(got.Spec.Containers) != 0 {
		t.Fatalf("managed fields or spec kept: %+v", got)
	}
	if got.Labels["a"] != "b" || got.Status.ContainerStatuses[0].RestartCount != 3 || podHealthKey(got) == "" {
		t.Fatalf("labels or status lost: %+v", got)
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

// TestCacheOptionsTrimEveryKind proves the transforms are wired: every kind
// the manager caches is trimmed, and the children only with the operator's
// labels.
func TestCacheOptionsTrimEveryKind(t *testing.T) {
	byObject := CacheOptions().ByObject
	if len(byObject) != len(childKinds())+1 {
		t.Fatalf("%d kinds cached, want the %d child kinds and RestAPIs", len(byObject), len(childKinds()))
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
	deployment := func(instance string) *appsv1.Deployment {
		fields := `{"f:metadata":{"f:labels":{"f:app.kubernetes.io/instance":{}}},"f:spec":{"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"model\"}":{".":{},"f:image":{},"f:name":{}}}}}}}`
		// Fresh copies, as each decoded object has its own.
		labels := map[string]string{strings.Clone(apiv1.LabelInstance): instance, strings.Clone(apiv1.LabelManagedBy): strings.Clone(apiv1.ManagedBy)}
		clone := func(m map[string]string) map[string]string {
			out := map[string]string{}
			for k, v := range m {
				out[strings.Clone(k)] = strings.Clone(v)
			}
			return out
		}
		return &appsv1.Deployment{
			TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: instance + "-model-blue", Labels: labels, ManagedFields: []metav1.ManagedFieldsEntry{{
				Manager: apiv1.ManagedBy, Operation: metav1.ManagedFieldsOperationApply, APIVersion: "apps/v1",
				FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields),
			}}},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: clone(labels)},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: clone(labels)},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "model", Image: "registry.example/shop:1"}}},
				},
			},
		}
	}
	a, b := deployment("shop"), deployment("cart")
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
	after, err := appsv1ac.ExtractDeployment(a, apiv1.ManagedBy)
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

// TestSharedStringsAreBounded: past the bound, new strings are kept as
// they are, unshared, and nothing is added; what came before stays shared.
func TestSharedStringsAreBounded(t *testing.T) {
	s := &stringSet{set: map[string]string{}, max: 1}
	x := strings.Clone("x")
	s.internLocked(x)
	if got := s.internLocked(strings.Clone("x")); unsafe.StringData(got) != unsafe.StringData(x) {
		t.Fatal("a string added before the bound is not shared")
	}
	y := strings.Clone("y")
	if got := s.internLocked(y); unsafe.StringData(got) != unsafe.StringData(y) || len(s.set) != 1 {
		t.Fatalf("past the bound: %d strings kept, want 1", len(s.set))
	}
}
