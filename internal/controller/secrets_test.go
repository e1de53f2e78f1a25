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
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var _ = Describe("Secrets", func() {
	It("are referenced by name, never copied into ConfigMaps, status, Events or logs", func() {
		const value = "s3cr3t-RECOGNISABLE-7f3a91"
		ns := newNamespace()
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-db"},
			StringData: map[string]string{"DB_PASSWORD": value},
		})).To(Succeed())
		deployBlue(ns, "shop", func(r *apiv1.RestAPI) {
			r.Spec.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "shop-db"}}}}
			r.Spec.Model.EnvFrom = []corev1.EnvFromSource{{Prefix: "M_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "shop-db"}}}}
		})
		shipToGreen(ns) // Events, status changes, more writes

		By("the pods get it by reference")
		model := deploymentOf(ns, "shop-model-green").Spec.Template.Spec.Containers[0]
		Expect(model.EnvFrom).To(ContainElement(HaveField("SecretRef.Name", "shop-db")))

		By("it appears nowhere the operator writes")
		var cms corev1.ConfigMapList
		Expect(k8sClient.List(ctx, &cms, client.InNamespace(ns))).To(Succeed())
		Expect(cms.Items).NotTo(BeEmpty())
		for _, cm := range cms.Items {
			raw, _ := json.Marshal(cm)
			Expect(string(raw)).NotTo(ContainSubstring(value), "ConfigMap %s", cm.Name)
		}
		raw, _ := json.Marshal(restAPI(ns, "shop").Status)
		Expect(string(raw)).NotTo(ContainSubstring(value), "status")
		var events eventsv1.EventList
		Expect(k8sClient.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
		Expect(events.Items).NotTo(BeEmpty())
		for _, e := range events.Items {
			Expect(e.Note).NotTo(ContainSubstring(value), "Event %s", e.Reason)
		}
		for _, d := range []string{"shop-model-blue", "shop-model-green"} {
			raw, _ := json.Marshal(deploymentOf(ns, d))
			Expect(string(raw)).NotTo(ContainSubstring(value), "Deployment %s", d)
		}
		Expect(managerLogs.String()).NotTo(BeEmpty())
		Expect(managerLogs.String()).NotTo(ContainSubstring(value), "logs")
	})
})
