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
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"sigs.k8s.io/controller-runtime/pkg/cache"
)

// Namespaces are the namespaces a manager's caches hold: Only these, or
// every namespace Except these (a field selector on metadata.namespace,
// one watch per kind), or, both empty, all of them. --watch-namespaces
// sets Only; a shard sets Only, or Except for the shard that takes what
// no other does (internal/manager/shard.go).
type Namespaces struct {
	Only, Except []string
}

// Restrict limits a cache's options to the namespaces.
func (n Namespaces) Restrict(o *cache.Options) {
	switch {
	case len(n.Only) > 0:
		o.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range n.Only {
			o.DefaultNamespaces[ns] = cache.Config{}
		}
	case len(n.Except) > 0:
		sel := make([]fields.Selector, 0, len(n.Except))
		for _, ns := range n.Except {
			sel = append(sel, fields.OneTermNotEqualSelector("metadata.namespace", ns))
		}
		o.DefaultFieldSelector = fields.AndSelectors(sel...)
	}
}

// Key is the same for the same namespaces, in any order.
func (n Namespaces) Key() string {
	only, except := slices.Sorted(slices.Values(n.Only)), slices.Sorted(slices.Values(n.Except))
	return "only=" + strings.Join(only, ",") + ";except=" + strings.Join(except, ",")
}
