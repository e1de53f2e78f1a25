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

package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// AnalysisSpec makes a colour earn its traffic: checks measured against
// the preview colour before it is promoted, and against the new active
// colour after the switch while the old one stays warm. Each check is
// bound to the revision under test: a newer revision starts afresh, and an
// approval never skips a failed check. docs/analysis.md has examples.
type AnalysisSpec struct {
	// prePromotion checks run against the preview colour once it is fully
	// available. It is promoted (automatically or when approved) only
	// after every check has succeeded for its revision; a failed check
	// aborts the rollout and traffic never moves.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	PrePromotion []AnalysisCheck `json:"prePromotion,omitempty"`

	// postPromotion checks run against the new active colour after the
	// switch, while the old colour is kept warm: it is not scaled down
	// before they pass, and a failure sends traffic back to it at once.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	PostPromotion []AnalysisCheck `json:"postPromotion,omitempty"`

	// prometheus is the server the prometheus checks query when they name
	// none; the manager's --prometheus-address when unset. The operator
	// sends its credential only to addresses its administrator allows
	// (--prometheus-allowed-addresses); any other is refused
	// (AnalysisPrometheusNotAllowed) or, if the administrator chose so,
	// queried without it.
	// +optional
	Prometheus *PrometheusServer `json:"prometheus,omitempty"`
}

// PrometheusServer is where PromQL queries go.
type PrometheusServer struct {
	// address of the Prometheus HTTP API, such as
	// http://prometheus.monitoring.svc:9090.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (self.startsWith('http://') || self.startsWith('https://'))",message="prometheus.address must be an http:// or https:// URL"
	Address string `json:"address"`
}

// AnalysisCheck is one named check: exactly one provider, measured count
// times, every intervalSeconds, for each component it names.
// +kubebuilder:validation:XValidation:rule="has(self.http) != has(self.prometheus)",message="an analysis check needs exactly one provider: http or prometheus"
type AnalysisCheck struct {
	// name of the check, unique in its list; Events, status and metrics
	// carry it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// components the check measures, each on its own (a check of three
	// components is three measurements per interval). Default: view.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	// +kubebuilder:validation:items:Enum=model;view;controller;repository
	Components []ComponentName `json:"components,omitempty"`

	// http measures with a GET against the colour under test.
	// +optional
	HTTP *HTTPCheck `json:"http,omitempty"`

	// prometheus measures with a PromQL query and a success condition.
	// +optional
	Prometheus *PrometheusCheck `json:"prometheus,omitempty"`

	// intervalSeconds between two measurements. Default: 10.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3600
	IntervalSeconds int32 `json:"intervalSeconds,omitempty"`

	// count is how many measurements the check takes. Default: 3.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Count int32 `json:"count,omitempty"`

	// failureLimit is how many measurements may fail; one more and the
	// check fails. Default: 0.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	FailureLimit int32 `json:"failureLimit,omitempty"`

	// inconclusiveLimit is how many measurements may give no answer
	// (Prometheus unreachable, no data, a timeout); one more and the
	// rollout waits for a person (AnalysisInconclusive). Default: 3.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	InconclusiveLimit int32 `json:"inconclusiveLimit,omitempty"`
}

// HTTPCheck is a GET against a component of the colour under test.
type HTTPCheck struct {
	// url is a Go template of the URL. Default:
	// http://{{.Service}}.{{.Namespace}}.svc:{{.Port}}{{.Path}}, where
	// Service is the component's Service of the colour under test. The
	// template also has .Name, .Component, .Colour and .Revision.
	// Only text and {{.Variable}} (one of the variables above): no action,
	// function or pipeline (AnalysisTemplateNotAllowed). The host must be
	// one of the measured component's own Services in the RestAPI's
	// namespace (name.namespace.svc), or a host the operator's
	// administrator allows; redirects are not followed.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="self.matches('^([^{]|[{]$|[{][^{]|[{][{](- )?[ ]*[.](Name|Namespace|Component|Colour|Revision|Service|Port|Path)[ ]*( -)?[}][}])*$')",message="url may only hold text and {{.Variable}} (Name, Namespace, Component, Colour, Revision, Service, Port, Path): no actions, functions or pipelines"
	URL string `json:"url,omitempty"`

	// path for the default URL. Default: the component's readiness path.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/`
	Path string `json:"path,omitempty"`

	// successStatusCodes an answer must have. Default: any 2xx.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:Minimum=100
	// +kubebuilder:validation:items:Maximum=599
	SuccessStatusCodes []int32 `json:"successStatusCodes,omitempty"`

	// timeoutSeconds for one request; no answer in time is inconclusive.
	// Default: 5.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
}

