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

// Package metrics holds the operator's Prometheus metrics, served with
// controller-runtime's on /metrics (docs/observability.md lists them), and
// what sets them from a reconcile.
package metrics

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
)

// Version is the operator's version, set at build time with
//
//	-ldflags "-X github.com/restapi-operator/restapi-operator/internal/metrics.Version=v1.2.3"
//
// and otherwise taken from the module's build information.
var Version = ""

// The operator's metrics, served with controller-runtime's on /metrics.
// docs/observability.md lists them with example queries.
var (
	buildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_operator_info",
		Help: "Always 1; the operator's version and the Go version it was built with.",
	}, []string{"version", "go_version"})

	phaseGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_phase",
		Help: "1 for the phase each RestAPI is in (Pending, Progressing, Available, Degraded, Failed), 0 for the others.",
	}, []string{labelNamespace, labelName, labelPhase})

	activeColourGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_active_colour",
		Help: "1 for the colour each RestAPI's stable Services select (blue, green, or none without blue-green), 0 for the other.",
	}, []string{labelNamespace, labelName, labelColour})

	Promotions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "restapi_promotions_total",
		Help: "Traffic switches to a newly prepared colour.",
	}, []string{labelNamespace, labelName})

	Aborts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "restapi_aborts_total",
		Help: "Rollouts aborted before traffic moved, by reason (AbortRequested, PreviewUnhealthy, ProgressDeadlineExceeded, AnalysisFailed).",
	}, []string{labelNamespace, labelName, reasonLabel})

	Rollbacks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "restapi_rollbacks_total",
		Help: "Traffic switches back to the warm previous colour, by reason (RolledBack: on request; UnhealthyAfterPromotion, AnalysisFailed: automatic).",
	}, []string{labelNamespace, labelName, reasonLabel})

	promotionDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "restapi_promotion_duration_seconds",
		Help:    "From the moment a new revision is seen to the traffic switch to it: preparing, readiness, approval.",
		Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 1800, 3600},
	}, []string{labelNamespace, labelName})

	HealingActions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "restapi_healing_actions_total",
		Help: "Automatic healing actions taken on RestAPIs, by action: abort (a preview turned unhealthy), rollback (a newly promoted colour turned unhealthy) or restart (a component stuck unhealthy).",
	}, []string{"action"})

	componentReplicas = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_component_replicas",
		Help: "Desired replicas of each component's Deployment, by colour (\"\" without blue-green).",
	}, []string{labelNamespace, labelName, "component", labelColour})

	RolloutsWaiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_rollouts_waiting",
		Help: "Rollouts whose preview waits for something that can pass by itself, by what it waits for (WaitingForCapacity, WaitingForQuota, WaitingForImage, WaitingForConfig, WaitingForContainers).",
	}, []string{reasonLabel})

	componentReady = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_component_ready_replicas",
		Help: "Ready replicas of each component's Deployment, by colour (\"\" without blue-green).",
	}, []string{labelNamespace, labelName, "component", labelColour})

	AnalysisMeasurements = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "restapi_analysis_measurements_total",
		Help: "Measurements taken by the promotion analysis (spec.blueGreen.analysis), by check and result (success, failure, inconclusive).",
	}, []string{labelNamespace, labelName, "check", "result"})

	hookRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "restapi_hook_runs_total",
		Help: "Hook Jobs (spec.blueGreen.hooks) by hook, phase (PrePromotion, PostPromotion, OnAbort) and result: started, succeeded, failed.",
	}, []string{labelNamespace, labelName, "hook", labelPhase, "result"})

	analysisVerdict = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_analysis_verdict",
		Help: "1 for the verdict (Running, Passed, Failed, Inconclusive) of each RestAPI's latest analysis, by phase (PrePromotion, PostPromotion), 0 for the others.",
	}, []string{labelNamespace, labelName, labelPhase, "verdict"})
)

var (
	analysisPhases   = []apiv1.AnalysisPhase{apiv1.AnalysisPrePromotion, apiv1.AnalysisPostPromotion}
	analysisVerdicts = []apiv1.AnalysisVerdict{apiv1.VerdictRunning, apiv1.VerdictPassed, apiv1.VerdictFailed, apiv1.VerdictInconclusive}
)

// Labels of the per-RestAPI series.
const (
	labelNamespace = "namespace"
	labelName      = "name"
	labelColour    = "colour"
	reasonLabel    = "reason"
	labelPhase     = "phase"
)

