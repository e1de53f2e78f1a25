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

package controller

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
)

// The network the suite's manager measures on. envtest has no cluster
// network, so names resolve here the way a cluster's DNS would (every
// Service to serviceAddr, the administrator's Prometheus to
// prometheusAddr) and those two addresses are routed to servers of the
// specs on loopback. Everything between (the HTTP clients, the tenant
// boundary's checks on each address, the measurers) is production code,
// and every dial is recorded.

// labPrometheus and otherPrometheus are the administrator's Prometheus
// addresses, the ones the suite's manager allows
// (--prometheus-allowed-addresses). Two names, because the client keeps
// connections per name: a spec that stops its own Prometheus must not
// find its queries answered by another one behind the same name.
const (
	labPrometheus   = "http://prometheus.monitoring.svc:9090"
	otherPrometheus = "http://prometheus-b.monitoring.svc:9090"
)

var (
	serviceAddr     = netip.MustParseAddr("192.0.2.1")
	prometheusAddrs = map[string]netip.Addr{
		"prometheus.monitoring.svc":   netip.MustParseAddr("192.0.2.90"),
		"prometheus-b.monitoring.svc": netip.MustParseAddr("192.0.2.91"),
	}
	// targets are where connections to those addresses go (host:port on
	// loopback); unset: refused. serviceTarget is the RestAPIs' Services'.
	serviceTarget atomic.Value
	targets       sync.Map // netip.Addr -> string
	dials         = &dialLog{}
)

type dialLog struct {
	mu  sync.Mutex
	all []string
}

func (d *dialLog) add(a string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.all = append(d.all, a)
}

// since are the addresses dialled after the first n.
func (d *dialLog) since(n int) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.all[min(n, len(d.all)):]...)
}

func (d *dialLog) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.all)
}

// usePrometheus sends the administrator's address (labPrometheus or
// otherPrometheus) to url, a Prometheus of the specs, and returns the
// spec's server.
func usePrometheus(address, url string) *apiv1.PrometheusServer {
	host := strings.TrimSuffix(strings.TrimPrefix(address, "http://"), ":9090")
	targets.Store(prometheusAddrs[host], strings.TrimPrefix(url, "http://"))
	return &apiv1.PrometheusServer{Address: address}
}

// suiteMeasurer is a manager's measurer: production code on the suite's
// network, allowing labPrometheus.
func suiteMeasurer() *analysis.Measurer {
	origins, err := analysis.ParseOrigins([]string{labPrometheus, otherPrometheus})
	if err != nil {
		panic(err)
	}
	return &analysis.Measurer{
		Egress: analysis.Egress{Prometheus: origins},
		Network: &analysis.Network{
			Resolve: func(_ context.Context, host string) ([]netip.Addr, error) {
				if a, ok := prometheusAddrs[host]; ok {
					return []netip.Addr{a}, nil
				}
				switch {
				case strings.HasSuffix(host, ".svc"):
					return []netip.Addr{serviceAddr}, nil
				}
				return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
			},
			Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
				dials.add(address)
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return nil, err
				}
				to, _ := targets.Load(ap.Addr())
				if ap.Addr() == serviceAddr {
					to = serviceTarget.Load()
				}
				if to == nil {
					return nil, fmt.Errorf("suite network: %s is not routed", address)
				}
				var d net.Dialer
				return d.DialContext(ctx, network, to.(string))
			},
		},
	}
}
