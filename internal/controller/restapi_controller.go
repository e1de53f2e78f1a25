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
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

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
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
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
	// APIReader reads around the cache; used only when a child is missing from
	// the cache, to make sure no object of that name exists that we do not own.
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
	// queue.go).
	MaxConcurrentRollouts int

	queueOnce sync.Once
	queue     *rolloutQueue

	// statusWrites remembers the status this manager last wrote per
	// RestAPI. The blue-green decision reads status, so it must never act
	// on a cached copy older than our own last write (see readRestAPI).
	// statusWritesMu also guards restarted.
	statusWritesMu sync.Mutex
	statusWrites   map[types.NamespacedName]statusWrite
	// restarted remembers, per RestAPI and Deployment UID, the restartedAt
	// annotation this manager last applied (see applyRestarts).
	restarted map[types.NamespacedName]map[types.UID]string
}

// RBAC: full access (never update: every write is a server-side apply, a
// patch) only to the kinds the operator creates; read-only Pods; get on
// Namespaces (their rollout limit, queue.go); no Secrets (they are
// referenced by name, never read). Leases for leader election are
// a namespaced Role in the manager's namespace (config/rbac).
// +kubebuilder:rbac:groups=apps.restapi.dev,resources=restapis,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=apps.restapi.dev,resources=restapis/status,verbs=patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=services;configmaps,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=autoscaling,resources=horizontalpodautoscalers,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;update,namespace=system
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch,namespace=system

