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

// labPrometheus is the administrator's Prometheus address, the one the
// suite's manager allows (--prometheus-allowed-addresses).
const labPrometheus = "http://prometheus.monitoring.svc:9090"

var (
	serviceAddr    = netip.MustParseAddr("192.0.2.1")
	prometheusAddr = netip.MustParseAddr("192.0.2.90")
	// serviceTarget and prometheusTarget are where connections to the two
	// go (host:port on loopback); unset: refused.
	serviceTarget, prometheusTarget atomic.Value
	dials                           = &dialLog{}
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

// usePrometheus sends the administrator's Prometheus address to url (a
// Prometheus of a spec) and returns the spec's server.
func usePrometheus(url string) *apiv1.PrometheusServer {
	prometheusTarget.Store(strings.TrimPrefix(url, "http://"))
	return &apiv1.PrometheusServer{Address: labPrometheus}
}

// suiteMeasurer is a manager's measurer: production code on the suite's
// network, allowing labPrometheus.
func suiteMeasurer() *analysis.Measurer {
	origins, err := analysis.ParseOrigins([]string{labPrometheus})
	if err != nil {
		panic(err)
	}
	return &analysis.Measurer{
		Egress: analysis.Egress{Prometheus: origins},
		Network: &analysis.Network{
			Resolve: func(_ context.Context, host string) ([]netip.Addr, error) {
				switch {
				case host == "prometheus.monitoring.svc":
					return []netip.Addr{prometheusAddr}, nil
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
				var to any
				switch ap.Addr() {
				case serviceAddr:
					to = serviceTarget.Load()
				case prometheusAddr:
					to = prometheusTarget.Load()
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
