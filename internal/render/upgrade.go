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
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// An operator upgrade that renders the same spec differently (a new
// environment variable, an annotation, a probe default) changes Revision
// for every RestAPI at once. It must roll nothing by itself: the pods keep
// the earlier rendering until the spec changes or someone asks. Two hashes
// tell the cases apart (docs/decisions.md, "Operator upgrades roll
// nothing"):
//   - Revision hashes the rendered pod templates: it changes with the
//     spec and with the rendering;
//   - SpecHash hashes the spec's fields that can reach the pods: it
//     changes with the spec only.
// status.rendering records the pair the pods run. Same SpecHash, another
// Revision: the rendering changed, not the spec.

// SpecHash is the hash of the spec's fields that can reach the pods: the
// whole spec but for the fields that never do (replicas, autoscaling, the
// blue-green settings other than enabled, the network policy, healing and
// exposure), so that scaling or tuning a rollout while a newer rendering
// waits does not apply it. Leaving a field in is safe (an edit of it
// applies a waiting rendering); leaving out one that reaches the pods is
// not (a test changes each left-out field at random and checks that no
// pod template changes). The hash is of the spec as written, so it is the
// same in every version of the operator as long as the API's fields keep
// their JSON; a new field must not get a CRD default (a test lists them).
func SpecHash(r *apiv1.RestAPI) string {
	s := r.Spec.DeepCopy()
	s.Replicas = nil
	s.AutoScaling = apiv1.AutoScalingSpec{}
	s.HealthCheck.Healing = apiv1.HealingSpec{}
	s.BlueGreen = apiv1.BlueGreenSpec{Enabled: s.BlueGreen.Enabled}
	s.NetworkPolicy = apiv1.NetworkPolicySpec{}
	s.View.Expose = nil
	for _, c := range []*apiv1.ComponentSpec{&s.Model.ComponentSpec, &s.View.ComponentSpec, &s.Controller.ComponentSpec, &s.Repository.ComponentSpec} {
		c.Replicas, c.AutoScaling = nil, nil
	}
	return hash(s, 16)
}

// RenderingInput is what the rendering decision reads.
type RenderingInput struct {
	// SpecHash and Revision of the spec, by this version of the operator.
	SpecHash, Revision string
	// Recorded is status.rendering; nil when no version of the operator
	// that records it has reconciled the RestAPI yet.
	Recorded *apiv1.RenderingStatus
	// Earlier, when Recorded is nil, is the revision the operator before
	// deployed for this very spec (it had observed the spec's generation),
	// read from status; "" when it deployed none or the spec changed since.
	Earlier string
	// RunsIn is the colour whose Deployments and ConfigMaps run revision
	// rev for every enabled component; false when no colour does.
	RunsIn func(rev string) (apiv1.Environment, bool)
	// Request is the apps.restapi.dev/apply-rendering annotation.
	Request string
	// ApplyAll is --rendering-upgrades=apply: every RestAPI takes this
	// version's rendering.
	ApplyAll bool
}

// Rendering is the decision: which revision to deploy for the spec.
type Rendering struct {
	// Revision is the revision to deploy.
	Revision string
	// Held, when Revision was rendered by an earlier version of the
	// operator, is the colour whose pod templates and ConfigMaps run it:
	// they are kept as they are in the cluster.
	Held *apiv1.Environment
	// Status is what status.rendering records.
	Status apiv1.RenderingStatus
	// Applied says why this version's rendering replaced an earlier one
	// ("" when it did not).
	Applied string
	// Consume: the request annotation was acted on, or names a revision
	// that is not pending (stale); it is removed.
	Consume bool
}

// DecideRendering decides which rendering of the spec to deploy.
func DecideRendering(in RenderingInput) Rendering {
	rec := apiv1.RenderingStatus{SpecHash: in.SpecHash, Revision: in.Revision}
	switch {
	case in.Recorded != nil:
		rec = apiv1.RenderingStatus{SpecHash: in.Recorded.SpecHash, Revision: in.Recorded.Revision}
	case in.Earlier != "":
		rec.Revision = in.Earlier
	}
	current := Rendering{Revision: in.Revision, Status: apiv1.RenderingStatus{SpecHash: in.SpecHash, Revision: in.Revision}, Consume: in.Request != ""}
	if rec.SpecHash != in.SpecHash || rec.Revision == in.Revision {
		// The spec changed (its next revision takes this rendering), or
		// the pods run this rendering already.
		return current
	}
	colour, runs := in.RunsIn(rec.Revision)
	switch {
	case !runs:
		current.Applied = fmt.Sprintf("revision %s, the earlier rendering of this spec, runs in no colour any more: rendering it anew as %s", rec.Revision, in.Revision)
		return current
	case in.Request == in.Revision:
		current.Applied = fmt.Sprintf("applying the newer rendering %s of the spec of revision %s, as asked (%s)", in.Revision, rec.Revision, apiv1.AnnotationApplyRendering)
		return current
	case in.ApplyAll:
		current.Applied = fmt.Sprintf("applying the newer rendering %s of the spec of revision %s (--rendering-upgrades=apply)", in.Revision, rec.Revision)
		return current
	}
	rec.Pending = in.Revision
	return Rendering{Revision: rec.Revision, Held: &colour, Status: rec, Consume: in.Request != ""}
}

// Hold makes a component's rendering the one its Deployment and ConfigMap
// in the cluster run: their pod template and data as this operator last
// applied them (their managed fields), so applying the component writes
// nothing that reaches a pod. The rest (labels, replicas, the deadline)
// is this version's.
func Hold(c *Component, d *appsv1.Deployment, cm *corev1.ConfigMap) error {
	if d == nil || cm == nil {
		return fmt.Errorf("the Deployment or the ConfigMap of %s is gone", c.Settings.Name)
	}
	dep, err := appsv1ac.ExtractDeployment(d, apiv1.ManagedBy)
	if err != nil {
		return fmt.Errorf("reading the managed fields of Deployment %s: %w", d.Name, err)
	}
	conf, err := corev1ac.ExtractConfigMap(cm, apiv1.ManagedBy)
	if err != nil {
		return fmt.Errorf("reading the managed fields of ConfigMap %s: %w", cm.Name, err)
	}
	if dep.Spec == nil || dep.Spec.Template == nil {
		return fmt.Errorf("Deployment %s holds no pod template of this operator's", d.Name)
	}
	c.Deployment.Spec.Template = dep.Spec.Template
	c.Deployment.WithLabels(map[string]string{apiv1.LabelRevision: d.Spec.Template.Labels[apiv1.LabelRevision]})
	c.ConfigMap.Data = conf.Data
	return nil
}
