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
	"os"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/randfill"
	"sigs.k8s.io/yaml"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// richRestAPI sets most of what reaches the pods, so a field left out of
// SpecHash that does reach them shows in the Revision.
func richRestAPI() *apiv1.RestAPI {
	r := baseRestAPI()
	two, port := int32(2), int32(9090)
	r.Spec.Replicas = &two
	r.Spec.EnvVars = map[string]string{"LOG": "debug"}
	r.Spec.Observability.Metrics.Port = &port
	r.Spec.Observability.Tracing = &apiv1.TracingSpec{Endpoint: "http://otel.observability:4317"}
	r.Spec.Repository.Storage = &apiv1.StorageSpec{Size: resource.MustParse("1Gi")}
	r.Spec.Model.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}
	on := true
	r.Spec.BlueGreen.Enabled = &on
	return r
}

// TestSpecHashLeavesOutOnlyWhatNeverReachesThePods fills every field
// SpecHash leaves out with random values, many times: the pod templates
// (Revision) never change, nor does SpecHash. Were a left-out field to
// reach the pods, an edit of it while a newer rendering waits would be
// taken for an operator upgrade and never deployed.
func TestSpecHashLeavesOutOnlyWhatNeverReachesThePods(t *testing.T) {
	base := richRestAPI()
	wantRev, wantHash := Revision(base), SpecHash(base)
	f := randfill.NewWithSeed(1).NilChance(0.2).NumElements(0, 3).Funcs(
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewQuantity(c.Int63n(1000), resource.DecimalSI)
		},
	)
	for i := range 500 {
		r := base.DeepCopy()
		s := &r.Spec
		f.Fill(&s.Replicas)
		f.Fill(&s.AutoScaling)
		f.Fill(&s.HealthCheck.Healing)
		enabled := s.BlueGreen.Enabled
		f.Fill(&s.BlueGreen)
		s.BlueGreen.Enabled = enabled
		f.Fill(&s.NetworkPolicy)
		f.Fill(&s.View.Expose)
		for _, c := range []*apiv1.ComponentSpec{&s.Model.ComponentSpec, &s.View.ComponentSpec, &s.Controller.ComponentSpec, &s.Repository.ComponentSpec} {
			f.Fill(&c.Replicas)
			f.Fill(&c.AutoScaling)
		}
		if got := Revision(r); got != wantRev {
			t.Fatalf("fill %d: a field SpecHash leaves out changed the pod templates (revision %s, want %s): it reaches the pods, so SpecHash must hash it", i, got, wantRev)
		}
		if got := SpecHash(r); got != wantHash {
			t.Fatalf("fill %d: SpecHash %s, want %s: it hashes a field that never reaches the pods", i, got, wantHash)
		}
	}
}

// TestSpecHashChangesWithWhatReachesThePods: what reaches the pods changes
// both hashes.
func TestSpecHashChangesWithWhatReachesThePods(t *testing.T) {
	base := richRestAPI()
	for name, edit := range map[string]func(*apiv1.RestAPI){
		"image":              func(r *apiv1.RestAPI) { r.Spec.Image = "shop:2" },
		"an environment var": func(r *apiv1.RestAPI) { r.Spec.EnvVars["LOG"] = "info" },
		"a component's args": func(r *apiv1.RestAPI) { r.Spec.Model.Args = []string{"--fast"} },
		"a probe path":       func(r *apiv1.RestAPI) { r.Spec.HealthCheck.ReadinessPath = "/ready" },
		"the tracing endpoint": func(r *apiv1.RestAPI) {
			r.Spec.Observability.Tracing.Endpoint = "http://otel.other:4317"
		},
	} {
		r := base.DeepCopy()
		edit(r)
		if Revision(r) == Revision(base) || SpecHash(r) == SpecHash(base) {
			t.Errorf("%s: revision %s→%s, spec hash %s→%s: both must change", name, Revision(base), Revision(r), SpecHash(base), SpecHash(r))
		}
	}
}

// TestSpecHashIsStable: the hash of a spec is the same in every version of
// the operator. Changing it takes every RestAPI for a changed spec at the
// upgrade: each rolls to the newer rendering at once, which is what the
// rendering decision exists to prevent.
func TestSpecHashIsStable(t *testing.T) {
	if got, want := SpecHash(richRestAPI()), "d6e85cfd0cb4721b"; got != want {
		t.Fatalf("SpecHash of the same spec is %s, was %s: an upgrade would roll every RestAPI (see SpecHash)", got, want)
	}
}

