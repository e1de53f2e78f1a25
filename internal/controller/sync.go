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

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	autoscalingv2ac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// syncOutcome is what syncChildren did and could not do.
type syncOutcome struct {
	// conflicts names children that exist but belong to something else.
	conflicts []string
	// err joins the errors of failed writes.
	err error
}

// syncChildren carries out the blue-green plan: it writes every rendered
// child that differs from the cluster, scales colours down, and deletes the
// children no longer wanted (a disabled component's, a removed colour's). A
// child that matches needs no request at all.
func (r *RestAPIReconciler) syncChildren(ctx context.Context, rapi *apiv1.RestAPI, kids children, plan bluegreen.Plan, serving bluegreen.Colour, sc scaling) syncOutcome {
	floors := sc.floors
	w := &syncRun{r: r, ctx: ctx, rapi: rapi, kids: kids, serving: serving, floors: floors, reduce: plan.ReducePreview}
	// One Event per kind of write and reconcile, not one per object: a new
	// blue-green RestAPI creates 33 objects.
	defer func() {
		if len(w.made) > 0 {
			r.event(rapi, corev1.EventTypeNormal, "Created", "Create", "%s", listNote("Created ", w.made))
		}
		if len(w.changed) > 0 {
			r.event(rapi, corev1.EventTypeNormal, "Updated", "Update", "%s", listNote("Updated to the desired state: ", w.changed))
		}
	}()

	// The repository's volume goes first: its pods mount it.
	if claim := render.Claim(rapi); claim != nil {
		res, err := r.ensureClaim(ctx, rapi, kids, claim)
		w.note("PersistentVolumeClaim", *claim.Name, res, err)
	}

	keep := map[string]bool{}
	comps := enabledComponents(rapi)
	for _, colour := range allColours {
		action := plan.Actions[colour]
		if action == bluegreen.Delete {
			continue
		}
		for _, c := range comps {
			keep["ConfigMap/"+render.ConfigMapName(rapi, c, colour)] = true
			keep["Deployment/"+render.ColourName(rapi, c, colour)] = true
		}
		if action == bluegreen.Render {
			for _, c := range render.Desired(rapi, colour) {
				w.component(c, colour)
			}
		}
	}

	for _, svc := range render.Services(rapi, plan.Active, plan.Preview, plan.Preview != bluegreen.Legacy) {
		name := *svc.Name
		keep["Service/"+name] = true
		res, err := ensure(ctx, r, rapi, kids.services, name, svc, corev1ac.ExtractService, &corev1.Service{})
		w.note("Service", name, res, err)
	}

	if sc.history != nil {
		name := *sc.history.Name
		keep["ConfigMap/"+name] = true
		res, err := ensure(ctx, r, rapi, kids.configMaps, name, sc.history, corev1ac.ExtractConfigMap, &corev1.ConfigMap{})
		if res == created || res == updated {
			res = unchanged // history is recorded all the time: no Event for it
		}
		w.note("ConfigMap", name, res, err)
	}

	for _, np := range render.NetworkPolicies(rapi) {
		name := *np.Name
		keep["NetworkPolicy/"+name] = true
		res, err := ensure(ctx, r, rapi, kids.netpols, name, np, networkingv1ac.ExtractNetworkPolicy, &networkingv1.NetworkPolicy{})
		w.note("NetworkPolicy", name, res, err)
	}

	// Disruption budgets cover the serving colour's pods, where it runs more
	// than one.
	for _, c := range comps {
		if d := kids.deployments[render.ColourName(rapi, c, serving)]; d == nil || replicasOf(d) < 2 {
			continue
		}
		pdb := render.PDB(rapi, c, serving)
		name := *pdb.Name
		keep["PodDisruptionBudget/"+name] = true
		res, err := ensure(ctx, r, rapi, kids.pdbs, name, pdb, policyv1ac.ExtractPodDisruptionBudget, &policyv1.PodDisruptionBudget{})
		w.note("PodDisruptionBudget", name, res, err)
	}

	// The HPAs follow the traffic: they target the serving colour.
	for _, c := range rapi.Spec.Components() {
		a := render.ResolveAutoscaling(rapi, c)
		if !c.IsEnabled() || a == nil {
			continue
		}
		name := render.HPAName(rapi, c.Name)
		keep["HorizontalPodAutoscaler/"+name] = true
		hpa := render.HPA(rapi, c.Name, a, serving, floors.of(c.Name, a.MinReplicas))
		res, err := ensure(ctx, r, rapi, kids.hpas, name, hpa, autoscalingv2ac.ExtractHorizontalPodAutoscaler, &autoscalingv2.HorizontalPodAutoscaler{})
		w.note("HorizontalPodAutoscaler", name, res, err)
		kids.appliedHPA(name, hpa, res)
	}

	// Scale down only after the Services moved away from what goes.
	for _, colour := range allColours {
		if plan.Actions[colour] != bluegreen.ScaleDown {
			continue
		}
		for _, c := range comps {
			res, name, err := r.scaleDown(ctx, rapi, kids, render.ColourName(rapi, c, colour))
			w.note("Deployment", name, res, err)
		}
	}

	deleted, delErrs := r.deleteStale(ctx, kids, keep)
	w.errs = append(w.errs, delErrs...)
	if len(deleted) > 0 {
		r.event(rapi, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted, no longer part of the spec: %s", strings.Join(deleted, ", "))
	}
	w.out.err = errors.Join(w.errs...)
	return w.out
}

// syncRun is one syncChildren run: what it wrote, and what it could not.
type syncRun struct {
	r       *RestAPIReconciler
	ctx     context.Context
	rapi    *apiv1.RestAPI
	kids    children
	serving bluegreen.Colour
	floors  floors
	// reduce starts a colour being prepared at spec.blueGreen.previewReplicas.
	reduce bool

	out           syncOutcome
	errs          []error
	made, changed []string
}

func (w *syncRun) note(kind, name string, res writeResult, err error) {
	switch {
	case err != nil:
		w.errs = append(w.errs, fmt.Errorf("%s %s: %w", kind, name, err))
	case res == conflict:
		w.out.conflicts = append(w.out.conflicts, kind+" "+name)
	case res == created:
		w.made = append(w.made, kind+" "+name)
	case res == updated:
		w.changed = append(w.changed, kind+" "+name)
	}
}

// component writes one component's ConfigMap and Deployment of one colour.
//
// For a component an HPA scales, replicas are never part of this
// operator's own apply, in any colour: a second field owner
// (ReplicasFieldOwner) sets them where the operator decides them (a new
// Deployment, a colour being prepared, a colour scaled down) and the HPA
// sets them in the serving colour. A promotion then writes no Deployment.
func (w *syncRun) component(c render.Component, colour bluegreen.Colour) {
	ctx, r, rapi, kids := w.ctx, w.r, w.rapi, w.kids
	cm, dep := *c.ConfigMap.Name, *c.Deployment.Name
	// Capacity handoff: a colour being prepared starts at least as large as
	// the one serving, or at its preview size until its switch is due.
	size := handOff(rapi, kids, c.Settings.Name, *c.Deployment.Spec.Replicas, colour, w.serving)
	if colour != w.serving && w.reduce {
		size = render.PreviewReplicas(rapi, size)
	}
	autoscaled := c.Settings.Autoscaling != nil
	if autoscaled {
		c.Deployment.Spec.Replicas = nil
	} else {
		c.Deployment.Spec.WithReplicas(size)
	}
	// The ConfigMap goes first: the Deployment's pods read it.
	res, err := ensure(ctx, r, rapi, kids.configMaps, cm, c.ConfigMap, corev1ac.ExtractConfigMap, &corev1.ConfigMap{})
	w.note("ConfigMap", cm, res, err)
	if autoscaled {
		// Replicas this operator's apply still holds (written by an earlier
		// version, or before autoscaling was on) go to the other field
		// owner first, so leaving them out of the apply below does not
		// reset them.
		if err := r.handOverReplicas(ctx, kids.deployments[dep]); err != nil {
			w.note("Deployment", dep, unchanged, err)
			return
		}
	}
	// The template first, then the size: a colour being prepared never
	// starts pods of the revision it is leaving.
	res, err = ensure(ctx, r, rapi, kids.deployments, dep, c.Deployment, appsv1ac.ExtractDeployment, &appsv1.Deployment{})
	w.note("Deployment", dep, res, err)
	kids.applied(dep, c.Deployment, res)
	if !autoscaled || err != nil {
		return
	}
	n := size
	switch {
	case res == created && colour == w.serving:
		// Created without replicas: start at the HPA's floor, unless that is
		// the API server's default of 1 (nothing to send; the field then has
		// no owner, and leaving it out of later applies keeps it).
		n = w.floors.of(c.Settings.Name, c.Settings.Replicas)
		if n == 1 {
			return
		}
	case res == created:
		if n == 1 {
			return
		}
	case colour == w.serving:
		return // the HPA's
	default:
		if d := kids.deployments[dep]; d != nil && replicasOf(d) == size {
			return
		}
	}
	err = r.applyReplicas(ctx, rapi.Namespace, dep, n, kids.deployments[dep])
	w.note("Deployment", dep, unchanged, err)
}

// floors are the HPA floors predictive scaling raised, by component.
type floors map[apiv1.ComponentName]int32

// of is the floor of component c: the raised one, else def.
func (f floors) of(c apiv1.ComponentName, def int32) int32 {
	if n, ok := f[c]; ok && n > def {
		return n
	}
	return def
}

// ensureClaim creates the repository's PersistentVolumeClaim, or updates
// what this operator set on it (a larger size), sending nothing when that
// matches. A claim of that name that does not carry this RestAPI's labels is
// never taken over. The operator never deletes a claim.
func (r *RestAPIReconciler) ensureClaim(ctx context.Context, rapi *apiv1.RestAPI, kids children, desired *corev1ac.PersistentVolumeClaimApplyConfiguration) (writeResult, error) {
	name := *desired.Name
	result := updated
	if pvc, ok := kids.claims[name]; ok {
		current, err := corev1ac.ExtractPersistentVolumeClaim(pvc, apiv1.ManagedBy)
		if err != nil {
			return unchanged, fmt.Errorf("reading managed fields: %w", err)
		}
		if equality.Semantic.DeepEqual(current, desired) {
			return unchanged, nil
		}
	} else {
		var other corev1.PersistentVolumeClaim
		err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: rapi.Namespace, Name: name}, &other)
		switch {
		case isNotFound(err):
			result = created
		case err != nil:
			return unchanged, err
		case !hasLabels(other.Labels, render.InstanceLabels(rapi)):
			return conflict, nil
		}
	}
	if err := r.Apply(ctx, desired, client.FieldOwner(apiv1.ManagedBy), client.ForceOwnership); err != nil {
		return unchanged, err
	}
	return result, nil
}