var phases = []apiv1.Phase{apiv1.PhasePending, apiv1.PhaseProgressing, apiv1.PhaseAvailable, apiv1.PhaseDegraded, apiv1.PhaseFailed}

func init() {
	ctrlmetrics.Registry.MustRegister(buildInfo, phaseGauge, activeColourGauge, Promotions, Aborts, Rollbacks,
		promotionDuration, HealingActions, componentReplicas, componentReady, RolloutsWaiting, AnalysisMeasurements, analysisVerdict, hookRuns)
	v, goVersion := Version, "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v == "" {
			v = bi.Main.Version
		}
	}
	if v == "" {
		v = "(devel)"
	}
	buildInfo.WithLabelValues(v, goVersion).Set(1)
}

// Observe updates the per-RestAPI gauges from the status just written and
// the Deployments as this reconcile left them, and counts the transitions
// the decision made. previewStarted is when the revision just promoted was
// first seen (the status before this reconcile's write).
func Observe(rapi *apiv1.RestAPI, deployments map[string]*appsv1.Deployment, st apiv1.RestAPIStatus, plan bluegreen.Plan, previewStarted *metav1.Time, now time.Time) {
	ns, name := rapi.Namespace, rapi.Name
	for _, p := range phases {
		v := 0.0
		if st.Phase == p {
			v = 1
		}
		phaseGauge.WithLabelValues(ns, name, string(p)).Set(v)
	}
	for _, c := range []string{string(apiv1.EnvironmentBlue), string(apiv1.EnvironmentGreen), ""} {
		v := 0.0
		if string(st.ActiveEnvironment) == c {
			v = 1
		}
		activeColourGauge.WithLabelValues(ns, name, c).Set(v)
	}
	// Colours come and go: drop the series of Deployments that went, by
	// their exact labels (a partial-match delete scans every RestAPI's
	// series, on every reconcile).
	seen := make(map[componentSeries]bool, len(deployments))
	for _, d := range deployments {
		cs := componentSeries{d.Labels[apiv1.LabelComponent], d.Labels[apiv1.LabelEnvironment]}
		seen[cs] = true
		componentReplicas.WithLabelValues(ns, name, cs.component, cs.colour).Set(float64(bluegreen.ReplicasOf(d)))
		componentReady.WithLabelValues(ns, name, cs.component, cs.colour).Set(float64(d.Status.ReadyReplicas))
	}
	key := types.NamespacedName{Namespace: ns, Name: name}
	reported.Lock()
	for cs := range reported.series[key] {
		if !seen[cs] {
			componentReplicas.DeleteLabelValues(ns, name, cs.component, cs.colour)
			componentReady.DeleteLabelValues(ns, name, cs.component, cs.colour)
		}
	}
	reported.series[key] = seen
	pruneChecks(key, rapi)
	reported.Unlock()
	waitingFor := ""
	if bg := st.BlueGreen; bg != nil && bg.WaitingSince != nil {
		waitingFor = bg.Reason
	}
	SetWaiting(key, waitingFor)
	observeAnalysis(ns, name, st.BlueGreen)
	for _, e := range plan.Events {
		if e.Hook != "" {
			hookRuns.WithLabelValues(ns, name, e.Hook, string(e.HookPhase), hookResults[e.Reason]).Inc()
		}
		switch e.Transition {
		case bluegreen.Promotion:
			Promotions.WithLabelValues(ns, name).Inc()
			if previewStarted != nil {
				promotionDuration.WithLabelValues(ns, name).Observe(now.Sub(previewStarted.Time).Seconds())
			}
		case bluegreen.Abortion:
			Aborts.WithLabelValues(ns, name, e.Reason).Inc()
		case bluegreen.Rollback:
			Rollbacks.WithLabelValues(ns, name, e.Reason).Inc()
		case bluegreen.NoTransition:
		}
	}
}

// hookResults are the results restapi_hook_runs_total counts, by the
// reason of the hook's Event.
var hookResults = map[string]string{apiv1.EventHookStarted: "started", apiv1.EventHookSucceeded: "succeeded", apiv1.ReasonHookFailed: "failed"}

// componentSeries are the labels of a Deployment's series beyond the
// RestAPI's own.
type componentSeries struct{ component, colour string }

// reported holds, per RestAPI, the component series observe last set,
// and the checks whose measurements were counted.
var reported = struct {
	sync.Mutex
	series map[types.NamespacedName]map[componentSeries]bool
	checks map[types.NamespacedName]map[string]bool
}{series: map[types.NamespacedName]map[componentSeries]bool{}, checks: map[types.NamespacedName]map[string]bool{}}

