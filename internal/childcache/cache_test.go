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

package childcache

import (
	"maps"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/testenv"
)

// TestReaderHandsOutCopiesACallerMayChange runs the cache with Options on a
// real API server: two ConfigMaps that share their labels, data, owner
// reference and field set in the cache are read through Reader, one of
// them is changed in every shared part, and neither the other nor a second
// read of the first sees the change.
func TestReaderHandsOutCopiesACallerMayChange(t *testing.T) {
	env := &envtest.Environment{BinaryAssetsDirectory: testenv.BinaryAssetsDirectory(),
		CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := apiv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "owner"}}
	if err := c.Create(ctx, owner); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		ac := corev1ac.ConfigMap(name, "default").
			WithLabels(map[string]string{apiv1.LabelManagedBy: apiv1.ManagedBy, "app": "shop"}).
			WithOwnerReferences(metav1ac.OwnerReference().WithAPIVersion("v1").WithKind("ConfigMap").WithName("owner").
				WithUID(owner.UID).WithController(true)).
			WithData(map[string]string{"LOG_LEVEL": "info"})
		if err := c.Apply(ctx, ac, client.FieldOwner(apiv1.ManagedBy)); err != nil {
			t.Fatal(err)
		}
	}

	opts := Options()
	opts.Scheme = scheme
	informers, err := cache.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = informers.Start(ctx) }()
	if !informers.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	r := Reader{Reader: informers}
	read := func(name string) *corev1.ConfigMap {
		t.Helper()
		var cm corev1.ConfigMap
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := r.Get(ctx, client.ObjectKey{Namespace: "default", Name: name}, &cm)
			if err == nil || time.Now().After(deadline) {
				if err != nil {
					t.Fatal(err)
				}
				return &cm
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	a, b := read("a"), read("b")
	if len(a.ManagedFields) != 1 || a.ManagedFields[0].FieldsV1.GetRawString() != b.ManagedFields[0].FieldsV1.GetRawString() {
		t.Fatalf("the two ConfigMaps' field sets differ: %s / %s", a.ManagedFields, b.ManagedFields)
	}
	wantLabels, wantData, wantFields := maps.Clone(b.Labels), maps.Clone(b.Data), b.ManagedFields[0].FieldsV1.GetRawString()

	// A caller changes everything the cache shares, in place.
	a.Labels["app"] = "changed"
	a.Data["LOG_LEVEL"] = "changed"
	a.OwnerReferences[0].Name = "changed"
	raw := a.ManagedFields[0].FieldsV1.GetRawBytes() // the bytes themselves, not a copy
	for i := range raw {
		raw[i] = 'x'
	}

	for _, cm := range []*corev1.ConfigMap{read("b"), read("a")} {
		if !maps.Equal(cm.Labels, wantLabels) || !maps.Equal(cm.Data, wantData) || cm.OwnerReferences[0].Name != "owner" ||
			cm.ManagedFields[0].FieldsV1.GetRawString() != wantFields {
			t.Errorf("%s read after a caller changed its copy of a: labels %v data %v owner %s fields %s", cm.Name, cm.Labels, cm.Data,
				cm.OwnerReferences[0].Name, cm.ManagedFields[0].FieldsV1.GetRawString())
		}
	}

	var list corev1.ConfigMapList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err == nil {
		t.Error("Reader lists without copies")
	}
	if err := r.Get(ctx, client.ObjectKey{Namespace: "default", Name: "a"}, &corev1.ConfigMap{}, client.UnsafeDisableDeepCopy); err == nil {
		t.Error("Reader reads without a copy")
	}
}
