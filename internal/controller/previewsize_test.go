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

	"k8s.io/apimachinery/pkg/util/intstr"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// replicasOfColour lists the desired replicas of each component of a colour.
func replicasOfColour(ns, colour string) []int32 {
	GinkgoHelper()
	out := make([]int32, 0, len(components))
	for _, c := range components {
		out = append(out, *deploymentOf(ns, "shop-"+string(c)+"-"+colour).Spec.Replicas)
	}
	return out
}

func sizes(n int32) []int32 { return []int32{n, n, n, n} }

// smallPreview serves blue at four pods per component, with previews a
// quarter of that.
func smallPreview(r *apiv1.RestAPI) {
	r.Spec.Replicas = new(int32(4))
	r.Spec.BlueGreen.PreviewReplicas = new(intstr.FromString("25%"))
}

var _ = Describe("A smaller preview (spec.blueGreen.previewReplicas)", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("is checked at its preview size, scaled to full size when its promotion is due, and switched only at full size", func() {
		deployBlue(ns, "shop", smallPreview)
		upgradeToGreen(ns)
		Eventually(func() []int32 { return replicasOfColour(ns, "green") }).Should(Equal(sizes(1)))

		By("ready at one pod each: scaled to four, not switched")
		markColourReady(ns, "shop", "green")
		Eventually(func() []int32 { return replicasOfColour(ns, "green") }).Should(Equal(sizes(4)))
		Eventually(func(g Gomega) {
			bg := blueGreenStatus(ns, "shop")
			g.Expect(bg.State).To(Equal(apiv1.StateDeploying))
			g.Expect(bg.PreviewScalingAt).NotTo(BeNil())
			g.Expect(bg.Message).To(ContainSubstring("scaling it to full size before the switch"))
		}).Should(Succeed())
		stillServes(ns, "shop", "blue")
		Expect(replicasOfColour(ns, "blue")).To(Equal(sizes(4)), "the serving colour is not touched")

		By("four pods each ready: switched")
		markColourReady(ns, "shop", "green")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Expect(replicasOfColour(ns, "green")).To(Equal(sizes(4)))
	})

	It("waits for the approval at its preview size; the approval holds through the scale-up", func() {
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) { smallPreview(r); r.Spec.BlueGreen.AutoPromotion = new(false) })
		upgradeToGreen(ns)
		Eventually(func() []int32 { return replicasOfColour(ns, "green") }).Should(Equal(sizes(1)))
		markColourReady(ns, "shop", "green")
		Eventually(func() apiv1.BlueGreenState { return blueGreenStatus(ns, "shop").State }).Should(Equal(apiv1.StateAwaitingPromotion))
		Consistently(func() []int32 { return replicasOfColour(ns, "green") }, time.Second).Should(Equal(sizes(1)))

		rev := blueGreenStatus(ns, "shop").PreviewRevision
		annotate(ns, "shop", apiv1.AnnotationPromote, rev)
		Eventually(func() []int32 { return replicasOfColour(ns, "green") }).Should(Equal(sizes(4)))
		Expect(restAPI(ns, "shop").Annotations).To(HaveKeyWithValue(apiv1.AnnotationPromote, rev), "kept until it acts")
		Expect(stableColours(ns, "shop")).To(Equal(allColour("blue")))

		markColourReady(ns, "shop", "green")
		Eventually(func() []string { return stableColours(ns, "shop") }).Should(Equal(allColour("green")))
		Eventually(func() map[string]string { return restAPI(ns, "shop").Annotations }).ShouldNot(HaveKey(apiv1.AnnotationPromote))
	})

	It("rejects a size that is neither a count nor a percentage", func() {
		for _, v := range []intstr.IntOrString{intstr.FromInt32(0), intstr.FromString("0%"), intstr.FromString("150%"), intstr.FromString("half")} {
			r := newBlueGreenRestAPI(ns, "shop")
			r.Spec.BlueGreen.PreviewReplicas = &v
			Expect(k8sClient.Create(ctx, r)).To(MatchError(ContainSubstring("blueGreen.previewReplicas must be a count of at least 1, or a percentage from 1% to 100%")), v.String())
		}
	})
})
