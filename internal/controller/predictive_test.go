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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/autoscaling"
)

// weekdayPeak is a synthetic week of HPA demand for the model: its floor
// (1 replica), and 14 every weekday from 09:00 to 10:00 UTC.
func weekdayPeak(t time.Time) int32 {
	if wd := t.Weekday(); wd >= time.Monday && wd <= time.Friday && t.Hour() == 9 {
		return 14
	}
	return 1
}

// setClock moves the reconciler's clock to t.
func setClock(t time.Time) { clockOffset.Store(int64(time.Until(t))) }

var _ = Describe("Predictive scaling", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("raises an HPA's floor ahead of a recurring peak, never above maxReplicas, and lowers it after", func() {
		// Next Tuesday, 08:50 UTC: the 09:00 peak is within the 15-minute lead.
		now := time.Now().UTC()
		tuesday := time.Date(now.Year(), now.Month(), now.Day(), 8, 50, 0, 0, time.UTC)
		for tuesday.Weekday() != time.Tuesday || !tuesday.After(now) {
			tuesday = tuesday.AddDate(0, 0, 1)
		}
		setClock(tuesday.Add(-time.Hour))

		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			autoscalingOn(r)
			r.Spec.AutoScaling.Predictive = &apiv1.PredictiveScalingSpec{Enabled: true, LeadMinutes: 15}
		})
		history := "shop-scaling-history"
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, history), &corev1.ConfigMap{}) }).Should(Succeed())
		Eventually(func() string { return modelAutoscaler(ns).Prediction }).Should(ContainSubstring("no recurring peak above minReplicas 1 in the next 15m0s"))

		By("a week of history in which the model peaked at 14 every weekday at 09:00")
		series := autoscaling.NewSeries()
		for t := tuesday.Add(-7 * 24 * time.Hour); t.Before(tuesday.Add(-time.Hour)); t = t.Add(5 * time.Minute) {
			series.Record(t, weekdayPeak(t))
		}
		var cm corev1.ConfigMap
		get(ns, history, &cm)
		patch := client.MergeFrom(cm.DeepCopy())
		cm.Data["model"] = series.String()
		Expect(k8sClient.Patch(ctx, &cm, patch)).To(Succeed())
		Expect(len(cm.Data["model"])).To(BeNumerically("<", 100*1024/4))

		By("an hour before the peak nothing is raised")
		annotate(ns, "shop", "touch", "07:50")
		Consistently(func() int32 { return *hpaOf(ns, apiv1.ComponentModel).Spec.MinReplicas }, time.Second).Should(Equal(int32(1)))

		By("ten minutes before the peak the floor rises, capped at maxReplicas")
		setClock(tuesday)
		annotate(ns, "shop", "touch", "08:50")
		Eventually(func() int32 { return *hpaOf(ns, apiv1.ComponentModel).Spec.MinReplicas }).Should(Equal(int32(10)))
		Eventually(func(g Gomega) {
			a := modelAutoscaler(ns)
			g.Expect(a.MinReplicas).To(Equal(int32(10)))
			g.Expect(a.PredictedMinReplicas).To(Equal(int32(10)))
			g.Expect(a.Prediction).To(ContainSubstring("floor raised to 10 for Tue 09:00 UTC"))
			g.Expect(a.Prediction).To(ContainSubstring("capped at maxReplicas 10"))
		}).Should(Succeed())
		Expect(*hpaOf(ns, apiv1.ComponentView).Spec.MinReplicas).To(Equal(int32(1)), "no history, no raise")

		By("what the HPA asks for is recorded")
		h := hpaOf(ns, apiv1.ComponentView)
		h.Status = autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 1, DesiredReplicas: 4}
		Expect(k8sClient.Status().Update(ctx, h)).To(Succeed())
		annotate(ns, "shop", "touch", "08:51")
		Eventually(func() int32 {
			get(ns, history, &cm)
			s, err := autoscaling.ParseSeries(cm.Data["view"])
			Expect(err).NotTo(HaveOccurred())
			v, _ := s.At(autoscaling.BucketOf(tuesday))
			return v
		}).Should(Equal(int32(4)))

		By("after the peak the floor comes back down")
		setClock(tuesday.Add(90 * time.Minute))
		annotate(ns, "shop", "touch", "10:20")
		Eventually(func() int32 { return *hpaOf(ns, apiv1.ComponentModel).Spec.MinReplicas }).Should(Equal(int32(1)))
		Eventually(func() int32 { return modelAutoscaler(ns).PredictedMinReplicas }).Should(BeZero())
	})

	It("removes the history when predictive scaling is turned off", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			autoscalingOn(r)
			r.Spec.AutoScaling.Predictive = &apiv1.PredictiveScalingSpec{Enabled: true}
		})
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-scaling-history"), &corev1.ConfigMap{}) }).Should(Succeed())
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.AutoScaling.Predictive = nil })
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, "shop-scaling-history"), &corev1.ConfigMap{}) }).ShouldNot(Succeed())
		Eventually(func() string { return modelAutoscaler(ns).Prediction }).Should(BeEmpty())
	})
})
