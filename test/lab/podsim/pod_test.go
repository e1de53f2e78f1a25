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

package podsim

import (
	"encoding/json"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// convert turns a rendered apply configuration into its object.
func convert[T any](t *testing.T, ac any) *T {
	t.Helper()
	b, err := json.Marshal(ac)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestFromPodReadsWhatTheOperatorRendered: a Pod of the view's rendered
// Deployment is served on its container port, answers its probe paths,
// and calls the other components of its own colour.
func TestFromPodReadsWhatTheOperatorRendered(t *testing.T) {
	rapi := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop"}, Spec: apiv1.RestAPISpec{Image: "registry.example/shop:1.0.0"}}
	rapi.Spec.Observability.Tracing = &apiv1.TracingSpec{Endpoint: "http://jaeger.restapi-lab:4317"}
	var view render.Component
	for _, c := range render.Desired(rapi, apiv1.EnvironmentGreen) {
		if c.Settings.Name == apiv1.ComponentView {
			view = c
		}
	}
	d := convert[appsv1.Deployment](t, view.Deployment)
	cm := convert[corev1.ConfigMap](t, view.ConfigMap)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop-view-green-abc", Labels: d.Spec.Template.Labels},
		Spec:       d.Spec.Template.Spec,
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.1.7"},
	}
	got := FromPod(p, map[string]*corev1.ConfigMap{cm.Name: cm})
	if got.IP != "10.244.1.7" || len(got.Ports) != 1 || got.Ports[0] != 3000 || got.Image != "registry.example/shop:1.0.0" {
		t.Errorf("served as %+v", got)
	}
	if got.Component != "view" || got.Colour != "green" || got.Revision == "" {
		t.Errorf("labels %+v", got)
	}
	if len(got.ProbePaths) == 0 || got.ProbePaths[0] != "/health" {
		t.Errorf("probe paths %v", got.ProbePaths)
	}
	if got.Drain != 5*time.Second {
		t.Errorf("drain %s: want the rendered preStop sleep, 5s", got.Drain)
	}
	want := map[string]string{
		"model": "http://shop-model-green.apps.svc:8080", "controller": "http://shop-controller-green.apps.svc:8081",
		"repository": "http://shop-repository-green.apps.svc:8082",
	}
	if len(got.Peers) != len(want) {
		t.Fatalf("peers %v, want %v", got.Peers, want)
	}
	for k, v := range want {
		if got.Peers[k] != v {
			t.Errorf("peer %s: %q, want %q", k, got.Peers[k], v)
		}
	}

	// The OpenTelemetry environment, as an SDK in the container reads it:
	// a variable the operator misnamed, or a $(reference) kubelet would
	// not expand, shows here.
	tr := got.Tracing
	if tr == nil || tr.Endpoint != "http://jaeger.restapi-lab:4317" || tr.Protocol != "grpc" {
		t.Fatalf("tracing %+v: want the endpoint over grpc", tr)
	}
	for k, v := range map[string]string{"service.name": "shop-view", "service.namespace": "shop", "k8s.namespace.name": "apps",
		"deployment.environment": "green", "service.version": got.Revision} {
		if tr.Resource[k] != v {
			t.Errorf("resource attribute %s=%q, want %q (all: %v)", k, tr.Resource[k], v, tr.Resource)
		}
	}

	p.Status.Phase = corev1.PodPending
	if FromPod(p, nil).IP != "" {
		t.Error("a Pod not Running is served")
	}
	p.Labels = map[string]string{apiv1.LabelComponent: "model"}
	if FromPod(p, map[string]*corev1.ConfigMap{cm.Name: cm}).Peers != nil {
		t.Error("a component other than the view calls peers")
	}
}
