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

// Package scopetest gives the sub-reconcilers' tests a scope.Writer that
// writes nothing and records every call, and a scope for a RestAPI.
package scopetest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// Writer is a scope.Writer that records what it is asked to do.
type Writer struct {
	// Results answers Apply for a "Kind/name" (default: Created when
	// there is no live object, Updated otherwise).
	Results map[string]scope.Result
	// Errors fails the writes of a "Kind/name" (ApplyAs: "owner:Kind/name").
	Errors map[string]error
	// Kinds are the optional kinds installed, and their objects.
	Kinds map[schema.GroupVersionKind][]*unstructured.Unstructured

	// Applied, AppliedAs and Deleted record the calls, as "Kind/name"
	// (AppliedAs: "owner:Kind/name").
	Applied, AppliedAs, Deleted []string
	// Lookups counts the calls of Installed (each is a discovery request
	// against a real API server when the kind is missing).
	Lookups int
	// Lists counts the calls of ListOwned (each is a list around the
	// cache against a real API server).
	Lists int
}

var _ scope.Writer = &Writer{}

// Apply records the apply and answers as Results says. A write's answer
// is desired as an object (what an API server would hold if nothing else
// had been applied).
func (w *Writer) Apply(_ context.Context, live client.Object, desired any) (scope.Result, client.Object, error) {
	key := scope.KindOfApply(desired) + "/" + scope.NameOf(desired)
	w.Applied = append(w.Applied, key)
	if err := w.Errors[key]; err != nil {
		return scope.Unchanged, nil, err
	}
	res, ok := w.Results[key]
	if !ok {
		res = scope.Updated
		if live == nil {
			res = scope.Created
		}
	}
	if res != scope.Created && res != scope.Updated {
		return res, nil, nil
	}
	answer, err := merged(nil, desired)
	return res, answer, err
}

// ApplyAs records the apply; its answer is live with desired merged in.
func (w *Writer) ApplyAs(_ context.Context, owner string, live client.Object, desired runtime.ApplyConfiguration) (client.Object, error) {
	key := owner + ":" + scope.KindOfApply(desired) + "/" + scope.NameOf(desired)
	w.AppliedAs = append(w.AppliedAs, key)
	if err := w.Errors[key]; err != nil {
		return nil, err
	}
	return merged(live, desired)
}

// merged is desired merged into base (nil: nothing) as a JSON merge patch,
// as an object of desired's kind.
func merged(base client.Object, desired any) (client.Object, error) {
	into := map[string]any{}
	if base != nil {
		b, err := json.Marshal(base)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &into); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(desired)
	if err != nil {
		return nil, err
	}
	var patch map[string]any
	if err := json.Unmarshal(b, &patch); err != nil {
		return nil, err
	}
	mergeInto(into, patch)
	u := &unstructured.Unstructured{Object: into}
	obj, err := clientgoscheme.Scheme.New(u.GroupVersionKind())
	if err != nil {
		return u, nil
	}
	b, err = json.Marshal(into)
	if err != nil {
		return nil, err
	}
	return obj.(client.Object), json.Unmarshal(b, obj)
}

func mergeInto(into, patch map[string]any) {
	for k, v := range patch {
		if pm, ok := v.(map[string]any); ok {
			if im, ok := into[k].(map[string]any); ok {
				mergeInto(im, pm)
				continue
			}
		}
		into[k] = v
	}
}

// Delete records the delete.
func (w *Writer) Delete(_ context.Context, o client.Object) error {
	key := scope.KindOf(o) + "/" + o.GetName()
	w.Deleted = append(w.Deleted, key)
	return w.Errors[key]
}

// Installed says whether Kinds has the kind.
func (w *Writer) Installed(gvk schema.GroupVersionKind) (bool, error) {
	w.Lookups++
	_, ok := w.Kinds[gvk]
	return ok, nil
}

// ListOwned returns the kind's objects in Kinds.
func (w *Writer) ListOwned(_ context.Context, gvk schema.GroupVersionKind) ([]*unstructured.Unstructured, error) {
	w.Lists++
	if _, ok := w.Kinds[gvk]; !ok {
		return nil, fmt.Errorf("no kind %s", gvk)
	}
	return w.Kinds[gvk], nil
}

// Read returns the object of that name among the kind's in Kinds.
func (w *Writer) Read(_ context.Context, gvk schema.GroupVersionKind, name string) (*unstructured.Unstructured, error) {
	for _, o := range w.Kinds[gvk] {
		if o.GetName() == name {
			return o, nil
		}
	}
	return nil, nil
}

// Scope is a scope of rapi with no children, at now, writing through w.
func Scope(rapi *apiv1.RestAPI, w *Writer, now time.Time) *scope.Scope {
	s := scope.New(rapi, scope.NewChildren(), now, w)
	// What the rendering phase decides for a RestAPI this operator rendered.
	s.Revision = render.Revision(rapi)
	return s
}
