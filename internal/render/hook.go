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

package render

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	batchv1ac "k8s.io/client-go/applyconfigurations/batch/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// HookJobName is the name of a hook's Job for one attempt:
// <restapi>-<hook>-<attempt>, or, past 63 characters, a shorter name ending
// in a hash of it.
func HookJobName(restapi, hook string, attempt int64) string {
	name := restapi + "-" + hook + "-" + strconv.FormatInt(attempt, 10)
	if len(name) <= 63 {
		return name
	}
	return name[:52] + "-" + hash(name, 10)
}

// HookLabels are a hook Job's labels, and its Pod's: the RestAPI's, the
// hook's, the phase, the revision and the attempt. Neither the component
// nor the colour: no Service, Deployment, PodDisruptionBudget or
// NetworkPolicy of a component selects a hook's Pod.
func HookLabels(r *apiv1.RestAPI, h apiv1.Hook, revision string, attempt int64) map[string]string {
	l := InstanceLabels(r)
	l[apiv1.LabelName] = apiv1.AppName
	l[apiv1.LabelPartOf] = r.Name
	l[apiv1.LabelHook] = h.Name
	l[apiv1.LabelHookPhase] = string(h.Phase)
	l[apiv1.LabelRevision] = revision
	l[apiv1.LabelAttempt] = strconv.FormatInt(attempt, 10)
	return l
}

// HookJob renders the Job of hook h for one attempt of revision, run in
// colour's Pod of h's component: the component's image, ConfigMap, envFrom,
// env, security context ("restricted") and resources, with the hook's
// command instead of the component's, no ports, probes or preStop, and
// restartPolicy Never. Nil when h's component is not enabled (admission
// refuses that).
func HookJob(r *apiv1.RestAPI, h apiv1.Hook, colour apiv1.Environment, revision string, attempt int64) *batchv1ac.JobApplyConfiguration {
	var comp *apiv1.Component
	for _, c := range r.Spec.Components() {
		if c.Name == h.ComponentOrDefault() && c.IsEnabled() {
			comp = &c
		}
	}
	if comp == nil {
		return nil
	}
	s := Resolve(r, *comp, colour)
	tmpl := PodTemplate(r, s, colour, ConfigHash(s.Env), revision)
	labels := HookLabels(r, h, revision, attempt)
	tmpl.Labels = labels
	for k := range tmpl.Annotations {
		if strings.HasPrefix(k, "prometheus.io/") {
			delete(tmpl.Annotations, k) // nothing to scrape: no port
		}
	}
	ctr := &tmpl.Spec.Containers[0]
	ctr.Name = &h.Name
	ctr.Ports, ctr.LivenessProbe, ctr.ReadinessProbe, ctr.StartupProbe, ctr.Lifecycle = nil, nil, nil, nil, nil
	ctr.Command, ctr.Args = append([]string(nil), h.Command...), append([]string(nil), h.Args...)
	if len(ctr.Args) == 0 {
		ctr.Args = nil
	}
	never := corev1.RestartPolicyNever
	tmpl.Spec.RestartPolicy = &never
	deadline := int64(r.Spec.BlueGreen.ProgressDeadlineSeconds)
	if h.ActiveDeadlineSeconds != nil {
		deadline = int64(*h.ActiveDeadlineSeconds)
	}
	if deadline <= 0 {
		deadline = 600 // the progress deadline's default, for a spec read without defaults
	}
	backoff := int32(0)
	if h.BackoffLimit != nil {
		backoff = *h.BackoffLimit
	}
	return batchv1ac.Job(HookJobName(r.Name, h.Name, attempt), r.Namespace).
		WithLabels(labels).
		WithOwnerReferences(OwnerReference(r)).
		WithSpec(batchv1ac.JobSpec().
			WithBackoffLimit(backoff).
			WithActiveDeadlineSeconds(deadline).
			WithTemplate(tmpl))
}
