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

// Package childcache is the manager's cache of RestAPIs and their
// children, made small: it keeps only what the operator reads (transforms
// per kind) and one shared copy of what cached objects repeat (share.go).
// Its surface is Options, for the manager, and Reader, which reads
// children with what the transforms took out put back.
//
// Two rules keep the sharing safe, and this package enforces both: nothing
// writes to a cached object (the cache hands out deep copies; Reader never
// disables that), and every child is read through Reader before a field
// set is compared (its owner's UID is restored).
package childcache

import (
	"bytes"
	"hash/maphash"
	"maps"
	"reflect"
	"slices"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The cache holds every child of every RestAPI, and they repeat one
// another: the children of one RestAPI carry the same label maps and the
// same owner reference, and the operator's field set of a child is the
// same for every RestAPI of the same shape but for the owner's UID. The
// cache transforms keep one copy of each, shared between the cached
// objects. That is safe because nothing writes to a cached object: the
// cache hands out deep copies, and event handlers only read.

// shareSet holds one canonical copy of each value, by a hash of it: a
// value found under its hash is compared in full before it is handed out
// (two values with one hash: the second is kept unshared). It is bounded
// by the bytes it holds: once full it starts again empty. Objects cached
// before keep their shared copies, later ones share among themselves, and
// copies no cached object uses any more (a deleted RestAPI's labels, an old
// ReplicaSet's template hash) are let go.
type shareSet[V any] struct {
	mu       sync.Mutex
	set      map[uint64]V
	bytes    int
	maxBytes int
	equal    func(a, b V) bool
	size     func(V) int
}

func newShareSet[V any](maxBytes int, equal func(a, b V) bool, size func(V) int) *shareSet[V] {
	return &shareSet[V]{set: map[uint64]V{}, maxBytes: maxBytes, equal: equal, size: size}
}

// share returns the copy held for v, or holds and returns build's (a copy
// of v made to be shared).
func (s *shareSet[V]) share(hash uint64, v V, build func() V) V {
	s.mu.Lock()
	defer s.mu.Unlock()
	if held, ok := s.set[hash]; ok {
		if s.equal(held, v) {
			return held
		}
		return v
	}
	held := build()
	n := s.size(held)
	if s.bytes+n > s.maxBytes {
		clear(s.set)
		s.bytes = 0
	}
	s.set[hash] = held
	s.bytes += n
	return held
}

func (s *shareSet[V]) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.set)
}

// The sets' bounds: at most 74 MiB held in all, only with over a thousand
// RestAPIs' worth of distinct labels; a value larger than the share set's
// limit for one is kept unshared (a large value is seldom repeated).
// Sizes count a value's own bytes and about what holding it costs.
const (
	maxSharedString = 256
	maxSharedMap    = 1 << 10
	maxSharedFields = 16 << 10
)

var (
	seed = maphash.MakeSeed()
	// sharedStrings: label and annotation keys and values, namespaces,
	// strings of pod templates and conditions.
	sharedStrings = newShareSet(4<<20, func(a, b string) bool { return a == b },
		func(s string) int { return len(s) + 32 })
	// sharedMaps: whole label and annotation maps (also selectors, pod
	// template labels and annotations, ConfigMap data).
	sharedMaps = newShareSet(48<<20, maps.Equal[map[string]string], func(m map[string]string) int {
		n := 64
		for k, v := range m {
			n += len(k) + len(v) + 40
		}
		return n
	})
	// sharedResources: containers' requests and limits.
	sharedResources = newShareSet(2<<20, sameQuantities, func(l corev1.ResourceList) int { return 64 + 96*len(l) })
	// sharedOwners: owner reference lists.
	sharedOwners = newShareSet(4<<20, func(a, b []metav1.OwnerReference) bool { return reflect.DeepEqual(a, b) },
		func(refs []metav1.OwnerReference) int {
			n := 0
			for _, r := range refs {
				n += 96 + len(r.APIVersion) + len(r.Kind) + len(r.Name) + len(r.UID)
			}
			return n
		})
	// sharedFields: the operator's field sets, owner UID taken out.
	sharedFields = newShareSet(16<<20, func(a, b *metav1.FieldsV1) bool { return bytes.Equal(a.GetRawBytes(), b.GetRawBytes()) },
		func(f *metav1.FieldsV1) int { return len(f.GetRawBytes()) + 64 })
)

