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
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestContainerEnvIsWhatKubeletGives: ConfigMap keys with their prefix,
// then env in order; a $(NAME) of a variable defined before is expanded,
// one not defined (or defined after) stays as written, $$ is a $; field
// references read the Pod's own labels, name, namespace and address.
func TestContainerEnvIsWhatKubeletGives(t *testing.T) {
	fromLabel := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "shop-view-blue-1",
			Labels: map[string]string{"apps.restapi.dev/revision": "r7"}},
		Status: corev1.PodStatus{PodIP: "10.244.1.9"},
	}
	c := corev1.Container{
		EnvFrom: []corev1.EnvFromSource{{Prefix: "APP_", ConfigMapRef: &corev1.ConfigMapEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
		Env: []corev1.EnvVar{
			fromLabel("REV", "metadata.labels['apps.restapi.dev/revision']"),
			fromLabel("POD", "metadata.name"),
			fromLabel("NS", "metadata.namespace"),
			fromLabel("IP", "status.podIP"),
			{Name: "ATTRS", Value: "service.version=$(REV),pod=$(POD),later=$(LATER),cost=$$(REV),from=$(APP_MODE)"},
			{Name: "LATER", Value: "x"},
			{Name: "APP_MODE", Value: "overridden"},
			{Name: "OPEN", Value: "a$(b"},
		},
	}
	got := ContainerEnv(p, c, map[string]*corev1.ConfigMap{"cfg": {Data: map[string]string{"MODE": "fast"}}})
	want := map[string]string{
		"APP_MODE": "overridden", "REV": "r7", "POD": "shop-view-blue-1", "NS": "apps", "IP": "10.244.1.9",
		"ATTRS": "service.version=r7,pod=shop-view-blue-1,later=$(LATER),cost=$(REV),from=fast",
		"LATER": "x", "OPEN": "a$(b",
	}
	if !maps.Equal(got, want) {
		t.Errorf("env\n %v\nwant\n %v", got, want)
	}
}

// TestTracingIsReadByTheStandardNames: the SDK's variables, their
// defaults and precedence; a misnamed variable configures nothing.
func TestTracingIsReadByTheStandardNames(t *testing.T) {
	tr := TracingFromEnv(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger.restapi-lab:4318",
		"OTEL_SERVICE_NAME":           "shop-view",
		"OTEL_RESOURCE_ATTRIBUTES":    "service.version=r7, deployment.environment=blue,note=a%20b,broken",
	})
	if tr == nil || tr.Endpoint != "http://jaeger.restapi-lab:4318" || tr.Signal || tr.Protocol != "http/protobuf" ||
		tr.Sampler != "parentbased_always_on" {
		t.Fatalf("tracing %+v: want the endpoint, http/protobuf (the default) and parentbased_always_on", tr)
	}
	if want := map[string]string{"service.name": "shop-view", "service.version": "r7", "deployment.environment": "blue",
		"note": "a b"}; !maps.Equal(tr.Resource, want) {
		t.Errorf("resource %v, want %v", tr.Resource, want)
	}
	tr = TracingFromEnv(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4317", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/traces",
		"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
	})
	if tr.Endpoint != "http://b:4318/traces" || !tr.Signal || tr.Protocol != "http/protobuf" {
		t.Errorf("tracing %+v: the traces-only variables come first", tr)
	}
	for _, env := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_ENDPOINTS": "http://a:4317"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4317", "OTEL_SDK_DISABLED": "true"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4317", "OTEL_TRACES_EXPORTER": "none"},
	} {
		if tr := TracingFromEnv(env); tr != nil {
			t.Errorf("%v: tracing %+v, want none", env, tr)
		}
	}
}
