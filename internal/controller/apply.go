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
	"fmt"
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// writeResult is what ensure did with a child.
type writeResult int

const (
	unchanged writeResult = iota
	created
	updated
	conflict
)

// ensure makes the named child match desired with one server-side apply, or
// sends nothing when the fields this operator manages already match.
//
// Matching compares desired with what the live object's managed fields say
// this operator applied (client-go's Extract functions), so a field edited by
// another manager counts as a difference and is restored, while fields others
// own (an HPA's replicas, defaults filled in by the apiserver) never cause a
// write.
//
// A child missing from the cache is created with a create-only apply (see
// createOnly): one request when the name is free, which is the common case.
// Only when the API server answers that something holds the name is the
// object read, around the cache: an object this RestAPI does not control is
// never taken over; one it does control (the cache had not seen it yet) gets
// the ordinary apply.
func ensure[T client.Object, A runtime.ApplyConfiguration](
	ctx context.Context, r *RestAPIReconciler, rapi *apiv1.RestAPI,
	live map[string]T, name string, desired A,
	extract func(T, string) (A, error), scratch T,
) (writeResult, error) {
	if obj, ok := live[name]; ok {
		current, err := extract(obj, apiv1.ManagedBy)
		if err != nil {
			return unchanged, fmt.Errorf("reading managed fields: %w", err)
		}
		if equality.Semantic.DeepEqual(current, desired) {
			return unchanged, nil
		}
	} else {
		err := createOnly(ctx, r.Client, desired)
		if !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) {
			if err != nil {
				return unchanged, err
			}
			return created, nil
		}
		err = r.APIReader.Get(ctx, types.NamespacedName{Namespace: rapi.Namespace, Name: name}, scratch)
		switch {
		case err != nil:
			// Gone again (NotFound): the next reconcile creates it.
			return unchanged, err
		case !metav1.IsControlledBy(scratch, rapi):
			return conflict, nil
		}
	}
	if err := r.Apply(ctx, desired, client.FieldOwner(apiv1.ManagedBy), client.ForceOwnership); err != nil {
		return unchanged, err
	}
	return updated, nil
}

// impossibleResourceVersion is a resource version no stored object has: an
// object's resource version is the etcd revision of its last write, and the
// first write to an etcd store is revision 2.
const impossibleResourceVersion = "1"

// createOnly applies desired as this operator, but only if no object of
// that name exists. The apply carries impossibleResourceVersion as an
// optimistic-concurrency precondition: for a free name the API server
// creates the object (a create has no version to compare), and for a taken
// one it answers 409 Conflict, whoever holds it, before changing anything.
// The precondition is not part of the applied fields, so the managed fields
// are the same as those of an ordinary apply.
func createOnly(ctx context.Context, c client.Client, desired runtime.ApplyConfiguration) error {
	meta := objectMetaOf(desired)
	if meta == nil {
		return fmt.Errorf("%T has no object metadata", desired)
	}
	meta.ResourceVersion = new(impossibleResourceVersion)
	err := c.Apply(ctx, desired, client.FieldOwner(apiv1.ManagedBy), client.ForceOwnership)
	if err != nil {
		meta.ResourceVersion = nil
	}
	return err
}

// objectMetaOf returns the metadata of a typed apply configuration (they
// all embed *ObjectMetaApplyConfiguration), creating it if needed, or nil
// for anything else.
func objectMetaOf(ac runtime.ApplyConfiguration) *metav1ac.ObjectMetaApplyConfiguration {
	v := reflect.ValueOf(ac)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("ObjectMetaApplyConfiguration")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*metav1ac.ObjectMetaApplyConfiguration]() {
		return nil
	}
	if f.IsNil() {
		f.Set(reflect.ValueOf(&metav1ac.ObjectMetaApplyConfiguration{}))
	}
	return f.Interface().(*metav1ac.ObjectMetaApplyConfiguration)
}

// kindOf names the kind of a child, for Events and errors.
func kindOf(o client.Object) string {
	switch o.(type) {
	case *appsv1.Deployment:
		return "Deployment"
	case *corev1.Service:
		return "Service"
	case *corev1.ConfigMap:
		return "ConfigMap"
	case *autoscalingv2.HorizontalPodAutoscaler:
		return "HorizontalPodAutoscaler"
	case *networkingv1.NetworkPolicy:
		return "NetworkPolicy"
	case *policyv1.PodDisruptionBudget:
		return "PodDisruptionBudget"
	}
	return fmt.Sprintf("%T", o)
}
