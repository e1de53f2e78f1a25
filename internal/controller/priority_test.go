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
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// TestAChildsReportGoesAheadOfNewRestAPIsUntilFirstDeployed: a RestAPI
// created first waits in the queue; the Pod of one that has not finished
// its first deploy puts that one ahead, and so does a Deployment through
// the owner handler; the Pod of one that has served waits its turn.
func TestAChildsReportGoesAheadOfNewRestAPIsUntilFirstDeployed(t *testing.T) {
	scheme := runtime.NewScheme()
	utilruntime.Must(apiv1.AddToScheme(scheme))
	deployed := metav1.Now()
	restAPI := func(name string, at *metav1.Time) *apiv1.RestAPI {
		return &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: name}, Status: apiv1.RestAPIStatus{LastDeploymentTime: at}}
	}
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(restAPI("new", nil), restAPI("started", nil), restAPI("owned", nil), restAPI("served", &deployed)).Build()
	first := firstDeployFirst(c)

	q := priorityqueue.New[reconcile.Request]("test")
	defer q.ShutDown()
	fresh := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "a", Name: "new"}}
	q.Add(fresh)
	pods := followUp(first, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		return podToRestAPI(context.Background(), o)
	}))
	podReady := func(instance string) {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: instance + "-view-1", ResourceVersion: "1",
			Labels: map[string]string{apiv1.LabelInstance: instance}}}
		ready := pod.DeepCopy()
		ready.ResourceVersion = "2"
		pods.Update(context.Background(), event.UpdateEvent{ObjectOld: pod, ObjectNew: ready}, q)
	}
	podReady("served")
	podReady("started")

	owned := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "owned-view", ResourceVersion: "1",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: apiv1.GroupVersion.String(), Kind: "RestAPI", Name: "owned", UID: "u",
			Controller: new(true)}}}}
	updated := owned.DeepCopy()
	updated.ResourceVersion = "2"
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(apiv1.GroupVersion.WithKind("RestAPI"), meta.RESTScopeNamespace)
	owner := followUp(first, handler.EnqueueRequestForOwner(scheme, mapper, &apiv1.RestAPI{}, handler.OnlyControllerOwner()))
	owner.Update(context.Background(), event.UpdateEvent{ObjectOld: owned, ObjectNew: updated}, q)

	var order []string
	for q.Len() > 0 {
		item, _, _ := q.GetWithPriority()
		order = append(order, item.Name)
		q.Done(item)
	}
	// Equal priorities keep the order they were added in.
	if want := []string{"started", "owned", "new", "served"}; !slices.Equal(order, want) {
		t.Fatalf("reconciled in the order %v, want %v", order, want)
	}
}
