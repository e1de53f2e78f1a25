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

package scope_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/scope"
	"github.com/restapi-operator/restapi-operator/internal/scope/scopetest"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func shop() *apiv1.RestAPI {
	return &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop", Generation: 3}}
}

func TestTheCleanupDeletesWhatNoPhaseKept(t *testing.T) {
	w := &scopetest.Writer{}
	s := scopetest.Scope(shop(), w, now)
	for _, n := range []string{"shop-model-blue", "shop-model-green"} {
		s.Children.Deployments[n] = &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: n}}
	}
	s.Children.Services["shop-model"] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "shop-model"}}
	s.Children.Claims["shop-data"] = &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "shop-data"}}

	s.Keep("Deployment", "shop-model-blue")
	if _, err := s.Apply(t.Context(), scope.Live(s.Children.Services, "shop-model"), corev1ac.Service("shop-model", "apps")); err != nil {
		t.Fatal(err)
	}
	s.DeleteUnkept(t.Context(), s.Children.Owned())

	if !slices.Equal(w.Deleted, []string{"Deployment/shop-model-green"}) {
		t.Errorf("deleted %v, want only the Deployment no phase kept (an applied child is kept; a claim is never deleted)", w.Deleted)
	}
	if _, ok := s.Children.Deployments["shop-model-green"]; ok {
		t.Error("a deleted Deployment is still among the children status is built from")
	}
	_, updated, deleted := s.Writes()
	if !slices.Equal(updated, []string{"Service shop-model"}) || !slices.Equal(deleted, []string{"Deployment shop-model-green"}) {
		t.Errorf("writes recorded: updated %v, deleted %v", updated, deleted)
	}
}

func TestRecordSortsWhatAWriteDid(t *testing.T) {
	s := scopetest.Scope(shop(), &scopetest.Writer{}, now)
	s.Record("Deployment", "a", scope.Created, nil)
	s.Record("Deployment", "b", scope.Conflict, nil)
	s.Record("Deployment", "c", scope.Unchanged, errors.New("refused"))
	s.Record("Deployment", "d", scope.Unchanged, nil)
	created, updated, _ := s.Writes()
	if !slices.Equal(created, []string{"Deployment a"}) || len(updated) != 0 {
		t.Errorf("created %v, updated %v", created, updated)
	}
	if !slices.Equal(s.Conflicts(), []string{"Deployment b"}) {
		t.Errorf("conflicts %v", s.Conflicts())
	}
	if err := s.Err(); err == nil || err.Error() != "Deployment c: refused" {
		t.Errorf("failures: %v", err)
	}
}

func TestTheLowestRequeueWins(t *testing.T) {
	s := scopetest.Scope(shop(), &scopetest.Writer{}, now)
	if s.Requeue() != 0 {
		t.Fatal("a requeue nobody asked for")
	}
	for _, d := range []time.Duration{time.Minute, 0, 10 * time.Second, -time.Second, time.Hour} {
		s.RequeueAfter(d)
	}
	if s.Requeue() != 10*time.Second {
		t.Errorf("requeue %v, want the lowest asked for, 10s", s.Requeue())
	}
}

func TestRecordHealingIsWhereStatusHealingIsSet(t *testing.T) {
	s := scopetest.Scope(shop(), &scopetest.Writer{}, now)
	s.RecordHealing("abort", "preview unhealthy")
	s.RecordHealing("restart", "restarted model")
	if h := s.Status.Healing; h == nil || h.LastAction != "restart" || !h.LastActionTime.Time.Equal(now) {
		t.Errorf("status.healing %+v, want the last action", h)
	}
	if !slices.Equal(s.Healed(), []string{"abort", "restart"}) {
		t.Errorf("healed %v, want every action (each is counted)", s.Healed())
	}
}

var widgetKind = scope.OptionalKind{
	GVK: schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}, Condition: "Widgets",
	ActiveReason: "WidgetsActive", ConflictReason: "WidgetNameConflict", Missing: "install widgets",
}

func widget(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(widgetKind.GVK)
	u.SetName(name)
	return u
}

