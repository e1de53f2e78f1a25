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
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// The tenant boundary of analysis (docs/security.md): a check is written
// by whoever may create a RestAPI, and the operator measures it with its
// own credential and from its own place in the network. Egress is the
// administrator's word on where that may go; everything else is refused
// before a byte is sent, with a reason of its own.

// Egress is where the measurements of a tenant's checks may go.
type Egress struct {
	// Prometheus are the Prometheus origins the manager's credential may
	// go to: --prometheus-address and --prometheus-allowed-addresses.
	Prometheus []Origin
	// Unlisted is what a spec's Prometheus address outside that list gets.
	Unlisted UnlistedPolicy
	// Hosts an HTTP check may name beyond the RestAPI's own Services: exact
	// names, or "*.example.com" for any name under example.com
	// (--analysis-allowed-hosts).
	Hosts []string
	// CIDRs an HTTP check may reach beyond the RestAPI's own Services, by
	// an address in the URL or a name that resolves into them
	// (--analysis-allowed-hosts).
	CIDRs []netip.Prefix
	// Denied are addresses no check may reach, besides the ranges never
	// allowed (loopback, link-local, unspecified, multicast): the API
	// server's.
	Denied []netip.Addr
}

// UnlistedPolicy is what a Prometheus address in a spec that the
// administrator did not list gets (--prometheus-unlisted-addresses).
type UnlistedPolicy string

const (
	// UnlistedRefuse: the check is not measured; the RestAPI is Degraded
	// with AnalysisPrometheusNotAllowed. The default.
	UnlistedRefuse UnlistedPolicy = "refuse"
	// UnlistedAnonymous: the query is sent without the credential, and
	// only to an address an HTTP check could reach too (never loopback,
	// link-local, the API server).
	UnlistedAnonymous UnlistedPolicy = "anonymous"
)

// ParseUnlistedPolicy reads --prometheus-unlisted-addresses.
func ParseUnlistedPolicy(s string) (UnlistedPolicy, error) {
	switch p := UnlistedPolicy(s); p {
	case UnlistedRefuse, UnlistedAnonymous:
		return p, nil
	case "":
		return UnlistedRefuse, nil
	}
	return "", fmt.Errorf("%q: want %s or %s", s, UnlistedRefuse, UnlistedAnonymous)
}

// Origin is what two addresses must share to be the same server: scheme,
// host and port, after parsing.
type Origin struct{ Scheme, Host, Port string }

func (o Origin) String() string { return o.Scheme + "://" + net.JoinHostPort(o.Host, o.Port) }

// errUserInfo: an address with user information before its host.
var errUserInfo = errors.New("user information before the host is not allowed (it makes one address read as another)")

// ParseOrigin reads an http:// or https:// address. One with user
// information (http://allowed@elsewhere) is refused: it is the classic way
// to make an address read as another.
func ParseOrigin(raw string) (Origin, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Origin{}, err
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return Origin{}, fmt.Errorf("%q is not an http:// or https:// address", raw)
	case u.User != nil:
		return Origin{}, fmt.Errorf("%q: %w", raw, errUserInfo)
	case u.Opaque != "" || u.Hostname() == "":
		return Origin{}, fmt.Errorf("%q names no host", raw)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return Origin{Scheme: scheme, Host: canonicalHost(u.Hostname()), Port: port}, nil
}

// ParseOrigins reads a list of addresses (flags and Helm values).
func ParseOrigins(raws []string) ([]Origin, error) {
	var out []Origin
	for _, r := range raws {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		o, err := ParseOrigin(r)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func canonicalHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().String()
	}
	return h
}

