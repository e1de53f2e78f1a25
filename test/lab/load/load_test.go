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

package load

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/restapi-operator/restapi-operator/test/lab/podsim"
)

// serve starts simulated Pods on loopback addresses and returns their URLs.
func serve(t *testing.T, pods ...podsim.Pod) []string {
	t.Helper()
	s := &podsim.Server{}
	t.Cleanup(s.Close)
	urls := make([]string, 0, len(pods))
	for i := range pods {
		ln, err := net.Listen("tcp", pods[i].IP+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		pods[i].Ports = []int32{int32(port)}
		urls = append(urls, fmt.Sprintf("http://%s:%d", pods[i].IP, port))
	}
	if err := s.Sync(pods); err != nil {
		t.Fatal(err)
	}
	return urls
}

func simulated(ip, component, revision, image string) podsim.Pod {
	return podsim.Pod{Namespace: "apps", Name: component + "-" + revision, IP: ip, Component: component, Revision: revision, Image: image}
}

func TestAHealthyApplicationFailsNothing(t *testing.T) {
	urls := serve(t, simulated("127.0.0.2", "model", "r1", "shop:1"))
	r := Run(t.Context(), []Target{{Name: "model", URL: urls[0] + "/"}}, Options{Rate: 200, Max: 100})["model"]
	if r.Requests != 100 || r.Failed() != 0 || r.Mixed != 0 || len(r.Revisions) != 1 || r.Revisions[0] != (RevisionCount{"r1", 100}) {
		t.Errorf("report %+v", r)
	}
	if r.Slowest <= 0 || r.Slowest > 5*time.Second {
		t.Errorf("the slowest answer took %s", r.Slowest)
	}
}

func TestFailuresAreCountedWithTheirLongestRun(t *testing.T) {
	urls := serve(t, simulated("127.0.0.2", "model", "r1", "shop:1-fail50"), simulated("127.0.0.3", "model", "r1", "shop:1"))
	reports := Run(t.Context(), []Target{
		{Name: "half", URL: urls[0] + "/"},
		{Name: "gone", URL: "http://127.0.0.4:1/"}, // nothing listens
	}, Options{Rate: 200, Max: 40})
	if h := reports["half"]; h.Requests != 40 || h.Non2xx != 20 || h.ConnErrors != 0 || h.LongestFailureRun < 1 {
		t.Errorf("fail50: %+v", h)
	}
	if g := reports["gone"]; g.ConnErrors != 40 || g.LongestFailureRun != 40 || len(g.Errors) != 1 || !strings.Contains(g.Errors[0], "refused") {
		t.Errorf("refused: %+v", g)
	}
	if h := reports["half"]; len(h.Errors) != 1 || !strings.HasPrefix(h.Errors[0], "500 Internal Server Error") {
		t.Errorf("fail50 described as %q", h.Errors)
	}
}

func TestAnAnswerFromTwoRevisionsIsMixed(t *testing.T) {
	model := simulated("127.0.0.3", "model", "r2", "shop:2")
	urls := serve(t, model)
	view := simulated("127.0.0.2", "view", "r1", "shop:1")
	view.Peers = map[string]string{"model": urls[0]}
	viewURLs := serve(t, view)
	r := Run(t.Context(), []Target{{Name: "view", URL: viewURLs[0] + "/"}}, Options{Rate: 200, Max: 20})["view"]
	if r.Mixed != 20 || r.Failed() != 0 {
		t.Errorf("a view of r1 calling a model of r2: %+v", r)
	}
}

func TestARunIsBoundedInTime(t *testing.T) {
	urls := serve(t, simulated("127.0.0.2", "model", "r1", "shop:1-slow5000"))
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := Run(ctx, []Target{{Name: "slow", URL: urls[0] + "/"}}, Options{Rate: 20})["slow"]
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the run outlived its context by %v", d)
	}
	if r.Failed() != 0 {
		t.Errorf("requests cut short by the end of the run counted as failed: %+v", r)
	}
}

func TestPrintSaysEachTargetAndTheTotal(t *testing.T) {
	var b strings.Builder
	Print(&b, map[string]*Report{
		"view":  {Requests: 10, Non2xx: 1, Mixed: 2, Revisions: []RevisionCount{{"r1", 6}, {"r2", 3}}},
		"model": {Requests: 5, ConnErrors: 1},
	})
	want := "model: 5 requests, 1 failed, 0 mixed; answers by revision:\n" +
		"view: 10 requests, 1 failed, 2 mixed; answers by revision: r1:6 r2:3\n" +
		"total: 15 requests, 2 failed, 2 mixed\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestGetPrintsTheAnswer(t *testing.T) {
	urls := serve(t, simulated("127.0.0.2", "model", "r1", "shop:1"), simulated("127.0.0.3", "model", "r1", "shop:1-fail100"))
	var b strings.Builder
	if err := Get(t.Context(), urls[0]+"/", "127.0.0.9", &b); err != nil || !strings.Contains(b.String(), `"revision": "r1"`) ||
		!strings.Contains(b.String(), `"client": "127.0.0.9:`) {
		t.Errorf("%v: %s", err, b.String())
	}
	if err := Get(t.Context(), urls[1]+"/", "", io.Discard); err == nil {
		t.Error("a 500 was not an error")
	}
}

