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
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
)

// warnings collects the warnings the API server returns.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.list...)
}

// podSecurityNamespace creates a namespace with Pod Security labels.
func podSecurityNamespace(mode string) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "pss-", Labels: map[string]string{
		"pod-security.kubernetes.io/" + mode:              "restricted",
		"pod-security.kubernetes.io/" + mode + "-version": "latest",
	}}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

var _ = Describe("Pod Security 'restricted'", func() {
	variants := map[string]func(*apiv1.RestAPI){
		"defaults": func(*apiv1.RestAPI) {},
		"storage, adjusted user and groups, writable root filesystem, a startup probe": func(r *apiv1.RestAPI) {
			r.Spec.Repository.Storage = &apiv1.StorageSpec{Size: resource.MustParse("1Gi")}
			r.Spec.PodSecurity = &apiv1.PodSecuritySpec{RunAsUser: new(int64(1000)), RunAsGroup: new(int64(1000)), FSGroup: new(int64(2000)), ReadOnlyRootFilesystem: new(false)}
			r.Spec.HealthCheck.StartupPath = "/started"
		},
		"probes off, without blue-green": func(r *apiv1.RestAPI) {
			r.Spec.HealthCheck.Enabled = new(false)
			r.Spec.BlueGreen.Enabled = new(false)
		},
	}

	It("creates the rendered Deployments with no warning where warn=restricted (and a privileged one warns)", func() {
		ns := podSecurityNamespace("warn")
		w := &warnings{}
		c := rest.CopyConfig(cfg)
		c.WarningHandler = w
		cs, err := kubernetes.NewForConfig(c)
		Expect(err).NotTo(HaveOccurred())
		for name, mutate := range variants {
			r := newBlueGreenRestAPI(ns, "shop")
			r.UID = "0b5e2a43-0000-4000-8000-000000000001" // the owner reference needs one
			mutate(r)
			for _, comp := range render.Desired(r, apiv1.EnvironmentBlue) {
				_, err := cs.AppsV1().Deployments(ns).Apply(ctx, comp.Deployment, metav1.ApplyOptions{FieldManager: "test", DryRun: []string{metav1.DryRunAll}})
				Expect(err).NotTo(HaveOccurred(), "%s: %s", name, *comp.Deployment.Name)
			}
			Expect(w.all()).To(BeEmpty(), "%s", name)
		}

		By("a privileged Deployment does warn: the check is on")
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x", SecurityContext: &corev1.SecurityContext{Privileged: new(true)}}}},
				},
			},
		}
		_, err = cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Join(w.all(), "\n")).To(ContainSubstring("privileged"))
	})

	It("admits Pods of the rendered templates where enforce=restricted (and refuses a root one)", func() {
		ns := podSecurityNamespace("enforce")
		for name, mutate := range variants {
			r := newBlueGreenRestAPI(ns, "shop")
			mutate(r)
			for _, comp := range render.Desired(r, apiv1.EnvironmentBlue) {
				raw, err := json.Marshal(comp.Deployment.Spec.Template)
				Expect(err).NotTo(HaveOccurred())
				var tmpl corev1.PodTemplateSpec
				Expect(json.Unmarshal(raw, &tmpl)).To(Succeed())
				pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "p-", Labels: tmpl.Labels}, Spec: tmpl.Spec}
				Expect(k8sClient.Create(ctx, pod)).To(Succeed(), "%s: %s", name, comp.Settings.Name)
			}
		}
		root := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "root"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x", SecurityContext: &corev1.SecurityContext{RunAsUser: new(int64(0))}}}},
		}
		Expect(apierrors.IsForbidden(k8sClient.Create(ctx, root))).To(BeTrue())
	})
})