func shareString(s string) string {
	if len(s) > maxSharedString {
		return s
	}
	return sharedStrings.share(maphash.String(seed, s), s, func() string { return s })
}

// shareMap returns the shared copy of a label or annotation map.
func shareMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	// The sum of each pair's hash: the same whatever the map's order.
	var sum uint64
	size := 0
	var h maphash.Hash
	h.SetSeed(seed)
	for k, v := range m {
		h.Reset()
		h.WriteString(k)
		h.WriteByte(0)
		h.WriteString(v)
		sum += h.Sum64()
		size += len(k) + len(v)
	}
	if size > maxSharedMap {
		return m
	}
	return sharedMaps.share(sum, m, func() map[string]string {
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[shareString(k)] = shareString(v)
		}
		return out
	})
}

// shareSelector shares a label selector's map of labels.
func shareSelector(s *metav1.LabelSelector) {
	if s != nil {
		s.MatchLabels = shareMap(s.MatchLabels)
	}
}

// shareResources shares a container's requests and limits: containers
// mostly ask for the same.
func shareResources(r *corev1.ResourceRequirements) {
	r.Limits = shareResourceList(r.Limits)
	r.Requests = shareResourceList(r.Requests)
}

func shareResourceList(l corev1.ResourceList) corev1.ResourceList {
	if len(l) == 0 {
		return l
	}
	var sum uint64
	var h maphash.Hash
	h.SetSeed(seed)
	for name, q := range l {
		h.Reset()
		h.WriteString(string(name))
		h.WriteByte(0)
		h.WriteString(q.String())
		sum += h.Sum64()
	}
	return sharedResources.share(sum, l, func() corev1.ResourceList { return l })
}

// sameQuantities: the same names and amounts (in the same format, so the
// same when written out).
func sameQuantities(a, b corev1.ResourceList) bool {
	return maps.EqualFunc(a, b, func(x, y resource.Quantity) bool { return x.Cmp(y) == 0 && x.Format == y.Format })
}

// sharePodSpec shares, in a Deployment's pod template, the strings every
// template repeats (names, images, paths, policies the API server fills
// in) and the containers' requests and limits.
func sharePodSpec(ps *corev1.PodSpec) {
	ps.RestartPolicy = corev1.RestartPolicy(shareString(string(ps.RestartPolicy)))
	ps.DNSPolicy = corev1.DNSPolicy(shareString(string(ps.DNSPolicy)))
	ps.SchedulerName = shareString(ps.SchedulerName)
	for i := range ps.Volumes {
		ps.Volumes[i].Name = shareString(ps.Volumes[i].Name)
	}
	for _, cs := range [][]corev1.Container{ps.InitContainers, ps.Containers} {
		for i := range cs {
			c := &cs[i]
			c.Name, c.Image = shareString(c.Name), shareString(c.Image)
			c.TerminationMessagePath = shareString(c.TerminationMessagePath)
			c.TerminationMessagePolicy = corev1.TerminationMessagePolicy(shareString(string(c.TerminationMessagePolicy)))
			c.ImagePullPolicy = corev1.PullPolicy(shareString(string(c.ImagePullPolicy)))
			for j := range c.Ports {
				c.Ports[j].Name = shareString(c.Ports[j].Name)
			}
			for j := range c.VolumeMounts {
				c.VolumeMounts[j].Name, c.VolumeMounts[j].MountPath = shareString(c.VolumeMounts[j].Name), shareString(c.VolumeMounts[j].MountPath)
			}
			for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
				if p != nil && p.HTTPGet != nil {
					g := p.HTTPGet
					g.Path, g.Scheme, g.Port.StrVal = shareString(g.Path), corev1.URIScheme(shareString(string(g.Scheme))), shareString(g.Port.StrVal)
				}
			}
			shareResources(&c.Resources)
		}
	}
}

