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

// Package controller holds the RestAPI reconciler: it reads a RestAPI and its
// children once, renders the desired children, writes only what differs, and
// writes status once, only when it changed.
package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
	"github.com/restapi-operator/restapi-operator/internal/apply"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/expose"
	"github.com/restapi-operator/restapi-operator/internal/health"
	"github.com/restapi-operator/restapi-operator/internal/metrics"
	"github.com/restapi-operator/restapi-operator/internal/scope"
	"github.com/restapi-operator/restapi-operator/internal/tracing"
)

// defaultConflictRetry is how often a RestAPI blocked by a child it does not
// own is looked at again: the blocking object carries none of our labels,
// so no watch event announces its removal.
const defaultConflictRetry = time.Minute

// conflictRequeue is how soon a reconcile whose status write lost an
// optimistic-lock race runs again.
const conflictRequeue = 200 * time.Millisecond

// RestAPIReconciler reconciles RestAPI objects.
type RestAPIReconciler struct {
	client.Client
	// APIReader reads around the cache: a name the cache does not know
	// (is it held by an object the RestAPI does not own?), the optional
	// CRD kinds (no informer), a namespace's rollout limit.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  recorder.EventRecorder
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// ConflictRetry is how often a RestAPI blocked by a child it does not own
	// is looked at again; 0: defaultConflictRetry.
	ConflictRetry time.Duration
	// MaxConcurrentRollouts is how many RestAPIs may run a rollout (a
	// second colour) at the same time, cluster-wide; 0: no limit (see
	// internal/bluegreen/admission.go).
	MaxConcurrentRollouts int
	// WatchNamespaces are the namespaces the manager watches (empty: all),
	// or, for a shard, ShardNamespaces: the HTTPRoute watch, started later,
	// keeps to them too. Owns, for a shard, says whether it reconciles a
	// namespace's RestAPIs now (nil: every one the cache holds).
	WatchNamespaces []string
	ShardNamespaces childcache.Namespaces
	Owns            func(namespace string) bool
	// OperatorNamespace is the manager's own namespace: the component
	// NetworkPolicies admit it where HTTP analysis checks measure; "" when
	// unknown (a manager outside the cluster).
	OperatorNamespace string
	// Analysis takes the measurements of spec.blueGreen.analysis (the
	// default Prometheus, its token); nil: a Measurer with no default.
	Analysis *analysis.Measurer
	// Tracing records rollouts as traces (internal/tracing); nil: none.
	Tracing *tracing.Rollouts
	// ApplyRenderings is --rendering-upgrades=apply: every RestAPI whose
	// pods run an earlier operator's rendering of its spec takes this
	// version's, paced by the rollout queue. False (hold): only at the
	// next change of the spec, or when asked (rendering.go).
	ApplyRenderings bool

	setupOnce sync.Once
	blueGreen *bluegreen.Reconciler
	health    *health.Reconciler
	expose    *expose.Reconciler

	// statusWrites remembers the status this manager last wrote per
	// RestAPI. The blue-green decision reads status, so it must never act
	// on a cached copy older than our own last write (see readRestAPI).
	statusWritesMu sync.Mutex
	statusWrites   map[types.NamespacedName]statusWrite
	// ownWrites does the same for the children: each write is remembered
	// until the cache shows it (scope.OwnWrites).
	ownWrites scope.OwnWrites

	// terminating are the namespaces being deleted (terminating.go).
	terminating terminatingNamespaces
}

// RBAC: full access (never update: every write is a server-side apply, a
// patch) only to the kinds the operator creates; read-only Pods; get on
// Namespaces (their rollout limit, bluegreen/admission.go); no Secrets (they are
// referenced by name, never read). Leases for leader election are
// a namespaced Role in the manager's namespace (config/rbac).
// +kubebuilder:rbac:groups=apps.restapi.dev,resources=restapis,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=apps.restapi.dev,resources=restapis/status,verbs=patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=services;configmaps,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=autoscaling,resources=horizontalpodautoscalers,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies;ingresses,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;update,namespace=system
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch,namespace=system

// Reconcile brings one RestAPI's children to the rendered state and reports
// what the cluster shows in status: the phases below over one scope, one
// status write, then what follows it (phases.go).
func (r *RestAPIReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if r.Owns != nil && !r.Owns(req.Namespace) {
		// Its namespace went to another shard; this manager is about to be
		// replaced by one that no longer caches it.
		return ctrl.Result{}, nil
	}
	res, again, err := r.reconcileOnce(ctx, req)
	if again && err == nil {
		// The blue-green decision recorded an intent in status (a new
		// preview attempt) to carry out once it is written: now, in the
		// same reconcile, on the status just written and a cache that saw
		// no child written since (bluegreen.Plan.Again). Once: the second
		// pass finds the attempt recorded.
		res, _, err = r.reconcileOnce(ctx, req)
	}
	return res, err
}

