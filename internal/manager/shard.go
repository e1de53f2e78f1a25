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

package manager

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/metrics"
)

// Shards split the RestAPIs of a cluster between managers by the labels of
// their namespaces (docs/scale.md, "Shards"). Every manager is given the
// same list, in the same order, and its own name in it:
//
//	--shards='a:restapi.dev/shard=a;b:restapi.dev/shard=b;rest:' --shard=a
//
// A namespace belongs to the first shard whose selector matches its
// labels; a shard with no selector (at most one) takes every namespace no
// other shard takes. A namespace matched by none is reconciled by nobody,
// and every shard counts its RestAPIs (restapi_shard_unowned_restapis).
// The first match decides, so two shards never both own a namespace,
// whatever their selectors.
type Sharding struct {
	// Self is this manager's shard.
	Self string
	// CountEvery is how often Run counts the RestAPIs no shard owns; 0:
	// every minute.
	CountEvery time.Duration
	shards     []shard

	mu     sync.RWMutex
	lister listerscorev1.NamespaceLister
}

type shard struct {
	name     string
	selector labels.Selector // nil: the rest
}

// ParseShards reads --shards for the shard self.
func ParseShards(self, spec string) (*Sharding, error) {
	s := &Sharding{Self: self}
	catchAll := ""
	for part := range strings.SplitSeq(spec, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, sel, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("--shards: %q is not NAME:SELECTOR", part)
		}
		name, sel = strings.TrimSpace(name), strings.TrimSpace(sel)
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			return nil, fmt.Errorf("--shards: shard name %q: %s", name, strings.Join(errs, "; "))
		}
		if slices.ContainsFunc(s.shards, func(o shard) bool { return o.name == name }) {
			return nil, fmt.Errorf("--shards: shard %q is named twice", name)
		}
		sh := shard{name: name}
		if sel == "" {
			if catchAll != "" {
				return nil, fmt.Errorf("--shards: %q and %q both take the rest (no selector); at most one may", catchAll, name)
			}
			catchAll = name
		} else {
			parsed, err := labels.Parse(sel)
			if err != nil {
				return nil, fmt.Errorf("--shards: the selector of %q: %w", name, err)
			}
			if parsed.Empty() {
				return nil, fmt.Errorf("--shards: the selector of %q selects every namespace; leave it empty to take the rest", name)
			}
			sh.selector = parsed
		}
		s.shards = append(s.shards, sh)
	}
	if len(s.shards) == 0 {
		return nil, fmt.Errorf("--shards names no shard")
	}
	if !slices.ContainsFunc(s.shards, func(o shard) bool { return o.name == self }) {
		return nil, fmt.Errorf("--shard=%q is not one of --shards", self)
	}
	return s, nil
}

// Owner is the shard a namespace with these labels belongs to; "" when
// none takes it.
func (s *Sharding) Owner(l labels.Set) string {
	catchAll := ""
	for _, sh := range s.shards {
		switch {
		case sh.selector == nil:
			catchAll = sh.name
		case sh.selector.Matches(l):
			return sh.name
		}
	}
	return catchAll
}

// takesRest reports whether this shard takes the namespaces no other does.
func (s *Sharding) takesRest() bool {
	return slices.ContainsFunc(s.shards, func(o shard) bool { return o.name == s.Self && o.selector == nil })
}

// placeholder is the namespace a shard that owns none caches: one that
// holds no RestAPI (Kubernetes' node heartbeats), since a cache given no
// namespace caches them all. Owns keeps the manager from reconciling
// anything there.
const placeholder = "kube-node-lease"

// CachedNamespaces are the namespaces this shard's caches hold, of all the
// cluster's (name: labels): the ones it owns; for the shard that takes the
// rest, every namespace but those others own (one watch per kind, not one
// per namespace).
func (s *Sharding) CachedNamespaces(all map[string]labels.Set) childcache.Namespaces {
	var mine, others []string
	for name, l := range all {
		switch s.Owner(l) {
		case s.Self:
			mine = append(mine, name)
		case "":
		default:
			others = append(others, name)
		}
	}
	slices.Sort(mine)
	slices.Sort(others)
	if s.takesRest() {
		return childcache.Namespaces{Except: others}
	}
	if len(mine) == 0 {
		mine = []string{placeholder}
	}
	return childcache.Namespaces{Only: mine}
}

