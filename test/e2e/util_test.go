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
	"bytes"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"
)

// logKeep is how much of the manager's log syncBuffer keeps: enough for the
// failure report, and bounded so that the load spec's heap figure is the
// manager's, not its log's.
const logKeep = 1 << 20

// syncBuffer is a bytes.Buffer safe for a writer and its readers at once
// (the manager's logger and the reporter; the load generator's stderr and
// the spec), keeping the last logKeep to 2*logKeep bytes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len()+len(p) > 2*logKeep {
		keep := append([]byte(nil), s.b.Bytes()[s.b.Len()-logKeep:]...)
		s.b.Reset()
		s.b.Write(keep)
	}
	return s.b.Write(p)
}

// requestCounter counts the manager's own API requests by method and by
// method and resource, and keeps the last writes for a failure message.
type requestCounter struct {
	mu         sync.Mutex
	n          map[string]int
	byResource map[string]int
	recent     []string
	// took and timed: time spent in, and number of, requests other than
	// watches, by method and resource (profile_test.go).
	took  map[string]time.Duration
	timed map[string]int
}

// keepWrites is how many of the last writes requestCounter remembers.
const keepWrites = 50

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		key := r.Method + " " + resourceOf(r.URL.Path)
		c.mu.Lock()
		if c.n == nil {
			c.n, c.byResource = map[string]int{}, map[string]int{}
			c.took, c.timed = map[string]time.Duration{}, map[string]int{}
		}
		c.n[r.Method]++
		c.byResource[key]++
		if r.Method != http.MethodGet {
			if len(c.recent) == keepWrites {
				c.recent = c.recent[1:]
			}
			c.recent = append(c.recent, r.Method+" "+r.URL.Path)
		}
		c.mu.Unlock()
		start := time.Now()
		resp, err := rt.RoundTrip(r)
		if r.URL.Query().Get("watch") != "true" {
			c.mu.Lock()
			c.took[key] += time.Since(start)
			c.timed[key]++
			c.mu.Unlock()
		}
		return resp, err
	})
}

// writes is how many mutating requests the manager has sent so far.
func (c *requestCounter) writes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[http.MethodPost] + c.n[http.MethodPut] + c.n[http.MethodPatch] + c.n[http.MethodDelete]
}

// resourceOf is the resource (and subresource) a request path names:
// /apis/apps/v1/namespaces/ns/deployments/name/scale is deployments/scale,
// /api/v1/pods (a cluster-wide list or watch) is pods.
func resourceOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case parts[0] == "api" && len(parts) > 2:
		parts = parts[2:]
	case parts[0] == "apis" && len(parts) > 3:
		parts = parts[3:]
	default:
		return path // discovery
	}
	if parts[0] == "namespaces" && len(parts) > 2 {
		parts = parts[2:]
	}
	if len(parts) > 2 {
		return parts[0] + "/" + parts[2]
	}
	return parts[0]
}

// byResourceSince is the count per method and resource added since before.
func (c *requestCounter) byResourceSince(before map[string]int) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.byResource {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// lastWrites lists the last writes, oldest first.
func (c *requestCounter) lastWrites() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.recent...)
}

// snapshot copies the counts by method and resource.
func (c *requestCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.byResource))
	maps.Copy(out, c.byResource)
	return out
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Cap is how much memory the buffer holds: the load spec leaves it out of
// the manager's heap.
func (s *syncBuffer) Cap() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Cap()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
