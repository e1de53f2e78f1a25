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
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBehaviourOf(t *testing.T) {
	for image, want := range map[string]Behaviour{
		"registry.example/shop:1.0.0":                {},
		"registry.example/shop":                      {},
		"registry.example:5000/shop":                 {},
		"registry.example/shop:2.0.0-fail20":         {FailPercent: 20},
		"registry.example/shop:2.0.0-fail20-slow300": {FailPercent: 20, Delay: 300 * time.Millisecond},
		"shop:slow50_fail100":                        {FailPercent: 100, Delay: 50 * time.Millisecond},
		"shop:down":                                  {Down: true},
		"shop:2.0.0-down@sha256:abc":                 {Down: true},
		"shop:failure-slowly-fail101":                {},
		"shop:2.0.0-fail20-after60":                  {FailPercent: 20, After: time.Minute},
	} {
		if got := BehaviourOf(image); got != want {
			t.Errorf("%s: %+v, want %+v", image, got, want)
		}
	}
}

func TestFailuresAreSpreadEvenly(t *testing.T) {
	for _, percent := range []int{0, 1, 20, 33, 50, 100} {
		failed, longest, run := 0, 0, 0
		for n := uint64(1); n <= 100; n++ {
			if fails(n, percent) {
				failed++
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
		if failed != percent {
			t.Errorf("%d%%: %d of 100 failed", percent, failed)
		}
		if percent <= 50 && longest > 1 {
			t.Errorf("%d%%: %d failures in a row", percent, longest)
		}
	}
}

// freePort is a port nothing listens on at ip.
func freePort(t *testing.T, ip string) int32 {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return int32(ln.Addr().(*net.TCPAddr).Port)
}

func pod(t *testing.T, ip, component, image string) Pod {
	return Pod{Namespace: "apps", Name: "shop-" + component + "-blue-1", IP: ip, Ports: []int32{freePort(t, ip)},
		Component: component, Colour: "blue", Revision: "r1", Image: image, ProbePaths: []string{"/health", "/ready"}}
}

func (p Pod) url(path string) string { return fmt.Sprintf("http://%s:%d%s", p.IP, p.Ports[0], path) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAPodAnswersAsTheApplicationWould(t *testing.T) {
	s := &Server{}
	defer s.Close()
	p := pod(t, "127.0.0.2", "model", "registry.example/shop:1.0.0")
	if err := s.Sync([]Pod{p}); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, p.url("/orders/7"))
	var a Answer
	if err := json.Unmarshal([]byte(body), &a); code != 200 || err != nil {
		t.Fatalf("%d %s", code, body)
	}
	if a.Pod != p.Name || a.Component != "model" || a.Colour != "blue" || a.Revision != "r1" || a.Image != p.Image {
		t.Errorf("answer %+v", a)
	}
	for _, path := range p.ProbePaths {
		if code, body := get(t, p.url(path)); code != 200 || body != "ok\n" {
			t.Errorf("probe %s: %d %q", path, code, body)
		}
	}
	if _, body := get(t, p.url("/metrics")); !strings.Contains(body, `http_requests_total{code="200"} 1`) ||
		!strings.Contains(body, `http_request_duration_seconds_count{code="200"} 1`) {
		t.Errorf("metrics:\n%s", body)
	}
}

func TestAReleaseThatDegradesAfterAWhile(t *testing.T) {
	s := &Server{}
	defer s.Close()
	p := pod(t, "127.0.0.5", "model", "shop:2.0.0-fail50-after1")
	if err := s.Sync([]Pod{p}); err != nil {
		t.Fatal(err)
	}
	count := func() (failed int) {
		for range 10 {
			if code, _ := get(t, p.url("/")); code == http.StatusInternalServerError {
				failed++
			}
		}
		return failed
	}
	if n := count(); n != 0 {
		t.Errorf("%d of 10 failed in its first second", n)
	}
	time.Sleep(1100 * time.Millisecond)
	if n := count(); n != 5 {
		t.Errorf("%d of 10 failed once degraded, want 5", n)
	}
}

func TestTheImageChoosesFailuresDelaysAndDown(t *testing.T) {
	s := &Server{}
	defer s.Close()
	failing := pod(t, "127.0.0.2", "model", "shop:2.0.0-fail20")
	slow := pod(t, "127.0.0.3", "model", "shop:2.0.0-slow60")
	down := pod(t, "127.0.0.4", "model", "shop:2.0.0-down")
	if err := s.Sync([]Pod{failing, slow, down}); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for range 100 {
		if code, _ := get(t, failing.url("/")); code == http.StatusInternalServerError {
			failed++
		}
	}
	if failed != 20 {
		t.Errorf("fail20: %d of 100 failed", failed)
	}
	if code, _ := get(t, failing.url("/health")); code != 200 {
		t.Error("a failing application's probe failed: probes pass whatever the requests do")
	}
	start := time.Now()
	get(t, slow.url("/"))
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("slow60 answered in %v", d)
	}
	if _, err := http.Get(down.url("/")); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("down: %v, want connection refused", err)
	}
	if s.Serving() != 2 {
		t.Errorf("serving %d ports, want 2 (down listens on none)", s.Serving())
	}
}

