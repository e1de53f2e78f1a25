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
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/manager"
)

// TestSmall is the benchmark's small version, run by every go test (and so
// by CI) so the harness cannot rot. It asserts only what does not depend on
// the machine, never a wall time:
//   - 10 RestAPIs created at once all converge, each child created with one
//     request, nothing read around the cache, and a Deployment's
//     replicas written only where they differ from the default of 1, and
//     the status written once;
//   - at rest, through full resyncs, the manager sends no write and
//     reconciles each RestAPI at most once per resync;
//   - a promotion writes what it must and nothing more, and no Deployment
//     between the new colour turning ready and the Services switching.
func TestSmall(t *testing.T) {
	const n = 10
	const ns = "small"
	const resync = 3 * time.Second
	h := setup(t, func(_ *manager.Config, o *ctrl.Options) { o.Cache.SyncPeriod = new(resync) }, ns)

	rs := make([]*apiv1.RestAPI, n)
	for i := range rs {
		rs[i] = restAPI(ns, "s"+string(rune('a'+i)))
	}
	promoted := rs[0]
	promoted.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(0))
	start := time.Now()
	h.createAll(t, rs)
	h.waitConverged(t, start, rs...)
	waitIdle(t)
	creates, deploymentWrites, statusWrites := 0, 0, 0
	for _, q := range namespaced(requests.since(start), ns) {
		if q.code == http.StatusCreated && q.resource != "events" {
			creates++
		}
		if q.verb == http.MethodPatch && q.resource == "deployments" {
			deploymentWrites++
		}
		if q.verb == http.MethodPatch && q.resource == "restapis/status" {
			statusWrites++
		}
		if q.verb == http.MethodGet {
			// Neither a child missing from the cache nor a RestAPI whose
			// cached copy predates the operator's own status write is read.
			t.Errorf("%s %s %s: nothing is read around the cache", q.verb, q.resource, q.name)
		}
	}
	if creates != n*childCount {
		t.Errorf("%d objects created, want %d for %d RestAPIs", creates, n*childCount, n)
	}
	// Four creates, and the controller's floor of 2 set by the replicas
	// owner; the others start at the default of 1, which needs no write.
	if deploymentWrites != n*5 {
		t.Errorf("%d Deployment writes, want %d: 5 per RestAPI", deploymentWrites, n*5)
	}
	// Status describes the children as written, so nothing in it changes
	// once the cache catches up: one status write per RestAPI.
	if statusWrites != n {
		t.Errorf("%d status writes, want one per RestAPI (%d)", statusWrites, n)
	}

	t.Run("at rest", func(t *testing.T) {
		time.Sleep(time.Second)
		writes0 := sample(t, "rest_client_requests_total", mutating)
		reconciles0 := restapiReconciles(t)
		const window = 2*resync + time.Second
		time.Sleep(window)
		writes := sample(t, "rest_client_requests_total", mutating) - writes0
		reconciles := restapiReconciles(t) - reconciles0
		if writes != 0 {
			t.Errorf("%.0f mutating requests while nothing changed", writes)
		}
		if reconciles < n {
			t.Errorf("%.0f reconciles in %s: the window did not include a resync, so it proves nothing", reconciles, window)
		}
		if limit := float64(n * (int(window/resync) + 1)); reconciles > limit {
			t.Errorf("%.0f reconciles in %s, at most %.0f expected (one per RestAPI per resync)", reconciles, window, limit)
		}
	})

	t.Run("promotion", func(t *testing.T) {
		h.promote(t, promoted, "first") // blue turns ready
		for _, tag := range []string{"1", "2"} {
			ready, switched, reqs := h.promote(t, promoted, tag)
			kinds := map[string]int{}
			for _, q := range writes(reqs) {
				kinds[q.verb+" "+q.resource]++
				if q.resource == "deployments" && q.at.After(ready) && q.at.Before(switched) {
					t.Errorf("Deployment %s written between the new colour turning ready and the switch", q.name)
				}
			}
			// Per component: the new colour's ConfigMap, its template and
			// size, the old colour's scale-down; the stable and preview
			// Services; the HPAs and the PodDisruptionBudget follow traffic.
			want := map[string]int{
				"PATCH configmaps": 4, "PATCH deployments": 12, "PATCH services": 8,
				"PATCH horizontalpodautoscalers": 4, "PATCH poddisruptionbudgets": 1,
			}
			for k, v := range want {
				if kinds[k] != v {
					var which []string
					for _, q := range writes(reqs) {
						if q.verb+" "+q.resource == k {
							which = append(which, fmt.Sprintf("%s at +%s", q.name, q.at.Sub(reqs[0].at).Round(time.Millisecond)))
						}
					}
					t.Errorf("promotion %s: %d %s, want %d: %v", tag, kinds[k], k, v, which)
				}
			}
			// Deploying, promoted and Idle, fewer when reconciles coalesce
			// them, more by at most one per readiness change.
			if s := kinds["PATCH restapis/status"]; s < 1 || s > 6 {
				t.Errorf("promotion %s: %d status writes, want 1 to 6", tag, s)
			}
			for k := range kinds {
				if _, ok := want[k]; !ok && !strings.HasSuffix(k, "restapis/status") {
					t.Errorf("promotion %s: unexpected %s", tag, k)
				}
			}
		}
	})
}
