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
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/expose"
)

// routeWatch watches the HTTPRoutes the operator owns, so that a Gateway's
// verdict on a route, and a route edited or deleted by hand, reach the
// RestAPI at once. The Gateway API CRDs may be missing when the manager
// starts and installed later, and the manager's cache cannot be given a
// kind it does not know yet: the watch has a cache of its own, limited to
// the operator's routes (by label) and to the watched namespaces, made and
// started the first time a reconcile finds the CRD (expose.Reconciler).
type routeWatch struct {
	mgr        ctrl.Manager
	controller controller.Controller
	namespaces childcache.Namespaces

	mu      sync.Mutex
	routes  cache.Cache
	started bool
}

// Start starts the watch, once; later calls return at once.
func (w *routeWatch) Start() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started {
		return nil
	}
	if w.routes == nil {
		opts := cache.Options{
			Scheme: w.mgr.GetScheme(), Mapper: w.mgr.GetRESTMapper(),
			DefaultLabelSelector: labels.SelectorFromSet(labels.Set{apiv1.LabelManagedBy: apiv1.ManagedBy}),
		}
		w.namespaces.Restrict(&opts)
		c, err := cache.New(w.mgr.GetConfig(), opts)
		if err != nil {
			return fmt.Errorf("making the HTTPRoute cache: %w", err)
		}
		// Added to a running manager, it starts at once, and stops with it.
		if err := w.mgr.Add(c); err != nil {
			return fmt.Errorf("starting the HTTPRoute cache: %w", err)
		}
		w.routes = c
	}
	route := &unstructured.Unstructured{}
	route.SetGroupVersionKind(expose.HTTPRouteGroupVersionKind)
	err := w.controller.Watch(source.Kind[client.Object](w.routes, route,
		handler.EnqueueRequestForOwner(w.mgr.GetScheme(), w.mgr.GetRESTMapper(), &apiv1.RestAPI{}, handler.OnlyControllerOwner()),
		predicate.ResourceVersionChangedPredicate{}))
	if err != nil {
		return fmt.Errorf("watching HTTPRoutes: %w", err)
	}
	w.started = true
	return nil
}
