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
	"maps"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/metrics"
)

// series gathers the registry /metrics serves and returns the samples of
// one metric whose labels include want.
func series(name string, want map[string]string) []*dto.Metric {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var out []*dto.Metric
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if have[k] != v {
					continue next
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// value is the value of the one sample of a gauge or counter.
func value(name string, labels map[string]string) float64 {
	GinkgoHelper()
	s := series(name, labels)
	if len(s) != 1 {
		return -1
	}
	if s[0].GetCounter() != nil {
		return s[0].GetCounter().GetValue()
	}
	return s[0].GetGauge().GetValue()
}

var _ = Describe("Operator metrics", func() {
	It("report phase, colour, metrics.Promotions, metrics.Rollbacks, promotion duration and replicas per component and colour", func() {
		ns := newNamespace()
		app := map[string]string{"namespace": ns, "name": "shop"}
		with := func(extra map[string]string) map[string]string {
			out := map[string]string{"namespace": ns, "name": "shop"}
			maps.Copy(out, extra)
			return out
		}
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(600)) })
		Expect(value("restapi_operator_info", nil)).To(Equal(1.0))
		Eventually(func() float64 { return value("restapi_phase", with(map[string]string{"phase": "Available"})) }).Should(Equal(1.0))
		Expect(value("restapi_phase", with(map[string]string{"phase": "Progressing"}))).To(Equal(0.0))
		Expect(value("restapi_active_colour", with(map[string]string{"colour": "blue"}))).To(Equal(1.0))

		shipped := time.Now()
		shipToGreen(ns)
		Eventually(func(g Gomega) {
			g.Expect(value("restapi_promotions_total", app)).To(Equal(1.0))
			g.Expect(value("restapi_active_colour", with(map[string]string{"colour": "green"}))).To(Equal(1.0))
			g.Expect(value("restapi_active_colour", with(map[string]string{"colour": "blue"}))).To(Equal(0.0))
			g.Expect(value("restapi_component_replicas", with(map[string]string{"component": "model", "colour": "green"}))).To(Equal(2.0))
			g.Expect(value("restapi_component_ready_replicas", with(map[string]string{"component": "model", "colour": "green"}))).To(Equal(2.0))
			g.Expect(value("restapi_component_replicas", with(map[string]string{"component": "model", "colour": "blue"}))).To(Equal(2.0), "warm")
		}).Should(Succeed())
		promoted := time.Now()
		h := series("restapi_promotion_duration_seconds", app)
		Expect(h).To(HaveLen(1))
		Expect(h[0].GetHistogram().GetSampleCount()).To(Equal(uint64(1)))
		// From the preview's start (status keeps whole seconds: up to one
		// second early) to the switch, both seen within this window.
		Expect(h[0].GetHistogram().GetSampleSum()).To(BeNumerically(">", 0))
		Expect(h[0].GetHistogram().GetSampleSum()).To(BeNumerically("<=", promoted.Sub(shipped).Seconds()+1))

		By("a rollback on request is counted by reason")
		rev := blueGreenStatus(ns, "shop").ActiveRevision
		annotate(ns, "shop", apiv1.AnnotationRollback, rev)
		Eventually(func() float64 {
			return value("restapi_rollbacks_total", with(map[string]string{"reason": "RolledBack"}))
		}).Should(Equal(1.0))
		Expect(testutil.ToFloat64(metrics.Promotions.WithLabelValues(ns, "shop"))).To(Equal(1.0), "a rollback is not a promotion")

		By("a Deployment's series go with it, the others stay")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Repository.Enabled = new(false) })
		Eventually(func() []*dto.Metric {
			return series("restapi_component_replicas", with(map[string]string{"component": "repository"}))
		}).Should(BeEmpty())
		Expect(series("restapi_component_ready_replicas", with(map[string]string{"component": "repository"}))).To(BeEmpty())
		Expect(series("restapi_component_replicas", with(map[string]string{"component": "model"}))).NotTo(BeEmpty())

		By("the RestAPI's series go with it")
		Expect(k8sClient.Delete(ctx, restAPI(ns, "shop"))).To(Succeed())
		Eventually(func() []*dto.Metric { return series("restapi_phase", app) }).Should(BeEmpty())
		for _, m := range []string{"restapi_active_colour", "restapi_promotions_total", "restapi_component_replicas"} {
			Expect(series(m, app)).To(BeEmpty(), m)
		}
	})
})
