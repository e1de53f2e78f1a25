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
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Options are the manager's analysis flags (docs/operating.md lists them,
// the Helm chart's analysis values set them).
type Options struct {
	PrometheusAddress  string
	AllowedPrometheus  string
	UnlistedPrometheus string
	TokenFile          string
	TokenSecret        string
	AllowedHosts       string
	Measurers          int
}

// BindFlags registers the flags.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.PrometheusAddress, "prometheus-address", "",
		"The Prometheus HTTP API that analysis checks query when neither the check nor its RestAPI names one "+
			"(spec.blueGreen.analysis), such as http://prometheus.monitoring.svc:9090. The bearer token goes to it.")
	fs.StringVar(&o.AllowedPrometheus, "prometheus-allowed-addresses", "",
		"Comma-separated Prometheus addresses a RestAPI may name in spec.blueGreen.analysis besides --prometheus-address; "+
			"the bearer token goes to them too. Compared on scheme, host and port.")
	fs.StringVar(&o.UnlistedPrometheus, "prometheus-unlisted-addresses", string(UnlistedRefuse),
		"What a Prometheus address in a RestAPI that is not --prometheus-address nor listed gets: refuse (the check is not "+
			"measured, reason AnalysisPrometheusNotAllowed) or anonymous (queried without the token, and never at a loopback, "+
			"link-local or API server address).")
	fs.StringVar(&o.TokenFile, "prometheus-bearer-token-file", "",
		"A file holding the bearer token sent to the allowed Prometheus addresses with every analysis query (mount it from "+
			"a Secret); read for every query, so a rotated token is picked up.")
	fs.StringVar(&o.TokenSecret, "prometheus-bearer-token-secret", "",
		"NAME or NAME:KEY (key default \"token\"): a Secret in the manager's namespace holding the bearer token sent to "+
			"the allowed Prometheus addresses, read through the API at most once a minute. The manager needs get on that one "+
			"Secret (the Helm chart's analysis.prometheusBearerTokenSecret grants it). Not with --prometheus-bearer-token-file.")
	fs.StringVar(&o.AllowedHosts, "analysis-allowed-hosts", "",
		"Comma-separated hosts (exact, or *.domain) and CIDRs that HTTP analysis checks may reach besides the RestAPI's own "+
			"Services. Loopback, link-local, unspecified, multicast and the API server's addresses are never reached.")
	fs.IntVar(&o.Measurers, "analysis-measurers", DefaultMeasurers,
		"How many analysis measurements run at once, off the reconcile; one namespace takes at most a quarter of them.")
}

// Measurer builds the measurer the flags describe. reader reads the
// token's Secret, namespace is the manager's, apiServers the addresses the
// manager reaches the API server at (its URL, $KUBERNETES_SERVICE_HOST):
// what they resolve to is never measured.
func (o *Options) Measurer(ctx context.Context, reader client.Reader, namespace string, apiServers ...string) (*Measurer, error) {
	m := &Measurer{PrometheusAddress: o.PrometheusAddress, Measurers: o.Measurers}
	var err error
	if m.Egress.Unlisted, err = ParseUnlistedPolicy(o.UnlistedPrometheus); err != nil {
		return nil, fmt.Errorf("--prometheus-unlisted-addresses: %w", err)
	}
	allowed := splitList(o.AllowedPrometheus)
	if o.PrometheusAddress != "" {
		allowed = append(allowed, o.PrometheusAddress)
	}
	if m.Egress.Prometheus, err = ParseOrigins(allowed); err != nil {
		return nil, fmt.Errorf("--prometheus-address or --prometheus-allowed-addresses: %w", err)
	}
	if m.Egress.Hosts, m.Egress.CIDRs, err = ParseAllowedHosts(splitList(o.AllowedHosts)); err != nil {
		return nil, fmt.Errorf("--analysis-allowed-hosts: %w", err)
	}
	if o.Measurers < 0 {
		return nil, errors.New("--analysis-measurers: want 0 (the default) or more")
	}
	m.Egress.Denied = apiServerAddresses(ctx, apiServers)
	switch {
	case o.TokenFile != "" && o.TokenSecret != "":
		return nil, errors.New("--prometheus-bearer-token-file and --prometheus-bearer-token-secret: give one")
	case o.TokenFile != "":
		m.Token = FileToken(o.TokenFile)
	case o.TokenSecret != "":
		secret, key, err := ParseSecretRef(o.TokenSecret, namespace)
		if err != nil {
			return nil, fmt.Errorf("--prometheus-bearer-token-secret: %w", err)
		}
		m.Token = &SecretToken{Reader: reader, Secret: secret, Key: key}
	}
	return m, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// apiServerAddresses are the addresses of the API server the manager
// talks to: its URL's host, resolved once at start.
func apiServerAddresses(ctx context.Context, hosts []string) []netip.Addr {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var out []netip.Addr
	for _, h := range hosts {
		if u, err := url.Parse(h); err == nil && u.Host != "" {
			h = u.Hostname()
		} else if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		if h == "" {
			continue
		}
		if a, err := netip.ParseAddr(h); err == nil {
			out = append(out, a.Unmap())
			continue
		}
		ips, _ := net.DefaultResolver.LookupNetIP(ctx, "ip", h)
		for _, a := range ips {
			out = append(out, a.Unmap())
		}
	}
	return out
}
