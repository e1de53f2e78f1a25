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

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

func pdbSelects(ns, name string) string {
	GinkgoHelper()
	var p policyv1.PodDisruptionBudget
	if err := k8sClient.Get(ctx, key(ns, name), &p); err != nil {
		return ""
	}
	Expect(p.Spec.MaxUnavailable.IntValue()).To(Equal(1))
	return p.Spec.Selector.MatchLabels[apiv1.LabelEnvironment]
}

var _ = Describe("PodDisruptionBudgets", func() {
	It("cover the serving colour of every component running more than one pod, follow promotions, and go below two", func() {
		ns := newNamespace()
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.View.Replicas = new(int32(1)) })
		Eventually(func() string { return pdbSelects(ns, "shop-model") }).Should(Equal("blue"))
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-view"), &policyv1.PodDisruptionBudget{}))).To(BeTrue(), "one view pod: no budget")

		shipToGreen(ns)
		Eventually(func() string { return pdbSelects(ns, "shop-model") }).Should(Equal("green"))

		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Model.Replicas = new(int32(1)) })
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, key(ns, "shop-model"), &policyv1.PodDisruptionBudget{}))
		}).Should(BeTrue())
		Expect(pdbSelects(ns, "shop-controller")).To(Equal("green"))
	})
})
