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
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

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
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	autoscalingv2ac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// children are the objects in the cache that this RestAPI controls, by name,
// and the Pods of its Deployments (read only).
type children struct {
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	configMaps  map[string]*corev1.ConfigMap
	hpas        map[string]*autoscalingv2.HorizontalPodAutoscaler
	netpols     map[string]*networkingv1.NetworkPolicy
	pdbs        map[string]*policyv1.PodDisruptionBudget
	// claims are the PersistentVolumeClaims labelled as this RestAPI's: they
	// have no owner (the data outlives the RestAPI).
	claims map[string]*corev1.PersistentVolumeClaim
	pods   []corev1.Pod
}

// podsOf returns the Pods of a Deployment's current template: same
// component, same colour (none for the single-colour Deployments), same
// revision.
func (k children) podsOf(d *appsv1.Deployment) []corev1.Pod {
	if d == nil {
		return nil
	}
	want := d.Spec.Template.Labels
	var out []corev1.Pod
	for _, p := range k.pods {
		l := p.Labels
		if l[apiv1.LabelComponent] == want[apiv1.LabelComponent] && l[apiv1.LabelEnvironment] == want[apiv1.LabelEnvironment] &&
			l[apiv1.LabelRevision] == want[apiv1.LabelRevision] {
			out = append(out, p)
		}
	}
	return out
}

// instanceIndex indexes the cached children by the RestAPI they belong to
// (their instance label), so listing one RestAPI's children reads only
// those, not every managed object in the namespace.
const instanceIndex = "restapi.instance"

func indexInstance(o client.Object) []string {
	if v, ok := o.GetLabels()[apiv1.LabelInstance]; ok {
		return []string{v}
	}
	return nil
}

// readChildren lists, from the cache, every child the RestAPI controls.
func (r *RestAPIReconciler) readChildren(ctx context.Context, rapi *apiv1.RestAPI) (children, error) {
	opts := []client.ListOption{client.InNamespace(rapi.Namespace), client.MatchingFields{instanceIndex: rapi.Name},
		client.MatchingLabels(render.InstanceLabels(rapi))}
	var deps appsv1.DeploymentList
	var svcs corev1.ServiceList
	var cms corev1.ConfigMapList
	var hpas autoscalingv2.HorizontalPodAutoscalerList
	var pods corev1.PodList
	var claims corev1.PersistentVolumeClaimList
	var netpols networkingv1.NetworkPolicyList
	var pdbs policyv1.PodDisruptionBudgetList
	for _, l := range []client.ObjectList{&deps, &svcs, &cms, &hpas, &pods, &claims, &netpols, &pdbs} {
		if err := (childcache.Reader{Reader: r.Client}).List(ctx, l, opts...); err != nil {
			return children{}, fmt.Errorf("listing children of %s: %w", rapi.Name, err)
		}
	}
	kids := children{
		deployments: controlled(rapi, deps.Items),
		services:    controlled(rapi, svcs.Items),
		configMaps:  controlled(rapi, cms.Items),
		hpas:        controlled(rapi, hpas.Items),
		netpols:     controlled(rapi, netpols.Items),
		pdbs:        controlled(rapi, pdbs.Items),
		pods:        pods.Items,
		claims:      map[string]*corev1.PersistentVolumeClaim{},
	}
	for i := range claims.Items {
		kids.claims[claims.Items[i].Name] = &claims.Items[i]
	}
	return kids, nil
}

// controlled indexes by name the items whose controller is rapi.
func controlled[T any, PT interface {
	*T
	metav1.Object
}](rapi *apiv1.RestAPI, items []T) map[string]PT {
	out := make(map[string]PT, len(items))
	for i := range items {
		obj := PT(&items[i])
		if metav1.IsControlledBy(obj, rapi) {
			out[obj.GetName()] = obj
		}
	}
	return out
}

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
		kids.writtenHPA(name, hpa, res)
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
	kids.written(dep, c.Deployment, res)
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

// ReplicasFieldOwner is the field owner that keeps a Deployment's replicas
// when an HPA takes them over: the operator's own apply then leaves them out,
// which without a second owner would reset them to 1.
const ReplicasFieldOwner = "restapi-operator-replicas"

// handOverReplicas gives a Deployment's replicas, when this operator's
// apply still owns them, to ReplicasFieldOwner at their current value; nil
// d (not created yet) needs nothing.
func (r *RestAPIReconciler) handOverReplicas(ctx context.Context, d *appsv1.Deployment) error {
	if d == nil || d.Spec.Replicas == nil {
		return nil
	}
	mine, err := appsv1ac.ExtractDeployment(d, apiv1.ManagedBy)
	if err != nil {
		return fmt.Errorf("reading managed fields: %w", err)
	}
	if mine.Spec == nil || mine.Spec.Replicas == nil {
		return nil
	}
	return r.applyReplicas(ctx, d.Namespace, d.Name, *d.Spec.Replicas, d)
}

