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
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// Children are the objects in the cache that a RestAPI controls, by name,
// and the Pods of its Deployments (read only).
type Children struct {
	Deployments map[string]*appsv1.Deployment
	Services    map[string]*corev1.Service
	ConfigMaps  map[string]*corev1.ConfigMap
	HPAs        map[string]*autoscalingv2.HorizontalPodAutoscaler
	NetPols     map[string]*networkingv1.NetworkPolicy
	PDBs        map[string]*policyv1.PodDisruptionBudget
	Ingresses   map[string]*networkingv1.Ingress
	// Claims are the PersistentVolumeClaims labelled as this RestAPI's: they
	// have no owner (the data outlives the RestAPI) and are never deleted.
	Claims map[string]*corev1.PersistentVolumeClaim
	// Jobs are the hooks' Jobs (spec.blueGreen.hooks).
	Jobs map[string]*batchv1.Job
	Pods []corev1.Pod
}

// NewChildren are no children: every map made, for the phases to fill.
func NewChildren() Children {
	return Children{
		Deployments: map[string]*appsv1.Deployment{}, Services: map[string]*corev1.Service{},
		ConfigMaps: map[string]*corev1.ConfigMap{}, HPAs: map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		NetPols: map[string]*networkingv1.NetworkPolicy{}, PDBs: map[string]*policyv1.PodDisruptionBudget{},
		Claims: map[string]*corev1.PersistentVolumeClaim{}, Ingresses: map[string]*networkingv1.Ingress{},
		Jobs: map[string]*batchv1.Job{},
	}
}

// InstanceIndex indexes the cached children by the RestAPI they belong to
// (their instance label), so listing one RestAPI's children reads only
// those, not every managed object in the namespace.
const InstanceIndex = "restapi.instance"

// IndexInstance is the InstanceIndex function.
func IndexInstance(o client.Object) []string {
	if v, ok := o.GetLabels()[apiv1.LabelInstance]; ok {
		return []string{v}
	}
	return nil
}

