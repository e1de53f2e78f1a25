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

// Package apply writes a RestAPI's children: the one implementation of
// scope.Writer. Every child, of every kind (the optional CRD kinds
// included), is written with one server-side apply that is skipped when
// the operator's own fields already match, and an object of that name the
// RestAPI does not own is never taken over.
package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	autoscalingv2ac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// Writer writes the children of one RestAPI.
type Writer struct {
	// Client applies and deletes; its REST mapper says which kinds exist.
	Client client.Client
	// APIReader reads around the cache: a name the cache does not know
	// may be held by an object the operator does not own, and the
	// optional kinds have no informer.
	APIReader client.Reader
	// Owner is the RestAPI whose children are written.
	Owner *apiv1.RestAPI
	// Own remembers each write until the cache shows it (see
	// scope.OwnWrites); nil remembers nothing.
	Own *scope.OwnWrites
}

var _ scope.Writer = Writer{}

// Apply makes the child match desired with one server-side apply, or
// sends nothing when the fields this operator manages already match.
//
// Matching compares desired with what the live object's managed fields say
// this operator applied (client-go's Extract functions), so a field edited
// by another manager counts as a difference and is restored, while fields
// others own (an HPA's replicas, defaults filled in by the API server)
// never cause a write. An optional kind (unstructured) matches when its
// spec and labels do.
//
// A child missing from the cache is created with a create-only apply (see
// impossibleResourceVersion): one request when the name is free, which is the common case.
// Only when the API server answers that something holds the name is its
// metadata read, around the cache: an object this RestAPI does not own is
// never taken over; one it does own (the cache had not seen it yet) gets the
// ordinary apply.
func (w Writer) Apply(ctx context.Context, live client.Object, desired any) (scope.Result, client.Object, error) {
	gvk, err := kindOf(desired)
	if err != nil {
		return scope.Unchanged, nil, err
	}
	if live != nil {
		same, err := matches(live, desired)
		if err != nil {
			return scope.Unchanged, nil, fmt.Errorf("reading managed fields: %w", err)
		}
		if same {
			return scope.Unchanged, nil, nil
		}
	}
	// Converted only to be sent: a reconcile that changes nothing does not
	// pay for it.
	u, _, err := unstructuredOf(desired)
	if err != nil {
		return scope.Unchanged, nil, err
	}
	if live == nil {
		answer, err := w.send(ctx, apiv1.ManagedBy, u, impossibleResourceVersion)
		if !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) {
			if err != nil {
				return scope.Unchanged, nil, err
			}
			w.Own.Wrote(w.key(), nil, answer)
			return scope.Created, answer, nil
		}
		var other metav1.PartialObjectMetadata
		other.SetGroupVersionKind(gvk)
		if err := w.APIReader.Get(ctx, types.NamespacedName{Namespace: w.Owner.Namespace, Name: u.GetName()}, &other); err != nil {
			// Gone again (NotFound): the next reconcile creates it.
			return scope.Unchanged, nil, err
		}
		if !w.owns(gvk, &other) {
			return scope.Conflict, nil, nil
		}
	}
	answer, err := w.send(ctx, apiv1.ManagedBy, u, "")
	if err != nil {
		return scope.Unchanged, nil, err
	}
	w.Own.Wrote(w.key(), live, answer)
	return scope.Updated, answer, nil
}

// owns reports whether an object of that name is the RestAPI's: controlled
// by it, or, for the repository's claim (it has no owner: the data outlives
// the RestAPI), labelled as its.
func (w Writer) owns(gvk schema.GroupVersionKind, o metav1.Object) bool {
	if gvk.Kind == "PersistentVolumeClaim" {
		return hasLabels(o.GetLabels(), render.InstanceLabels(w.Owner))
	}
	return metav1.IsControlledBy(o, w.Owner)
}

// ApplyAs applies a partial object as another field owner.
func (w Writer) ApplyAs(ctx context.Context, fieldOwner string, live client.Object, desired runtime.ApplyConfiguration) (client.Object, error) {
	u, _, err := unstructuredOf(desired)
	if err != nil {
		return nil, err
	}
	answer, err := w.send(ctx, fieldOwner, u, "")
	if err != nil {
		return nil, err
	}
	w.Own.Wrote(w.key(), live, answer)
	return answer, nil
}

// Delete deletes a child, only if it is still the object read (its UID).
func (w Writer) Delete(ctx context.Context, o client.Object) error {
	uid := o.GetUID()
	// Background: a Job's default is to orphan its Pods.
	err := w.Client.Delete(ctx, o, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err == nil || apierrors.IsNotFound(err) {
		w.Own.Deleted(w.key(), o)
	}
	return err
}

func (w Writer) key() types.NamespacedName {
	return types.NamespacedName{Namespace: w.Owner.Namespace, Name: w.Owner.Name}
}

// send applies u as fieldOwner (with resourceVersion as a precondition
// when it is not empty) and returns the API server's answer, whole: a
// typed object when the scheme knows the kind, else the unstructured one.
// The answer carries every managed-fields entry, so the next Apply can
// compare with it as with a cached copy.
func (w Writer) send(ctx context.Context, fieldOwner string, u *unstructured.Unstructured, resourceVersion string) (client.Object, error) {
	u = u.DeepCopy()
	if resourceVersion != "" {
		u.SetResourceVersion(resourceVersion)
	}
	gvk := u.GroupVersionKind()
	if err := w.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
		return nil, err
	}
	u.SetGroupVersionKind(gvk)
	obj, err := w.Client.Scheme().New(gvk)
	if err != nil {
		return u, nil // an optional kind
	}
	typed, ok := obj.(client.Object)
	if !ok {
		return u, nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
		return nil, fmt.Errorf("reading the answer to a write of %s %s: %w", gvk.Kind, u.GetName(), err)
	}
	return typed, nil
}