// Owns reports whether this shard reconciles RestAPIs in the namespace,
// from the namespace watch of Run: a namespace relabelled away from the
// shard stops being reconciled at once, before the manager is replaced.
// False for a namespace not seen yet.
func (s *Sharding) Owns(namespace string) bool {
	s.mu.RLock()
	lister := s.lister
	s.mu.RUnlock()
	if lister == nil {
		return false
	}
	ns, err := lister.Get(namespace)
	if err != nil {
		return false
	}
	return s.Owner(ns.Labels) == s.Self
}

// rebuildAfter lets a burst of namespace changes settle before the manager
// is replaced.
const rebuildAfter = 2 * time.Second

// Run runs a manager, made by build, for the namespaces this shard caches,
// and replaces it with a new one whenever they change: controller-runtime's
// caches cannot change their namespaces while they run (the Java Operator
// SDK pauses and restarts its informers the same way). Each manager
// elects its leader on its own Lease, given up when it is replaced.
// Every minute it counts the RestAPIs in namespaces no shard owns. It
// returns when ctx ends (nil) or a manager fails.
func (s *Sharding) Run(ctx context.Context, cfg *rest.Config, build func(childcache.Namespaces) (ctrl.Manager, error)) error {
	log := logf.FromContext(ctx).WithValues("shard", s.Self)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactory(cs, 0)
	inf := factory.Core().V1().Namespaces()
	changed := make(chan struct{}, 1)
	notify := func(any) {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	if _, err := inf.Informer().AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: notify, DeleteFunc: notify, UpdateFunc: func(_, n any) { notify(n) },
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !toolscache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
		return ctx.Err()
	}
	s.mu.Lock()
	s.lister = inf.Lister()
	s.mu.Unlock()

	every := s.CountEvery
	if every <= 0 {
		every = time.Minute
	}
	count := time.NewTicker(every)
	defer count.Stop()
	for {
		cached := s.CachedNamespaces(s.all())
		mgr, err := build(cached)
		if err != nil {
			return err
		}
		log.Info("Starting the shard's manager", "namespaces", cached.Only, "allBut", cached.Except)
		metrics.ShardNamespaces(s.Self, len(s.owned()))
		mctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- mgr.Start(mctx) }()
		replace := false
		for !replace {
			select {
			case <-ctx.Done():
				stop()
				return <-done
			case err := <-done:
				stop()
				return err
			case <-count.C:
				metrics.ShardUnowned(s.Self, s.countUnowned(ctx, meta))
			case <-changed:
				time.Sleep(rebuildAfter)
				select {
				case <-changed:
				default:
				}
				if now := s.CachedNamespaces(s.all()); now.Key() != cached.Key() {
					log.Info("The shard's namespaces changed: replacing its manager", "namespaces", now.Only, "allBut", now.Except)
					replace = true
				}
				metrics.ShardNamespaces(s.Self, len(s.owned()))
			}
		}
		stop()
		if err := <-done; err != nil {
			return err
		}
	}
}

// all is every namespace's labels, from the watch.
func (s *Sharding) all() map[string]labels.Set {
	nss, err := s.lister.List(labels.Everything())
	if err != nil {
		return nil // a lister's List fails only on a bad selector
	}
	out := make(map[string]labels.Set, len(nss))
	for _, ns := range nss {
		out[ns.Name] = ns.Labels
	}
	return out
}

// owned are the namespaces this shard owns.
func (s *Sharding) owned() []string {
	var out []string
	for name, l := range s.all() {
		if s.Owner(l) == s.Self {
			out = append(out, name)
		}
	}
	return out
}

// countUnowned counts the RestAPIs in namespaces no shard owns: one
// metadata list per such namespace (none when a shard takes the rest).
func (s *Sharding) countUnowned(ctx context.Context, meta metadata.Interface) int {
	n := 0
	gvr := apiv1.GroupVersion.WithResource("restapis")
	for name, l := range s.all() {
		if s.Owner(l) != "" {
			continue
		}
		list, err := meta.Resource(gvr).Namespace(name).List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		n += len(list.Items)
	}
	return n
}
