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

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// The tenant boundary, with a manager: a template that is a program, held
// by a RestAPI stored before the CRD refused it (an operator upgrade),
// is refused at runtime with its own reason, and costs the other
// RestAPIs nothing.
var _ = Describe("The tenant boundary", Ordered, func() {
	const program = "http://{{.Service}}.{{.Namespace}}.svc:{{.Port}}/{{range 2000000000}}{{$.Namespace}}{{end}}"

	// reaction is how long the manager takes to start a rollout of a
	// RestAPI serving from blue once its image changes: from the update
	// to a preview revision in status.
	reaction := func(ns string) time.Duration {
		GinkgoHelper()
		deployBlue(ns, "shop", nil)
		start := time.Now()
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() string { return blueGreenStatus(ns, "shop").PreviewRevision }).ShouldNot(BeEmpty())
		return time.Since(start)
	}

	It("refuses a template that is a program with a reason naming the field, and keeps reconciling the others in their usual time", func() {
		baseline := reaction(newNamespace())

		By("storing a RestAPI whose check URL is a program, as an older CRD allowed")
		restore := withoutURLRule()
		bad := newNamespace()
		deployBlue(bad, "shop", func(r *apiv1.RestAPI) {
			r.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{PrePromotion: []apiv1.AnalysisCheck{{Name: "smoke", IntervalSeconds: 30, Count: 1,
				HTTP: &apiv1.HTTPCheck{URL: program}}}}
		})
		restore()
		updateSpec(bad, "shop", func(r *apiv1.RestAPI) { r.Spec.Image = "registry.example/shop:2.0.0" })
		Eventually(func() string { return blueGreenStatus(bad, "shop").PreviewRevision }).ShouldNot(BeEmpty())
		markColourReady(bad, "shop", "green")
		Eventually(func(g Gomega) {
			c := meta.FindStatusCondition(restAPI(bad, "shop").Status.Conditions, apiv1.ConditionDegraded)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(apiv1.ReasonAnalysisTemplateNotAllowed))
			g.Expect(c.Message).To(And(ContainSubstring("spec.blueGreen.analysis.prePromotion[smoke].http.url"), ContainSubstring("a range action")))
		}).Should(Succeed())
		Expect(stableColours(bad, "shop")).To(Equal(allColour("blue")), "nothing is promoted")

		By("reconciling another RestAPI as fast as before")
		with := reaction(newNamespace())
		Expect(with).To(BeNumerically("<=", 2*baseline+time.Second), "baseline %s", baseline)
		writes.quiet(bad)
		n := len(writes.in(bad))
		Consistently(func() int { return len(writes.in(bad)) }, 2*time.Second).Should(Equal(n), "no hot loop on the refused template")
	})
})

// withoutURLRule drops the CEL rule of prePromotion[].http.url from the
// CRD (an older CRD), until the function it returns puts it back. Each
// waits until the API server acts on the change.
func withoutURLRule() (restore func()) {
	GinkgoHelper()
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "restapis.apps.restapi.dev"}, crd)).To(Succeed())
	original, _, err := unstructured.NestedSlice(crd.Object, "spec", "versions")
	Expect(err).NotTo(HaveOccurred())
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	v0 := versions[0].(map[string]any)
	path := []string{"schema", "openAPIV3Schema", "properties", "spec", "properties", "blueGreen", "properties", "analysis",
		"properties", "prePromotion", "items", "properties", "http", "properties", "url", "x-kubernetes-validations"}
	_, found, _ := unstructured.NestedSlice(v0, path...)
	Expect(found).To(BeTrue(), "the CRD has the rule")
	unstructured.RemoveNestedField(v0, path...)
	Expect(unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions")).To(Succeed())
	Expect(k8sClient.Update(ctx, crd)).To(Succeed())
	probe := func() error {
		r := newBlueGreenRestAPI("default", "probe-template-rule")
		r.Spec.BlueGreen.Analysis = &apiv1.AnalysisSpec{PrePromotion: []apiv1.AnalysisCheck{{Name: "p", HTTP: &apiv1.HTTPCheck{URL: "{{if .Name}}{{end}}"}}}}
		return k8sClient.Create(ctx, r, client.DryRunAll)
	}
	Eventually(probe).Should(Succeed())
	return func() {
		GinkgoHelper()
		Eventually(func() error {
			now := &unstructured.Unstructured{}
			now.SetGroupVersionKind(crd.GroupVersionKind())
			if err := k8sClient.Get(ctx, client.ObjectKey{Name: crd.GetName()}, now); err != nil {
				return err
			}
			if err := unstructured.SetNestedSlice(now.Object, original, "spec", "versions"); err != nil {
				return err
			}
			return k8sClient.Update(ctx, now)
		}).Should(Succeed())
		Eventually(probe).ShouldNot(Succeed())
	}
}