// TestNoNewDefaultReachesSpecHash lists the fields the CRD defaults. A
// default added to a field SpecHash hashes shows in every stored RestAPI
// after the upgrade, changes its SpecHash, and rolls it: default such a
// field in code instead.
func TestNoNewDefaultReachesSpecHash(t *testing.T) {
	b, err := os.ReadFile("../../config/crd/bases/apps.restapi.dev_restapis.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil {
		t.Fatal(err)
	}
	var defaulted []string
	var walk func(path string, schema map[string]any)
	walk = func(path string, schema map[string]any) {
		if _, ok := schema["default"]; ok {
			defaulted = append(defaulted, path)
		}
		if props, ok := schema["properties"].(map[string]any); ok {
			for k, v := range props {
				walk(path+"."+k, v.(map[string]any))
			}
		}
		if items, ok := schema["items"].(map[string]any); ok {
			walk(path+"[]", items)
		}
	}
	spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema["properties"].(map[string]any)["spec"].(map[string]any)
	walk("spec", spec)
	slices.Sort(defaulted)
	// The defaults SpecHash was made with (a default of an object, such as
	// spec.model's {}, adds no field of its own).
	known := []string{
		"spec.autoScaling", "spec.blueGreen", "spec.blueGreen.enabled", "spec.blueGreen.failFast", "spec.controller", "spec.controller.enabled",
		"spec.controller.envFrom[].configMapRef.name", "spec.controller.envFrom[].secretRef.name", "spec.controller.port",
		"spec.envFrom[].configMapRef.name", "spec.envFrom[].secretRef.name", "spec.healthCheck", "spec.healthCheck.enabled",
		"spec.healthCheck.failureThreshold", "spec.healthCheck.healing", "spec.healthCheck.initialDelaySeconds", "spec.healthCheck.livenessPath",
		"spec.healthCheck.periodSeconds", "spec.healthCheck.readinessPath", "spec.healthCheck.timeoutSeconds", "spec.imagePullSecrets[].name",
		"spec.model", "spec.model.enabled", "spec.model.envFrom[].configMapRef.name", "spec.model.envFrom[].secretRef.name", "spec.model.port",
		"spec.networkPolicy", "spec.observability", "spec.observability.metrics", "spec.observability.metrics.enabled",
		"spec.observability.metrics.path", "spec.observability.tracing.protocol", "spec.replicas", "spec.repository", "spec.repository.enabled",
		"spec.repository.envFrom[].configMapRef.name", "spec.repository.envFrom[].secretRef.name", "spec.repository.port",
		"spec.repository.storage.accessMode", "spec.repository.storage.mountPath", "spec.shutdownDelaySeconds", "spec.view", "spec.view.enabled",
		"spec.view.envFrom[].configMapRef.name", "spec.view.envFrom[].secretRef.name", "spec.view.port",
	}
	var added []string
	for _, p := range defaulted {
		if !slices.Contains(known, p) && !leftOut(p) {
			added = append(added, p)
		}
	}
	if len(added) > 0 {
		t.Fatalf("the CRD defaults %s, which SpecHash hashes: every stored RestAPI would change its SpecHash at the upgrade and roll. "+
			"Default it in code (render.Resolve), or, if it never reaches the pods, leave it out of SpecHash", strings.Join(added, ", "))
	}
}

// leftOut reports whether a schema path is inside a field SpecHash leaves out.
func leftOut(path string) bool {
	for _, p := range []string{"spec.replicas", "spec.autoScaling", "spec.healthCheck.healing", "spec.networkPolicy", "spec.view.expose"} {
		if path == p || strings.HasPrefix(path, p+".") {
			return true
		}
	}
	if strings.HasPrefix(path, "spec.blueGreen.") && path != "spec.blueGreen.enabled" {
		return true
	}
	for _, c := range []string{"model", "view", "controller", "repository"} {
		for _, f := range []string{"replicas", "autoScaling"} {
			if p := "spec." + c + "." + f; path == p || strings.HasPrefix(path, p+".") {
				return true
			}
		}
	}
	return false
}