// Installed reports whether the API server serves a kind. The manager's
// REST mapper asks discovery again when it does not know the kind, so a CRD
// installed later is found.
func (w Writer) Installed(gvk schema.GroupVersionKind) (bool, error) {
	_, err := w.Client.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	var discoveryFailed *apiutil.ErrResourceDiscoveryFailed
	switch {
	case err == nil:
		return true, nil
	case meta.IsNoMatchError(err), errors.As(err, &discoveryFailed):
		return false, nil
	default:
		return false, fmt.Errorf("looking up the %s kind: %w", gvk.Kind, err)
	}
}

// ListOwned lists, around the cache, the objects of a kind the RestAPI
// controls.
func (w Writer) ListOwned(ctx context.Context, gvk schema.GroupVersionKind) ([]*unstructured.Unstructured, error) {
	var list unstructured.UnstructuredList
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err := w.APIReader.List(ctx, &list, client.InNamespace(w.Owner.Namespace), client.MatchingLabels(render.InstanceLabels(w.Owner))); err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for i := range list.Items {
		// The kind names the object for the cleanup (scope.KindOf), whatever
		// the list's items carried.
		list.Items[i].SetGroupVersionKind(gvk)
		if metav1.IsControlledBy(&list.Items[i], w.Owner) {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

// Read reads, around the cache, an object of an optional kind in the
// owner's namespace; nil when there is none.
func (w Writer) Read(ctx context.Context, gvk schema.GroupVersionKind, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	if err := w.APIReader.Get(ctx, client.ObjectKey{Namespace: w.Owner.Namespace, Name: name}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return u, nil
}

// kindOf is desired's kind, or an error for what cannot be applied.
func kindOf(desired any) (schema.GroupVersionKind, error) {
	switch d := desired.(type) {
	case *unstructured.Unstructured:
		return d.GroupVersionKind(), nil
	case typedConfiguration:
		if d.GetKind() == nil || d.GetAPIVersion() == nil || d.GetName() == nil {
			return schema.GroupVersionKind{}, fmt.Errorf("%T has no kind, apiVersion or name", desired)
		}
		gv, err := schema.ParseGroupVersion(*d.GetAPIVersion())
		return gv.WithKind(*d.GetKind()), err
	}
	return schema.GroupVersionKind{}, fmt.Errorf("cannot apply %T", desired)
}

// unstructuredOf is desired as an unstructured object, and its kind: a
// typed apply configuration goes through its JSON, which is what an apply
// sends anyway.
func unstructuredOf(desired any) (*unstructured.Unstructured, schema.GroupVersionKind, error) {
	if _, err := kindOf(desired); err != nil {
		return nil, schema.GroupVersionKind{}, err
	}
	switch d := desired.(type) {
	case *unstructured.Unstructured:
		return d, d.GroupVersionKind(), nil
	case typedConfiguration:
		b, err := json.Marshal(d)
		if err != nil {
			return nil, schema.GroupVersionKind{}, err
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(b); err != nil {
			return nil, schema.GroupVersionKind{}, err
		}
		return u, u.GroupVersionKind(), nil
	}
	return nil, schema.GroupVersionKind{}, fmt.Errorf("cannot apply %T", desired)
}

// typedConfiguration is what every typed apply configuration offers.
type typedConfiguration interface {
	runtime.ApplyConfiguration
	GetName() *string
	GetKind() *string
	GetAPIVersion() *string
}

// matches reports whether what the operator applied to live is desired.
func matches(live client.Object, desired any) (bool, error) {
	switch o := live.(type) {
	case *appsv1.Deployment:
		return same(o, desired, appsv1ac.ExtractDeployment)
	case *corev1.Service:
		return same(o, desired, corev1ac.ExtractService)
	case *corev1.ConfigMap:
		return same(o, desired, corev1ac.ExtractConfigMap)
	case *corev1.PersistentVolumeClaim:
		return same(o, desired, corev1ac.ExtractPersistentVolumeClaim)
	case *autoscalingv2.HorizontalPodAutoscaler:
		return same(o, desired, autoscalingv2ac.ExtractHorizontalPodAutoscaler)
	case *networkingv1.NetworkPolicy:
		return same(o, desired, networkingv1ac.ExtractNetworkPolicy)
	case *policyv1.PodDisruptionBudget:
		return same(o, desired, policyv1ac.ExtractPodDisruptionBudget)
	case *networkingv1.Ingress:
		return same(o, desired, networkingv1ac.ExtractIngress)
	case *unstructured.Unstructured:
		d, ok := desired.(*unstructured.Unstructured)
		return ok && equality.Semantic.DeepEqual(o.Object["spec"], d.Object["spec"]) && hasLabels(o.GetLabels(), d.GetLabels()), nil
	}
	return false, fmt.Errorf("no managed-fields extraction for %T", live)
}

func same[T any, A any](live T, desired any, extract func(T, string) (A, error)) (bool, error) {
	current, err := extract(live, apiv1.ManagedBy)
	if err != nil {
		return false, err
	}
	d, ok := desired.(A)
	return ok && equality.Semantic.DeepEqual(current, d), nil
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// impossibleResourceVersion is a resource version no stored object has: an
// object's resource version is the etcd revision of its last write, and the
// first write to an etcd store is revision 2.
//
// A child missing from the cache is applied with it as an optimistic
// concurrency precondition, a create-only apply: for a free name the API
// server creates the object (a create has no version to compare), and for a
// taken one it answers 409 Conflict, whoever holds it, before changing
// anything. The precondition is not part of the applied fields, so the
// managed fields are the same as those of an ordinary apply.
const impossibleResourceVersion = "1"
