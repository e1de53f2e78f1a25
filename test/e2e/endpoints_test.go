//go:build e2e

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

package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/restapi-operator/restapi-operator/test/lab/load"
)

// sampler follows the namespace's EndpointSlices through a watch, from one
// list on, and records the fewest ready endpoints each stable Service had:
// every state the API server held, not samples of them (a list every 50 ms
// fell behind on a busy machine and missed what happened between).
type sampler struct {
	ns       string
	services []string
	cancel   context.CancelFunc
	done     chan struct{}
	mu       sync.Mutex
	slices   map[string]*discoveryv1.EndpointSlice
	changes  int
	minimum  map[string]int
	// empty is, per Service, what its EndpointSlices held when it first had
	// no ready endpoint, and when: a failure says what happened, not only
	// that it did.
	empty   map[string]string
	errs    []error
	started time.Time
	traffic *traffic
}

// startSampling follows the stable Services' endpoints and sends them
// traffic.
func startSampling(ns string) *sampler {
	GinkgoHelper()
	s := watchEndpoints(ns, stableServices())
	s.traffic = startTraffic(ns, stableServices()...)
	return s
}

// watchEndpoints follows these Services' endpoints.
func watchEndpoints(ns string, services []string) *sampler {
	GinkgoHelper()
	// Start from a state where every Service has ready endpoints: the
	// EndpointSlice controller can lag behind the Deployments' status.
	var list discoveryv1.EndpointSliceList
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
		ready := readyBy(list.Items)
		for _, svc := range services {
			g.Expect(ready[svc]).To(BeNumerically(">", 0), "Service %s has no ready endpoint yet", svc)
		}
	}).Should(Succeed())
	wctx, cancel := context.WithCancel(ctx)
	s := &sampler{ns: ns, services: services, cancel: cancel, done: make(chan struct{}),
		slices: map[string]*discoveryv1.EndpointSlice{}, minimum: map[string]int{}, empty: map[string]string{}, started: time.Now()}
	for i := range list.Items {
		s.slices[list.Items[i].Name] = &list.Items[i]
	}
	s.record()
	go s.follow(wctx, list.ResourceVersion)
	return s
}

// stopWatching ends the watch.
func (s *sampler) stopWatching() {
	s.cancel()
	<-s.done
}

// follow applies every change from resourceVersion rv on; a watch the
// server ends is resumed where it stopped, so nothing is missed.
func (s *sampler) follow(ctx context.Context, rv string) {
	defer close(s.done)
	for ctx.Err() == nil {
		w, err := k8sClient.Watch(ctx, &discoveryv1.EndpointSliceList{}, client.InNamespace(s.ns),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
		if err != nil {
			if ctx.Err() == nil {
				s.fail(err)
			}
			return
		}
		for ev := range w.ResultChan() {
			switch ev.Type {
			case watch.Error:
				if ctx.Err() == nil { // else: the end the test asked for
					s.fail(apierrors.FromObject(ev.Object))
				}
				w.Stop()
				return
			case watch.Bookmark:
				rv = ev.Object.(metav1.Object).GetResourceVersion()
			case watch.Added, watch.Modified, watch.Deleted:
				sl := ev.Object.(*discoveryv1.EndpointSlice)
				rv = sl.ResourceVersion
				s.mu.Lock()
				if ev.Type == watch.Deleted {
					delete(s.slices, sl.Name)
				} else {
					s.slices[sl.Name] = sl
				}
				s.changes++
				s.mu.Unlock()
				s.record()
			}
		}
		w.Stop()
	}
}

func (s *sampler) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, err)
}

// readyBy counts ready endpoints by Service.
func readyBy(all []discoveryv1.EndpointSlice) map[string]int {
	out := map[string]int{}
	for _, sl := range all {
		for _, ep := range sl.Endpoints {
			if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
				out[sl.Labels[discoveryv1.LabelServiceName]]++
			}
		}
	}
	return out
}

// record takes the state the slices are in now into the minimum.
func (s *sampler) record() {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]discoveryv1.EndpointSlice, 0, len(s.slices))
	for _, sl := range s.slices {
		all = append(all, *sl)
	}
	counts := readyBy(all)
	for _, svc := range s.services {
		if m, ok := s.minimum[svc]; !ok || counts[svc] < m {
			s.minimum[svc] = counts[svc]
		}
		if _, seen := s.empty[svc]; counts[svc] == 0 && !seen {
			s.empty[svc] = fmt.Sprintf("at %s its EndpointSlices held %v", time.Since(s.started).Round(time.Millisecond), held(all, svc))
		}
	}
}

// held describes a Service's endpoints, for a failure message.
func held(all []discoveryv1.EndpointSlice, svc string) []string {
	var out []string
	for _, sl := range all {
		if sl.Labels[discoveryv1.LabelServiceName] != svc {
			continue
		}
		for _, ep := range sl.Endpoints {
			pod := "?"
			if ep.TargetRef != nil {
				pod = ep.TargetRef.Name
			}
			out = append(out, fmt.Sprintf("%s/%s ready=%t terminating=%t", sl.Name, pod,
				ep.Conditions.Ready == nil || *ep.Conditions.Ready, ep.Conditions.Terminating != nil && *ep.Conditions.Terminating))
		}
	}
	slices.Sort(out)
	return out
}

// stopAndCheck stops the watch and the traffic, and asserts every stable
// Service had a ready endpoint in every state its EndpointSlices went
// through, and every request was answered by one revision (checkTraffic).
// It returns the traffic's reports by Service (nil when traffic is off).
func (s *sampler) stopAndCheck() map[string]*load.Report {
	GinkgoHelper()
	s.traffic.waitServing()
	s.stopWatching()
	reports := s.traffic.stop()
	s.checkEndpoints()
	s.traffic.checkTraffic(reports)
	return reports
}

func (s *sampler) checkEndpoints() {
	GinkgoHelper()
	s.mu.Lock()
	defer s.mu.Unlock()
	elapsed := time.Since(s.started)
	Expect(s.errs).To(BeEmpty(), "the EndpointSlice watch broke: what it did not see is unchecked")
	Expect(s.changes).To(BeNumerically(">", 0), "no EndpointSlice changed in %s: the watch saw nothing of the rollout", elapsed)
	for svc, m := range s.minimum {
		Expect(m).To(BeNumerically(">", 0), "Service %s had no ready endpoint at some moment (%d changes over %s): %s",
			svc, s.changes, elapsed, s.empty[svc])
	}
	Expect(s.minimum).To(HaveLen(len(s.services)))
	GinkgoWriter.Printf("followed %d EndpointSlice changes over %s; fewest ready endpoints: %v\n", s.changes, elapsed, s.minimum)
}