// ReadChildren lists, from the cache, every child the RestAPI controls:
// once per reconcile, through childcache.Reader. A child the cache lists
// as it was before this manager's last write of it is that write's answer
// (see OwnWrites).
func ReadChildren(ctx context.Context, c client.Reader, rapi *apiv1.RestAPI, own *OwnWrites) (Children, error) {
	opts := []client.ListOption{client.InNamespace(rapi.Namespace), client.MatchingFields{InstanceIndex: rapi.Name},
		client.MatchingLabels(render.InstanceLabels(rapi))}
	var deps appsv1.DeploymentList
	var svcs corev1.ServiceList
	var cms corev1.ConfigMapList
	var hpas autoscalingv2.HorizontalPodAutoscalerList
	var pods corev1.PodList
	var claims corev1.PersistentVolumeClaimList
	var netpols networkingv1.NetworkPolicyList
	var pdbs policyv1.PodDisruptionBudgetList
	var ingresses networkingv1.IngressList
	var jobs batchv1.JobList
	for _, l := range []client.ObjectList{&deps, &svcs, &cms, &hpas, &pods, &claims, &netpols, &pdbs, &ingresses, &jobs} {
		if err := (childcache.Reader{Reader: c}).List(ctx, l, opts...); err != nil {
			return Children{}, fmt.Errorf("listing children of %s: %w", rapi.Name, err)
		}
	}
	kids := Children{
		Deployments: controlled(rapi, deps.Items),
		Services:    controlled(rapi, svcs.Items),
		ConfigMaps:  controlled(rapi, cms.Items),
		HPAs:        controlled(rapi, hpas.Items),
		NetPols:     controlled(rapi, netpols.Items),
		PDBs:        controlled(rapi, pdbs.Items),
		Ingresses:   controlled(rapi, ingresses.Items),
		Jobs:        controlled(rapi, jobs.Items),
		Pods:        pods.Items,
		Claims:      map[string]*corev1.PersistentVolumeClaim{},
	}
	for i := range claims.Items {
		kids.Claims[claims.Items[i].Name] = &claims.Items[i]
	}
	own.overlay(types.NamespacedName{Namespace: rapi.Namespace, Name: rapi.Name}, kids)
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

// Live is the child of that name in m, or nil (a nil interface, not a nil
// pointer in one) when there is none: the live argument of Scope.Apply.
func Live[T client.Object](m map[string]T, name string) client.Object {
	if o, ok := m[name]; ok {
		return o
	}
	return nil
}

// PodsOf returns the Pods of a Deployment's current template: same
// component, same colour (none for the single-colour Deployments), same
// revision.
func (k Children) PodsOf(d *appsv1.Deployment) []corev1.Pod {
	if d == nil {
		return nil
	}
	want := d.Spec.Template.Labels
	var out []corev1.Pod
	for _, p := range k.Pods {
		l := p.Labels
		if l[apiv1.LabelComponent] == want[apiv1.LabelComponent] && l[apiv1.LabelEnvironment] == want[apiv1.LabelEnvironment] &&
			l[apiv1.LabelRevision] == want[apiv1.LabelRevision] {
			out = append(out, p)
		}
	}
	return out
}

// PodCountOf counts the Pods of one colour (Legacy: of the single-colour
// Deployments), terminating ones included. A hook's Pod belongs to no
// colour.
func (k Children) PodCountOf(colour apiv1.Environment) int {
	n := 0
	for _, p := range k.Pods {
		if p.Labels[apiv1.LabelEnvironment] == string(colour) && p.Labels[apiv1.LabelHook] == "" && p.Labels[apiv1.LabelComponent] != "" {
			n++
		}
	}
	return n
}

// Owned lists every child the cleanup may delete, sorted by kind and name
// (claims are never deleted: they hold the repository's data; a hook's
// Job is deleted only when the hooks phase does not keep it).
func (k Children) Owned() []client.Object {
	var out []client.Object
	out = appendAll(out, k.Jobs)
	out = appendAll(out, k.Services)
	out = appendAll(out, k.Deployments)
	out = appendAll(out, k.ConfigMaps)
	out = appendAll(out, k.HPAs)
	out = appendAll(out, k.NetPols)
	out = appendAll(out, k.PDBs)
	out = appendAll(out, k.Ingresses)
	return out
}

func appendAll[T client.Object](out []client.Object, m map[string]T) []client.Object {
	start := len(out)
	for _, o := range m {
		out = append(out, o)
	}
	slices.SortFunc(out[start:], func(a, b client.Object) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out
}

// get is the child of a kind (KindOf) and name, or nil.
func (k Children) get(kind, name string) client.Object {
	switch kind {
	case "Deployment":
		return Live(k.Deployments, name)
	case "Service":
		return Live(k.Services, name)
	case "ConfigMap":
		return Live(k.ConfigMaps, name)
	case "HorizontalPodAutoscaler":
		return Live(k.HPAs, name)
	case "NetworkPolicy":
		return Live(k.NetPols, name)
	case "PodDisruptionBudget":
		return Live(k.PDBs, name)
	case "Ingress":
		return Live(k.Ingresses, name)
	case "PersistentVolumeClaim":
		return Live(k.Claims, name)
	case "Job":
		return Live(k.Jobs, name)
	}
	return nil
}

// put makes o the child of its kind and name: a copy already listed is
// overwritten in place, so whoever holds it sees what was written. A kind
// with no map here (an optional kind, read around the cache) is left out.
func (k Children) put(o client.Object) {
	switch o := o.(type) {
	case *appsv1.Deployment:
		putIn(k.Deployments, o)
	case *corev1.Service:
		putIn(k.Services, o)
	case *corev1.ConfigMap:
		putIn(k.ConfigMaps, o)
	case *autoscalingv2.HorizontalPodAutoscaler:
		putIn(k.HPAs, o)
	case *networkingv1.NetworkPolicy:
		putIn(k.NetPols, o)
	case *policyv1.PodDisruptionBudget:
		putIn(k.PDBs, o)
	case *networkingv1.Ingress:
		putIn(k.Ingresses, o)
	case *corev1.PersistentVolumeClaim:
		putIn(k.Claims, o)
	case *batchv1.Job:
		putIn(k.Jobs, o)
	}
}

func putIn[T any](m map[string]*T, o *T) {
	name := any(o).(client.Object).GetName()
	if old, ok := m[name]; ok && old != nil {
		*old = *o
		return
	}
	m[name] = o
}

// forget drops a deleted child.
func (k Children) forget(o client.Object) {
	switch o.(type) {
	case *appsv1.Deployment:
		delete(k.Deployments, o.GetName())
	case *batchv1.Job:
		delete(k.Jobs, o.GetName())
	}
}
