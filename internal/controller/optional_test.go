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
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// Helpers for the kinds whose CRD may be missing (VPA, PodMonitor).

// shopObject fetches a component's object of such a kind, of RestAPI "shop".
func shopObject(ns string, gvk schema.GroupVersionKind, c apiv1.ComponentName) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u, k8sClient.Get(ctx, key(ns, "shop-"+string(c)), u)
}

// shopCondition is a condition of RestAPI "shop"; nil when absent.
func shopCondition(ns, conditionType string) *metav1.Condition {
	GinkgoHelper()
	return meta.FindStatusCondition(restAPI(ns, "shop").Status.Conditions, conditionType)
}

// expectCRDNotInstalled waits for the condition to say the CRD is missing,
// with what to install, and checks that the application still serves.
func expectCRDNotInstalled(ns, conditionType, install string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		c := shopCondition(ns, conditionType)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(apiv1.ReasonCRDNotInstalled))
		g.Expect(c.Message).To(ContainSubstring(install))
	}).Should(Succeed())
	Expect(restAPI(ns, "shop").Status.Phase).To(Equal(apiv1.PhaseAvailable), "a missing optional CRD is not a failure")
}

// installCRD installs a CRD from testdata while the manager runs.
func installCRD(file string) {
	GinkgoHelper()
	_, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: []string{filepath.Join("testdata", file)}})
	Expect(err).NotTo(HaveOccurred())
}
