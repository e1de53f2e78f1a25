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

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Result is what Writer.Apply did with a child.
type Result int

const (
	// Unchanged: the fields the operator manages already matched; nothing
	// was sent.
	Unchanged Result = iota
	// Created: the child did not exist.
	Created
	// Updated: the child differed and was applied.
	Updated
	// Conflict: an object of that name exists that the RestAPI does not
	// own; it was left alone.
	Conflict
)

// Writer is how phases write children (internal/apply implements it for
// the API server). Every write of a child goes through it.
type Writer interface {
	// Apply makes a child match desired, a typed apply configuration or an
	// *unstructured.Unstructured of an optional kind, with one server-side
	// apply as the operator, or sends nothing when the fields the operator
	// manages already match. live is the child as read, nil when there is
	// none; an object of that name the RestAPI does not own is never taken
	// over (Conflict). answer is the child as the API server answered a
	// write (nil when nothing was sent): a typed object for the kinds of
	// Children, unstructured for the optional ones.
	Apply(ctx context.Context, live client.Object, desired any) (_ Result, answer client.Object, _ error)
	// ApplyAs applies a partial object as another field owner: a
	// Deployment's replicas (apiv1.ReplicasFieldOwner), its restart
	// annotation (apiv1.HealingFieldOwner). live is the child as read.
	ApplyAs(ctx context.Context, fieldOwner string, live client.Object, desired runtime.ApplyConfiguration) (answer client.Object, _ error)
	// Delete deletes a child with a UID precondition.
	Delete(ctx context.Context, o client.Object) error
	// Installed reports whether the API server serves a kind (an optional
	// kind's CRD may be missing, or installed later).
	Installed(gvk schema.GroupVersionKind) (bool, error)
	// ListOwned lists, around the cache, the objects of a kind the RestAPI
	// controls: an optional kind has no informer.
	ListOwned(ctx context.Context, gvk schema.GroupVersionKind) ([]*unstructured.Unstructured, error)
	// Read reads, around the cache, an object of an optional kind in the
	// RestAPI's namespace that another controller writes (a VPA's
	// checkpoint); nil when there is none.
	Read(ctx context.Context, gvk schema.GroupVersionKind, name string) (*unstructured.Unstructured, error)
}

// applyObject is what every typed apply configuration offers.
type applyObject interface {
	GetName() *string
	GetKind() *string
}

// NameOf is the name of a typed apply configuration or an unstructured
// object.
func NameOf(desired any) string {
	switch d := desired.(type) {
	case *unstructured.Unstructured:
		return d.GetName()
	case applyObject:
		if n := d.GetName(); n != nil {
			return *n
		}
	}
	return ""
}

// KindOfApply is the kind of a typed apply configuration or an
// unstructured object.
func KindOfApply(desired any) string {
	switch d := desired.(type) {
	case *unstructured.Unstructured:
		return d.GetKind()
	case applyObject:
		if k := d.GetKind(); k != nil {
			return *k
		}
	}
	return fmt.Sprintf("%T", desired)
}

// KindOf names the kind of a child, for Keep, Events and errors: the Go
// type of a typed object (the cache leaves their TypeMeta empty), the GVK
// of an unstructured one.
func KindOf(o client.Object) string {
	if u, ok := o.(*unstructured.Unstructured); ok {
		return u.GetKind()
	}
	t := fmt.Sprintf("%T", o)
	for i := len(t) - 1; i >= 0; i-- {
		if t[i] == '.' {
			return t[i+1:]
		}
	}
	return t
}

func setCondition(conds *[]metav1.Condition, c metav1.Condition) { meta.SetStatusCondition(conds, c) }