// Reconcile brings one RestAPI's children to the rendered state and reports
// what the cluster shows in status.
func (r *RestAPIReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	log.V(1).Info("Reconciling")

	rapi, err := r.readRestAPI(ctx, req.NamespacedName)
	if err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !rapi.DeletionTimestamp.IsZero() {
		// Children go with it through their owner references.
		return ctrl.Result{}, nil
	}

	kids, err := r.readChildren(ctx, rapi)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := r.now()
	in := decisionInput(rapi, kids, now)
	if in.Turn, err = r.turn(ctx, rapi, in); err != nil {
		return ctrl.Result{}, err
	}
	plan := bluegreen.Decide(in)

	sc := predict(rapi, kids, now)
	outcome := r.syncChildren(ctx, rapi, kids, plan, plan.Serving, sc)

	vertical := r.syncVertical(ctx, rapi, plan.Serving)
	monitoring := r.syncMonitoring(ctx, rapi)
	outcome.err = errors.Join(outcome.err, vertical.err, monitoring.err)

	status := computeStatus(rapi, kids, plan, outcome, now)
	setOptionalCondition(&status, apiv1.ConditionVerticalScaling, vertical, rapi.Generation, now)
	setOptionalCondition(&status, apiv1.ConditionMonitoring, monitoring, rapi.Generation, now)
	showPredictions(&status, sc)
	restarts, nextRestart := heal(rapi, plan, &status, now)
	var previewStarted *metav1.Time
	if bg := rapi.Status.BlueGreen; bg != nil {
		previewStarted = bg.PreviewStartedAt.DeepCopy()
	}
	problem := operatorProblem(rapi.Status, status)
	before := rapi.Status.BlueGreen
	if err := r.writeStatus(ctx, rapi, status); err != nil {
		if apierrors.IsConflict(err) {
			// The RestAPI changed since it was read: decide again on fresh data.
			log.V(1).Info("Status write refused: the RestAPI changed meanwhile; requeued")
			return ctrl.Result{RequeueAfter: conflictRequeue}, nil
		}
		return ctrl.Result{}, err
	}
	r.wakeQueued(ctx, rapi, before, status.BlueGreen)
	// What the written status says happened is announced now, whatever the
	// steps below do: Services switched and status says so, so the Event
	// and the metrics must too.
	for _, a := range plan.Healing {
		healingActions.WithLabelValues(string(a)).Inc()
	}
	observe(rapi, kids, status, plan, previewStarted, now)
	if problem != nil {
		r.event(rapi, corev1.EventTypeWarning, problem.Reason, "Reconcile", "%s", problem.Message)
	}
	r.recordRestarts(rapi, restarts)
	for _, e := range plan.Events {
		t := corev1.EventTypeNormal
		if e.Warning {
			t = corev1.EventTypeWarning
		}
		r.event(rapi, t, e.Reason, e.Action, "%s", e.Message)
	}
	if err := errors.Join(r.consumeRequests(ctx, rapi, plan.Consumed), r.applyRestarts(ctx, rapi, kids, status)); err != nil {
		return ctrl.Result{}, err
	}
	if outcome.err != nil {
		if apierrors.HasStatusCause(outcome.err, corev1.NamespaceTerminatingCause) {
			// The namespace is being deleted: it refuses new objects, and
			// the RestAPI goes with it. A retry would only fail again.
			log.V(1).Info("Namespace is being deleted; not retried", "error", outcome.err.Error())
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, outcome.err
	}
	result := ctrl.Result{RequeueAfter: plan.RequeueAfter}
	for _, after := range []time.Duration{nextRestart, vertical.requeue, monitoring.requeue, sc.requeue} {
		if after > 0 && (result.RequeueAfter == 0 || after < result.RequeueAfter) {
			result.RequeueAfter = after
		}
	}
	retry := r.ConflictRetry
	if retry <= 0 {
		retry = defaultConflictRetry
	}
	if len(outcome.conflicts) > 0 && (result.RequeueAfter == 0 || result.RequeueAfter > retry) {
		result.RequeueAfter = retry
	}
	return result, nil
}

// consumeRequests removes request annotations the decision acted on, refused
// or found stale, each only if it still holds the value acted on (a JSON
// patch test), so a request never acts twice and a newer one is kept.
func (r *RestAPIReconciler) consumeRequests(ctx context.Context, rapi *apiv1.RestAPI, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	var ops []map[string]any
	for _, k := range keys {
		path := "/metadata/annotations/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
		ops = append(ops,
			map[string]any{"op": "test", "path": path, "value": rapi.Annotations[k]},
			map[string]any{"op": "remove", "path": path})
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	if err := r.Patch(ctx, rapi, client.RawPatch(types.JSONPatchType, patch)); err != nil && !apierrors.IsInvalid(err) && !isNotFound(err) {
		return fmt.Errorf("removing handled requests %v: %w", keys, err)
	}
	return nil
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
			r.forget(key)
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

func (r *RestAPIReconciler) forget(key types.NamespacedName) {
	r.statusWritesMu.Lock()
	defer r.statusWritesMu.Unlock()
	delete(r.statusWrites, key)
	delete(r.restarted, key)
	forgetMetrics(key)
	r.rollouts().release(key)
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
	for _, kind := range childcache.Kinds() {
		if err := mgr.GetFieldIndexer().IndexField(context.Background(), kind, instanceIndex, indexInstance); err != nil {
			return fmt.Errorf("indexing %T: %w", kind, err)
		}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&apiv1.RestAPI{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			predicate.LabelChangedPredicate{},
			predicate.AnnotationChangedPredicate{},
			resync,
		))).
		// A child's periodic resync (an update that changes nothing) is not
		// a reason to reconcile: the RestAPI's own resync already is, once.
		Owns(&appsv1.Deployment{}, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Owns(&corev1.Service{}, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Owns(&corev1.ConfigMap{}, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Owns(&networkingv1.NetworkPolicy{}, builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Owns(&policyv1.PodDisruptionBudget{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&autoscalingv2.HorizontalPodAutoscaler{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// Pods belong to ReplicaSets, not to the RestAPI: map them by label,
		// and only when something health depends on changed.
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podToRestAPI),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
				return podHealthKey(e.ObjectOld) != podHealthKey(e.ObjectNew)
			}})).
		// Queued rollouts nearest the front, when a slot frees (queue.go).
		WatchesRawSource(source.Channel(r.rollouts().wake, &handler.EnqueueRequestForObject{})).
		Named("restapi").
		Complete(r)
}

// resync passes the periodic resync of a RestAPI (an update event that
// changes nothing): one reconcile per RestAPI per resync period, a safety
// net for an event the manager missed.
var resync = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	return e.ObjectOld.GetResourceVersion() == e.ObjectNew.GetResourceVersion()
}}

// podToRestAPI maps a Pod to the RestAPI named by its instance label.
func podToRestAPI(_ context.Context, o client.Object) []reconcile.Request {
	name := o.GetLabels()[apiv1.LabelInstance]
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
}

// podHealthKey is what of a Pod its component's health depends on: phase,
// conditions, container states and restarts. Other updates cause no reconcile.
func podHealthKey(o client.Object) string {
	p, ok := o.(*corev1.Pod)
	if !ok {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%v|", p.Status.Phase, p.DeletionTimestamp != nil)
	for _, c := range p.Status.Conditions {
		fmt.Fprintf(&b, "%s=%s/%s|", c.Type, c.Status, c.Reason)
	}
	for _, cs := range p.Status.ContainerStatuses {
		fmt.Fprintf(&b, "%s:%v:%d:", cs.Name, cs.Ready, cs.RestartCount)
		if w := cs.State.Waiting; w != nil {
			b.WriteString("w=" + w.Reason)
		}
		if t := cs.LastTerminationState.Terminated; t != nil {
			b.WriteString(":t=" + t.Reason)
		}
		b.WriteString("|")
	}
	return b.String()
}

// isNotFound is apierrors.IsNotFound, named for readability at call sites.
var isNotFound = apierrors.IsNotFound
