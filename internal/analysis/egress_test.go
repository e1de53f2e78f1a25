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
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// The tenant boundary of analysis: what a RestAPI's author can make the
// operator send, and where. docs/security.md ("The tenant boundary")
// names these tests line by line.

const scalarZero = `{"status":"success","data":{"resultType":"scalar","result":[1,"0"]}}`

func tokenFile(t *testing.T) TokenSource {
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return FileToken(f)
}

// TestTheTokenGoesOnlyToTheAdministratorsPrometheus: the manager runs with
// a token; a RestAPI names a tenant's server; the tenant never sees the
// token, whichever way the address is written, while the administrator's
// addresses still get it.
func TestTheTokenGoesOnlyToTheAdministratorsPrometheus(t *testing.T) {
	admin, listed, tenant := fakePrometheus(t, scalarZero), fakePrometheus(t, scalarZero), fakePrometheus(t, scalarZero)
	net := newFakeNet().
		name("prom.allowed.example", "192.0.2.20").route(netip.MustParseAddr("192.0.2.20"), listed.Server).
		name("prom.tenant.example", "192.0.2.30").route(netip.MustParseAddr("192.0.2.30"), tenant.Server).
		name("prom.allowed.example.tenant.example", "192.0.2.30")
	newMeasurer := func(p UnlistedPolicy) *Measurer {
		m := measurerOn(net)
		m.PrometheusAddress, m.Token = admin.URL, tokenFile(t)
		origins, err := ParseOrigins([]string{admin.URL, "http://prom.allowed.example:9090"})
		if err != nil {
			t.Fatal(err)
		}
		m.Egress = Egress{Prometheus: origins, Unlisted: p}
		return m
	}
	query := func(m *Measurer, addr string) apiv1.AnalysisCheckStatus {
		rapi := restAPI(promCheck("p", "up", "result == 0.0"))
		if addr != "" {
			rapi.Spec.BlueGreen.Analysis.Prometheus = &apiv1.PrometheusServer{Address: addr}
		}
		return measure(t, m, rapi, pre, nil, now0).Status.Checks[0]
	}

	if c := query(newMeasurer(UnlistedRefuse), ""); c.Successes != 1 || admin.auth.Load() != "Bearer s3cret" {
		t.Fatalf("the administrator's --prometheus-address gets the token: %+v, %v", c, admin.auth.Load())
	}
	if c := query(newMeasurer(UnlistedRefuse), "http://PROM.allowed.example.:9090/prometheus"); c.Successes != 1 || listed.auth.Load() != "Bearer s3cret" {
		t.Fatalf("a listed address (any case, a trailing dot, a path) gets the token: %+v, %v", c, listed.auth.Load())
	}
	for _, addr := range []string{
		"http://prom.tenant.example:9090",
		"http://prom.allowed.example:9090@prom.tenant.example:9090",   // user information
		"http://prom.allowed.example.tenant.example:9090",             // a prefix
		"https://prom.allowed.example:9090",                           // another scheme
		"http://prom.allowed.example:9091",                            // another port
		"http://prom.allowed.example",                                 // port 80
		strings.Replace(admin.URL, "127.0.0.1", "localhost", 1) + "/", // the same server by another name
	} {
		c := query(newMeasurer(UnlistedRefuse), addr)
		if c.Problem != apiv1.ReasonAnalysisPrometheusNotAllowed || c.Successes+c.Failures+c.Inconclusive != 0 {
			t.Errorf("%s: want %s and nothing measured, got %+v", addr, apiv1.ReasonAnalysisPrometheusNotAllowed, c)
		}
	}
	if tenant.queries.Load() != nil {
		t.Fatalf("refused addresses are never sent to: the tenant's server saw %v", tenant.queries.Load())
	}

	// Anonymous: the tenant's server is queried, without the token.
	if c := query(newMeasurer(UnlistedAnonymous), "http://prom.tenant.example:9090"); c.Successes != 1 {
		t.Fatalf("anonymous: the tenant's Prometheus is measured: %+v", c)
	}
	if tenant.queries.Load() != "up" || tenant.auth.Load() != "" {
		t.Fatalf("anonymous: the query without the token; got query %v, Authorization %q", tenant.queries.Load(), tenant.auth.Load())
	}
	// ... and never at an address no check may reach.
	if c := query(newMeasurer(UnlistedAnonymous), "http://169.254.169.254/"); c.Problem != apiv1.ReasonAnalysisPrometheusNotAllowed {
		t.Fatalf("anonymous at a link-local address: %+v", c)
	}
	if slices.ContainsFunc(net.dials(), func(d string) bool { return strings.HasPrefix(d, "169.254.") }) {
		t.Fatalf("dialled %v", net.dials())
	}
}

