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

package expose

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// MissingGatewayAPI tells a person what to install.
const MissingGatewayAPI = "spec.view.expose.gateway is set, but the Gateway API CRDs (gateway.networking.k8s.io/v1 HTTPRoute) " +
	"are not installed: install them (standard channel) and a Gateway controller; the rest of the exposure and the application work without them"

// Reconciler owns the exposure phase: the view's Ingress and HTTPRoutes,
// the Exposed condition and status.urls.
type Reconciler struct {
	// Reader reads the Gateways the routes attach to, around the cache
	// (their listeners give the URLs' scheme and port). Optional: without
	// it, or without permission, the URLs say http.
	Reader client.Reader
	// absentUntil is when the HTTPRoute CRD, last found missing, is
	// looked for again by a RestAPI that does not ask for routes (it only
	// looks for leftovers): a missing group costs a full discovery
	// request.
	mu          sync.Mutex
	absentUntil time.Time

	// WatchRoutes starts watching the operator's HTTPRoutes once their CRD
	// is installed, so a Gateway's verdict and a route edited or deleted
	// by hand are seen at once. Called on every reconcile that finds the
	// CRD; it must start the watch only once.
	WatchRoutes func() error
}

// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=gateways,verbs=get

// Reconcile writes the Ingress and the HTTPRoutes spec.view.expose asks for
// (the cleanup phase deletes an Ingress no longer asked for; routes are
// deleted here), and reports them: the Exposed condition and status.urls.
func (x *Reconciler) Reconcile(ctx context.Context, s *scope.Scope) {
	r := s.RestAPI
	had := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionExposed) != nil
	if !Wanted(r) {
		s.Status.URLs = nil
	}
	if !Wanted(r) && !had {
		return
	}
	failed := s.Failures()
	if ing := Ingress(r); ing != nil {
		_, _ = s.Apply(ctx, scope.Live(s.Children.Ingresses, *ing.Name), ing)
	}
	routes := x.syncRoutes(ctx, s)
	if routes.Installed && x.WatchRoutes != nil {
		s.Fail(x.WatchRoutes())
	}
	if !Wanted(r) {
		if s.Failures() == failed {
			meta.RemoveStatusCondition(&s.Status.Conditions, apiv1.ConditionExposed)
		}
		return
	}
	if !routes.Checked {
		return // the condition and the URLs stay as they were; the failure is recorded
	}
	src := Sources{Service: s.Children.Services[render.ChildName(r, apiv1.ComponentView)],
		Ingress: s.Children.Ingresses[render.ChildName(r, apiv1.ComponentView)]}
	if routes.Installed && GatewayWanted(r) {
		src.Listeners = x.listeners(ctx, r)
	}
	v := judge(r, routes, src)
	if v.Reason == apiv1.ReasonGatewayAPINotInstalled {
		s.RequeueAfter(scope.OptionalKindRecheck)
	}
	s.SetCondition(metav1.Condition{Type: apiv1.ConditionExposed, Status: v.Status, Reason: v.Reason, Message: v.Message})
	s.Status.URLs = URLs(r, src)
}

// syncRoutes writes the routes the RestAPI asks for and deletes its
// others. A RestAPI that asks for none looks for leftovers only when the
// CRD was not found missing within OptionalKindRecheck: without the CRD no
// route can exist, and each look for a missing kind is a discovery request.
func (x *Reconciler) syncRoutes(ctx context.Context, s *scope.Scope) scope.Optional {
	x.mu.Lock()
	skip := !GatewayWanted(s.RestAPI) && s.Now.Before(x.absentUntil)
	x.mu.Unlock()
	if skip {
		return scope.Optional{Checked: true}
	}
	routes := s.SyncObjects(ctx, HTTPRouteGroupVersionKind, Routes(s.RestAPI))
	if routes.Checked {
		x.mu.Lock()
		if routes.Installed {
			x.absentUntil = time.Time{}
		} else {
			x.absentUntil = s.Now.Add(scope.OptionalKindRecheck)
		}
		x.mu.Unlock()
	}
	return routes
}