// applyReplicas sets a Deployment's replicas as ReplicasFieldOwner. d, the
// reconcile's copy of it (nil when there is none), is updated to the
// answer (replicas and generation), so status describes the Deployment as
// written, not as the cache last saw it.
func (r *RestAPIReconciler) applyReplicas(ctx context.Context, ns, name string, n int32, d *appsv1.Deployment) error {
	ac := appsv1ac.Deployment(name, ns).WithSpec(appsv1ac.DeploymentSpec().WithReplicas(n))
	if err := r.Apply(ctx, ac, client.FieldOwner(ReplicasFieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("setting replicas: %w", err)
	}
	if d != nil {
		d.Spec.Replicas = &n
		if ac.Generation != nil {
			d.Generation = *ac.Generation
		}
	}
	return nil
}

// scaleDown scales a colour's Deployment to zero, keeping its template so
// the colour can come back as it was. Whoever holds the replicas scales:
// when this operator's apply leaves them out (an HPA scales the component,
// see component), ReplicasFieldOwner sets zero; otherwise what this
// operator applied is re-applied with zero replicas.
func (r *RestAPIReconciler) scaleDown(ctx context.Context, rapi *apiv1.RestAPI, kids children, name string) (writeResult, string, error) {
	d := kids.deployments[name]
	if d == nil {
		return unchanged, name, nil
	}
	ac, err := appsv1ac.ExtractDeployment(d, apiv1.ManagedBy)
	if err != nil || ac.Spec == nil {
		return unchanged, name, fmt.Errorf("reading managed fields: %v", err)
	}
	if ac.Spec.Replicas == nil {
		if replicasOf(d) == 0 {
			return unchanged, name, nil
		}
		if err := r.applyReplicas(ctx, rapi.Namespace, name, 0, d); err != nil {
			return unchanged, name, err
		}
		return unchanged, name, nil // a scale-down is reported by the blue-green Events
	}
	ac.Spec.WithReplicas(0)
	res, err := ensure(ctx, r, rapi, kids.deployments, name, ac, appsv1ac.ExtractDeployment, &appsv1.Deployment{})
	kids.written(name, ac, res)
	if res == updated {
		res = unchanged // a scale-down is reported by the blue-green Events
	}
	return res, name, err
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

// written replaces the cache's copy of a Deployment this reconcile created
// or updated, so status describes it as written (a new generation not yet
// observed), not as the cache last saw it.
func (k children) written(name string, ac *appsv1ac.DeploymentApplyConfiguration, res writeResult) {
	if res != created && res != updated {
		return
	}
	if d, err := decodeApplied[appsv1.Deployment](ac); err == nil {
		k.deployments[name] = d
	}
}

// writtenHPA does for an HPA what written does for a Deployment.
func (k children) writtenHPA(name string, ac *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration, res writeResult) {
	if res != created && res != updated {
		return
	}
	if h, err := decodeApplied[autoscalingv2.HorizontalPodAutoscaler](ac); err == nil {
		k.hpas[name] = h
	}
}

// decodeApplied decodes the apply response that client.Apply left in an
// apply configuration into the object.
func decodeApplied[T any](ac any) (*T, error) {
	b, err := json.Marshal(ac)
	if err != nil {
		return nil, err
	}
	var obj T
	return &obj, json.Unmarshal(b, &obj)
}

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

// maxEventNote is the longest note the API server accepts in an Event
// (events.k8s.io/v1); a longer one is rejected and the Event lost.
const maxEventNote = 1024

// event records an Event on the RestAPI, its note cut to maxEventNote.
func (r *RestAPIReconciler) event(rapi *apiv1.RestAPI, eventType, reason, action, note string, args ...any) {
	if r.Recorder == nil {
		return
	}
	r.Recorder.Eventf(rapi, nil, eventType, reason, action, "%s", truncateNote(fmt.Sprintf(note, args...)))
}

// truncateNote cuts s to maxEventNote bytes, on a character boundary,
// marking the cut with an ellipsis.
func truncateNote(s string) string {
	if len(s) <= maxEventNote {
		return s
	}
	const more = "…"
	cut := maxEventNote - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// listNote is prefix followed by items joined with commas, as many as fit in
// an Event note, then how many more there were: a new blue-green RestAPI
// with long names creates 33 objects, well over the limit.
func listNote(prefix string, items []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i, it := range items {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		// Room for this item and for the longest possible tail.
		tail := len(fmt.Sprintf(" and %d more", len(items)-i-1))
		if i == len(items)-1 {
			tail = 0
		}
		if b.Len()+len(sep)+len(it)+tail > maxEventNote {
			fmt.Fprintf(&b, " and %d more", len(items)-i)
			return b.String()
		}
		b.WriteString(sep)
		b.WriteString(it)
	}
	return b.String()
}