// TestTheAdministratorsPrometheusRedirectingSendsTheTokenNowhere: a
// redirect is not followed, so an answer cannot carry the token on.
func TestTheAdministratorsPrometheusRedirectingSendsTheTokenNowhere(t *testing.T) {
	tenant := fakePrometheus(t, scalarZero)
	admin := httptest.NewServer(http.RedirectHandler(tenant.URL+"/api/v1/query?query=up", http.StatusFound))
	t.Cleanup(admin.Close)
	m := measurerOn(newFakeNet())
	m.PrometheusAddress, m.Token = admin.URL, tokenFile(t)
	c := measure(t, m, restAPI(promCheck("p", "up", "result == 0.0")), pre, nil, now0).Status.Checks[0]
	if c.Inconclusive != 1 || tenant.auth.Load() != nil {
		t.Fatalf("want one inconclusive measurement and nothing at the redirect's target; got %+v, target saw %v", c, tenant.auth.Load())
	}
}

// TestHTTPChecksReachOnlyWhatTheBoundaryAllows: every URL below is refused
// or failed, and not one forbidden address is ever dialled (the fake
// network records every dial; nothing it dials leaves loopback).
func TestHTTPChecksReachOnlyWhatTheBoundaryAllows(t *testing.T) {
	var hits atomic.Int32
	own := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(own.Close)
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(partner.Close)
	net := newFakeNet().services(own).
		name("metadata.partner.example", "169.254.169.254").
		name("rebind.partner.example", "203.0.113.5", "169.254.169.254").
		name("api.partner.example", "203.0.113.5").route(netip.MustParseAddr("203.0.113.5"), partner).
		name("inside.example", "198.51.100.7").route(netip.MustParseAddr("198.51.100.7"), partner).
		name("outside.example", "203.0.113.9").
		name("kubernetes.default.svc", "10.96.0.1")
	// m allows hosts by name; withCIDRs allows ranges too, and with them
	// any name that resolves into them.
	m, withCIDRs := measurerOn(net), measurerOn(net)
	hosts, _, err := ParseAllowedHosts([]string{"*.partner.example"})
	if err != nil {
		t.Fatal(err)
	}
	_, cidrs, err := ParseAllowedHosts([]string{"198.51.100.0/24", "10.96.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	apiServer := []netip.Addr{netip.MustParseAddr("10.96.0.1")}
	m.Egress = Egress{Hosts: hosts, Denied: apiServer}
	withCIDRs.Egress = Egress{CIDRs: cidrs, Denied: apiServer}
	net.name("localhost", "127.0.0.1")

	tests := []struct {
		name, url string
		problem   string
		failure   bool
		cidrs     bool
	}{
		{"the cloud metadata address", "http://169.254.169.254/latest/meta-data/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"the same, IPv4 in IPv6", "http://[::ffff:169.254.169.254]/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"loopback", "http://127.0.0.1:8080/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"loopback by name", "http://localhost:8080/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"the unspecified address", "http://0.0.0.0:3000/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"a listed host that resolves to a link-local address", "http://metadata.partner.example/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"a listed host that also resolves to one (rebinding)", "http://rebind.partner.example/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"another namespace's Service", "http://shop-view.other.svc:3000/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"another RestAPI's Service in the namespace", "http://bank-view.team.svc:3000/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"another component's Service", "http://shop-model.team.svc:8080/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"a bare name (resolves in the operator's namespace)", "http://shop-view:3000/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"user information before an address", "http://shop-view.team.svc:3000@169.254.169.254/", apiv1.ReasonAnalysisURLNotAllowed, false, false},
		{"the API server, inside an allowed CIDR", "http://kubernetes.default.svc/", apiv1.ReasonAnalysisURLNotAllowed, false, true},
		{"the API server's address, inside an allowed CIDR", "https://10.96.0.1/", apiv1.ReasonAnalysisURLNotAllowed, false, true},
		{"a name resolving outside the allowed CIDRs", "http://outside.example/", apiv1.ReasonAnalysisURLNotAllowed, false, true},
		{"loopback by name, with CIDRs allowed", "http://localhost:8080/", apiv1.ReasonAnalysisURLNotAllowed, false, true},
		{"another RestAPI's Service, with CIDRs allowed", "http://bank-view.team.svc:3000/", apiv1.ReasonAnalysisURLNotAllowed, false, true},
		{"the own Service, redirecting to the metadata address", svcURL + "/redirect", "", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			on := m
			if tc.cidrs {
				on = withCIDRs
			}
			c := measure(t, on, restAPI(httpCheck("u", tc.url)), pre, nil, now0).Status.Checks[0]
			switch {
			case tc.problem != "" && (c.Problem != tc.problem || c.Successes+c.Failures+c.Inconclusive != 0):
				t.Fatalf("want %s and nothing counted: %+v", tc.problem, c)
			case tc.failure && (c.Failures != 1 || c.LastValue != "302" || !strings.Contains(c.Message, "not followed")):
				t.Fatalf("want a failed measurement, the redirect not followed: %+v", c)
			}
		})
	}
	for _, d := range net.dials() {
		a := netip.MustParseAddrPort(d).Addr()
		if a != svcAddr {
			t.Errorf("dialled %s: only the RestAPI's own Service (%s) may have been", d, svcAddr)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("the own Service answered %d requests, want the one that redirected", hits.Load())
	}

	t.Run("what the administrator allows is reached", func(t *testing.T) {
		for _, u := range []string{"http://api.partner.example/health", svcURL + "/health",
			"http://shop-view-green.team.svc.cluster.local:3000/", "http://shop-view-preview.team:3000/"} {
			if c := measure(t, m, restAPI(httpCheck("u", u)), pre, nil, now0).Status.Checks[0]; c.Successes != 1 {
				t.Errorf("%s: %+v", u, c)
			}
		}
		for _, u := range []string{"http://198.51.100.7/health", "http://inside.example/health"} {
			if c := measure(t, withCIDRs, restAPI(httpCheck("u", u)), pre, nil, now0).Status.Checks[0]; c.Successes != 1 {
				t.Errorf("%s: %+v", u, c)
			}
		}
	})
}

func TestParseOriginsAndAllowedHosts(t *testing.T) {
	for raw, want := range map[string]Origin{
		"http://Prometheus.Monitoring.svc:9090/": {"http", "prometheus.monitoring.svc", "9090"},
		"https://prom.example./api":              {"https", "prom.example", "443"},
		"http://[::ffff:10.0.0.1]:80":            {"http", "10.0.0.1", "80"},
	} {
		if got, err := ParseOrigin(raw); err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", raw, got, err, want)
		}
	}
	for _, raw := range []string{"ftp://prom:21", "http://user@prom:9090", "http://:9090", "prom:9090"} {
		if _, err := ParseOrigin(raw); err == nil {
			t.Errorf("%s: want an error", raw)
		}
	}
	hosts, cidrs, err := ParseAllowedHosts([]string{"api.example.com", "*.partner.example", "10.1.0.0/16", "192.0.2.7", " "})
	if err != nil || !slices.Equal(hosts, []string{"api.example.com", "*.partner.example"}) || len(cidrs) != 2 || cidrs[1].Bits() != 32 {
		t.Fatalf("%v %v %v", hosts, cidrs, err)
	}
	for _, bad := range []string{"*", "a b", "10.0.0.0/33", "user@host"} {
		if _, _, err := ParseAllowedHosts([]string{bad}); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if _, err := ParseUnlistedPolicy("maybe"); err == nil {
		t.Error("an unknown policy is refused")
	}
}

// TestTheClientsUseNoProxyAndFollowNoRedirect: a proxy from the manager's
// environment would dial in the checks' place, past every check above;
// a redirect would carry a request (and the token) elsewhere.
func TestTheClientsUseNoProxyAndFollowNoRedirect(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	m := measurerOn(newFakeNet())
	trusted, tenant := m.clients()
	for name, c := range map[string]*http.Client{"trusted": trusted, "tenant": tenant} {
		if tr, ok := c.Transport.(*http.Transport); !ok || tr.Proxy != nil {
			t.Errorf("%s client: transport %T with a proxy function", name, c.Transport)
		}
		if c.CheckRedirect == nil || c.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
			t.Errorf("%s client follows redirects", name)
		}
	}
	// And nothing reaches the proxy (were one set, the guarded dialer
	// would also refuse its loopback address: the assertions above are
	// what fails if a proxy function comes back).
	if c := measure(t, m, restAPI(httpCheck("u", svcURL+"/")), pre, nil, now0).Status.Checks[0]; c.Inconclusive != 1 || proxied.Load() != 0 {
		t.Fatalf("want an unanswered measurement and nothing through the proxy: %+v, proxied %d", c, proxied.Load())
	}
}

// TestAChangedExpectationGetsItsOwnMeasurement: a result measured for one
// set of expected status codes is not recorded for another.
func TestAChangedExpectationGetsItsOwnMeasurement(t *testing.T) {
	srv := byColour(t)
	m := measurerOn(newFakeNet().services(srv))
	rapi := restAPI(httpCheck("health", svcURL+"/blue/")) // 500
	first := m.Measure(rapi, pre, nil, now0)
	idle(t, m)
	rapi.Spec.BlueGreen.Analysis.PrePromotion[0].HTTP.SuccessStatusCodes = []int32{500}
	if again := m.Measure(rapi, pre, first.Status, now0); !again.Waiting {
		t.Fatalf("the old expectation's result was recorded: %+v", again.Status.Checks[0])
	}
	idle(t, m)
	if c := m.Measure(rapi, pre, first.Status, now0).Status.Checks[0]; c.Successes != 1 {
		t.Fatalf("500 is now expected: %+v", c)
	}
}
