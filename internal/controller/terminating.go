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
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// A namespace being deleted: the namespace controller deletes the
// RestAPIs' children, each deletion is an event, and every reconcile it
// caused would write the missing children again, only to have the API
// server refuse each create (NamespaceTerminating): about 30 refused
// writes per child deleted, per RestAPI, until the RestAPIs themselves
// go. Measured on the local cluster, 500 RestAPIs in 10 namespaces being
// deleted kept the manager writing over 40 requests a second and slowed
// everything else on the API server (docs/performance.md).
//
// Instead, once a write was refused for that reason, the namespace is
// remembered, and a RestAPI in it is not reconciled while one read of the
// Namespace (around the cache: the operator watches no Namespaces) says it
// is still being deleted. A namespace deleted and created again under the
// same name is active: it is forgotten and its RestAPIs reconciled.

// terminatingNamespaces are the namespaces a write was refused in because
// they were being deleted.
type terminatingNamespaces struct {
	mu    sync.Mutex
	names map[string]struct{}
}

func (t *terminatingNamespaces) add(ns string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.names == nil {
		t.names = map[string]struct{}{}
	}
	t.names[ns] = struct{}{}
}

func (t *terminatingNamespaces) has(ns string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.names[ns]
	return ok
}

// size is how many namespaces are remembered.
func (t *terminatingNamespaces) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.names)
}

func (t *terminatingNamespaces) forget(ns string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.names, ns)
}

// namespaceGoingAway says whether ns, where a write was refused because it
// was being deleted, still is (or is gone). A namespace never refused
// costs nothing; one that was costs one read per reconcile. When the read
// fails the answer is no: the reconcile goes on as before.
func (r *RestAPIReconciler) namespaceGoingAway(ctx context.Context, ns string) bool {
	if !r.terminating.has(ns) {
		return false
	}
	var n metav1.PartialObjectMetadata
	n.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	err := r.APIReader.Get(ctx, types.NamespacedName{Name: ns}, &n)
	switch {
	case apierrors.IsNotFound(err):
		// Gone, and its RestAPIs with it: nothing left to remember.
		r.terminating.forget(ns)
		return true
	case err != nil:
		return false
	case !n.DeletionTimestamp.IsZero():
		return true
	}
	r.terminating.forget(ns)
	return false
}

// restAPIGone forgets a terminating namespace once its last RestAPI is
// gone: nothing is left there to reconcile, and a namespace created again
// under that name starts afresh. The cache answers (an indexed list of one
// namespace), and only for a namespace that was refused.
func (r *RestAPIReconciler) restAPIGone(ctx context.Context, ns string) {
	if !r.terminating.has(ns) {
		return
	}
	var left apiv1.RestAPIList
	if err := r.List(ctx, &left, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil || len(left.Items) > 0 {
		return
	}
	r.terminating.forget(ns)
}
