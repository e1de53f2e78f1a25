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
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

const (
	// optionalKindRecheck is how often a RestAPI that asks for a kind whose
	// CRD is missing is looked at again.
	optionalKindRecheck = 5 * time.Minute
)

// optionalKind is a kind whose CRD comes with another project (the VPA, the
// Prometheus Operator), created per component when the spec asks for it.
type optionalKind struct {
	gvk schema.GroupVersionKind
	// condition reports it: present while asked for or while objects of it
	// may be left.
	condition string
	// activeReason, conflictReason: the condition's reasons when every
	// object is in place, and when a name is taken.
	activeReason, conflictReason string
	// missing tells a person what to install.
	missing string
}

// optionalOutcome is what syncOptional found and did; a zero value means the
// kind is not asked for and nothing of it is left.
type optionalOutcome struct {
	condition *metav1.Condition
	requeue   time.Duration
	err       error
}

// syncOptional writes the desired objects of an optional kind (nil when not
// asked for) and deletes this RestAPI's others. Without the CRD it says so
// in the kind's condition and looks again every few minutes; nothing fails.
// The objects are read around the cache: the kind may not exist, so there
// is no informer for it. active is the condition's message when all is in
// place.
func (r *RestAPIReconciler) syncOptional(ctx context.Context, rapi *apiv1.RestAPI, k optionalKind, wanted bool,
	desired []*unstructured.Unstructured, active string) optionalOutcome {
	had := meta.FindStatusCondition(rapi.Status.Conditions, k.condition) != nil
	if !wanted && !had {
		return optionalOutcome{}
	}
	installed, err := r.kindInstalled(k.gvk)
	if err != nil {
		return optionalOutcome{err: err}
	}
	if !installed {
		if !wanted {
			return optionalOutcome{}
		}
		return optionalOutcome{requeue: optionalKindRecheck, condition: &metav1.Condition{
			Type: k.condition, Status: metav1.ConditionFalse, Reason: apiv1.ReasonCRDNotInstalled, Message: k.missing,
		}}
	}

	var list unstructured.UnstructuredList
	list.SetGroupVersionKind(k.gvk.GroupVersion().WithKind(k.gvk.Kind + "List"))
	if err := r.APIReader.List(ctx, &list, client.InNamespace(rapi.Namespace), client.MatchingLabels(render.InstanceLabels(rapi))); err != nil {
		return optionalOutcome{err: fmt.Errorf("listing %ss: %w", k.gvk.Kind, err)}
	}
	live := map[string]*unstructured.Unstructured{}
	for i := range list.Items {
		if metav1.IsControlledBy(&list.Items[i], rapi) {
			live[list.Items[i].GetName()] = &list.Items[i]
		}
	}

	var errs []error
	var conflicts []string
	keep := map[string]bool{}
	for _, d := range desired {
		name := d.GetName()
		keep[name] = true
		conflict, err := r.ensureUnstructured(ctx, rapi, live[name], d)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s %s: %w", k.gvk.Kind, name, err))
		case conflict:
			conflicts = append(conflicts, name)
		}
	}
	for name, o := range live {
		if keep[name] {
			continue
		}
		uid := o.GetUID()
		if err := r.Delete(ctx, o, client.Preconditions{UID: &uid}); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting %s %s: %w", k.gvk.Kind, name, err))
		}
	}

	out := optionalOutcome{err: errors.Join(errs...)}
	switch {
	case !wanted:
		// Removed: the condition goes with them.
	case len(conflicts) > 0:
		out.condition = &metav1.Condition{Type: k.condition, Status: metav1.ConditionFalse, Reason: k.conflictReason,
			Message: fmt.Sprintf("%ss %s already exist and are not owned by this RestAPI; delete or rename them", k.gvk.Kind, strings.Join(conflicts, ", "))}
	default:
		out.condition = &metav1.Condition{Type: k.condition, Status: metav1.ConditionTrue, Reason: k.activeReason, Message: active}
	}
	return out
}

// ensureUnstructured makes an object match desired with one server-side
// apply, or sends nothing when its spec and labels already match. An object
// of that name this RestAPI does not control is never taken over.
func (r *RestAPIReconciler) ensureUnstructured(ctx context.Context, rapi *apiv1.RestAPI, live, desired *unstructured.Unstructured) (conflict bool, err error) {
	if live != nil {
		if equality.Semantic.DeepEqual(live.Object["spec"], desired.Object["spec"]) && hasLabels(live.GetLabels(), desired.GetLabels()) {
			return false, nil
		}
	} else {
		var other unstructured.Unstructured
		other.SetGroupVersionKind(desired.GroupVersionKind())
		err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: rapi.Namespace, Name: desired.GetName()}, &other)
		switch {
		case err == nil && !metav1.IsControlledBy(&other, rapi):
			return true, nil
		case err != nil && !isNotFound(err):
			return false, err
		}
	}
	return false, r.Apply(ctx, client.ApplyConfigurationFromUnstructured(desired), client.FieldOwner(apiv1.ManagedBy), client.ForceOwnership)
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// kindInstalled reports whether the API server serves a kind. The
// manager's REST mapper asks discovery again when it does not know the kind,
// so a CRD installed later is found.
func (r *RestAPIReconciler) kindInstalled(gvk schema.GroupVersionKind) (bool, error) {
	_, err := r.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
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

// setOptionalCondition puts an optional kind's condition into status, or
// removes it when the kind is neither asked for nor left over.
func setOptionalCondition(st *apiv1.RestAPIStatus, conditionType string, o optionalOutcome, generation int64, now time.Time) {
	if o.condition == nil {
		if o.err == nil {
			meta.RemoveStatusCondition(&st.Conditions, conditionType)
		}
		return
	}
	c := *o.condition
	c.ObservedGeneration, c.LastTransitionTime = generation, metav1.NewTime(now)
	meta.SetStatusCondition(&st.Conditions, c)
}
