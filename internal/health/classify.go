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

package health

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Judgement is how a problem a preview shows is judged.
type Judgement int

const (
	// Waits: it can pass by itself; waited on until the progress deadline.
	Waits Judgement = iota
	// BrokenAfterRestarts: broken once a container restarted Limits.Restarts times.
	BrokenAfterRestarts
	// BrokenAfterImagePull: broken once it lasted Limits.ImagePull.
	BrokenAfterImagePull
	// BrokenAfterConfigError: broken once it lasted Limits.ConfigError.
	BrokenAfterConfigError
	// Broken: cannot pass by itself; broken at once.
	Broken
)

// Rule is one row of the table: a problem, how it is judged, and what a
// rollout waits for while it is not (yet) broken.
type Rule struct {
	Reason   string
	Judge    Judgement
	WaitsFor string
}

// Rules is the one table of what a preview waits on and what makes it
// broken, with the reason for each row in docs/health.md. Pod problems are
// listed worst first (podFailures keeps the same order); the last rows are
// the Deployment's own conditions. A problem not in the table is judged
// Broken.
var Rules = []Rule{
	{apiv1.ReasonCreateContainerConfigError, BrokenAfterConfigError, apiv1.ReasonWaitingForConfig},
	{apiv1.ReasonInvalidImageName, Broken, ""},
	{apiv1.ReasonErrImagePull, BrokenAfterImagePull, apiv1.ReasonWaitingForImage},
	{apiv1.ReasonImagePullBackOff, BrokenAfterImagePull, apiv1.ReasonWaitingForImage},
	{apiv1.ReasonCrashLoopBackOff, BrokenAfterRestarts, apiv1.ReasonWaitingForContainers},
	{apiv1.ReasonOOMKilled, BrokenAfterRestarts, apiv1.ReasonWaitingForContainers},
	{apiv1.ReasonCreateContainerError, BrokenAfterConfigError, apiv1.ReasonWaitingForConfig},
	{apiv1.ReasonUnschedulable, Waits, apiv1.ReasonWaitingForCapacity},
	{apiv1.ReasonQuotaExceeded, Waits, apiv1.ReasonWaitingForQuota},
	{apiv1.ReasonReplicaFailure, Broken, ""},
	{apiv1.ReasonProgressDeadlineExceeded, Broken, ""},
	{apiv1.ReasonNoReadyPods, Broken, ""},
}

func ruleOf(reason string) Rule {
	for _, r := range Rules {
		if r.Reason == reason {
			return r
		}
	}
	return Rule{Reason: reason, Judge: Broken}
}

// Limits are spec.blueGreen.failFast with its defaults filled in.
type Limits struct {
	Restarts    int32
	ImagePull   time.Duration
	ConfigError time.Duration
}

// LimitsOf resolves a RestAPI's fail-fast thresholds.
func LimitsOf(f apiv1.FailFastSpec) Limits {
	l := Limits{Restarts: 3, ImagePull: 120 * time.Second, ConfigError: 30 * time.Second}
	if f.Restarts != nil {
		l.Restarts = *f.Restarts
	}
	if f.ImagePullSeconds != nil {
		l.ImagePull = time.Duration(*f.ImagePullSeconds) * time.Second
	}
	if f.ConfigErrorSeconds != nil {
		l.ConfigError = time.Duration(*f.ConfigErrorSeconds) * time.Second
	}
	return l
}

// Outlook is a preview component judged: broken (abort), or waiting for
// something that can pass by itself.
type Outlook struct {
	// Component is its health, as Evaluate gives it.
	Component
	// Broken: it cannot become available by itself; Reason and Message of
	// Component say why.
	Broken bool
	// WaitsFor names what it waits for (a Reason... constant above); empty
	// when it is broken or waits for nothing in particular.
	WaitsFor string
	// WaitMessage says what, for a person (the scheduler's message...).
	WaitMessage string
	// BrokenAt is when what it waits for counts as broken if it lasts; zero
	// when only the progress deadline ends the wait.
	BrokenAt time.Time
}

