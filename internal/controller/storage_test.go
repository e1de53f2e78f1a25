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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

func withStorage(r *apiv1.RestAPI) {
	r.Spec.Repository.Storage = &apiv1.StorageSpec{Size: resource.MustParse("5Gi")}
}

var _ = Describe("Repository storage", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("creates a claim with no owner (the data outlives the RestAPI) and mounts it in every colour's repository pods", func() {
		deployBlue(ns, "shop", withStorage)
		var pvc corev1.PersistentVolumeClaim
		get(ns, "shop-repository-data", &pvc)
		Expect(pvc.OwnerReferences).To(BeEmpty())
		Expect(pvc.Labels).To(HaveKeyWithValue(apiv1.LabelInstance, "shop"))
		Expect(pvc.Spec.AccessModes).To(Equal([]corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}))
		Expect(pvc.Spec.Resources.Requests.Storage().String()).To(Equal("5Gi"))

		mountsClaim := func(deployment string) bool {
			for _, v := range deploymentOf(ns, deployment).Spec.Template.Spec.Volumes {
				if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "shop-repository-data" {
					return true
				}
			}
			return false
		}
		Expect(mountsClaim("shop-repository-blue")).To(BeTrue())
		Expect(mountsClaim("shop-model-blue")).To(BeFalse())
		shipToGreen(ns)
		Expect(mountsClaim("shop-repository-green")).To(BeTrue(), "the new colour mounts the same data")

		By("removing storage from the spec: the next revision (prepared in blue) mounts nothing, and the claim stays")
		updateSpec(ns, "shop", func(r *apiv1.RestAPI) { r.Spec.Repository.Storage = nil })
		Eventually(func() bool { return mountsClaim("shop-repository-blue") }).Should(BeFalse())
		Consistently(func() error {
			return k8sClient.Get(ctx, key(ns, "shop-repository-data"), &corev1.PersistentVolumeClaim{})
		}).Should(Succeed())
	})

	It("never takes over a claim of that name it did not create", func() {
		foreign := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-repository-data"},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		r := newRestAPI(ns, "shop")
		withStorage(r)
		Expect(k8sClient.Create(ctx, r)).To(Succeed())
		Eventually(func(g Gomega) {
			r := restAPI(ns, "shop")
			c := meta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionDegraded)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(apiv1.ReasonChildConflict))
			g.Expect(c.Message).To(ContainSubstring("PersistentVolumeClaim shop-repository-data"))
		}).Should(Succeed())
		var pvc corev1.PersistentVolumeClaim
		get(ns, "shop-repository-data", &pvc)
		Expect(pvc.Labels).To(BeEmpty())
		Expect(pvc.Spec.Resources.Requests.Storage().String()).To(Equal("1Gi"))
	})
})
