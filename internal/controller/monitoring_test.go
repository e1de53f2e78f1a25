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
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

func podMonitorOf(ns string, c apiv1.ComponentName) (*unstructured.Unstructured, error) {
	return shopObject(ns, render.PodMonitorGroupVersionKind, c)
}

func monitoringCondition(ns string) *metav1.Condition {
	GinkgoHelper()
	return shopCondition(ns, apiv1.ConditionMonitoring)
}

func withPodMonitors(r *apiv1.RestAPI) { r.Spec.Observability.Metrics.PodMonitor = true }

// Ordered: the first spec runs before the PodMonitor CRD exists.
var _ = Describe("PodMonitors", Ordered, func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("without the Prometheus Operator says so in a condition, and runs the application as usual", func() {
		deployBlue(ns, "shop", withPodMonitors)
		expectCRDNotInstalled(ns, apiv1.ConditionMonitoring, "install the Prometheus Operator")
	})

	It("with the CRD creates a PodMonitor per component, and removes them when turned off", func() {
		installCRD("podmonitor-crd.yaml")
		deployBlue(ns, "shop", withPodMonitors)
		Eventually(func(g Gomega) {
			for _, c := range components {
				u, err := podMonitorOf(ns, c)
				g.Expect(err).NotTo(HaveOccurred())
				sel, _, _ := unstructured.NestedStringMap(u.Object, "spec", "selector", "matchLabels")
				g.Expect(sel).To(Equal(map[string]string{apiv1.LabelInstance: "shop", apiv1.LabelComponent: string(c)}), "every colour")
				g.Expect(metav1.IsControlledBy(u, restAPI(ns, "shop"))).To(BeTrue())
			}
			c := monitoringCondition(ns)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(apiv1.ReasonPodMonitorsActive))
		}).Should(Succeed())

		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Observability.Metrics.PodMonitor = false })
		Eventually(func() bool {
			_, err := podMonitorOf(ns, apiv1.ComponentModel)
			return apierrors.IsNotFound(err)
		}).Should(BeTrue())
		Eventually(func() *metav1.Condition { return monitoringCondition(ns) }).Should(BeNil())
	})
})