// PrometheusCheck is a PromQL query and a condition on its result.
type PrometheusCheck struct {
	// query is a Go template of a PromQL query with .Name, .Namespace,
	// .Component, .Colour and .Revision, whose result is one number (a
	// scalar, or a vector of one sample). For example:
	// sum(rate(http_requests_total{namespace="{{.Namespace}}",colour="{{.Colour}}",code=~"5.."}[1m]))
	// / sum(rate(http_requests_total{namespace="{{.Namespace}}",colour="{{.Colour}}"}[1m]))
	// Only text and {{.Variable}}: no action, function or pipeline
	// (AnalysisTemplateNotAllowed).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:XValidation:rule="self.matches('^([^{]|[{]$|[{][^{]|[{][{](- )?[ ]*[.](Name|Namespace|Component|Colour|Revision|Service|Port|Path)[ ]*( -)?[}][}])*$')",message="query may only hold text and {{.Variable}} (Name, Namespace, Component, Colour, Revision, Service, Port, Path): no actions, functions or pipelines"
	Query string `json:"query"`

	// successCondition is a CEL expression on result (a double) that is
	// true when the measurement succeeds, such as "result < 0.01".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	SuccessCondition string `json:"successCondition"`

	// server overrides spec.blueGreen.analysis.prometheus for this check.
	// Like it, an address the operator's administrator did not allow is
	// refused or queried without the operator's credential
	// (docs/security.md).
	// +optional
	Server *PrometheusServer `json:"server,omitempty"`
}

// AnalysisPhase says which analysis status.blueGreen.analysis records.
// +kubebuilder:validation:Enum=PrePromotion;PostPromotion
type AnalysisPhase string

const (
	AnalysisPrePromotion  AnalysisPhase = "PrePromotion"
	AnalysisPostPromotion AnalysisPhase = "PostPromotion"
)

// AnalysisVerdict is where an analysis, or one of its checks, stands.
// +kubebuilder:validation:Enum=Running;Passed;Failed;Inconclusive
type AnalysisVerdict string

const (
	// VerdictRunning: measurements are still due.
	VerdictRunning AnalysisVerdict = "Running"
	// VerdictPassed: every measurement due was taken, within the limits.
	VerdictPassed AnalysisVerdict = "Passed"
	// VerdictFailed: more failures than failureLimit.
	VerdictFailed AnalysisVerdict = "Failed"
	// VerdictInconclusive: more measurements without an answer than
	// inconclusiveLimit; a person approves or aborts the revision.
	VerdictInconclusive AnalysisVerdict = "Inconclusive"
)

// AnalysisStatus records one analysis of one revision, measurement by
// measurement, so a restarted manager continues it where it was.
type AnalysisStatus struct {
	// revision under test; results of another revision never count.
	Revision string `json:"revision"`
	// phase: PrePromotion (the preview colour) or PostPromotion (the new
	// active colour, the old one warm).
	Phase AnalysisPhase `json:"phase"`
	// colour under test.
	Colour Environment `json:"colour"`
	// attempt is the preview attempt measured (status.blueGreen.attempt):
	// a verdict never counts for another attempt, even of the same
	// revision in the same colour.
	// +optional
	Attempt int64 `json:"attempt,omitempty"`
	// verdict of the whole analysis: Failed or Inconclusive as soon as one
	// check is, Passed when every check passed.
	Verdict AnalysisVerdict `json:"verdict"`
	// startedAt is when the first measurement was due.
	StartedAt metav1.Time `json:"startedAt"`
	// approved: a person approved the revision while its analysis was
	// Inconclusive (the promote annotation naming it). A Failed analysis
	// is never approved.
	// +optional
	Approved bool `json:"approved,omitempty"`
	// checks, one per check and component.
	// +optional
	// +listType=atomic
	Checks []AnalysisCheckStatus `json:"checks,omitempty"`
}

// AnalysisCheckStatus is what one check measured on one component.
type AnalysisCheckStatus struct {
	Name      string          `json:"name"`
	Component ComponentName   `json:"component"`
	Verdict   AnalysisVerdict `json:"verdict"`
	// Successes, Failures and Inconclusive count the measurements taken.
	Successes    int32 `json:"successes"`
	Failures     int32 `json:"failures"`
	Inconclusive int32 `json:"inconclusive"`
	// lastValue is the last measurement: the result of the query, or the
	// status code of the answer.
	// +optional
	LastValue string `json:"lastValue,omitempty"`
	// lastTime is when it was taken; the next is due an interval later.
	// +optional
	LastTime *metav1.Time `json:"lastTime,omitempty"`
	// message says what the last measurement found.
	// +optional
	Message string `json:"message,omitempty"`
	// problem is set when the check cannot be measured as written (a
	// template that does not render, a condition that does not compile, a
	// query Prometheus refuses): its reason, such as AnalysisQueryInvalid.
	// Nothing is counted and nothing is promoted until the spec is fixed;
	// it is tried again every intervalSeconds.
	// +optional
	Problem string `json:"problem,omitempty"`
}

// Checks are the checks of one phase; none when the spec has none.
func (a *AnalysisSpec) Checks(phase AnalysisPhase) []AnalysisCheck {
	switch {
	case a == nil:
		return nil
	case phase == AnalysisPrePromotion:
		return a.PrePromotion
	}
	return a.PostPromotion
}

// ComponentsOf are the components a check measures (default: view).
func (c *AnalysisCheck) ComponentsOf() []ComponentName {
	if len(c.Components) == 0 {
		return []ComponentName{ComponentView}
	}
	return c.Components
}
