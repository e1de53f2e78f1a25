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
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// OptionalKindRecheck is how often a RestAPI that asks for a kind whose CRD
// is missing is looked at again.
const OptionalKindRecheck = 5 * time.Minute

// OptionalKind is a kind whose CRD comes with another project (the VPA, the
// Prometheus Operator), created per component when the spec asks for it.
type OptionalKind struct {
	GVK schema.GroupVersionKind
	// Condition reports it: present while asked for or while objects of it
	// may be left.
	Condition string
	// ActiveReason, ConflictReason: the condition's reasons when every
	// object is in place, and when a name is taken.
	ActiveReason, ConflictReason string
	// Missing tells a person what to install.
	Missing string
}

// SyncOptional writes the desired objects of an optional kind (none when
// not wanted), deletes the RestAPI's others, and sets the kind's condition.
// Without the CRD it says so in the condition and looks again every few
// minutes; nothing fails. active is the condition's message when all is in
// place.
func (s *Scope) SyncOptional(ctx context.Context, k OptionalKind, wanted bool, desired []*unstructured.Unstructured, active string) {
	s.SyncOptionalFrom(ctx, k, wanted, func(map[string]*unstructured.Unstructured) ([]*unstructured.Unstructured, string) {
		return desired, active
	})
}

// Decide gives the desired objects of an optional kind, and the message
// of its condition when all is in place, from the RestAPI's objects of
// the kind as listed, by name.
type Decide func(live map[string]*unstructured.Unstructured) (desired []*unstructured.Unstructured, active string)

// SyncOptionalFrom is SyncOptional for desired objects that depend on the
// live ones (a VPA's mode on what its recommender has seen).
func (s *Scope) SyncOptionalFrom(ctx context.Context, k OptionalKind, wanted bool, decide Decide) {
	had := meta.FindStatusCondition(s.RestAPI.Status.Conditions, k.Condition) != nil
	if !wanted && !had {
		return
	}
	failed := len(s.errs)
	var active string
	out := s.syncObjects(ctx, k.GVK, func(live map[string]*unstructured.Unstructured) []*unstructured.Unstructured {
		var desired []*unstructured.Unstructured
		desired, active = decide(live)
		return desired
	})
	switch {
	case !out.Checked:
		// the condition stays as it was
	case !out.Installed && !wanted:
		meta.RemoveStatusCondition(&s.Status.Conditions, k.Condition)
	case !out.Installed:
		s.RequeueAfter(OptionalKindRecheck)
		s.SetCondition(metav1.Condition{Type: k.Condition, Status: metav1.ConditionFalse, Reason: apiv1.ReasonCRDNotInstalled, Message: k.Missing})
	case !wanted:
		if len(s.errs) == failed {
			meta.RemoveStatusCondition(&s.Status.Conditions, k.Condition) // removed: the condition goes with them
		}
	case len(out.Taken) > 0:
		s.SetCondition(metav1.Condition{Type: k.Condition, Status: metav1.ConditionFalse, Reason: k.ConflictReason,
			Message: NotOwned(Kinded(k.GVK.Kind, out.Taken))})
	default:
		s.SetCondition(metav1.Condition{Type: k.Condition, Status: metav1.ConditionTrue, Reason: k.ActiveReason, Message: active})
	}
}

// ListOwned lists the RestAPI's objects of an optional kind, around the
// cache, once per reconcile: a phase that reads them before the one that
// writes them (the VPAs' recommendations, before the blue-green phase)
// costs no second list. They are as listed, before this reconcile's writes
// of the kind; a failed list is not kept.
func (s *Scope) ListOwned(ctx context.Context, gvk schema.GroupVersionKind) ([]*unstructured.Unstructured, error) {
	if live, ok := s.listed[gvk]; ok {
		return live, nil
	}
	live, err := s.Writer.ListOwned(ctx, gvk)
	if err != nil {
		return nil, err
	}
	if s.listed == nil {
		s.listed = map[schema.GroupVersionKind][]*unstructured.Unstructured{}
	}
	s.listed[gvk] = live
	return live, nil
}

// Optional is what SyncObjects found and did.
type Optional struct {
	// Checked is false when whether the kind is served, or which objects
	// of it exist, could not be found out (the failure is recorded).
	Checked bool
	// Installed: the API server serves the kind.
	Installed bool
	// Taken names the desired objects whose name an object the RestAPI
	// does not own holds; they were left alone.
	Taken []string
	// Live are the RestAPI's objects of the kind as listed before the
	// writes, by name.
	Live map[string]*unstructured.Unstructured
	// Written names the objects created or updated by this reconcile: what
	// their status says is not about what was just written.
	Written map[string]bool
}

// SyncObjects writes the desired objects of an optional kind, when its CRD
// is installed, and deletes the RestAPI's others. A name taken by an
// object the RestAPI does not own is reported in Taken, not as a conflict
// of the RestAPI's own children: the application runs without it.
func (s *Scope) SyncObjects(ctx context.Context, gvk schema.GroupVersionKind, desired []*unstructured.Unstructured) Optional {
	return s.syncObjects(ctx, gvk, func(map[string]*unstructured.Unstructured) []*unstructured.Unstructured { return desired })
}

func (s *Scope) syncObjects(ctx context.Context, gvk schema.GroupVersionKind, decide func(map[string]*unstructured.Unstructured) []*unstructured.Unstructured) Optional {
	installed, err := s.Writer.Installed(gvk)
	if err != nil {
		s.Fail(err)
		return Optional{}
	}
	if !installed {
		return Optional{Checked: true}
	}
	live, err := s.ListOwned(ctx, gvk)
	if err != nil {
		s.Fail(fmt.Errorf("listing %ss: %w", gvk.Kind, err))
		return Optional{}
	}
	out := Optional{Checked: true, Installed: true, Live: map[string]*unstructured.Unstructured{}, Written: map[string]bool{}}
	for _, o := range live {
		out.Live[o.GetName()] = o
	}
	for _, d := range decide(out.Live) {
		name := d.GetName()
		s.Keep(gvk.Kind, name)
		res, err := s.Write(ctx, Live(out.Live, name), d)
		if res == Conflict {
			out.Taken = append(out.Taken, name)
			continue
		}
		if res == Created || res == Updated {
			out.Written[name] = true
		}
		s.Record(gvk.Kind, name, res, err)
	}
	objs := make([]client.Object, 0, len(live))
	for _, o := range live {
		objs = append(objs, o)
	}
	s.DeleteUnkept(ctx, objs)
	return out
}