// TestAConnectionCarriesReuseRequests: a client bounds how long it stays on
// one Pod, so it follows a switch while the old Pods still live.
func TestAConnectionCarriesReuseRequests(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	r := Run(t.Context(), []Target{{Name: "s", URL: srv.URL}}, Options{Rate: 200, Max: 50, Reuse: 5})["s"]
	if r.Requests != 50 || r.Failed() != 0 {
		t.Fatalf("report %+v", r)
	}
	if n := conns.Load(); n < 10 {
		t.Errorf("50 requests at 5 per connection used %d connections, want at least 10", n)
	}
}

// TestEveryTracedRequestStartsATraceOfItsOwn: with Trace, each request
// carries a sampled W3C traceparent with a new trace ID, and the report
// lists each with its answer's status and revision.
func TestEveryTracedRequestStartsATraceOfItsOwn(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("traceparent"))
		mu.Unlock()
		_, _ = io.WriteString(w, `{"pod":"p","component":"view","revision":"r1"}`)
	}))
	defer srv.Close()
	r := Run(t.Context(), []Target{{Name: "view", URL: srv.URL}}, Options{Rate: 200, Max: 20, Trace: true})["view"]
	mu.Lock()
	sent := ids
	ids = nil
	mu.Unlock()
	headers := map[string]bool{}
	for _, h := range sent {
		parts := strings.Split(h, "-")
		if len(parts) != 4 || parts[0] != "00" || len(parts[1]) != 32 || len(parts[2]) != 16 || parts[3] != "01" {
			t.Errorf("traceparent %q", h)
		}
		headers[parts[1]] = true
	}
	if len(headers) != 20 || len(r.Traced) != 20 {
		t.Fatalf("%d distinct trace IDs sent, %d reported, want 20 of each", len(headers), len(r.Traced))
	}
	for _, tr := range r.Traced {
		if !headers[tr.TraceID] || tr.Code != http.StatusOK || tr.Revision != "r1" {
			t.Errorf("reported %+v: want a trace ID sent, 200 and r1", tr)
		}
	}
	untraced := Run(t.Context(), []Target{{Name: "view", URL: srv.URL}}, Options{Rate: 200, Max: 5})["view"]
	mu.Lock()
	defer mu.Unlock()
	if len(untraced.Traced) != 0 || len(ids) != 5 || ids[0] != "" {
		t.Errorf("without Trace: %v reported, headers %q", untraced.Traced, ids)
	}
}

// Answering is called once, only when every target's first request has its
// outcome: a target still waiting for its first answer holds it back.
func TestAnsweringWaitsForEveryTargetsFirstOutcome(t *testing.T) {
	release := make(chan struct{})
	var slowSeen atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if slowSeen.Add(1) == 1 {
			<-release
		}
	}))
	defer slow.Close()
	fast := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer fast.Close()

	var calls atomic.Int64
	called := make(chan struct{}, 2)
	done := make(chan map[string]*Report)
	go func() {
		done <- Run(t.Context(), []Target{{Name: "slow", URL: slow.URL}, {Name: "fast", URL: fast.URL}, {Name: "gone", URL: "http://127.0.0.4:1/"}},
			Options{Rate: 50, Max: 20, Answering: func() { calls.Add(1); called <- struct{}{} }})
	}()
	select {
	case <-called:
		t.Fatal("Answering was called while the slow target's first request had no answer")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatal("Answering was not called once every target had answered or failed")
	}
	reports := <-done
	if n := calls.Load(); n != 1 {
		t.Errorf("Answering was called %d times, want once", n)
	}
	if reports["slow"].Requests != 20 || reports["fast"].Requests != 20 || reports["gone"].ConnErrors != 20 {
		t.Errorf("reports: slow %+v, fast %+v, gone %+v", reports["slow"], reports["fast"], reports["gone"])
	}
}

// Progress says, while the run goes on, which revisions answered each
// target so far: the old one, then the new one once the target switched.
func TestProgressFollowsTheRevisionsAsTheyAnswer(t *testing.T) {
	var revision atomic.Value
	revision.Store("r1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintf(w, `{"revision":%q}`, revision.Load())
	}))
	defer srv.Close()
	progress := &Progress{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan map[string]*Report)
	go func() {
		done <- Run(ctx, []Target{{Name: "view", URL: srv.URL}, {Name: "gone", URL: "http://127.0.0.4:1/"}},
			Options{Rate: 100, Progress: progress})
	}()
	waitFor := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := progress.Revisions()
			if fmt.Sprint(got["view"]) == fmt.Sprint(want) {
				if _, ok := got["gone"]; ok {
					t.Fatalf("a target that never answered has revisions: %v", got)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("progress %v, want view answered by %v", got, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("r1")
	revision.Store("r2")
	waitFor("r1", "r2")
	cancel()
	r := (<-done)["view"]
	if len(r.Revisions) != 2 || r.Revisions[0].Revision != "r1" || r.Revisions[1].Revision != "r2" {
		t.Errorf("the report's revisions %v differ from what progress said", r.Revisions)
	}
}

// The run ends (ctx) while requests are on their way: they are finished
// and reported, so every request a target received is in its report (a
// traced request in Jaeger is one the report lists).
func TestRequestsOnTheirWayWhenTheRunEndsAreReported(t *testing.T) {
	var received atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		received.Add(1)
		time.Sleep(300 * time.Millisecond)
		_, _ = fmt.Fprint(w, `{"revision":"r1"}`)
	}))
	defer slow.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	r := Run(ctx, []Target{{Name: "slow", URL: slow.URL}}, Options{Rate: 50, Trace: true})["slow"]
	if r.Requests == 0 || int64(r.Requests) != received.Load() || r.Failed() != 0 || len(r.Traced) != r.Requests {
		t.Errorf("the target received %d requests; the report: %+v", received.Load(), r)
	}
}
