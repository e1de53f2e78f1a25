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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// noReads fails the test on any read around the cache.
type noReads struct{ t *testing.T }

func (n noReads) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	n.t.Fatal("read around the cache")
	return nil
}

func (n noReads) List(context.Context, client.ObjectList, ...client.ListOption) error {
	n.t.Fatal("read around the cache")
	return nil
}

// TestReadRestAPIRemembersOnlyUntilTheCacheHasTheWrite: while the cache
// lags behind a status write, the copy the write started from takes the
// written status; once the cache holds the write itself, the remembered
// status is let go (one status copy per RestAPI otherwise).
func TestReadRestAPIRemembersOnlyUntilTheCacheHasTheWrite(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := apiv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	key := types.NamespacedName{Namespace: "shop", Name: "api"}
	c := fake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(&apiv1.RestAPI{}).
		WithObjects(&apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}).Build()
	r := &RestAPIReconciler{Client: c, APIReader: noReads{t}}
	ctx := t.Context()
	var cached apiv1.RestAPI
	if err := c.Get(ctx, key, &cached); err != nil {
		t.Fatal(err)
	}
	written := apiv1.RestAPIStatus{Phase: apiv1.PhaseAvailable, ObservedGeneration: 1}

	// The write went out; the cache still has the copy it started from.
	r.remember(key, written, cached.ResourceVersion, "not-yet-seen")
	got, err := r.readRestAPI(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Phase != apiv1.PhaseAvailable || got.ResourceVersion != "not-yet-seen" || len(r.statusWrites) != 1 {
		t.Fatalf("lagging cache: phase %q, resource version %q, %d remembered", got.Status.Phase, got.ResourceVersion, len(r.statusWrites))
	}

	// The cache now holds the write.
	cached.Status = written
	if err := c.Status().Update(ctx, &cached); err != nil {
		t.Fatal(err)
	}
	r.remember(key, written, "older", cached.ResourceVersion)
	if got, err = r.readRestAPI(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got.Status.Phase != apiv1.PhaseAvailable || len(r.statusWrites) != 0 {
		t.Fatalf("cache holds the write: phase %q, %d remembered, want none", got.Status.Phase, len(r.statusWrites))
	}

	// The same status at another resource version proves nothing about
	// which copy the cache has: remembered still.
	r.remember(key, written, "older", "newer")
	if _, err = r.readRestAPI(ctx, key); err != nil {
		t.Fatal(err)
	}
	if len(r.statusWrites) != 1 {
		t.Fatalf("%d remembered, want 1", len(r.statusWrites))
	}
}
