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
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// laggingDeployments is a client whose Deployment lists can be frozen, as
// an informer that has not delivered the latest events yet; it counts the
// writes of each kind.
type laggingDeployments struct {
	mu     sync.Mutex
	frozen *appsv1.DeploymentList
	writes map[string]int
}

func (l *laggingDeployments) client(t *testing.T, objs ...client.Object) client.WithWatch {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := apiv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	b := fake.NewClientBuilder().WithScheme(scheme).WithReturnManagedFields().
		WithStatusSubresource(&apiv1.RestAPI{}).WithObjects(objs...)
	for _, kind := range childcache.Kinds() {
		b = b.WithIndex(kind, scope.InstanceIndex, scope.IndexInstance)
	}
	return b.WithInterceptorFuncs(interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			l.mu.Lock()
			frozen := l.frozen
			l.mu.Unlock()
			d, ok := list.(*appsv1.DeploymentList)
			if ok && frozen != nil {
				frozen.DeepCopyInto(d)
				return nil
			}
			if err := c.List(ctx, list, opts...); err != nil || !ok {
				return err
			}
			for i := range d.Items {
				withoutStatus(&d.Items[i])
			}
			return nil
		},
		Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			if k, ok := obj.(interface{ GetKind() string }); ok {
				l.mu.Lock()
				l.writes[k.GetKind()]++
				l.mu.Unlock()
			}
			if err := c.Apply(ctx, obj, opts...); err != nil {
				return err
			}
			if o, ok := obj.(managedFields); ok {
				withoutStatus(o)
			}
			return nil
		},
	}).Build()
}

type managedFields interface {
	GetManagedFields() []metav1.ManagedFieldsEntry
	SetManagedFields([]metav1.ManagedFieldsEntry)
}

// withoutStatus drops the status fields the fake client records under the
// operator's apply of a Deployment (the API server does not: a status is
// written through its subresource, and the operator applies none), so the
// managed fields compare as they do against a real API server.
func withoutStatus(o managedFields) {
	entries := o.GetManagedFields()
	for i := range entries {
		if entries[i].Manager != apiv1.ManagedBy || entries[i].FieldsV1 == nil {
			continue
		}
		var fields map[string]any
		if json.Unmarshal(entries[i].FieldsV1.GetRawBytes(), &fields) != nil {
			continue
		}
		if _, ok := fields["f:status"]; ok {
			delete(fields, "f:status")
			raw, _ := json.Marshal(fields)
			entries[i].FieldsV1 = metav1.NewFieldsV1(string(raw))
		}
	}
	o.SetManagedFields(entries)
}

func (l *laggingDeployments) take() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.writes
	l.writes = map[string]int{}
	return out
}

// TestAReconcileOnACacheThatLagsItsOwnWritesWritesNothingAgain: a
// reconcile woken by another kind's event can list the Deployments as
// they were before the previous reconcile wrote them. It must take the
// written ones, not write them again (the wasted write CI saw as a 13th
// Deployment PATCH in a promotion).
func TestAReconcileOnACacheThatLagsItsOwnWritesWritesNothingAgain(t *testing.T) {
	ctx := t.Context()
	key := types.NamespacedName{Namespace: "shop", Name: "api"}
	rapi := &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, UID: "u-1", Generation: 1},
		Spec: apiv1.RestAPISpec{Image: "registry.example/shop:1.0.0", EnvVars: map[string]string{"LOG_LEVEL": "info"},
			AutoScaling: apiv1.AutoScalingSpec{Enabled: new(false)},
			// The fake client cannot apply a NetworkPolicy ("types from
			// the same schema"); they play no part here.
			NetworkPolicy: apiv1.NetworkPolicySpec{Enabled: new(false)}},
	}
	l := &laggingDeployments{writes: map[string]int{}}
	c := l.client(t, rapi, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: key.Namespace}})
	r := &RestAPIReconciler{Client: c, APIReader: c, Scheme: c.Scheme(), Now: time.Now}
	reconcile := func() {
		t.Helper()
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
			t.Fatal(err)
		}
	}
	settle := func(what string) {
		t.Helper()
		for range 5 {
			reconcile()
			if l.take()["Deployment"] == 0 {
				return
			}
		}
		t.Fatalf("%s: still writing Deployments after 5 reconciles", what)
	}
	allReady := func() {
		t.Helper()
		var deps appsv1.DeploymentList
		if err := c.List(ctx, &deps, client.InNamespace(key.Namespace)); err != nil {
			t.Fatal(err)
		}
		for i := range deps.Items {
			d := &deps.Items[i]
			n := *d.Spec.Replicas
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n,
				AvailableReplicas: n, Conditions: []appsv1.DeploymentCondition{
					{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
					{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
				}}
			if err := c.Status().Update(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
	}

	reconcile()
	settle("first rollout")
	allReady()
	settle("serving")

	// The cache as it is now: the next reconcile resizes the serving
	// colour's Deployments over it.
	var before appsv1.DeploymentList
	if err := c.List(ctx, &before, client.InNamespace(key.Namespace)); err != nil {
		t.Fatal(err)
	}
	var cur apiv1.RestAPI
	if err := c.Get(ctx, key, &cur); err != nil {
		t.Fatal(err)
	}
	cur.Spec.Replicas = new(int32(3))
	cur.Generation++
	if err := c.Update(ctx, &cur); err != nil {
		t.Fatal(err)
	}
	reconcile()
	if n := l.take()["Deployment"]; n == 0 {
		t.Fatal("the new size wrote no Deployment: the test proves nothing")
	}

	// The Deployment informer has not delivered those writes yet.
	l.mu.Lock()
	l.frozen = &before
	l.mu.Unlock()
	for range 3 {
		reconcile()
		if n := l.take()["Deployment"]; n != 0 {
			t.Fatalf("%d Deployment writes by a reconcile whose cache lags its own writes, want 0", n)
		}
	}
	if n := r.ownWrites.Remembered(nil); n == 0 {
		t.Fatal("nothing remembered while the cache lags")
	}

	// The cache catches up: the memory ends, and still nothing is written.
	l.mu.Lock()
	l.frozen = nil
	l.mu.Unlock()
	reconcile()
	if n := l.take()["Deployment"]; n != 0 {
		t.Fatalf("%d Deployment writes once the cache caught up, want 0", n)
	}
	if n := r.ownWrites.Remembered(nil); n != 0 {
		t.Errorf("%d child writes remembered once the cache shows them, want 0", n)
	}
}
