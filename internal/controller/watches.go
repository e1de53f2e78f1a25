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
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// What the controller's watches pass on, and to which RestAPI
// (SetupWithManager).

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
