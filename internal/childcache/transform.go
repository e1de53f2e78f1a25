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

package childcache

import (
	"context"
	"errors"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Kinds are the child kinds the operator lists: cached only with the
// operator's labels, trimmed, and shared.
func Kinds() []client.Object {
	return []client.Object{&appsv1.Deployment{}, &corev1.Service{}, &corev1.ConfigMap{}, &autoscalingv2.HorizontalPodAutoscaler{},
		&corev1.Pod{}, &corev1.PersistentVolumeClaim{}, &networkingv1.NetworkPolicy{}, &policyv1.PodDisruptionBudget{},
		&networkingv1.Ingress{}, &batchv1.Job{}}
}

// errSharedCopies refuses a read that would hand out the cache's own
// objects, whose shared parts a caller's change would corrupt.
var errSharedCopies = errors.New("childcache.Reader: UnsafeDisableDeepCopy would hand out the shared cached copies")

// Reader reads children from the cache with what the transforms took out
// put back (Restore): the only way the operator reads them. It always
// reads deep copies, so a caller may change what it gets.
type Reader struct{ client.Reader }

// Get reads one object and restores it.
func (r Reader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	for _, o := range opts {
		if o == client.UnsafeDisableDeepCopy {
			return errSharedCopies
		}
	}
	if err := r.Reader.Get(ctx, key, obj, opts...); err != nil {
		return err
	}
	Restore(obj)
	return nil
}

// List reads a list and restores every item.
func (r Reader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	for _, o := range opts {
		if o == client.UnsafeDisableDeepCopy {
			return errSharedCopies
		}
	}
	if err := r.Reader.List(ctx, list, opts...); err != nil {
		return err
	}
	return meta.EachListItem(list, func(o runtime.Object) error {
		if m, ok := o.(metav1.Object); ok {
			Restore(m)
		}
		return nil
	})
}

// Options limits the manager's cache of child kinds to objects this
// operator manages, so a cluster's other ConfigMaps, Services and
// Deployments are neither listed nor kept in memory, and trims what is
// cached (see trimChild, trimPod, trimRestAPI).
func Options() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{apiv1.LabelManagedBy: apiv1.ManagedBy})
	byObject := map[client.Object]cache.ByObject{&apiv1.RestAPI{}: {Transform: trimRestAPI}}
	for _, kind := range Kinds() {
		o := cache.ByObject{Label: managed, Transform: trimChild}
		if _, ok := kind.(*corev1.Pod); ok {
			o.Transform = trimPod
		}
		byObject[kind] = o
	}
	return cache.Options{ByObject: byObject}
}

// lastApplied is kubectl's copy of the whole object as last applied.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// trimChild keeps, of a child's managed fields, only the entry of this
// operator's own server-side apply: the zero-write comparison reads that
// entry (client-go's Extract functions) and nothing reads the others (the
// Deployment controller's, the HPA's, kubectl's), which are most of an
// object's size. It shares with other cached objects what they repeat
// (share.go), and drops what the API server fills in and nothing reads.
func trimChild(obj any) (any, error) {
	o, ok := obj.(client.Object)
	if !ok {
		return obj, nil
	}
	mf := o.GetManagedFields()
	kept := mf[:0:0]
	for _, e := range mf {
		if e.Manager == apiv1.ManagedBy && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "" {
			kept = append(kept, e)
		}
	}
	o.SetManagedFields(kept)
	shareFields(o)
	shareMeta(o)
	switch c := o.(type) {
	case *appsv1.Deployment:
		shareSelector(c.Spec.Selector)
		c.Spec.Template.Labels = shareMap(c.Spec.Template.Labels)
		c.Spec.Template.Annotations = shareMap(c.Spec.Template.Annotations)
		sharePodSpec(&c.Spec.Template.Spec)
		for i := range c.Status.Conditions {
			shareCondition(&c.Status.Conditions[i])
		}
	case *corev1.ConfigMap:
		// Both colours' ConfigMaps hold the same data until the
		// configuration changes.
		c.Data = shareMap(c.Data)
	case *corev1.Service:
		c.Spec.Selector = shareMap(c.Spec.Selector)
		// What the API server fills in and render.Services never sets
		// (so no field set of the operator's names it), and nothing reads.
		c.Spec.ClusterIP, c.Spec.ClusterIPs, c.Spec.IPFamilies, c.Spec.IPFamilyPolicy = "", nil, nil, nil
		c.Spec.SessionAffinity, c.Spec.InternalTrafficPolicy = "", nil
	case *networkingv1.NetworkPolicy:
		shareSelector(&c.Spec.PodSelector)
		for i := range c.Spec.Ingress {
			sharePeers(c.Spec.Ingress[i].From)
		}
		for i := range c.Spec.Egress {
			sharePeers(c.Spec.Egress[i].To)
		}
	case *autoscalingv2.HorizontalPodAutoscaler:
		// Status reports the replicas (autoscalerStatus) and the
		// predictive scaler records the desired ones; nothing reads the
		// conditions or the current metrics.
		c.Status.Conditions, c.Status.CurrentMetrics = nil, nil
	case *batchv1.Job:
		// A hook's Job is created once and never applied again: its
		// labels and its conditions say all the decision reads.
		c.Spec.Template = corev1.PodTemplateSpec{}
		c.Status.UncountedTerminatedPods = nil
	}
	return o, nil
}

func sharePeers(peers []networkingv1.NetworkPolicyPeer) {
	for i := range peers {
		shareSelector(peers[i].PodSelector)
		shareSelector(peers[i].NamespaceSelector)
	}
}

// trimPod keeps what health reads from a Pod (see podHealthKey and
// health.Evaluate): its metadata without managed fields, annotations or
// generated-name prefix; its phase, its Ready and PodScheduled conditions;
// and of each container its name, readiness, restarts, waiting state and
// last termination. The spec (containers, volumes, environment) is never
// read: the Deployment's template says what the pods run. Nor are
// addresses, start times, images or container IDs.
func trimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	p.ManagedFields = nil
	p.Annotations = nil
	p.GenerateName = ""
	shareMeta(p)
	p.Spec = corev1.PodSpec{}
	statuses := make([]corev1.ContainerStatus, len(p.Status.ContainerStatuses))
	for i, cs := range p.Status.ContainerStatuses {
		statuses[i] = corev1.ContainerStatus{Name: shareString(cs.Name), Ready: cs.Ready, RestartCount: cs.RestartCount,
			State: corev1.ContainerState{Waiting: cs.State.Waiting}, LastTerminationState: corev1.ContainerState{Terminated: cs.LastTerminationState.Terminated}}
	}
	var conditions []corev1.PodCondition
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady || c.Type == corev1.PodScheduled {
			c.Type, c.Status, c.Reason = corev1.PodConditionType(shareString(string(c.Type))), corev1.ConditionStatus(shareString(string(c.Status))), shareString(c.Reason)
			conditions = append(conditions, c)
		}
	}
	p.Status = corev1.PodStatus{Phase: corev1.PodPhase(shareString(string(p.Status.Phase))), Conditions: conditions, ContainerStatuses: statuses}
	return p, nil
}

// trimRestAPI drops a RestAPI's managed fields and kubectl's
// last-applied copy of its spec: status is written with a merge patch of
// the status alone and requests are removed with a JSON patch of their own
// paths, so neither is ever read.
func trimRestAPI(obj any) (any, error) {
	r, ok := obj.(*apiv1.RestAPI)
	if !ok {
		return obj, nil
	}
	r.ManagedFields = nil
	delete(r.Annotations, lastApplied)
	return r, nil
}
