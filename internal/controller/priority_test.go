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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// TestAChildsReportGoesAheadOfNewRestAPIs: a RestAPI created first waits
// in the queue; another's Pod turning ready puts that other one ahead, and
// so does its Deployment through the owner handler.
func TestAChildsReportGoesAheadOfNewRestAPIs(t *testing.T) {
	q := priorityqueue.New[reconcile.Request]("test")
	defer q.ShutDown()
	fresh := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "a", Name: "new"}}
	q.Add(fresh)
	h := followUp(handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		return podToRestAPI(context.Background(), o)
	}))
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "started-view-1", ResourceVersion: "1",
		Labels: map[string]string{apiv1.LabelInstance: "started"}}}
	ready := pod.DeepCopy()
	ready.ResourceVersion = "2"
	h.Update(context.Background(), event.UpdateEvent{ObjectOld: pod, ObjectNew: ready}, q)
	first, _, _ := q.GetWithPriority()
	if first.Name != "started" {
		t.Fatalf("reconciled %s first, want the RestAPI its Pod reported on", first)
	}
	q.Done(first)

	owned := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "owned-view", ResourceVersion: "1",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: apiv1.GroupVersion.String(), Kind: "RestAPI", Name: "owned", UID: "u",
			Controller: new(true)}}}}
	updated := owned.DeepCopy()
	updated.ResourceVersion = "2"
	scheme := runtime.NewScheme()
	utilruntime.Must(apiv1.AddToScheme(scheme))
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(apiv1.GroupVersion.WithKind("RestAPI"), meta.RESTScopeNamespace)
	owner := followUp(handler.EnqueueRequestForOwner(scheme, mapper, &apiv1.RestAPI{}, handler.OnlyControllerOwner()))
	owner.Update(context.Background(), event.UpdateEvent{ObjectOld: owned, ObjectNew: updated}, q)
	if second, _, _ := q.GetWithPriority(); second.Name != "owned" {
		t.Fatalf("then %s, want the RestAPI whose Deployment reported", second)
	}
	if third, _, _ := q.GetWithPriority(); third != fresh {
		t.Fatalf("then %s, want %s", third, fresh)
	}
}