// pruneChecks drops the measurement series of checks the spec no longer
// has (renamed or removed). Called with reported held.
func pruneChecks(key types.NamespacedName, rapi *apiv1.RestAPI) {
	counted := reported.checks[key]
	if len(counted) == 0 {
		return
	}
	for check := range counted {
		if hasCheck(rapi, check) {
			continue
		}
		AnalysisMeasurements.DeletePartialMatch(prometheus.Labels{labelNamespace: key.Namespace, labelName: key.Name, "check": check})
		delete(counted, check)
	}
	if len(counted) == 0 {
		delete(reported.checks, key)
	}
}

func hasCheck(rapi *apiv1.RestAPI, name string) bool {
	for _, p := range []apiv1.AnalysisPhase{apiv1.AnalysisPrePromotion, apiv1.AnalysisPostPromotion} {
		for _, c := range rapi.Spec.BlueGreen.Analysis.Checks(p) {
			if c.Name == name {
				return true
			}
		}
	}
	return false
}

// waiting holds what each waiting rollout waits for, behind
// restapi_rollouts_waiting.
var waiting = struct {
	sync.Mutex
	reason map[types.NamespacedName]string
	count  map[string]int
}{reason: map[types.NamespacedName]string{}, count: map[string]int{}}

// SetWaiting records what a RestAPI's rollout waits for ("" for nothing).
func SetWaiting(key types.NamespacedName, reason string) {
	waiting.Lock()
	defer waiting.Unlock()
	old := waiting.reason[key]
	if old == reason {
		return
	}
	if old != "" {
		waiting.count[old]--
		RolloutsWaiting.WithLabelValues(old).Set(float64(waiting.count[old]))
		delete(waiting.reason, key)
	}
	if reason != "" {
		waiting.count[reason]++
		RolloutsWaiting.WithLabelValues(reason).Set(float64(waiting.count[reason]))
		waiting.reason[key] = reason
	}
}

// Forget drops the series of a RestAPI that is gone.
func Forget(key types.NamespacedName) {
	reported.Lock()
	delete(reported.series, key)
	delete(reported.checks, key)
	reported.Unlock()
	SetWaiting(key, "")
	l := prometheus.Labels{labelNamespace: key.Namespace, labelName: key.Name}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		phaseGauge, activeColourGauge, Promotions, Aborts, Rollbacks, promotionDuration, componentReplicas, componentReady,
		AnalysisMeasurements, analysisVerdict, hookRuns,
	} {
		v.DeletePartialMatch(l)
	}
}

// Healed counts an automatic healing action.
func Healed(action string) { HealingActions.WithLabelValues(action).Inc() }

// observeAnalysis sets the verdict of the latest analysis, the one status
// records; the other phase's series go.
func observeAnalysis(ns, name string, bg *apiv1.BlueGreenStatus) {
	var a *apiv1.AnalysisStatus
	if bg != nil {
		a = bg.Analysis
	}
	for _, p := range analysisPhases {
		for _, v := range analysisVerdicts {
			switch {
			case a == nil || a.Phase != p:
				analysisVerdict.DeleteLabelValues(ns, name, string(p), string(v))
			case a.Verdict == v:
				analysisVerdict.WithLabelValues(ns, name, string(p), string(v)).Set(1)
			default:
				analysisVerdict.WithLabelValues(ns, name, string(p), string(v)).Set(0)
			}
		}
	}
}

// Measured counts an analysis measurement.
func Measured(ns, name, check, result string) {
	AnalysisMeasurements.WithLabelValues(ns, name, check, result).Inc()
	key := types.NamespacedName{Namespace: ns, Name: name}
	reported.Lock()
	if reported.checks[key] == nil {
		reported.checks[key] = map[string]bool{}
	}
	reported.checks[key][check] = true
	reported.Unlock()
}

// Remembered counts what the package remembers of the RestAPIs of the
// namespaces in selects (their series, counted checks and waits), for the
// tests that check nothing is kept after a RestAPI goes.
func Remembered(in func(namespace string) bool) int {
	n := 0
	reported.Lock()
	for k := range reported.series {
		if in(k.Namespace) {
			n++
		}
	}
	for k := range reported.checks {
		if in(k.Namespace) {
			n++
		}
	}
	reported.Unlock()
	waiting.Lock()
	defer waiting.Unlock()
	for k := range waiting.reason {
		if in(k.Namespace) {
			n++
		}
	}
	return n
}
