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
	"errors"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// namespaceReader answers Namespace GETs with annotations, or an error,
// and counts them.
type namespaceReader struct {
	annotations map[string]string
	err         error
	gets        int
}

func (n *namespaceReader) Get(_ context.Context, _ client.ObjectKey, o client.Object, _ ...client.GetOption) error {
	n.gets++
	if n.err != nil {
		return n.err
	}
	o.(*metav1.PartialObjectMetadata).Annotations = n.annotations
	return nil
}

func (n *namespaceReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("no lists")
}

func TestNamespaceLimit(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	ctx := t.Context()

	t.Run("read from the annotation, then from memory until it is namespaceLimitTTL old", func(t *testing.T) {
		nr := &namespaceReader{annotations: map[string]string{apiv1.AnnotationMaxConcurrentRollouts: "5"}}
		r := &RestAPIReconciler{APIReader: nr}
		for _, at := range []time.Duration{0, namespaceLimitTTL - time.Second} {
			if n, err := r.namespaceLimit(ctx, "apps", now.Add(at)); n != 5 || err != nil {
				t.Fatalf("limit %d, %v", n, err)
			}
		}
		nr.annotations = nil
		if n, _ := r.namespaceLimit(ctx, "apps", now.Add(namespaceLimitTTL)); n != 0 || nr.gets != 2 {
			t.Errorf("limit %d after %d GETs, want 0 after 2", n, nr.gets)
		}
	})
	t.Run("what is not a count is no limit", func(t *testing.T) {
		for _, v := range []string{"five", "-1", ""} {
			r := &RestAPIReconciler{APIReader: &namespaceReader{annotations: map[string]string{apiv1.AnnotationMaxConcurrentRollouts: v}}}
			if n, err := r.namespaceLimit(ctx, "apps", now); n != 0 || err != nil {
				t.Errorf("%q: limit %d, %v", v, n, err)
			}
		}
	})
	t.Run("RBAC without namespaces: no namespace limit, rollouts go on", func(t *testing.T) {
		forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "apps", errors.New("no"))
		r := &RestAPIReconciler{APIReader: &namespaceReader{err: forbidden}}
		if n, err := r.namespaceLimit(ctx, "apps", now); n != 0 || err != nil {
			t.Errorf("limit %d, %v", n, err)
		}
	})
	t.Run("any other failure is an error: retried", func(t *testing.T) {
		r := &RestAPIReconciler{APIReader: &namespaceReader{err: errors.New("connection refused")}}
		if _, err := r.namespaceLimit(ctx, "apps", now); err == nil {
			t.Error("no error")
		}
	})
}
