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
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/autoscaling"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// Reasons of the VerticalScaling condition.
const (
	ReasonVPAsActive       = "VPAsActive"
	ReasonCRDNotInstalled  = "CRDNotInstalled"
	ReasonVPANameConflict  = "VPANameConflict"
	vpaCRDNotInstalledWait = 5 * time.Minute
)

// verticalOutcome is what syncVertical found and did; a zero value means
// vertical scaling is not asked for and nothing of it is left.
type verticalOutcome struct {
	condition *metav1.Condition
	requeue   time.Duration
	err       error
}

// +kubebuilder:rbac:groups=autoscaling.k8s.io,resources=verticalpodautoscalers,verbs=get;list;create;patch;delete

// syncVertical gives every enabled component a VerticalPodAutoscaler on the
// serving colour when the spec asks for it and the VPA CRD is installed,
// and removes the ones no longer asked for. Without the CRD it says so in
// the VerticalScaling condition and looks again every few minutes; nothing
// fails. VPAs are read around the cache: the kind may not exist, so there
// is no informer for it.
func (r *RestAPIReconciler) syncVertical(ctx context.Context, rapi *apiv1.RestAPI, serving bluegreen.Colour) verticalOutcome {
	mode, wanted := autoscaling.VerticalWanted(rapi)
	// The condition is there as long as VPAs may be: then they are looked
	// for even when no longer wanted, to remove them.
	had := meta.FindStatusCondition(rapi.Status.Conditions, apiv1.ConditionVerticalScaling) != nil
	if !wanted && !had {
		return verticalOutcome{}
	}
	installed, err := r.vpaInstalled()
	if err != nil {
		return verticalOutcome{err: err}
	}
	if !installed {
		if !wanted {
			return verticalOutcome{}
		}
		return verticalOutcome{requeue: vpaCRDNotInstalledWait, condition: &metav1.Condition{
			Type: apiv1.ConditionVerticalScaling, Status: metav1.ConditionFalse, Reason: ReasonCRDNotInstalled,
			Message: "spec.autoScaling.vertical is enabled, but the VerticalPodAutoscaler CRD (autoscaling.k8s.io/v1) is not installed: " +
				"install the Vertical Pod Autoscaler; until then the components keep their resources",
		}}
	}

	var list unstructured.UnstructuredList
	list.SetGroupVersionKind(autoscaling.VPAGroupVersionKind.GroupVersion().WithKind("VerticalPodAutoscalerList"))
	if err := r.APIReader.List(ctx, &list, client.InNamespace(rapi.Namespace), client.MatchingLabels(render.InstanceLabels(rapi))); err != nil {
		return verticalOutcome{err: fmt.Errorf("listing VerticalPodAutoscalers: %w", err)}
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
	if wanted {
		for _, c := range enabledComponents(rapi) {
			desired := autoscaling.VPA(rapi, c, serving, mode)
			name := desired.GetName()
			keep[name] = true
			conflict, err := r.ensureVPA(ctx, rapi, live[name], desired)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("VerticalPodAutoscaler %s: %w", name, err))
			case conflict:
				conflicts = append(conflicts, name)
			}
		}
	}
	for name, o := range live {
		if keep[name] {
			continue
		}
		uid := o.GetUID()
		if err := r.Delete(ctx, o, client.Preconditions{UID: &uid}); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting VerticalPodAutoscaler %s: %w", name, err))
		}
	}

	out := verticalOutcome{err: errors.Join(errs...)}
	switch {
	case !wanted:
		// Removed: the condition goes with them.
	case len(conflicts) > 0:
		out.condition = &metav1.Condition{Type: apiv1.ConditionVerticalScaling, Status: metav1.ConditionFalse, Reason: ReasonVPANameConflict,
			Message: fmt.Sprintf("VerticalPodAutoscalers %s already exist and are not owned by this RestAPI; delete or rename them", strings.Join(conflicts, ", "))}
	default:
		msg := fmt.Sprintf("a VerticalPodAutoscaler per component targets the serving Deployments, update mode %s", mode)
		if mode == autoscaling.DefaultVPAUpdateMode {
			msg += " (recommendations only)"
		} else if rapi.Spec.AutoScaling.IsEnabled() {
			msg += "; the HPAs also scale on CPU, so both act on the same signal: prefer update mode Off, or HPAs on other metrics"
		}
		out.condition = &metav1.Condition{Type: apiv1.ConditionVerticalScaling, Status: metav1.ConditionTrue, Reason: ReasonVPAsActive, Message: msg}
	}
	return out
}

// ensureVPA makes a component's VPA match desired with one server-side
// apply, or sends nothing when its spec and labels already match. A VPA of
// that name this RestAPI does not control is never taken over.
func (r *RestAPIReconciler) ensureVPA(ctx context.Context, rapi *apiv1.RestAPI, live, desired *unstructured.Unstructured) (conflict bool, err error) {
	if live != nil {
		if equality.Semantic.DeepEqual(live.Object["spec"], desired.Object["spec"]) && hasLabels(live.GetLabels(), desired.GetLabels()) {
			return false, nil
		}
	} else {
		var other unstructured.Unstructured
		other.SetGroupVersionKind(autoscaling.VPAGroupVersionKind)
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

// vpaInstalled reports whether the API server serves VerticalPodAutoscalers.
// The manager's REST mapper asks discovery again when it does not know the
// kind, so a CRD installed later is found.
func (r *RestAPIReconciler) vpaInstalled() (bool, error) {
	_, err := r.RESTMapper().RESTMapping(autoscaling.VPAGroupVersionKind.GroupKind(), autoscaling.VPAGroupVersionKind.Version)
	var discoveryFailed *apiutil.ErrResourceDiscoveryFailed
	switch {
	case err == nil:
		return true, nil
	case meta.IsNoMatchError(err), errors.As(err, &discoveryFailed):
		return false, nil
	default:
		return false, fmt.Errorf("looking up the VerticalPodAutoscaler kind: %w", err)
	}
}

// setVerticalCondition puts the VerticalScaling condition into status, or
// removes it when vertical scaling is neither asked for nor left over.
func setVerticalCondition(st *apiv1.RestAPIStatus, v verticalOutcome, generation int64, now time.Time) {
	if v.condition == nil {
		if v.err == nil {
			meta.RemoveStatusCondition(&st.Conditions, apiv1.ConditionVerticalScaling)
		}
		return
	}
	c := *v.condition
	c.ObservedGeneration, c.LastTransitionTime = generation, metav1.NewTime(now)
	meta.SetStatusCondition(&st.Conditions, c)
}