// Judge is Evaluate for a component of a colour being prepared, with each
// problem judged by the table: broken now, or waited on (and until when).
func Judge(d *appsv1.Deployment, pods []corev1.Pod, lim Limits, now time.Time) Outlook {
	o := Outlook{Component: Evaluate(d, pods)}
	if o.Reason == apiv1.ReasonNoReadyPods && startedSinceRollout(d, pods) {
		// Not lost: never ready yet. A colour prepared from zero gets its
		// template first, at zero replicas (a rollout the Deployment
		// controller finishes at once), then its size, and keeps that
		// rollout's NewReplicaSetAvailable while its new Pods start. Only
		// here: in a serving colour such Pods replace lost ones, and
		// their never turning ready is a loss (health reports it, and
		// healing's spell starts from it).
		o.Health, o.Reason = apiv1.HealthProgressing, apiv1.ReasonRollingOut
		o.Message = fmt.Sprintf("scaling up: 0 of %d pods ready yet, every one started after the rollout finished", o.Replicas)
	}
	if o.Reason == apiv1.ReasonNoReadyPods && FromDeployment(d).Health == apiv1.HealthHealthy {
		// The Deployment says every pod is ready and a Pod in the cache
		// says not yet: the two informers are a moment apart (the pod's
		// Ready update has not arrived; it brings a reconcile when it
		// does). A pod that really lost its readiness shows in the
		// Deployment's own status a moment later, and is judged then.
		o.Health, o.Reason = apiv1.HealthProgressing, apiv1.ReasonRollingOut
		o.Message = fmt.Sprintf("the Deployment reports %d of %d pods ready; waiting to see the Pods say so", o.Replicas, o.Replicas)
	}
	if o.Health != apiv1.HealthUnhealthy {
		return o
	}
	// The Deployment's own conditions: a quota waits, the rest is broken.
	if dep := FromDeployment(d); dep.Reason == apiv1.ReasonProgressDeadlineExceeded || dep.Reason == apiv1.ReasonReplicaFailure {
		reason := dep.Reason
		if reason == apiv1.ReasonReplicaFailure && strings.Contains(dep.Message, "exceeded quota") {
			reason = apiv1.ReasonQuotaExceeded
		}
		r := ruleOf(reason)
		if r.Judge != Waits {
			o.Component, o.Broken = dep, true
			return o
		}
		o.WaitsFor, o.WaitMessage = r.WaitsFor, dep.Message
	}
	failures := podFailuresOf(pods)
	if len(failures) == 0 && o.WaitsFor == "" {
		// Unhealthy for a reason of the Deployment or its readiness alone
		// (NoReadyPods): as today, broken.
		o.Broken = ruleOf(o.Reason).Judge != Waits
		return o
	}
	for _, f := range failures {
		r := ruleOf(f.Reason)
		at, broken := brokenAt(r, f, lim, now)
		if broken {
			o.Broken, o.Reason = true, f.Reason
			o.Message = fmt.Sprintf("%d of %d pods ready; %s", o.ReadyReplicas, o.Replicas, f.Message)
			o.WaitsFor, o.WaitMessage, o.BrokenAt = "", "", time.Time{}
			return o
		}
		if o.WaitsFor == "" {
			o.WaitsFor, o.WaitMessage = r.WaitsFor, f.Message
		}
		if !at.IsZero() && (o.BrokenAt.IsZero() || at.Before(o.BrokenAt)) {
			o.BrokenAt = at
		}
	}
	return o
}

// brokenAt says whether a failure is broken now, and if not, when it will
// be if it lasts (zero: never by itself).
func brokenAt(r Rule, f PodFailure, lim Limits, now time.Time) (time.Time, bool) {
	var grace time.Duration
	switch r.Judge {
	case Waits:
		return time.Time{}, false
	case BrokenAfterRestarts:
		return time.Time{}, f.Restarts >= lim.Restarts
	case BrokenAfterImagePull:
		grace = lim.ImagePull
	case BrokenAfterConfigError:
		grace = lim.ConfigError
	default:
		return time.Time{}, true
	}
	at := f.Since.Add(grace)
	return at, !now.Before(at)
}