func TestAnOptionalKindWithoutItsCRDIsAConditionNotAFailure(t *testing.T) {
	s := scopetest.Scope(shop(), &scopetest.Writer{}, now)
	s.SyncOptional(t.Context(), widgetKind, true, []*unstructured.Unstructured{widget("shop-model")}, "in place")
	c := meta.FindStatusCondition(s.Status.Conditions, "Widgets")
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != apiv1.ReasonCRDNotInstalled || c.Message != "install widgets" || c.ObservedGeneration != 3 {
		t.Fatalf("condition %+v", c)
	}
	if s.Err() != nil || s.Requeue() != scope.OptionalKindRecheck {
		t.Errorf("failure %v, requeue %v: want none, and a look again in %v", s.Err(), s.Requeue(), scope.OptionalKindRecheck)
	}
}

func TestAnOptionalKindIsWrittenAndItsLeftoversDeleted(t *testing.T) {
	w := &scopetest.Writer{
		Kinds:   map[schema.GroupVersionKind][]*unstructured.Unstructured{widgetKind.GVK: {widget("shop-model"), widget("shop-old")}},
		Results: map[string]scope.Result{"Widget/shop-view": scope.Conflict},
	}
	s := scopetest.Scope(shop(), w, now)
	s.SyncOptional(t.Context(), widgetKind, true, []*unstructured.Unstructured{widget("shop-model")}, "in place")
	if !slices.Equal(w.Applied, []string{"Widget/shop-model"}) || !slices.Equal(w.Deleted, []string{"Widget/shop-old"}) {
		t.Errorf("applied %v, deleted %v", w.Applied, w.Deleted)
	}
	if c := meta.FindStatusCondition(s.Status.Conditions, "Widgets"); c == nil || c.Status != metav1.ConditionTrue || c.Message != "in place" {
		t.Errorf("condition %+v", c)
	}

	// a name taken is the kind's condition, not a conflict of the RestAPI's own children.
	s = scopetest.Scope(shop(), w, now)
	s.SyncOptional(t.Context(), widgetKind, true, []*unstructured.Unstructured{widget("shop-model"), widget("shop-view")}, "in place")
	if c := meta.FindStatusCondition(s.Status.Conditions, "Widgets"); c == nil || c.Reason != "WidgetNameConflict" {
		t.Errorf("condition %+v", c)
	}
	if len(s.Conflicts()) != 0 {
		t.Errorf("conflicts %v", s.Conflicts())
	}

	// no longer wanted: every object goes, then the condition.
	rapi := shop()
	rapi.Status.Conditions = []metav1.Condition{{Type: "Widgets", Status: metav1.ConditionTrue, Reason: "WidgetsActive"}}
	w.Deleted = nil
	s = scopetest.Scope(rapi, w, now)
	s.SyncOptional(t.Context(), widgetKind, false, nil, "in place")
	if len(w.Deleted) != 2 || meta.FindStatusCondition(s.Status.Conditions, "Widgets") != nil {
		t.Errorf("deleted %v, conditions %+v", w.Deleted, s.Status.Conditions)
	}
}

func TestNotOwnedReadsRightForOneAndForMany(t *testing.T) {
	if got, want := scope.NotOwned([]string{"Service shop-view"}),
		"Service shop-view already exists and is not owned by this RestAPI; delete or rename it"; got != want {
		t.Errorf("one: %q, want %q", got, want)
	}
	if got, want := scope.NotOwned(scope.Kinded("HTTPRoute", []string{"a", "b"})),
		"HTTPRoute a, HTTPRoute b already exist and are not owned by this RestAPI; delete or rename them"; got != want {
		t.Errorf("many: %q, want %q", got, want)
	}
}

// TestPodCountOfCountsAColoursComponentPodsNotAHooks: a hook's Pod (no
// colour, no component) is no colour's, the single-colour ones' included:
// the PostPromotion hooks wait for the old colour's Pods, never for
// themselves.
func TestPodCountOfCountsAColoursComponentPodsNotAHooks(t *testing.T) {
	pod := func(labels map[string]string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Labels: labels}}
	}
	kids := scope.NewChildren()
	kids.Pods = []corev1.Pod{
		pod(map[string]string{apiv1.LabelComponent: "view", apiv1.LabelEnvironment: "blue"}),
		pod(map[string]string{apiv1.LabelComponent: "model", apiv1.LabelEnvironment: "blue"}),
		pod(map[string]string{apiv1.LabelComponent: "model"}),
		pod(map[string]string{apiv1.LabelHook: "contract", apiv1.LabelHookPhase: "PostPromotion"}),
	}
	for colour, want := range map[apiv1.Environment]int{"blue": 2, "green": 0, "": 1} {
		if got := kids.PodCountOf(colour); got != want {
			t.Errorf("PodCountOf(%q) = %d, want %d", colour, got, want)
		}
	}
}
