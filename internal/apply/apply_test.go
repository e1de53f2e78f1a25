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

package apply

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	autoscalingv2ac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	batchv1ac "k8s.io/client-go/applyconfigurations/batch/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

func TestUnstructuredOfEveryKindTheOperatorApplies(t *testing.T) {
	for _, ac := range []typedConfiguration{
		appsv1ac.Deployment("d", "ns").WithSpec(appsv1ac.DeploymentSpec().WithReplicas(3)), corev1ac.Service("s", "ns"),
		corev1ac.ConfigMap("c", "ns").WithData(map[string]string{"K": "v"}),
		corev1ac.PersistentVolumeClaim("p", "ns"), autoscalingv2ac.HorizontalPodAutoscaler("h", "ns"),
		networkingv1ac.NetworkPolicy("n", "ns"), policyv1ac.PodDisruptionBudget("b", "ns"),
		batchv1ac.Job("j", "ns").WithSpec(batchv1ac.JobSpec().WithBackoffLimit(0)),
	} {
		u, gvk, err := unstructuredOf(ac)
		if err != nil {
			t.Fatalf("%T: %v", ac, err)
		}
		if gvk.Kind != *ac.GetKind() || u.GetName() != *ac.GetName() || u.GetNamespace() != "ns" {
			t.Errorf("%T: %s %s/%s", ac, gvk, u.GetNamespace(), u.GetName())
		}
		want, _ := json.Marshal(ac)
		got, _ := json.Marshal(u)
		var w, g map[string]any
		_ = json.Unmarshal(want, &w)
		_ = json.Unmarshal(got, &g)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%T sends %s, want %s", ac, got, want)
		}
	}
	if n, _, _ := unstructured.NestedInt64(must(unstructuredOf(appsv1ac.Deployment("d", "ns").
		WithSpec(appsv1ac.DeploymentSpec().WithReplicas(3)))).Object, "spec", "replicas"); n != 3 {
		t.Errorf("replicas %d, want the integer 3", n)
	}
	if _, _, err := unstructuredOf(&appsv1ac.DeploymentApplyConfiguration{}); err == nil {
		t.Error("a configuration with no name or kind is sent")
	}
}

func must(u *unstructured.Unstructured, _ schema.GroupVersionKind, err error) *unstructured.Unstructured {
	if err != nil {
		panic(err)
	}
	return u
}

func TestMatchesComparesOnlyWhatTheOperatorApplied(t *testing.T) {
	// A ConfigMap the operator applied with K=a, and a field another
	// manager set: only the operator's own fields count.
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", ManagedFields: []metav1.ManagedFieldsEntry{{
			Manager: apiv1.ManagedBy, Operation: metav1.ManagedFieldsOperationApply, APIVersion: "v1",
			FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:data":{"f:K":{}}}`),
		}}},
		Data: map[string]string{"K": "a", "other": "theirs"},
	}
	for _, tc := range []struct {
		desired any
		want    bool
	}{
		{corev1ac.ConfigMap("c", "ns").WithData(map[string]string{"K": "a"}), true},
		{corev1ac.ConfigMap("c", "ns").WithData(map[string]string{"K": "b"}), false},
		{corev1ac.Service("c", "ns"), false}, // another kind never matches
	} {
		got, err := matches(cm, tc.desired)
		if err != nil || got != tc.want {
			t.Errorf("matches(%v) = %v, %v; want %v", tc.desired, got, err, tc.want)
		}
	}
	if _, err := matches(&corev1.Secret{}, corev1ac.ConfigMap("c", "ns")); err == nil {
		t.Error("a kind the operator never writes matched without an error")
	}
}

func TestMatchesAnOptionalKindBySpecAndLabels(t *testing.T) {
	obj := func(labels map[string]any, replicas int64) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "autoscaling.k8s.io/v1", "kind": "VerticalPodAutoscaler",
			"metadata": map[string]any{"name": "v", "labels": labels},
			"spec":     map[string]any{"updatePolicy": map[string]any{"minReplicas": replicas}},
		}}
	}
	ours := map[string]any{"app": "shop"}
	live := obj(map[string]any{"app": "shop", "added-by": "someone"}, 2)
	if same, _ := matches(live, obj(ours, 2)); !same {
		t.Error("a label added by another manager made the object differ")
	}
	if same, _ := matches(live, obj(ours, 3)); same {
		t.Error("a changed spec matched")
	}
	if same, _ := matches(live, obj(map[string]any{"app": "other"}, 2)); same {
		t.Error("a changed label matched")
	}
}

func TestOwnsTheClaimByItsLabelsAndEverythingElseByItsController(t *testing.T) {
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "ns", UID: types.UID("u1")}}
	w := Writer{Owner: rapi}
	labelled := &metav1.ObjectMeta{Labels: render.InstanceLabels(rapi)}
	controlled := &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{{
		APIVersion: apiv1.GroupVersion.String(), Kind: "RestAPI", Name: "shop", UID: "u1", Controller: new(true),
	}}}
	claim := corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim")
	deployment := appsv1.SchemeGroupVersion.WithKind("Deployment")
	if !w.owns(claim, labelled) || w.owns(claim, &metav1.ObjectMeta{}) {
		t.Error("a claim is the RestAPI's exactly when it carries its labels")
	}
	if !w.owns(deployment, controlled) || w.owns(deployment, labelled) {
		t.Error("a Deployment is the RestAPI's exactly when the RestAPI controls it (labels are not enough)")
	}
}

func TestConfigurationRefusesWhatIsNotAnApplyConfiguration(t *testing.T) {
	if _, _, err := unstructuredOf(&corev1.ConfigMap{}); err == nil {
		t.Error("a typed object was accepted as an apply configuration")
	}
	_, gvk, err := unstructuredOf(autoscalingv2ac.HorizontalPodAutoscaler("h", "ns"))
	if err != nil || gvk.Group != "autoscaling" || gvk.Version != "v2" || gvk.Kind != "HorizontalPodAutoscaler" {
		t.Errorf("kind %v, %v", gvk, err)
	}
	var _ scope.Writer = Writer{}
}

// TestDeleteTakesThePodsWithIt: a Job's default deletion orphans its Pods
// (batch/v1 keeps the old default); every delete asks for Background.
func TestDeleteTakesThePodsWithIt(t *testing.T) {
	var got client.DeleteOptions
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "shop-expand-1", UID: "u1"}}
	c := fake.NewClientBuilder().WithObjects(job).WithInterceptorFuncs(interceptor.Funcs{
		Delete: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.DeleteOption) error {
			got.ApplyOptions(opts)
			return c.Delete(ctx, o, opts...)
		},
	}).Build()
	w := Writer{Client: c, Owner: &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "shop"}}}
	if err := w.Delete(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if got.PropagationPolicy == nil || *got.PropagationPolicy != metav1.DeletePropagationBackground {
		t.Errorf("propagation %v, want Background", got.PropagationPolicy)
	}
	if got.Preconditions == nil || got.Preconditions.UID == nil || *got.Preconditions.UID != "u1" {
		t.Errorf("preconditions %+v, want the UID read", got.Preconditions)
	}
}
