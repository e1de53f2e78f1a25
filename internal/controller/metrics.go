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
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// healingActions counts automatic healing actions, by action.
var healingActions = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "restapi_healing_actions_total",
	Help: "Automatic healing actions taken on RestAPIs, by action: abort (a preview turned unhealthy), rollback (a newly promoted colour turned unhealthy) or restart (a component stuck unhealthy).",
}, []string{"action"})

func init() {
	ctrlmetrics.Registry.MustRegister(healingActions)
}