func TestDecideRendering(t *testing.T) {
	blue, green := apiv1.EnvironmentBlue, apiv1.EnvironmentGreen
	runsIn := func(colours map[string]apiv1.Environment) func(string) (apiv1.Environment, bool) {
		return func(rev string) (apiv1.Environment, bool) { c, ok := colours[rev]; return c, ok }
	}
	old := &apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-old"}
	for _, tc := range []struct {
		name string
		in   RenderingInput
		want Rendering
	}{{
		name: "a new RestAPI takes this rendering",
		in:   RenderingInput{SpecHash: "spec1", Revision: "rev-new", RunsIn: runsIn(nil)},
		want: Rendering{Revision: "rev-new", Status: apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-new"}},
	}, {
		name: "the first reconcile after an upgrade from a version that recorded nothing: the revision deployed for this spec is held",
		in:   RenderingInput{SpecHash: "spec1", Revision: "rev-new", Earlier: "rev-old", RunsIn: runsIn(map[string]apiv1.Environment{"rev-old": green})},
		want: Rendering{Revision: "rev-old", Held: &green, Status: apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-old", Pending: "rev-new"}},
	}, {
		name: "recorded: held while the spec is the same",
		in:   RenderingInput{SpecHash: "spec1", Revision: "rev-new", Recorded: old, RunsIn: runsIn(map[string]apiv1.Environment{"rev-old": blue})},
		want: Rendering{Revision: "rev-old", Held: &blue, Status: apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-old", Pending: "rev-new"}},
	}, {
		name: "the spec changed: its next revision takes this rendering",
		in:   RenderingInput{SpecHash: "spec2", Revision: "rev-2", Recorded: old, RunsIn: runsIn(map[string]apiv1.Environment{"rev-old": blue})},
		want: Rendering{Revision: "rev-2", Status: apiv1.RenderingStatus{SpecHash: "spec2", Revision: "rev-2"}},
	}, {
		name: "asked for the pending revision",
		in: RenderingInput{SpecHash: "spec1", Revision: "rev-new", Recorded: old, Request: "rev-new",
			RunsIn: runsIn(map[string]apiv1.Environment{"rev-old": blue})},
		want: Rendering{Revision: "rev-new", Status: apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-new"}, Consume: true,
			Applied: "applying the newer rendering rev-new of the spec of revision rev-old, as asked (apps.restapi.dev/apply-rendering)"},
	}, {
		name: "asked for another revision (a request older than the last upgrade): held, the request removed",
		in: RenderingInput{SpecHash: "spec1", Revision: "rev-new", Recorded: old, Request: "rev-older",
			RunsIn: runsIn(map[string]apiv1.Environment{"rev-old": blue})},
		want: Rendering{Revision: "rev-old", Held: &blue, Status: apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-old", Pending: "rev-new"}, Consume: true},
	}, {
		name: "fleet-wide",
		in:   RenderingInput{SpecHash: "spec1", Revision: "rev-new", Recorded: old, ApplyAll: true, RunsIn: runsIn(map[string]apiv1.Environment{"rev-old": blue})},
		want: Rendering{Revision: "rev-new", Status: apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-new"},
			Applied: "applying the newer rendering rev-new of the spec of revision rev-old (--rendering-upgrades=apply)"},
	}, {
		name: "the held revision runs nowhere any more: rendered anew",
		in:   RenderingInput{SpecHash: "spec1", Revision: "rev-new", Recorded: old, RunsIn: runsIn(nil)},
		want: Rendering{Revision: "rev-new", Status: apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-new"},
			Applied: "revision rev-old, the earlier rendering of this spec, runs in no colour any more: rendering it anew as rev-new"},
	}, {
		name: "recorded and current: nothing pending, a stale request removed",
		in: RenderingInput{SpecHash: "spec1", Revision: "rev-old", Recorded: old, Request: "rev-x",
			RunsIn: runsIn(map[string]apiv1.Environment{"rev-old": blue})},
		want: Rendering{Revision: "rev-old", Status: apiv1.RenderingStatus{SpecHash: "spec1", Revision: "rev-old"}, Consume: true},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := DecideRendering(tc.in)
			if got.Revision != tc.want.Revision || got.Status != tc.want.Status || got.Applied != tc.want.Applied || got.Consume != tc.want.Consume ||
				(got.Held == nil) != (tc.want.Held == nil) || (got.Held != nil && *got.Held != *tc.want.Held) {
				t.Fatalf("got %+v (held %v), want %+v (held %v)", got, deref(got.Held), tc.want, deref(tc.want.Held))
			}
		})
	}
}

func deref(e *apiv1.Environment) string {
	if e == nil {
		return "<nil>"
	}
	return string(*e)
}
