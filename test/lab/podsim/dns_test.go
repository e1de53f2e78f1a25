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
	"net"
	"slices"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

func TestAPodsResolverTriesItsNamespaceFirst(t *testing.T) {
	for _, c := range []struct {
		host string
		want []string
	}{
		{"shop-model", []string{"shop-model.apps.svc.cluster.local.", "shop-model.svc.cluster.local.", "shop-model.cluster.local.", "shop-model."}},
		{"shop-model.apps.svc", []string{"shop-model.apps.svc.apps.svc.cluster.local.", "shop-model.apps.svc.svc.cluster.local.",
			"shop-model.apps.svc.cluster.local.", "shop-model.apps.svc."}},
		{"a.b.c.d.e.f", []string{"a.b.c.d.e.f.", "a.b.c.d.e.f.apps.svc.cluster.local.", "a.b.c.d.e.f.svc.cluster.local.", "a.b.c.d.e.f.cluster.local."}},
		{"shop-model.apps.svc.cluster.local.", []string{"shop-model.apps.svc.cluster.local."}},
	} {
		if got := searchNames("apps", c.host); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.host, got, c.want)
		}
	}
}

// dnsServer answers A queries for the names in records and NXDOMAIN for
// every other, and records what it was asked and from where.
type dnsServer struct {
	records map[string]string
	mu      sync.Mutex
	asked   []string
	from    []string
}

func (d *dnsServer) serve(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:n]) != nil || len(m.Questions) != 1 {
				continue
			}
			q := m.Questions[0]
			d.mu.Lock()
			d.asked = append(d.asked, q.Name.String()+" "+q.Type.String())
			d.from = append(d.from, addr.(*net.UDPAddr).IP.String())
			d.mu.Unlock()
			m.Response, m.Authoritative = true, true
			ip, ok := d.records[q.Name.String()]
			switch {
			case !ok:
				m.RCode = dnsmessage.RCodeNameError
			case q.Type == dnsmessage.TypeA:
				a := [4]byte(net.ParseIP(ip).To4())
				m.Answers = []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 5},
					Body:   &dnsmessage.AResource{A: a},
				}}
			}
			if out, err := m.Pack(); err == nil {
				_, _ = pc.WriteTo(out, addr)
			}
		}
	}()
	return pc.LocalAddr().String()
}

// TestServiceNamesAreAskedOfTheClusterDNSFromThePodsAddress: the view's
// peer URL names name.namespace.svc; the query goes to the DNS server from
// the source address, through the search list, and its answer is used.
func TestServiceNamesAreAskedOfTheClusterDNSFromThePodsAddress(t *testing.T) {
	d := &dnsServer{records: map[string]string{"shop-model-blue.apps.svc.cluster.local.": "10.96.0.7"}}
	resolve := DNS(d.serve(t), "127.0.0.2")
	ip, err := resolve(t.Context(), "apps", "shop-model-blue.apps.svc")
	if err != nil || ip != "10.96.0.7" {
		t.Fatalf("resolved %q, %v", ip, err)
	}
	d.mu.Lock()
	asked, from := slices.Clone(d.asked), slices.Clone(d.from)
	d.mu.Unlock()
	want := []string{"shop-model-blue.apps.svc.apps.svc.cluster.local. TypeA", "shop-model-blue.apps.svc.svc.cluster.local. TypeA",
		"shop-model-blue.apps.svc.cluster.local. TypeA"}
	if !slices.Equal(asked, want) {
		t.Errorf("asked %v, want %v", asked, want)
	}
	for _, f := range from {
		if f != "127.0.0.2" {
			t.Errorf("a query came from %s, not the Pod's address", f)
		}
	}
	if _, err := resolve(t.Context(), "apps", "nowhere"); err == nil {
		t.Error("a name the DNS server does not know resolved")
	}
	if ip, err := resolve(t.Context(), "apps", "10.96.0.9"); err != nil || ip != "10.96.0.9" {
		t.Errorf("an address is its own answer: %q %v", ip, err)
	}
}
