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
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	autoscalingv2ac "k8s.io/client-go/applyconfigurations/autoscaling/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
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

// applied replaces the cache's copy of a Deployment this reconcile created
// or updated, so status describes it as written (a new generation not yet
// observed), not as the cache last saw it.
func (k children) applied(name string, ac *appsv1ac.DeploymentApplyConfiguration, res writeResult) {
	if res != created && res != updated {
		return
	}
	if d, err := decodeApplied[appsv1.Deployment](ac); err == nil {
		k.deployments[name] = d
	}
}

// appliedHPA does for an HPA what applied does for a Deployment.
func (k children) appliedHPA(name string, ac *autoscalingv2ac.HorizontalPodAutoscalerApplyConfiguration, res writeResult) {
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