// reconcileOnce is one pass of Reconcile; again reports that the
// blue-green decision asks for another pass once its status is written.
func (r *RestAPIReconciler) reconcileOnce(ctx context.Context, req ctrl.Request) (_ ctrl.Result, again bool, _ error) {
	log := logf.FromContext(ctx)
	log.V(1).Info("Reconciling")
	r.subReconcilers()

	rapi, err := r.readRestAPI(ctx, req.NamespacedName)
	if err != nil {
		return ctrl.Result{}, false, client.IgnoreNotFound(err)
	}
	if !rapi.DeletionTimestamp.IsZero() {
		// Children go with it through their owner references. It runs no
		// rollout any more: a slot it held is free now.
		r.blueGreen.Forget(ctx, req.NamespacedName)
		r.ownWrites.Forget(req.NamespacedName)
		return ctrl.Result{}, false, nil
	}
	if r.namespaceGoingAway(ctx, rapi.Namespace) {
		// It goes with its namespace; a write would only be refused.
		log.V(1).Info("Namespace is being deleted; not reconciled")
		return ctrl.Result{}, false, nil
	}
	kids, err := scope.ReadChildren(ctx, r.Client, rapi, &r.ownWrites)
	if err != nil {
		return ctrl.Result{}, false, err
	}
	s := &state{Scope: scope.New(rapi, kids, r.now(), apply.Writer{Client: r.Client, APIReader: r.APIReader, Owner: rapi, Own: &r.ownWrites})}

	for _, p := range r.phases() {
		if err := p.run(ctx, s); err != nil {
			return ctrl.Result{}, false, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	r.announceWrites(s)
	summarize(s)
	if err := r.writeStatus(ctx, rapi, s.Status); err != nil {
		if apierrors.IsConflict(err) {
			// The RestAPI changed since it was read: decide again on fresh data.
			log.V(1).Info("Status write refused: the RestAPI changed meanwhile; requeued")
			return ctrl.Result{RequeueAfter: conflictRequeue}, false, nil
		}
		return ctrl.Result{}, false, err
	}
	// What the written status says happened is announced now, whatever the
	// steps after it do: Services switched and status says so, so the
	// Events and the metrics must too.
	r.announce(s)
	if err := r.afterStatus(ctx, s); err != nil {
		return ctrl.Result{}, false, err
	}
	res, err := r.result(ctx, s)
	return res, s.plan.Again, err
}

// result is how the reconcile ends: the failures of its writes (retried
// with backoff), or the lowest requeue any phase asked for.
func (r *RestAPIReconciler) result(ctx context.Context, s *state) (ctrl.Result, error) {
	if err := s.Err(); err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			// The namespace is being deleted: it refuses new objects, and
			// the RestAPI goes with it. A retry would only fail again, and
			// so would the next reconcile of any RestAPI there.
			r.terminating.add(s.RestAPI.Namespace)
			logf.FromContext(ctx).V(1).Info("Namespace is being deleted; not retried", "error", err.Error())
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if len(s.Conflicts()) > 0 {
		retry := r.ConflictRetry
		if retry <= 0 {
			retry = defaultConflictRetry
		}
		s.RequeueAfter(retry)
	}
	return ctrl.Result{RequeueAfter: s.Requeue()}, nil
}

// statusWrite is a status this manager wrote, and the resource versions of
// the RestAPI before and after the write.
type statusWrite struct {
	status   apiv1.RestAPIStatus
	from, to string
}

// readRestAPI reads the RestAPI from the cache. Right after a status write
// the cache can lag, and a decision on a stale status could undo it: when
// the cached status is not the one this manager last wrote, the cached copy
// is the one that write started from (its resource version says so) and
// takes the written status, with no request; anything else is read from
// the API server. In steady state the cache matches and nothing is sent.
func (r *RestAPIReconciler) readRestAPI(ctx context.Context, key types.NamespacedName) (*apiv1.RestAPI, error) {
	var rapi apiv1.RestAPI
	if err := r.Get(ctx, key, &rapi); err != nil {
		if isNotFound(err) {
			r.forget(ctx, key)
		}
		return nil, err
	}
	r.statusWritesMu.Lock()
	last, ok := r.statusWrites[key]
	if ok && rapi.ResourceVersion == last.to {
		// The cache has our write, and it never goes back to an older
		// copy: nothing left to remember (a status copy per RestAPI).
		delete(r.statusWrites, key)
		ok = false
	}
	r.statusWritesMu.Unlock()
	switch {
	case !ok || equality.Semantic.DeepEqual(last.status, rapi.Status):
	case rapi.ResourceVersion == last.from:
		// The object as the write left it: only status changed.
		rapi.Status = *last.status.DeepCopy()
		rapi.ResourceVersion = last.to
	default:
		if err := r.APIReader.Get(ctx, key, &rapi); err != nil {
			return nil, err
		}
	}
	return &rapi, nil
}

// remember records a status write that turned resource version from into to.
func (r *RestAPIReconciler) remember(key types.NamespacedName, st apiv1.RestAPIStatus, from, to string) {
	r.statusWritesMu.Lock()
	defer r.statusWritesMu.Unlock()
	if r.statusWrites == nil {
		r.statusWrites = map[types.NamespacedName]statusWrite{}
	}
	r.statusWrites[key] = statusWrite{status: *st.DeepCopy(), from: from, to: to}
}

func (r *RestAPIReconciler) forget(ctx context.Context, key types.NamespacedName) {
	r.statusWritesMu.Lock()
	defer r.statusWritesMu.Unlock()
	delete(r.statusWrites, key)
	r.ownWrites.Forget(key)
	r.subReconcilers()
	r.health.Forget(key)
	r.blueGreen.Forget(ctx, key)
	metrics.Forget(key)
	r.restAPIGone(ctx, key.Namespace)
}

// subReconcilers makes the blue-green and health sub-reconcilers, which
// keep what the manager remembers across reconciles, on first use.
func (r *RestAPIReconciler) subReconcilers() {
	r.setupOnce.Do(func() {
		r.blueGreen = &bluegreen.Reconciler{Client: r.Client, APIReader: r.APIReader, MaxConcurrentRollouts: r.MaxConcurrentRollouts,
			Analysis: r.Analysis}
		r.health = &health.Reconciler{}
		r.expose = &expose.Reconciler{Reader: r.APIReader}
	})
}

func (r *RestAPIReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager registers the controller: it watches RestAPIs (spec,
// labels and annotations, not its own status writes) and every child kind
// it owns.
func (r *RestAPIReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(apiv1.ManagedBy)
	}
	r.subReconcilers()
	for _, kind := range childcache.Kinds() {
		if err := mgr.GetFieldIndexer().IndexField(context.Background(), kind, scope.InstanceIndex, scope.IndexInstance); err != nil {
			return fmt.Errorf("indexing %T: %w", kind, err)
		}
	}
	first := firstDeployFirst(mgr.GetClient())
	owner := ownerFollowUp(mgr.GetClient(), first, &apiv1.RestAPI{})
	c, err := ctrl.NewControllerManagedBy(mgr).
		For(&apiv1.RestAPI{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			predicate.LabelChangedPredicate{},
			predicate.AnnotationChangedPredicate{},
			resync,
		))).
		// A child's periodic resync (an update that changes nothing) is not
		// a reason to reconcile: the RestAPI's own resync already is, once.
		// What the children of a RestAPI not yet deployed report is queued
		// ahead of RestAPIs not looked at yet (priority.go).
		Watches(&appsv1.Deployment{}, owner, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Watches(&corev1.Service{}, owner, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Watches(&corev1.ConfigMap{}, owner, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Watches(&networkingv1.NetworkPolicy{}, owner, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Watches(&policyv1.PodDisruptionBudget{}, owner, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// An Ingress's status (the load balancer's address) is a URL.
		Watches(&networkingv1.Ingress{}, owner, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Watches(&autoscalingv2.HorizontalPodAutoscaler{}, owner, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A hook's Job reports its result in its status.
		Watches(&batchv1.Job{}, owner, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		// Pods belong to ReplicaSets, not to the RestAPI: map them by label,
		// and only when something health depends on changed.
		Watches(&corev1.Pod{}, followUp(first, handler.EnqueueRequestsFromMapFunc(podToRestAPI)),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
				return podHealthKey(e.ObjectOld) != podHealthKey(e.ObjectNew)
			}})).
		// Queued rollouts nearest the front, when a slot frees (queue.go).
		WatchesRawSource(source.Channel(r.blueGreen.Wake(), &handler.EnqueueRequestForObject{})).
		Named("restapi").
		Build(r)
	if err != nil {
		return err
	}
	namespaces := r.ShardNamespaces
	if len(r.WatchNamespaces) > 0 {
		namespaces = childcache.Namespaces{Only: r.WatchNamespaces}
	}
	r.expose.WatchRoutes = (&routeWatch{mgr: mgr, controller: c, namespaces: namespaces}).Start
	return nil
}

// isNotFound is apierrors.IsNotFound, named for readability at call sites.
var isNotFound = apierrors.IsNotFound
