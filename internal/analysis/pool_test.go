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
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// hangingServer accepts every request and answers none until the test
// ends; it counts the requests it holds.
func hangingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var held atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		held.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, &held
}

// until calls Measure, as the wakes do, until it waits no more.
func until(t *testing.T, m *Measurer, rapi *apiv1.RestAPI, prev *apiv1.AnalysisStatus) Outcome {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := m.Measure(rapi, pre, prev, now0)
		if !out.Waiting {
			return out
		}
		if prev == nil {
			prev = out.Status
		}
		if time.Now().After(deadline) {
			running, queued := m.Busy()
			t.Fatalf("no result within 10 s: %d running, %d queued", running, queued)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHangingChecksHoldOnlyTheirOwnMeasurers: a reconcile never waits on
// the network; twenty RestAPIs of one tenant whose checks hang hold that
// tenant's share of the measurers (a quarter), and a twenty-first, of
// another tenant, is measured while they all still hang.
func TestHangingChecksHoldOnlyTheirOwnMeasurers(t *testing.T) {
	hang, held := hangingServer(t)
	good := byColour(t)
	net := newFakeNet().services(good).
		name("*.slow.svc", "192.0.2.50").route(netip.MustParseAddr("192.0.2.50"), hang)
	woken := make(chan types.NamespacedName, 64)
	m := measurerOn(net)
	m.Measurers = 8
	m.Wake = func(k types.NamespacedName) { woken <- k }

	for i := range 20 {
		rapi := restAPI(apiv1.AnalysisCheck{Name: "smoke", IntervalSeconds: 10, Count: 1,
			HTTP: &apiv1.HTTPCheck{URL: svcURL + "/green/", TimeoutSeconds: 30}})
		rapi.Namespace, rapi.Name = "slow", fmt.Sprintf("app-%d", i)
		out := m.Measure(rapi, pre, nil, now0)
		if !out.Waiting || out.Status.Checks[0].Successes+out.Status.Checks[0].Inconclusive != 0 || len(out.Measured) != 0 {
			t.Fatalf("the reconcile hands the measurement over and records nothing: %+v", out)
		}
		if want := now0.Add(30*time.Second + waitSlack); !out.Next.Equal(want) {
			t.Fatalf("looked at again past the check's timeout (%s) if no wake comes, got %s", want, out.Next)
		}
	}
	if running, queued := m.Busy(); running != 2 || queued != 18 {
		t.Fatalf("one namespace holds a quarter of 8 measurers: %d running, %d queued", running, queued)
	}

	rapi := restAPI(httpCheck("health", svcURL+"/{{.Colour}}/"))
	out := until(t, m, rapi, nil)
	if c := out.Status.Checks[0]; c.Successes != 1 {
		t.Fatalf("the other tenant's RestAPI is measured: %+v", c)
	}
	if got := <-woken; got != (types.NamespacedName{Namespace: "team", Name: "shop"}) {
		t.Fatalf("the finished measurement woke %v", got)
	}
	if held.Load() > 2 {
		t.Fatalf("the hanging tenant got more than its share: %d requests held", held.Load())
	}
	if running, queued := m.Busy(); running != 2 || queued != 18 {
		t.Fatalf("the hanging ones still hang: %d running, %d queued", running, queued)
	}
}

// TestAResultCountsOnlyForTheMeasurementItWasTakenFor: a check changed
// while it was measured, a new analysis, or a restarted manager (nothing
// in memory) never records what was measured for something else.
func TestAResultCountsOnlyForTheMeasurementItWasTakenFor(t *testing.T) {
	srv := byColour(t)
	m := measurerOn(newFakeNet().services(srv))
	rapi := restAPI(httpCheck("health", svcURL+"/blue/")) // 500
	first := m.Measure(rapi, pre, nil, now0)
	idle(t, m)

	rapi.Spec.BlueGreen.Analysis.PrePromotion[0].HTTP.URL = svcURL + "/green/" // 200
	out := until(t, m, rapi, first.Status)
	if c := out.Status.Checks[0]; c.Successes != 1 || c.Failures != 0 {
		t.Fatalf("the changed check's own measurement, not the old URL's 500: %+v", c)
	}

	r3 := restAPI(httpCheck("health", svcURL+"/green/"))
	next := pre
	next.Revision = "r3"
	if again := m.Measure(r3, next, out.Status, now0); !again.Waiting || again.Status.Checks[0].Successes != 0 {
		t.Fatalf("a new revision's analysis takes its own measurement: %+v", again)
	}
	idle(t, m)

	restarted := measurerOn(newFakeNet().services(srv))
	if again := restarted.Measure(rapi, pre, first.Status, now0); !again.Waiting {
		t.Fatalf("a restarted manager takes the measurement in flight again: %+v", again)
	}
	idle(t, restarted)
	m.Forget(types.NamespacedName{Namespace: "team", Name: "shop"})
	if running, queued := m.Busy(); running != 0 || queued != 0 || len(m.pool.results) != 0 {
		t.Fatalf("a forgotten RestAPI leaves nothing: %d running, %d queued, %d results", running, queued, len(m.pool.results))
	}
}

// TestAMeasurementFinishingAfterItsRestAPIWentKeepsNothing: a RestAPI
// forgotten while its measurement runs leaves no result behind when the
// measurement finishes (nobody would ever take it).
func TestAMeasurementFinishingAfterItsRestAPIWentKeepsNothing(t *testing.T) {
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	m := measurerOn(newFakeNet().services(srv))
	rapi := restAPI(httpCheck("health", svcURL+"/{{.Colour}}/"))
	if out := m.Measure(rapi, pre, nil, now0); !out.Waiting {
		t.Fatalf("the measurement did not go to the measurers: %+v", out)
	}
	if running, _ := m.Busy(); running != 1 {
		t.Fatalf("%d measurements running, want 1", running)
	}
	m.Forget(types.NamespacedName{Namespace: rapi.Namespace, Name: rapi.Name})
	close(gate)
	idle(t, m)
	if n := m.Remembered(func(string) bool { return true }); n != 0 {
		t.Errorf("%d results or queued measurements kept of a RestAPI that went", n)
	}
}
