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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// TestATerminatingNamespaceIsForgottenWithItsLastRestAPI: a namespace
// remembered as being deleted is let go when no RestAPI is left in it,
// not only if one appears there again.
func TestATerminatingNamespaceIsForgottenWithItsLastRestAPI(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := apiv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "still", Name: "left"}}).Build()
	r := &RestAPIReconciler{Client: c}
	r.terminating.add("gone")
	r.terminating.add("still")
	r.restAPIGone(t.Context(), "gone")
	r.restAPIGone(t.Context(), "still")
	if r.terminating.has("gone") || !r.terminating.has("still") || r.terminating.size() != 1 {
		t.Errorf("gone %v, still %v (%d remembered): want only the namespace with a RestAPI left",
			r.terminating.has("gone"), r.terminating.has("still"), r.terminating.size())
	}
}
