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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