// appendStale adds the children of one kind that keep does not name
// ("Kind/name").
func appendStale[T client.Object](stale []client.Object, live map[string]T, keep map[string]bool) []client.Object {
	for name, o := range live {
		if !keep[kindOf(o)+"/"+name] {
			stale = append(stale, o)
		}
	}
	return stale
}

// deleteStale deletes the children this RestAPI controls that the plan no
// longer wants, with a UID precondition.
func (r *RestAPIReconciler) deleteStale(ctx context.Context, kids children, keep map[string]bool) ([]string, []error) {
	var errs []error
	var deleted []string
	var stale []client.Object
	stale = appendStale(stale, kids.services, keep)
	stale = appendStale(stale, kids.deployments, keep)
	stale = appendStale(stale, kids.configMaps, keep)
	stale = appendStale(stale, kids.hpas, keep)
	stale = appendStale(stale, kids.netpols, keep)
	stale = appendStale(stale, kids.pdbs, keep)
	for _, o := range stale {
		kind := kindOf(o)
		uid := o.GetUID()
		err := r.Delete(ctx, o, client.Preconditions{UID: &uid})
		if client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting %s %s: %w", kind, o.GetName(), err))
			continue
		}
		if kind == "Deployment" {
			delete(kids.deployments, o.GetName())
		}
		if err == nil {
			deleted = append(deleted, kind+" "+o.GetName())
		}
	}
	return deleted, errs
}
