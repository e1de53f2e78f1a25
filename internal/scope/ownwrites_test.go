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

package scope

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func deployment(rv string, replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "shop-view-blue", Namespace: "apps", ResourceVersion: rv},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas}}
}

// listed is what a reconcile reads when the cache holds cached (nil: no
// such Deployment), after the overlay.
func listed(w *OwnWrites, owner types.NamespacedName, cached *appsv1.Deployment) *appsv1.Deployment {
	kids := NewChildren()
	if cached != nil {
		kids.Deployments[cached.Name] = cached.DeepCopy()
	}
	w.overlay(owner, kids)
	return kids.Deployments["shop-view-blue"]
}

func TestACacheThatLagsOurWritesListsWhatWeWrote(t *testing.T) {
	owner := types.NamespacedName{Namespace: "apps", Name: "shop"}
	now := time.Unix(1000, 0)
	w := &OwnWrites{Now: func() time.Time { return now }}

	// The template (10 -> 11), then the size over it (11 -> 12), in one
	// reconcile: the next one may list 10, 11 or 12.
	w.Wrote(owner, deployment("10", 0), deployment("11", 0))
	w.Wrote(owner, deployment("11", 0), deployment("12", 3))
	for _, rv := range []string{"10", "11"} {
		if got := listed(w, owner, deployment(rv, 0)); got.ResourceVersion != "12" || *got.Spec.Replicas != 3 {
			t.Errorf("cache at %s: listed %s with %d replicas, want our write (12, 3)", rv, got.ResourceVersion, *got.Spec.Replicas)
		}
	}
	if n := w.Remembered(nil); n != 1 {
		t.Fatalf("%d remembered while the cache lags, want 1", n)
	}
	// The cache shows the write: nothing to remember any more.
	if got := listed(w, owner, deployment("12", 3)); got.ResourceVersion != "12" {
		t.Errorf("cache at 12: listed %s", got.ResourceVersion)
	}
	if n := w.Remembered(nil); n != 0 {
		t.Errorf("%d remembered once the cache showed the write, want 0", n)
	}

	// Newer than our write (the Deployment controller wrote status since):
	// the cache wins and the memory ends.
	w.Wrote(owner, deployment("20", 1), deployment("21", 2))
	if got := listed(w, owner, deployment("22", 2)); got.ResourceVersion != "22" || w.Remembered(nil) != 0 {
		t.Errorf("cache newer than the write: listed %s, %d remembered", got.ResourceVersion, w.Remembered(nil))
	}

	// A write not over our previous one starts afresh: the earlier
	// versions are not ours to skip.
	w.Wrote(owner, deployment("30", 1), deployment("31", 1))
	w.Wrote(owner, deployment("35", 1), deployment("36", 2))
	if got := listed(w, owner, deployment("30", 1)); got.ResourceVersion != "30" {
		t.Errorf("cache at 30, remembered write from 35: listed %s, want the cache's", got.ResourceVersion)
	}
}

func TestACreatedOrVanishedChildIsNotListed(t *testing.T) {
	owner := types.NamespacedName{Namespace: "apps", Name: "shop"}
	now := time.Unix(1000, 0)
	w := &OwnWrites{Now: func() time.Time { return now }}
	// Created: a cache without it may have seen it deleted already (by
	// hand, right after), so nothing is remembered, and a creation ends
	// the memory of an earlier object of that name.
	w.Wrote(owner, deployment("3", 1), deployment("4", 2))
	w.Wrote(owner, nil, deployment("5", 1))
	if got := listed(w, owner, nil); got != nil || w.Remembered(nil) != 0 {
		t.Fatalf("created, cache empty: listed %v, %d remembered; want nothing", got, w.Remembered(nil))
	}
	// An existing child the cache lists as absent was deleted by someone
	// else: it is not brought back.
	w.Wrote(owner, deployment("7", 1), deployment("8", 2))
	if got := listed(w, owner, nil); got != nil || w.Remembered(nil) != 0 {
		t.Errorf("updated, then gone from the cache: listed %v, %d remembered", got, w.Remembered(nil))
	}
	// Deleted by the operator: forgotten at once.
	w.Wrote(owner, deployment("9", 1), deployment("10", 2))
	w.Deleted(owner, deployment("10", 2))
	if w.Remembered(nil) != 0 {
		t.Errorf("deleted by the operator: %d remembered", w.Remembered(nil))
	}
	// Other kinds go in their own maps.
	w.Wrote(owner, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "shop-view", ResourceVersion: "2"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "shop-view", ResourceVersion: "3"}})
	kids := NewChildren()
	kids.Services["shop-view"] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "shop-view", ResourceVersion: "2"}}
	w.overlay(owner, kids)
	if s := kids.Services["shop-view"]; s.ResourceVersion != "3" {
		t.Errorf("updated Service listed at %s, want our write (3)", s.ResourceVersion)
	}
}

func TestOwnWritesAreForgotten(t *testing.T) {
	a := types.NamespacedName{Namespace: "a", Name: "shop"}
	b := types.NamespacedName{Namespace: "b", Name: "shop"}
	now := time.Unix(1000, 0)
	w := &OwnWrites{Now: func() time.Time { return now }}
	w.Wrote(a, deployment("1", 1), deployment("2", 1))
	w.Wrote(b, deployment("1", 1), deployment("2", 1))
	if n := w.Remembered(func(ns string) bool { return ns == "a" }); n != 1 {
		t.Errorf("%d remembered in a, want 1", n)
	}
	w.Forget(a)
	if n := w.Remembered(nil); n != 1 {
		t.Errorf("%d remembered after forgetting a, want 1 (b's)", n)
	}
	// A cache that never shows the write is believed again after the TTL,
	// and a RestAPI nobody reconciles again is swept by the next write.
	now = now.Add(OwnWriteTTL)
	if got := listed(w, b, deployment("1", 1)); got.ResourceVersion != "1" {
		t.Errorf("after the TTL: listed %s, want the cache's", got.ResourceVersion)
	}
	w.Wrote(a, deployment("1", 1), deployment("2", 1))
	w.Wrote(b, deployment("1", 1), deployment("2", 1))
	now = now.Add(OwnWriteTTL)
	w.Wrote(a, deployment("5", 1), deployment("6", 1))
	if n := w.Remembered(func(ns string) bool { return ns == "b" }); n != 0 {
		t.Errorf("%d of b remembered past the TTL, want 0", n)
	}
	var none *OwnWrites
	none.Wrote(a, nil, deployment("1", 1))
	if none.Remembered(nil) != 0 {
		t.Error("nil remembers")
	}
}
