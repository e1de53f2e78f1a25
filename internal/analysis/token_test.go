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

package analysis

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// countingReader counts the reads that reach the API.
type countingReader struct {
	client.Reader
	gets atomic.Int32
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.gets.Add(1)
	return c.Reader.Get(ctx, key, obj, opts...)
}

func tokenSecret(value string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "restapi-system", Name: "prom"},
		Data:       map[string][]byte{"token": []byte(value)},
	}
}

func TestSecretTokenIsSentReadOncePerTTLAndRotationIsPickedUp(t *testing.T) {
	ctx := context.Background()
	c := fake.NewClientBuilder().WithObjects(tokenSecret("first\n")).Build()
	reader := &countingReader{Reader: c}
	clock := now0
	src := &SecretToken{Reader: reader, Secret: types.NamespacedName{Namespace: "restapi-system", Name: "prom"}, Key: "token",
		now: func() time.Time { return clock }}
	prom := fakePrometheus(t, `{"status":"success","data":{"resultType":"scalar","result":[1,"0"]}}`)
	m := &Measurer{PrometheusAddress: prom.URL, Token: src}
	rapi := restAPI(promCheck("p", "up", "result == 0.0"))

	// Each a new analysis (a new start), so each sends a query.
	measure(t, m, rapi, pre, nil, now0)
	measure(t, m, rapi, pre, nil, now0.Add(time.Second))
	if prom.auth.Load() != "Bearer first" || reader.gets.Load() != 1 {
		t.Fatalf("sent %v after %d reads; want the Secret's token, read once", prom.auth.Load(), reader.gets.Load())
	}

	rotated := tokenSecret("second")
	if err := c.Update(ctx, rotated); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(DefaultSecretTokenTTL - time.Second)
	measure(t, m, rapi, pre, nil, now0.Add(2*time.Second))
	if prom.auth.Load() != "Bearer first" {
		t.Fatalf("within the TTL the read token is used: %v", prom.auth.Load())
	}
	clock = clock.Add(time.Second)
	measure(t, m, rapi, pre, nil, now0.Add(3*time.Second))
	if prom.auth.Load() != "Bearer second" || reader.gets.Load() != 2 {
		t.Fatalf("after the TTL the rotated token: %v (%d reads)", prom.auth.Load(), reader.gets.Load())
	}
}

func TestAMissingTokenIsInconclusiveAndNamesTheSecret(t *testing.T) {
	prom := fakePrometheus(t, `{"status":"success","data":{"resultType":"scalar","result":[1,"0"]}}`)
	check := promCheck("p", "up", "result == 0.0")
	check.InconclusiveLimit = 1
	rapi := restAPI(check)
	tests := []struct {
		name    string
		objects []client.Object
		want    string
	}{
		{"no Secret", nil, `the Secret restapi-system/prom: secrets "prom" not found`},
		{"no such key", []client.Object{&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "restapi-system", Name: "prom"}}},
			`the Secret restapi-system/prom has no key "token"`},
		{"an empty token", []client.Object{tokenSecret(" \n")}, `key "token" is empty`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &SecretToken{Reader: fake.NewClientBuilder().WithObjects(tc.objects...).Build(),
				Secret: types.NamespacedName{Namespace: "restapi-system", Name: "prom"}, Key: "token"}
			prom.queries.Store("")
			out := measure(t, &Measurer{PrometheusAddress: prom.URL, Token: src}, rapi, pre, nil, now0)
			c := out.Status.Checks[0]
			if c.Inconclusive != 1 || !strings.Contains(c.Message, tc.want) || prom.queries.Load() != "" {
				t.Fatalf("want one inconclusive measurement saying %q and no query sent; got %+v, query %v", tc.want, c, prom.queries.Load())
			}
			if out.Status.Verdict != apiv1.VerdictRunning {
				t.Fatalf("within its inconclusive limit the analysis goes on: %s", out.Status.Verdict)
			}
		})
	}
}

func TestParseSecretRef(t *testing.T) {
	for ref, want := range map[string]string{"prom": "ns/prom token", "prom:bearer": "ns/prom bearer"} {
		key, k, err := ParseSecretRef(ref, "ns")
		if err != nil || key.String()+" "+k != want {
			t.Errorf("%q: %v %q %v, want %s", ref, key, k, err, want)
		}
	}
	for ref, ns := range map[string]string{"": "ns", "a/prom": "ns", "prom:": "ns", "prom": ""} {
		if _, _, err := ParseSecretRef(ref, ns); err == nil {
			t.Errorf("%q in namespace %q: want an error", ref, ns)
		}
	}
}