// shareCondition shares a Deployment condition's type, status and reason:
// the Deployment controller writes the same few. (Not the message: it
// names the ReplicaSet.)
func shareCondition(c *appsv1.DeploymentCondition) {
	c.Type = appsv1.DeploymentConditionType(shareString(string(c.Type)))
	c.Status = corev1.ConditionStatus(shareString(string(c.Status)))
	c.Reason = shareString(c.Reason)
}

// shareOwners returns the shared copy of an owner reference list.
func shareOwners(refs []metav1.OwnerReference) []metav1.OwnerReference {
	if len(refs) == 0 {
		return refs
	}
	var h maphash.Hash
	h.SetSeed(seed)
	for _, r := range refs {
		for _, s := range []string{r.APIVersion, r.Kind, r.Name, string(r.UID), boolKey(r.Controller), boolKey(r.BlockOwnerDeletion)} {
			h.WriteString(s)
			h.WriteByte(0)
		}
	}
	return sharedOwners.share(h.Sum64(), refs, func() []metav1.OwnerReference { return slices.Clip(refs) })
}

func boolKey(b *bool) string {
	switch {
	case b == nil:
		return "-"
	case *b:
		return "t"
	}
	return "f"
}

// ownerKey is how a field set names an entry of metadata.ownerReferences:
// by the owner's UID.
func ownerKey(uid types.UID) []byte {
	return []byte(`k:{\"uid\":\"` + string(uid) + `\"}`)
}

// ownerPlaceholder stands for the controller's UID in a cached field set.
// No real UID is "owner": the API server assigns UUIDs.
var ownerPlaceholder = ownerKey("owner")

// shareFields replaces each field set of o by the shared copy, the UID of
// o's controller replaced by ownerPlaceholder: that UID is the only part
// of the operator's field set that differs between RestAPIs of the same
// shape. Restore puts it back.
func shareFields(o metav1.Object) {
	uid := controllerUID(o)
	mf := o.GetManagedFields()
	for i := range mf {
		f := mf[i].FieldsV1
		if f == nil {
			continue
		}
		raw := f.GetRawBytes()
		if uid != "" {
			raw = bytes.ReplaceAll(raw, ownerKey(uid), ownerPlaceholder)
		}
		shared := new(metav1.FieldsV1)
		shared.SetRawBytes(raw)
		if len(raw) > maxSharedFields {
			mf[i].FieldsV1 = shared
			continue
		}
		mf[i].FieldsV1 = sharedFields.share(maphash.Bytes(seed, raw), shared, func() *metav1.FieldsV1 { return shared })
	}
}

// Restore undoes shareFields on a copy read from the cache, so the
// field sets name the controller's UID again. It must run before any
// Extract reads a cached child.
func Restore(o metav1.Object) {
	uid := controllerUID(o)
	if uid == "" {
		return
	}
	mf := o.GetManagedFields()
	for i := range mf {
		if f := mf[i].FieldsV1; f != nil && bytes.Contains(f.GetRawBytes(), ownerPlaceholder) {
			restored := new(metav1.FieldsV1)
			restored.SetRawBytes(bytes.ReplaceAll(f.GetRawBytes(), ownerPlaceholder, ownerKey(uid)))
			mf[i].FieldsV1 = restored
		}
	}
}

func controllerUID(o metav1.Object) types.UID {
	if ref := metav1.GetControllerOfNoCopy(o); ref != nil {
		return ref.UID
	}
	return ""
}

// shareMeta shares what a cached object's metadata repeats: namespace,
// labels, annotations, owner references.
func shareMeta(o metav1.Object) {
	o.SetNamespace(shareString(o.GetNamespace()))
	o.SetLabels(shareMap(o.GetLabels()))
	o.SetAnnotations(shareMap(o.GetAnnotations()))
	o.SetOwnerReferences(shareOwners(o.GetOwnerReferences()))
}
