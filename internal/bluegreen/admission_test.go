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

package bluegreen

import (
	"context"
	"errors"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

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

	t.Run("read from the annotation, then from memory until it is NamespaceLimitTTL old", func(t *testing.T) {
		nr := &namespaceReader{annotations: map[string]string{apiv1.AnnotationMaxConcurrentRollouts: "5"}}
		r := &Reconciler{APIReader: nr}
		for _, at := range []time.Duration{0, NamespaceLimitTTL - time.Second} {
			if n, err := r.namespaceLimit(ctx, "apps", now.Add(at)); n != 5 || err != nil {
				t.Fatalf("limit %d, %v", n, err)
			}
		}
		nr.annotations = nil
		if n, _ := r.namespaceLimit(ctx, "apps", now.Add(NamespaceLimitTTL)); n != 0 || nr.gets != 2 {
			t.Errorf("limit %d after %d GETs, want 0 after 2", n, nr.gets)
		}
	})
	t.Run("what is not a count is no limit", func(t *testing.T) {
		for _, v := range []string{"five", "-1", ""} {
			r := &Reconciler{APIReader: &namespaceReader{annotations: map[string]string{apiv1.AnnotationMaxConcurrentRollouts: v}}}
			if n, err := r.namespaceLimit(ctx, "apps", now); n != 0 || err != nil {
				t.Errorf("%q: limit %d, %v", v, n, err)
			}
		}
	})
	t.Run("RBAC without namespaces: no namespace limit, rollouts go on", func(t *testing.T) {
		forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "apps", errors.New("no"))
		r := &Reconciler{APIReader: &namespaceReader{err: forbidden}}
		if n, err := r.namespaceLimit(ctx, "apps", now); n != 0 || err != nil {
			t.Errorf("limit %d, %v", n, err)
		}
	})
	t.Run("any other failure is an error: retried", func(t *testing.T) {
		r := &Reconciler{APIReader: &namespaceReader{err: errors.New("connection refused")}}
		if _, err := r.namespaceLimit(ctx, "apps", now); err == nil {
			t.Error("no error")
		}
	})
}

// restAPIIn is a RestAPI whose status says where its rollout stands.
func restAPIIn(ns, name string, bg *apiv1.BlueGreenStatus) *apiv1.RestAPI {
	return &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Status: apiv1.RestAPIStatus{BlueGreen: bg}}
}

// TestTurnCountsEveryNamespaceUnderTheFlag: --max-concurrent-rollouts counts
// the rollouts of every namespace, from their status and from the
// admissions the cache does not show yet.
func TestTurnCountsEveryNamespaceUnderTheFlag(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := apiv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	queued := func(ago time.Duration) *apiv1.BlueGreenStatus {
		at := metav1.NewTime(now.Add(-ago))
		return &apiv1.BlueGreenStatus{ActiveRevision: "r1", State: apiv1.StateQueued, QueuedAt: &at}
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		restAPIIn("a", "preparing", &apiv1.BlueGreenStatus{ActiveRevision: "r1", PreviewRevision: "r2", State: apiv1.StateDeploying}),
		restAPIIn("b", "warm", &apiv1.BlueGreenStatus{ActiveRevision: "r2", State: apiv1.StateScalingDown}),
		restAPIIn("c", "idle", &apiv1.BlueGreenStatus{ActiveRevision: "r2", State: apiv1.StateIdle}),
		restAPIIn("c", "first", queued(time.Minute)),
		restAPIIn("a", "second", queued(30*time.Second)),
	).Build()
	r := &Reconciler{Client: c, APIReader: &namespaceReader{}, MaxConcurrentRollouts: 3}
	in := func(*apiv1.RestAPI) Input {
		return Input{Enabled: true, DesiredRevision: "r9", Now: now}
	}
	get := func(ns, name string) *apiv1.RestAPI {
		var rapi apiv1.RestAPI
		if err := c.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: name}, &rapi); err != nil {
			t.Fatal(err)
		}
		return &rapi
	}

	// Two slots held (a preview, a warm colour), one free: the first queued
	// gets it, the second waits behind it, a newcomer behind both.
	first := get("c", "first")
	if turn, err := r.turn(t.Context(), first, in(first)); err != nil || !turn.Admitted {
		t.Fatalf("first: %+v, %v", turn, err)
	}
	second := get("a", "second")
	turn, err := r.turn(t.Context(), second, in(second))
	if err != nil || turn.Admitted || turn.Position != 0 {
		t.Fatalf("second, with first admitted but not yet in the cache: %+v, %v", turn, err)
	}
	newcomer := restAPIIn("b", "newcomer", &apiv1.BlueGreenStatus{ActiveRevision: "r1", State: apiv1.StateIdle})
	if turn, _ := r.turn(t.Context(), newcomer, in(newcomer)); turn.Admitted || turn.Position != 1 {
		t.Fatalf("newcomer: %+v", turn)
	}
	// A RestAPI that starts no rollout has no turn, and gives up an
	// admission it had.
	idle := get("c", "idle")
	idleIn := in(idle)
	idleIn.DesiredRevision = "r2"
	if turn, _ := r.turn(t.Context(), idle, idleIn); turn != nil {
		t.Fatalf("idle: %+v", turn)
	}
	firstIn := in(first)
	firstIn.DesiredRevision = "r1" // its spec went back to what serves
	if turn, _ := r.turn(t.Context(), first, firstIn); turn != nil {
		t.Fatalf("first, reverted: %+v", turn)
	}
	first.Status.BlueGreen = &apiv1.BlueGreenStatus{ActiveRevision: "r1", State: apiv1.StateIdle} // as its decision wrote it
	if err := c.Update(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	if turn, _ := r.turn(t.Context(), second, in(second)); !turn.Admitted {
		t.Fatalf("second, once first left the queue and gave its admission up: %+v", turn)
	}
}

// TestWakeQueuedListsOnlyWhereALimitApplies: a slot given up where no limit
// is known costs no read; under a namespace limit, the queued rollouts of
// that namespace nearest the front are woken.
func TestWakeQueuedListsOnlyWhereALimitApplies(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := apiv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	at := metav1.NewTime(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	lists := 0
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		restAPIIn("apps", "queued", &apiv1.BlueGreenStatus{ActiveRevision: "r1", State: apiv1.StateQueued, QueuedAt: &at}),
	).WithInterceptorFuncs(interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, l client.ObjectList, o ...client.ListOption) error {
		lists++
		return c.List(ctx, l, o...)
	}}).Build()
	r := &Reconciler{Client: c}
	done := restAPIIn("apps", "done", nil)
	before := &apiv1.BlueGreenStatus{ActiveRevision: "r2", State: apiv1.StateScalingDown}
	after := &apiv1.BlueGreenStatus{ActiveRevision: "r2", State: apiv1.StateIdle}

	r.WakeQueued(t.Context(), done, before, after)
	if lists != 0 || len(r.rollouts().wake) != 0 {
		t.Fatalf("no limit known: %d lists, %d woken", lists, len(r.rollouts().wake))
	}
	r.rollouts().limits["apps"] = namespaceLimit{limit: 1}
	r.WakeQueued(t.Context(), done, before, before) // still holds its slot
	if lists != 0 {
		t.Fatalf("a slot still held: %d lists", lists)
	}
	r.WakeQueued(t.Context(), done, before, after)
	if lists != 1 || len(r.rollouts().wake) != 1 {
		t.Fatalf("namespace limit: %d lists, %d woken", lists, len(r.rollouts().wake))
	}
	if e := <-r.rollouts().wake; e.Object.GetName() != "queued" {
		t.Errorf("woke %s", e.Object.GetName())
	}
}