// judge is the Exposed condition: a problem (False) before a wait
// (Unknown) before all is well (True).
func judge(r *apiv1.RestAPI, routes scope.Optional, src Sources) Verdict {
	var parts []string
	var problem, wait *Verdict
	note := func(v Verdict) {
		switch {
		case v.Status == metav1.ConditionFalse && problem == nil:
			problem = &v
		case v.Status == metav1.ConditionUnknown && wait == nil:
			wait = &v
		}
	}
	if GatewayWanted(r) {
		switch {
		case !routes.Installed:
			note(Verdict{metav1.ConditionFalse, apiv1.ReasonGatewayAPINotInstalled, MissingGatewayAPI})
		case len(routes.Taken) > 0:
			note(Verdict{metav1.ConditionFalse, apiv1.ReasonExposureNameConflict, scope.NotOwned(scope.Kinded("HTTPRoute", routes.Taken))})
		}
		for _, want := range Routes(r) {
			name := want.GetName()
			live := routes.Live[name]
			switch {
			case !routes.Installed || slices.Contains(routes.Taken, name):
				continue
			case live == nil && !routes.Written[name]:
				note(Verdict{metav1.ConditionFalse, apiv1.ReasonReconcileFailed,
					fmt.Sprintf("HTTPRoute %s could not be written; the Degraded condition says why", name)})
			case routes.Written[name]:
				note(Verdict{metav1.ConditionUnknown, apiv1.ReasonWaitingForGateway,
					fmt.Sprintf("HTTPRoute %s is written; waiting for its Gateways to accept it", name)})
			default:
				v, ok := RouteVerdict(live)
				if !ok {
					note(v)
					continue
				}
				parts = append(parts, "HTTPRoute "+name+" accepted by every Gateway")
			}
		}
	}
	if in := r.Spec.View.Expose.Ingress; in != nil {
		parts = append(parts, "Ingress "+render.ChildName(r, apiv1.ComponentView))
	}
	if svc := r.Spec.View.Expose.Service; svc != nil && svc.Type != "" && svc.Type != corev1.ServiceTypeClusterIP {
		if svc.Type == corev1.ServiceTypeLoadBalancer && (src.Service == nil || serviceAddress(src.Service) == "") {
			note(Verdict{metav1.ConditionUnknown, apiv1.ReasonWaitingForAddress,
				fmt.Sprintf("Service %s is a LoadBalancer without an address yet", render.ChildName(r, apiv1.ComponentView))})
		} else {
			parts = append(parts, fmt.Sprintf("Service %s of type %s", render.ChildName(r, apiv1.ComponentView), svc.Type))
		}
	}
	switch {
	case problem != nil:
		return *problem
	case wait != nil:
		return *wait
	case len(parts) == 0:
		return Verdict{metav1.ConditionTrue, apiv1.ReasonExposureReady, "The view's Services are ClusterIP: nothing else to expose"}
	}
	return Verdict{metav1.ConditionTrue, apiv1.ReasonExposureReady, "The view is exposed: " + strings.Join(parts, "; ")}
}

// listeners reads the listeners of each Gateway the routes attach to, by
// namespace/name; a Gateway that cannot be read is left out.
func (x *Reconciler) listeners(ctx context.Context, r *apiv1.RestAPI) map[string][]Listener {
	if x.Reader == nil {
		return nil
	}
	out := map[string][]Listener{}
	for _, ref := range r.Spec.View.Expose.Gateway.ParentRefs {
		ns := ref.Namespace
		if ns == "" {
			ns = r.Namespace
		}
		key := ns + "/" + ref.Name
		if _, done := out[key]; done {
			continue
		}
		gw := &unstructured.Unstructured{}
		gw.SetGroupVersionKind(HTTPRouteGroupVersionKind.GroupVersion().WithKind("Gateway"))
		if err := x.Reader.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, gw); err != nil {
			continue
		}
		out[key] = GatewayListeners(gw)
	}
	return out
}