func TestAPodThatGoesStopsAnswering(t *testing.T) {
	s := &Server{}
	defer s.Close()
	// Addresses no other package's tests use: they run at the same time,
	// and one of them (test/lab/load) once took the port a's Pod freed on
	// 127.0.0.2, which then "still answered".
	a, b := pod(t, "127.0.0.77", "model", "shop:1"), pod(t, "127.0.0.78", "model", "shop:1")
	if err := s.Sync([]Pod{a, b}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync([]Pod{b}); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(a.url("/")); err == nil {
		t.Error("a Pod that went still answers")
	}
	if code, _ := get(t, b.url("/")); code != 200 {
		t.Error("a Pod that stayed stopped answering")
	}
}

// TestAPodThatGoesServesThroughItsPreStopSleep: kubelet runs the preStop
// sleep before SIGTERM, so the Pod answers while the proxies follow.
func TestAPodThatGoesServesThroughItsPreStopSleep(t *testing.T) {
	s := &Server{}
	defer s.Close()
	a := pod(t, "127.0.0.2", "model", "shop:1")
	a.Drain = 500 * time.Millisecond
	if err := s.Sync([]Pod{a}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(nil); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, a.url("/")); code != 200 {
		t.Errorf("a going Pod answered %d during its preStop sleep", code)
	}
	time.Sleep(a.Drain + 200*time.Millisecond)
	if _, err := http.Get(a.url("/")); err == nil {
		t.Error("a Pod still answers after its preStop sleep")
	}
}

// TestANewPodTakesTheAddressOfOneInItsPreStopSleep: the cluster gave the
// address out again; the new Pod answers there.
func TestANewPodTakesTheAddressOfOneInItsPreStopSleep(t *testing.T) {
	s := &Server{}
	defer s.Close()
	old := pod(t, "127.0.0.2", "model", "shop:1")
	old.Drain = time.Minute
	if err := s.Sync([]Pod{old}); err != nil {
		t.Fatal(err)
	}
	next := old
	next.Name, next.Revision, next.Drain = "model-next", "r2", 0
	if err := s.Sync([]Pod{next}); err != nil {
		t.Fatalf("the new Pod could not listen: %v", err)
	}
	code, body := get(t, next.url("/"))
	if code != 200 || !strings.Contains(body, `"pod":"model-next"`) {
		t.Errorf("%d %s: want the new Pod's answer", code, body)
	}
}

func TestTheViewCallsItsPeersAndSaysTheirRevisions(t *testing.T) {
	s := &Server{}
	defer s.Close()
	model := pod(t, "127.0.0.3", "model", "shop:1")
	model.Revision = "r2"
	view := pod(t, "127.0.0.2", "view", "shop:1")
	view.Peers = map[string]string{"model": model.url("")}
	if err := s.Sync([]Pod{view, model}); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, view.url("/"))
	var a Answer
	if err := json.Unmarshal([]byte(body), &a); code != 200 || err != nil {
		t.Fatalf("%d %s", code, body)
	}
	if a.Peers["model"].Revision != "r2" || len(a.Revisions()) != 2 {
		t.Errorf("answer %+v: want the model's revision r2 among two", a)
	}

	// A peer that cannot answer makes the view's answer fail.
	if err := s.Sync([]Pod{view}); err != nil {
		t.Fatal(err)
	}
	// The peer stops a moment after the Sync (its preStop, here none,
	// runs on a timer): look again for a second at most.
	for deadline := time.Now().Add(time.Second); ; time.Sleep(20 * time.Millisecond) {
		code, body = get(t, view.url("/"))
		if code == http.StatusBadGateway || time.Now().After(deadline) {
			break
		}
	}
	if code != http.StatusBadGateway || !strings.Contains(body, "refused") {
		t.Errorf("peer gone: %d %s", code, body)
	}
}

// TestTheViewCallsItsPeersByServiceNameFromItsOwnAddress: a peer URL names
// a Service; the name is asked of the cluster's DNS server from the view
// Pod's address, and the call leaves from that address too.
func TestTheViewCallsItsPeersByServiceNameFromItsOwnAddress(t *testing.T) {
	model := pod(t, "127.0.0.3", "model", "shop:1")
	view := pod(t, "127.0.0.2", "view", "shop:1")
	view.Peers = map[string]string{"model": fmt.Sprintf("http://shop-model-blue.apps.svc:%d", model.Ports[0])}
	dns := &dnsServer{records: map[string]string{"shop-model-blue.apps.svc.cluster.local.": model.IP}}
	s := &Server{DNSServer: dns.serve(t)}
	defer s.Close()
	if err := s.Sync([]Pod{view, model}); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, view.url("/"))
	var a Answer
	if err := json.Unmarshal([]byte(body), &a); code != 200 || err != nil {
		t.Fatalf("%d %s", code, body)
	}
	if m := a.Peers["model"]; m.Pod != model.Name || !strings.HasPrefix(m.Client, "127.0.0.2:") {
		t.Errorf("the model answered %+v: want its own name, and the view's address as the caller", m)
	}
	dns.mu.Lock()
	defer dns.mu.Unlock()
	if !slices.Contains(dns.asked, "shop-model-blue.apps.svc.cluster.local. TypeA") || !slices.Contains(dns.from, "127.0.0.2") {
		t.Errorf("the DNS server was asked %v from %v: want the Service's name, from the view's address", dns.asked, dns.from)
	}
}
