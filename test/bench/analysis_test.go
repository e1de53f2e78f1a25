//go:build bench

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

package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
)

const (
	hangNS        = "bench-hang"
	hanging       = 20
	hangTimeout   = 20 // seconds: each hanging check holds a measurer this long
	analysedRuns  = 10
	hangAddr      = "192.0.2.50"
	respondAddr   = "192.0.2.1"
	analysedCheck = "smoke"
)

// TestPromotionWithHangingChecks measures a RestAPI's promotion with a
// pre-promotion HTTP check (last preview Deployment ready to all four
// stable Services switched), alone and then while 20 RestAPIs of another
// tenant analyse with checks that hang until their timeout. The
// measurements run on the manager's pool of measurers, off the reconcile:
// the hanging checks hold their tenant's share of it and no worker.
func TestPromotionWithHangingChecks(t *testing.T) {
	ctx := t.Context()
	release := make(chan struct{})
	var held atomic.Int32
	hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		held.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(func() { close(release); hang.Close(); ok.Close() })

	// Every Service of hangNS answers from the hanging server, those of
	// the measured RestAPI's namespace from the other; nothing leaves
	// loopback.
	m := &analysis.Measurer{Network: &analysis.Network{
		Resolve: func(_ context.Context, host string) ([]netip.Addr, error) {
			if strings.HasSuffix(host, "."+hangNS+".svc") {
				return []netip.Addr{netip.MustParseAddr(hangAddr)}, nil
			}
			if strings.HasSuffix(host, "."+operatorNS+".svc") {
				return []netip.Addr{netip.MustParseAddr(respondAddr)}, nil
			}
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		},
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			to := map[string]string{hangAddr: hang.Listener.Addr().String(), respondAddr: ok.Listener.Addr().String()}
			host, _, _ := net.SplitHostPort(address)
			target, found := to[host]
			if !found {
				return nil, fmt.Errorf("bench network: %s is not routed", address)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, target)
		},
	}}
	h := setupMeasuring(t, nil, m, operatorNS, hangNS)

	analysed := func(r *apiv1.RestAPI, timeout int32) {
		r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(0))
		r.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{PrePromotion: []apiv1.AnalysisCheck{{
			Name: analysedCheck, Count: 1, IntervalSeconds: 1, InconclusiveLimit: 100,
			HTTP: &apiv1.HTTPCheck{Path: "/", TimeoutSeconds: timeout}}}}
	}
	r := restAPI(operatorNS, "shop")
	analysed(r, 5)
	start := time.Now()
	if err := h.c.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	h.waitConverged(t, start, r)
	h.promote(t, r, "first")

	measure := func() []time.Duration {
		lat := make([]time.Duration, 0, analysedRuns)
		for i := range analysedRuns {
			ready, switched, _ := h.promote(t, r, fmt.Sprint("run-", time.Now().UnixNano(), "-", i))
			lat = append(lat, switched.Sub(ready))
		}
		return lat
	}
	alone := measure()
	t.Logf("%s: measured alone", time.Since(start).Round(time.Second))

	// Twenty RestAPIs of another tenant, each with its preview ready and
	// analysed by a check that hangs.
	slow := make([]*apiv1.RestAPI, 0, hanging)
	for i := range hanging {
		s := restAPI(hangNS, fmt.Sprint("slow-", i))
		s.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(0)) // Idle right after the switch
		slow = append(slow, s)
	}
	start = time.Now()
	h.createAll(t, slow)
	h.waitConverged(t, start, slow...)
	t.Logf("%s: the hanging tenant's RestAPIs created", time.Since(start).Round(time.Second))
	for _, s := range slow {
		h.promote(t, s, "first")
		h.startAnalysis(t, s, func(r *apiv1.RestAPI) { analysed(r, hangTimeout) })
	}
	t.Logf("%s: their analyses started", time.Since(start).Round(time.Second))
	deadline := time.Now().Add(time.Minute)
	for held.Load() < 8 {
		if time.Now().After(deadline) {
			t.Fatalf("the hanging checks did not start: %d held", held.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	running, queued := m.Busy()
	withHanging := measure()
	t.Logf("%s: measured with them", time.Since(start).Round(time.Second))
	for _, s := range slow {
		var cur apiv1.RestAPI
		if err := h.c.Get(ctx, client.ObjectKeyFromObject(s), &cur); err != nil {
			t.Fatal(err)
		}
		if cur.Status.BlueGreen == nil || cur.Status.BlueGreen.State != apiv1.StateAwaitingPromotion {
			t.Fatalf("%s is not waiting for its analysis: %+v", s.Name, cur.Status.BlueGreen)
		}
	}

	p50Alone, p50With := percentile(alone, 0.5), percentile(withHanging, 0.5)
	table := fmt.Sprintf(`| measure | alone | with 20 RestAPIs whose checks hang |
| --- | --- | --- |
| promotions | %d | %d |
| last preview Deployment ready to the switch, p50 | %s | %s |
| same, max | %s | %s |
| measurements running / queued when measured | | %d / %d (of %d measurers, a quarter per namespace) |

Budget: with the hanging checks, the p50 within 2x of the p50 alone (each promotion waits for one pre-promotion HTTP measurement, count 1).
`, len(alone), len(withHanging), p50Alone.Round(100*time.Microsecond), p50With.Round(100*time.Microsecond),
		percentile(alone, 1).Round(100*time.Microsecond), percentile(withHanging, 1).Round(100*time.Microsecond),
		running, queued, analysis.DefaultMeasurers)
	report(t, "Promotion with hanging analysis checks", table)
	// A floor of 50 ms: below it the comparison measures the scheduler.
	if p50With > 2*max(p50Alone, 50*time.Millisecond) {
		t.Errorf("with hanging checks the promotion took %s (p50), more than twice %s alone", p50With, p50Alone)
	}
}

// startAnalysis ships a new revision of r, with mutate applied, to the
// idle colour and reports it ready, so its pre-promotion analysis starts;
// it does not wait for a verdict.
func (h *harness) startAnalysis(t *testing.T, r *apiv1.RestAPI, mutate func(*apiv1.RestAPI)) {
	t.Helper()
	ctx := t.Context()
	idle := apiv1.EnvironmentGreen
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var cur apiv1.RestAPI
		if err := h.c.Get(ctx, client.ObjectKeyFromObject(r), &cur); err != nil {
			return err
		}
		if cur.Status.ActiveEnvironment == apiv1.EnvironmentGreen {
			idle = apiv1.EnvironmentBlue
		}
		cur.Spec.EnvVars["RELEASE"] = "hanging"
		mutate(&cur)
		return h.c.Update(ctx, &cur)
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var cur apiv1.RestAPI
		if err := h.c.Get(ctx, client.ObjectKeyFromObject(r), &cur); err != nil {
			t.Fatal(err)
		}
		if cur.Status.BlueGreen != nil && cur.Status.ObservedGeneration == cur.Generation {
			if _, all := h.markPreviewReady(ctx, r, &cur, idle); all {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's preview did not start", r.Name)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
