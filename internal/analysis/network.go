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
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"time"
)

// Network is how the measurer reaches what it measures: names resolved,
// then connections opened to addresses. The production one is the
// process's resolver and a plain dialer; the e2e suite's opens them inside
// the traffic lab (as from a Pod), and unit tests' record every dial. The
// checks of the tenant boundary sit between the two, in this package, so
// every Network goes through them.
type Network struct {
	// Resolve gives the addresses of a host name (never called for an
	// address). Nil: the process's resolver.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Dial opens a connection to an address:port already checked. Nil: a
	// net.Dialer.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

func (n *Network) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	if n != nil && n.Resolve != nil {
		return n.Resolve(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

func (n *Network) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if n != nil && n.Dial != nil {
		return n.Dial(ctx, network, address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// RefusedError is a connection the tenant boundary refused to open: the
// host resolved to an address no check may reach. Nothing was sent.
type RefusedError struct {
	Host string
	Addr netip.Addr
	Why  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s resolves to %s, %s, which no check may reach", e.Host, e.Addr, e.Why)
}

type ruleKey struct{}

// connect resolves host and dials it. A guarded connection checks every
// address the name resolves to against the boundary (and the request's
// rule, carried by ctx) before it dials any, and dials the address it
// checked, never the name again: what DNS says a moment later does not
// matter.
func (m *Measurer) connect(ctx context.Context, network, addr string, guarded bool) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := m.Network.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%s has no address", host)
	}
	if guarded {
		rule, ok := ctx.Value(ruleKey{}).(dialRule)
		if !ok {
			return nil, &RefusedError{Host: host, Addr: ips[0], Why: "a connection without a rule"}
		}
		for _, ip := range ips {
			ip = ip.Unmap()
			if why := m.forbidden(ip); why != "" {
				return nil, &RefusedError{Host: host, Addr: ip, Why: why}
			}
			if rule.cidrs != nil && !slices.ContainsFunc(rule.cidrs, func(p netip.Prefix) bool { return p.Contains(ip) }) {
				return nil, &RefusedError{Host: host, Addr: ip, Why: "outside the operator's --analysis-allowed-hosts"}
			}
		}
	}
	var errs []error
	for _, ip := range ips {
		c, err := m.Network.dial(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// noRedirects: an answer that redirects is the answer. Following it would
// send the request (and the credential of a query) where the check's URL
// was not checked.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// newClient is an HTTP client through the measurer's Network: guarded for
// what a tenant names (no connection kept between requests), unguarded
// for the administrator's Prometheus. Never a proxy from the environment:
// it would dial in the checks' place.
func (m *Measurer) newClient(guarded bool) *http.Client {
	t := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return m.connect(ctx, network, addr, guarded)
		},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 0, // each request has its own deadline
		DisableKeepAlives:     guarded,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       time.Minute,
	}
	return &http.Client{Transport: t, CheckRedirect: noRedirects}
}

func (m *Measurer) clients() (trusted, tenant *http.Client) {
	m.clientsOnce.Do(func() {
		m.trusted, m.tenant = m.newClient(false), m.newClient(true)
	})
	return m.trusted, m.tenant
}
