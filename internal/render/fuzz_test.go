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
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// FuzzRender renders RestAPIs the API would admit and checks what
// Kubernetes would otherwise refuse or get wrong: no panic, every derived
// name a DNS-1123 label of at most 63 characters (DNS-1035 for Services),
// every label value valid, every Deployment selector matching its own pod
// template and no other colour's, every Service selecting the pods it
// should. The seed corpus (testdata/fuzz/FuzzRender) runs with go test;
// the controller suite also creates the objects each seed renders on a real
// API server. Run longer with: go test ./internal/render -fuzz FuzzRender.
func FuzzRender(f *testing.F) {
	f.Add("shop", "registry.example/shop:1.0.0", uint16(8080), uint16(3000), uint16(8081), uint16(8082), "LOG_LEVEL", "info", true, true, uint8(0), "", "")
	f.Add(strings.Repeat("a", 44), "x", uint16(1), uint16(2), uint16(3), uint16(65535), "", "", true, false, uint8(0), "10Gi", "obs")
	f.Add("z", "registry.example/shop@sha256:abc", uint16(80), uint16(81), uint16(82), uint16(83), "_A1", "", false, true, uint8(0b1001), "", "")
	f.Fuzz(func(t *testing.T, name, image string, model, view, ctrl, repo uint16, envKey, envValue string, blueGreen, autoscaling bool, disabled uint8, storage, metricsNS string) {
		r, ok := RestAPIFromFuzz(FuzzInput{
			Name: name, Image: image, ModelPort: model, ViewPort: view, ControllerPort: ctrl, RepoPort: repo,
			EnvKey: envKey, EnvValue: envValue, BlueGreen: blueGreen, Autoscaling: autoscaling, Disabled: disabled,
			StorageSize: storage, MetricsNSLabel: metricsNS,
		})
		if !ok {
			return // the CRD refuses it at admission: the renderers never see it
		}
		checkRendered(t, r)
	})
}

func checkLabelName(t *testing.T, kind, n string) {
	t.Helper()
	if errs := validation.IsDNS1123Label(n); len(errs) > 0 {
		t.Errorf("%s name %q: %v", kind, n, errs)
	}
}

func checkLabels(t *testing.T, what string, l map[string]string) {
	t.Helper()
	for k, v := range l {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			t.Errorf("%s: label key %q: %v", what, k, errs)
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			t.Errorf("%s: label %s=%q: %v", what, k, v, errs)
		}
	}
}

func checkRendered(t *testing.T, r *apiv1.RestAPI) {
	t.Helper()
	colours := []apiv1.Environment{"", apiv1.EnvironmentBlue, apiv1.EnvironmentGreen}
	templates := map[apiv1.Environment]map[apiv1.ComponentName]labels.Set{}
	for _, colour := range colours {
		templates[colour] = map[apiv1.ComponentName]labels.Set{}
		for _, c := range Desired(r, colour) {
			d := c.Deployment
			checkLabelName(t, "Deployment", *d.Name)
			checkLabelName(t, "ConfigMap", *c.ConfigMap.Name)
			checkLabels(t, *d.Name, d.Labels)
			tmpl := labels.Set(d.Spec.Template.Labels)
			checkLabels(t, *d.Name+" pod template", tmpl)
			sel := labels.SelectorFromSet(d.Spec.Selector.MatchLabels)
			if !sel.Matches(tmpl) {
				t.Errorf("Deployment %s: selector %v does not match its pods %v", *d.Name, d.Spec.Selector.MatchLabels, tmpl)
			}
			for _, e := range d.Spec.Selector.MatchExpressions {
				if *e.Key == apiv1.LabelEnvironment && tmpl.Has(apiv1.LabelEnvironment) {
					t.Errorf("Deployment %s selects no colour but its pods have one", *d.Name)
				}
			}
			templates[colour][c.Settings.Name] = tmpl
		}
	}
	// A Deployment never selects another colour's pods.
	for _, colour := range colours {
		for _, other := range colours {
			if other == colour {
				continue
			}
			for comp, tmpl := range templates[other] {
				for _, c := range Desired(r, colour) {
					if c.Settings.Name != comp {
						continue
					}
					sel := labels.SelectorFromSet(c.Deployment.Spec.Selector.MatchLabels)
					matches := sel.Matches(tmpl)
					if colour == "" {
						matches = matches && !tmpl.Has(apiv1.LabelEnvironment)
					}
					if matches {
						t.Errorf("Deployment %s selects %s's pods", *c.Deployment.Name, other)
					}
				}
			}
		}
	}
	for _, svc := range Services(r, apiv1.EnvironmentBlue, apiv1.EnvironmentGreen, true) {
		if errs := validation.IsDNS1035Label(*svc.Name); len(errs) > 0 {
			t.Errorf("Service name %q: %v", *svc.Name, errs)
		}
		checkLabels(t, *svc.Name, svc.Labels)
		comp := apiv1.ComponentName(svc.Labels[apiv1.LabelComponent])
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		want := apiv1.Environment(svc.Spec.Selector[apiv1.LabelEnvironment])
		for _, colour := range []apiv1.Environment{apiv1.EnvironmentBlue, apiv1.EnvironmentGreen} {
			if got := sel.Matches(templates[colour][comp]); got != (want == "" || want == colour) {
				t.Errorf("Service %s selecting %q matches %s pods: %v", *svc.Name, want, colour, got)
			}
		}
	}
	for _, c := range r.Spec.Components() {
		checkLabelName(t, "preview Service", PreviewName(r, c.Name))
		if a := ResolveAutoscaling(r, c); a != nil && c.IsEnabled() {
			h := HPA(r, c.Name, a, apiv1.EnvironmentGreen, a.MinReplicas)
			checkLabelName(t, "HPA", *h.Name)
			if *h.Spec.ScaleTargetRef.Name != ColourName(r, c.Name, apiv1.EnvironmentGreen) || *h.Spec.MinReplicas > *h.Spec.MaxReplicas {
				t.Errorf("HPA %s: target %s, %d..%d", *h.Name, *h.Spec.ScaleTargetRef.Name, *h.Spec.MinReplicas, *h.Spec.MaxReplicas)
			}
		}
	}
	for _, np := range NetworkPolicies(r, "") {
		checkLabelName(t, "NetworkPolicy", *np.Name)
		checkLabels(t, *np.Name, np.Spec.PodSelector.MatchLabels)
	}
	if c := Claim(r); c != nil {
		checkLabelName(t, "PersistentVolumeClaim", *c.Name)
	}
}
