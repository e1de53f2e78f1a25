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
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Watch serves the cluster's simulated Pods until ctx ends: it caches the
// operator's Pods and ConfigMaps (those labelled managed-by
// restapi-operator) and, when they change, makes s listen for exactly the
// Running ones: at most once per interval, and every resync when nothing
// changed, which retries a port that failed. onError hears what could not
// be served (nil: ignored).
func Watch(ctx context.Context, cfg *rest.Config, s *Server, interval time.Duration, onError func(error)) error {
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		return err
	}
	managed := labels.SelectorFromSet(labels.Set{apiv1.LabelManagedBy: apiv1.ManagedBy})
	// Read only: the lists are not copied (thousands of Pods, read on
	// every change).
	c, err := cache.New(cfg, cache.Options{
		Scheme: scheme, DefaultLabelSelector: managed, DefaultUnsafeDisableDeepCopy: new(true),
	})
	if err != nil {
		return err
	}
	changed := make(chan struct{}, 1)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	for _, o := range []client.Object{&corev1.Pod{}, &corev1.ConfigMap{}} {
		inf, err := c.GetInformer(ctx, o)
		if err != nil {
			return err
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { notify() },
			UpdateFunc: func(any, any) { notify() },
			DeleteFunc: func(any) { notify() },
		}); err != nil {
			return err
		}
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return fmt.Errorf("the Pod and ConfigMap caches did not sync: %w", ctx.Err())
	}
	resync := time.NewTicker(resyncEvery)
	defer resync.Stop()
	defer s.Close()
	for {
		pods, err := Read(ctx, c)
		if err == nil {
			err = s.Sync(pods)
		}
		if err != nil && onError != nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-resync.C:
		}
	}
}

// resyncEvery is how often Watch syncs when nothing changed.
const resyncEvery = 2 * time.Second

// Read lists the simulated Pods as FromPod serves them.
func Read(ctx context.Context, c client.Reader) ([]Pod, error) {
	var pods corev1.PodList
	if err := c.List(ctx, &pods); err != nil {
		return nil, err
	}
	var cms corev1.ConfigMapList
	if err := c.List(ctx, &cms); err != nil {
		return nil, err
	}
	byName := make(map[string]*corev1.ConfigMap, len(cms.Items))
	for i := range cms.Items {
		byName[cms.Items[i].Namespace+"/"+cms.Items[i].Name] = &cms.Items[i]
	}
	out := make([]Pod, 0, len(pods.Items))
	for i := range pods.Items {
		p := &pods.Items[i]
		mine := map[string]*corev1.ConfigMap{}
		for _, c := range p.Spec.Containers {
			for _, from := range c.EnvFrom {
				if from.ConfigMapRef != nil {
					mine[from.ConfigMapRef.Name] = byName[p.Namespace+"/"+from.ConfigMapRef.Name]
				}
			}
		}
		out = append(out, FromPod(p, mine))
	}
	return out, nil
}