// ParseAllowedHosts reads --analysis-allowed-hosts: host names, "*."
// suffixes and CIDRs (a single address is a CIDR of one).
func ParseAllowedHosts(raws []string) (hosts []string, cidrs []netip.Prefix, err error) {
	for _, r := range raws {
		r = strings.TrimSpace(r)
		switch {
		case r == "":
		case strings.Contains(r, "/"):
			p, err := netip.ParsePrefix(r)
			if err != nil {
				return nil, nil, fmt.Errorf("%q: %w", r, err)
			}
			cidrs = append(cidrs, p.Masked())
		default:
			if a, err := netip.ParseAddr(r); err == nil {
				cidrs = append(cidrs, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
				continue
			}
			name := strings.TrimPrefix(r, "*.")
			if name == "" || strings.ContainsAny(name, "*:@ ") {
				return nil, nil, fmt.Errorf("%q: want a host name, *.domain, or a CIDR", r)
			}
			hosts = append(hosts, strings.ToLower(r))
		}
	}
	return hosts, cidrs, nil
}

// prometheusAddress is where a check's query goes, and whether the
// manager's credential may go with it: the manager's own address always;
// a spec's address only when its origin is on the administrator's list.
// An unlisted one is refused, or sent to without the credential, as the
// administrator chose.
func (m *Measurer) prometheusAddress(rapi *apiv1.RestAPI, c apiv1.PrometheusCheck) (addr string, trusted bool, refused *measurement) {
	addr, field := m.PrometheusAddress, ""
	if p := rapi.Spec.BlueGreen.Analysis.Prometheus; p != nil {
		addr, field = p.Address, "spec.blueGreen.analysis.prometheus.address"
	}
	if c.Server != nil {
		addr, field = c.Server.Address, "the check's server.address"
	}
	if addr == "" {
		return "", false, &measurement{problem: apiv1.ReasonAnalysisPrometheusUnset,
			message: "no Prometheus to query: set spec.blueGreen.analysis.prometheus.address, the check's server, or the manager's --prometheus-address"}
	}
	if field == "" {
		return addr, true, nil // the administrator's own
	}
	o, err := ParseOrigin(addr)
	if err != nil {
		return "", false, &measurement{problem: apiv1.ReasonAnalysisPrometheusNotAllowed, message: fmt.Sprintf("%s: %v", field, err)}
	}
	if slices.Contains(m.Egress.Prometheus, o) {
		return addr, true, nil
	}
	if m.Egress.Unlisted == UnlistedAnonymous {
		return addr, false, nil
	}
	return "", false, &measurement{problem: apiv1.ReasonAnalysisPrometheusNotAllowed, message: fmt.Sprintf(
		"%s %s is not one of the Prometheus servers the operator's administrator allows (%s); ask for it to be added to --prometheus-allowed-addresses, or leave the address out to use the operator's",
		field, o, m.allowedPrometheus())}
}

func (m *Measurer) allowedPrometheus() string {
	if len(m.Egress.Prometheus) == 0 {
		return "none"
	}
	var s []string
	for _, o := range m.Egress.Prometheus {
		s = append(s, o.String())
	}
	return strings.Join(s, ", ")
}

// dialRule is what a request's connection must keep to, decided from its
// URL before anything is sent and checked again on every address the host
// resolves to, at dial time (DNS rebinding gets no further).
type dialRule struct {
	// cidrs, when set, are the only ranges the address may be in (a host
	// admitted through the administrator's CIDRs).
	cidrs []netip.Prefix
}

// admitURL decides whether an HTTP check of rapi may send a request to
// raw: one of the RestAPI's own Services in its own namespace, a host the
// administrator listed, or an address (or a name resolving) into the
// administrator's CIDRs. Never an address of the ranges no check reaches.
func (m *Measurer) admitURL(rapi *apiv1.RestAPI, comp apiv1.ComponentName, field, raw string) (dialRule, *measurement) {
	notAllowed := func(why string) (dialRule, *measurement) {
		return dialRule{}, &measurement{problem: apiv1.ReasonAnalysisURLNotAllowed, message: fmt.Sprintf("%s renders %s: %s; nothing was sent", field, raw, why)}
	}
	o, err := ParseOrigin(raw)
	if errors.Is(err, errUserInfo) {
		return notAllowed(err.Error())
	}
	if err != nil {
		return dialRule{}, &measurement{problem: apiv1.ReasonAnalysisTemplateInvalid, message: fmt.Sprintf("%s renders %q: %v", field, raw, err)}
	}
	if a, err := netip.ParseAddr(o.Host); err == nil {
		if why := m.forbidden(a); why != "" {
			return notAllowed(fmt.Sprintf("%s is %s, which no check may reach", a, why))
		}
		if slices.ContainsFunc(m.Egress.CIDRs, func(p netip.Prefix) bool { return p.Contains(a) }) {
			return dialRule{cidrs: m.Egress.CIDRs}, nil
		}
		return notAllowed(fmt.Sprintf("%s is not in the operator's --analysis-allowed-hosts; a check reaches the RestAPI's own Services by name (%s)", a, ownExample(rapi, comp)))
	}
	switch {
	case ownService(rapi, comp, o.Host):
		return dialRule{}, nil
	case hostListed(m.Egress.Hosts, o.Host):
		return dialRule{}, nil
	case len(m.Egress.CIDRs) > 0:
		return dialRule{cidrs: m.Egress.CIDRs}, nil // its addresses are checked when it is dialled
	}
	return notAllowed(fmt.Sprintf("%s is not one of the Services in namespace %s of the component the check measures (such as %s), nor a host the operator's administrator allows (--analysis-allowed-hosts)",
		o.Host, rapi.Namespace, ownExample(rapi, comp)))
}

// ownService: host names one of the Services of rapi's component comp
// (stable, preview, per colour: the ones its NetworkPolicy opens to the
// operator when an HTTP check measures it), in rapi's namespace, by a
// name that resolves nowhere else (svc.ns, svc.ns.svc,
// svc.ns.svc.cluster.local; a bare svc would resolve in the operator's).
func ownService(rapi *apiv1.RestAPI, comp apiv1.ComponentName, host string) bool {
	name, rest, ok := strings.Cut(host, ".")
	if !ok || !slices.Contains([]string{rapi.Namespace, rapi.Namespace + ".svc", rapi.Namespace + ".svc.cluster.local"}, rest) {
		return false
	}
	return slices.Contains([]string{render.ChildName(rapi, comp), render.PreviewName(rapi, comp),
		render.ColourName(rapi, comp, apiv1.EnvironmentBlue), render.ColourName(rapi, comp, apiv1.EnvironmentGreen)}, name)
}

func ownExample(rapi *apiv1.RestAPI, comp apiv1.ComponentName) string {
	return render.ChildName(rapi, comp) + "." + rapi.Namespace + ".svc"
}

func hostListed(list []string, host string) bool {
	for _, h := range list {
		if suffix, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if h == host {
			return true
		}
	}
	return false
}

// neverReached are ranges no check reaches whatever the lists say: this
// host's own network (0.0.0.0/8) besides the kinds netip names.
var neverReached = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/8")}

// forbidden says why no check may reach a; "" when one may.
func (m *Measurer) forbidden(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "a loopback address"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "a link-local address (the cloud metadata service lives there)"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsMulticast():
		return "a multicast address"
	case slices.Contains(m.Egress.Denied, a):
		return "the API server's address"
	case slices.ContainsFunc(neverReached, func(p netip.Prefix) bool { return p.Contains(a) }):
		return "an address of this host's own network"
	}
	return ""
}
