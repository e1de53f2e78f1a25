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
	"fmt"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// fakeNet is a Network for tests that records every address dialled.
// Names resolve as its table says (a RestAPI's Services in namespace
// "team" to 192.0.2.1, a documentation address nothing is ever sent
// to); a dial of a mapped address goes to the loopback server it maps to,
// and any other dial to the address itself (only loopback servers of the
// test are ever named). Nothing leaves loopback.
type fakeNet struct {
	mu      sync.Mutex
	names   map[string][]netip.Addr
	to      map[netip.Addr]string
	dialled []string
	lookups []string
}

// svcAddr is where the fake network puts every Service of namespace team.
var svcAddr = netip.MustParseAddr("192.0.2.1")

// svcURL is a URL template that names the component's own Service of the
// colour under test, as the default does.
const svcURL = "http://{{.Service}}.{{.Namespace}}.svc:{{.Port}}"

func newFakeNet() *fakeNet {
	return &fakeNet{names: map[string][]netip.Addr{}, to: map[netip.Addr]string{}}
}

// services sends every Service of namespace team to srv.
func (f *fakeNet) services(srv *httptest.Server) *fakeNet {
	return f.route(svcAddr, srv)
}

// route sends connections to a to srv.
func (f *fakeNet) route(a netip.Addr, srv *httptest.Server) *fakeNet {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.to[a] = srv.Listener.Addr().String()
	return f
}

// name makes host resolve to addrs ("*.ns.svc": every name in it).
func (f *fakeNet) name(host string, addrs ...string) *fakeNet {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range addrs {
		f.names[host] = append(f.names[host], netip.MustParseAddr(a))
	}
	return f
}

func (f *fakeNet) network() *Network {
	return &Network{
		Resolve: func(_ context.Context, host string) ([]netip.Addr, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.lookups = append(f.lookups, host)
			host = strings.TrimSuffix(strings.ToLower(host), ".")
			if a, ok := f.names[host]; ok {
				return a, nil
			}
			if strings.HasSuffix(host, ".team.svc") || strings.HasSuffix(host, ".team.svc.cluster.local") || strings.HasSuffix(host, ".team") {
				return []netip.Addr{svcAddr}, nil
			}
			if _, ns, ok := strings.Cut(host, "."); ok {
				if a, ok := f.names["*."+ns]; ok {
					return a, nil
				}
			}
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		},
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			f.mu.Lock()
			f.dialled = append(f.dialled, address)
			target := address
			if ap, err := netip.ParseAddrPort(address); err == nil {
				if to, ok := f.to[ap.Addr()]; ok {
					target = to
				} else if !ap.Addr().IsLoopback() {
					f.mu.Unlock()
					return nil, fmt.Errorf("fake network: %s is not routed (nothing leaves loopback)", address)
				}
			}
			f.mu.Unlock()
			var d net.Dialer
			return d.DialContext(ctx, network, target)
		},
	}
}

// dials are the addresses dialled so far.
func (f *fakeNet) dials() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dialled...)
}

// measurerOn is a Measurer on the fake network.
func measurerOn(f *fakeNet) *Measurer { return &Measurer{Network: f.network()} }

// measure runs Measure as reconciles do: once, and again with the same
// clock once the measurements it handed to the measurers finished; the
// outcome holds the Events and measurements of both.
func measure(t *testing.T, m *Measurer, rapi *apiv1.RestAPI, tg Target, prev *apiv1.AnalysisStatus, now time.Time) Outcome {
	t.Helper()
	out := m.Measure(rapi, tg, prev, now)
	if !out.Waiting {
		return out
	}
	idle(t, m)
	again := m.Measure(rapi, tg, out.Status, now)
	if again.Waiting {
		t.Fatalf("still waiting after the measurers finished: %+v", again)
	}
	again.Events = append(out.Events, again.Events...)
	return again
}

// idle waits until the measurers have nothing running or queued.
func idle(t *testing.T, m *Measurer) {
	t.Helper()
	deadline := time.Now().Add(70 * time.Second)
	for {
		running, queued := m.Busy()
		if running == 0 && queued == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("measurers still busy: %d running, %d queued", running, queued)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
