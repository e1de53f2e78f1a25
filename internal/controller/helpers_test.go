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
	"fmt"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

var nsCounter atomic.Int32

// newNamespace creates a namespace of its own for one test.
func newNamespace() string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("t%d", nsCounter.Add(1))}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// newRestAPI is a valid RestAPI with every component enabled and blue-green
// off: one Deployment per component, rolled in place.
func newRestAPI(ns, name string) *apiv1.RestAPI {
	r := newBlueGreenRestAPI(ns, name)
	r.Spec.BlueGreen.Enabled = new(false)
	return r
}

// newBlueGreenRestAPI is a valid RestAPI with every component enabled and
// the default blue-green settings. Autoscaling is off, so replicas come from
// the spec and tests can count them; the autoscaling tests turn it on.
func newBlueGreenRestAPI(ns, name string) *apiv1.RestAPI {
	return &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: apiv1.RestAPISpec{
			Image:       "registry.example/shop:1.0.0",
			EnvVars:     map[string]string{"LOG_LEVEL": "info"},
			AutoScaling: apiv1.AutoScalingSpec{Enabled: new(false)},
		},
	}
}

var components = []apiv1.ComponentName{apiv1.ComponentModel, apiv1.ComponentView, apiv1.ComponentController, apiv1.ComponentRepository}

func key(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

// get fetches obj by name, failing the test on any error.
func get(ns, name string, obj client.Object) {
	GinkgoHelper()
	Expect(k8sClient.Get(ctx, key(ns, name), obj)).To(Succeed())
}

// waitForChildren waits until every component of the RestAPI has its
// ConfigMap, Deployment and Service.
func waitForChildren(ns, name string, comps ...apiv1.ComponentName) {
	GinkgoHelper()
	if len(comps) == 0 {
		comps = components
	}
	for _, c := range comps {
		child := name + "-" + string(c)
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, child), &appsv1.Deployment{}) }).Should(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, child), &corev1.Service{}) }).Should(Succeed())
		Eventually(func() error { return k8sClient.Get(ctx, key(ns, child), &corev1.ConfigMap{}) }).Should(Succeed())
	}
}

// markReady plays the Deployment controller envtest lacks: it reports every
// desired pod of the Deployment updated, ready and available.
func markReady(ns, name string) {
	GinkgoHelper()
	setDeploymentStatus(ns, name, func(d *appsv1.Deployment) {
		n := *d.Spec.Replicas
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: d.Generation,
			Replicas:           n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
			Conditions: []appsv1.DeploymentCondition{
				deploymentCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, "MinimumReplicasAvailable"),
				deploymentCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, "NewReplicaSetAvailable"),
			},
		}
	})
}

func setDeploymentStatus(ns, name string, mutate func(*appsv1.Deployment)) {
	GinkgoHelper()
	Eventually(func() error {
		var d appsv1.Deployment
		if err := k8sClient.Get(ctx, key(ns, name), &d); err != nil {
			return err
		}
		mutate(&d)
		return k8sClient.Status().Update(ctx, &d)
	}).Should(Succeed())
}

func deploymentCondition(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason string) appsv1.DeploymentCondition {
	now := metav1.Now()
	return appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, Message: reason, LastUpdateTime: now, LastTransitionTime: now}
}

// markAllReady marks every component's Deployment of the RestAPI ready.
func markAllReady(ns, name string) {
	GinkgoHelper()
	for _, c := range components {
		markReady(ns, name+"-"+string(c))
	}
}

// restAPI fetches the RestAPI.
func restAPI(ns, name string) *apiv1.RestAPI {
	GinkgoHelper()
	var r apiv1.RestAPI
	Expect(k8sClient.Get(ctx, key(ns, name), &r)).To(Succeed())
	return &r
}

// reconciles is how many reconciles the restapi controller has finished.
func reconciles() float64 {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	total := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "restapi" {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

// stillServes checks that the stable Services keep selecting colour for as
// long as a wrong switch would take to show: a second of the reconciles
// the cluster's events cause, then two more decisions the test makes the
// manager take and waits for. A promotion request naming no revision is
// consumed by the decision that reads it, so its removal proves that
// decision was taken, to its end.
func stillServes(ns, name, colour string) { //nolint:unparam // reads better at call sites
	GinkgoHelper()
	Consistently(func() []string { return stableColours(ns, name) }, time.Second).Should(Equal(allColour(colour)))
	for i := range 2 {
		annotate(ns, name, apiv1.AnnotationPromote, fmt.Sprintf("no-such-revision-%d", i))
		Eventually(func() map[string]string { return restAPI(ns, name).Annotations }).ShouldNot(HaveKey(apiv1.AnnotationPromote),
			"the manager took a decision on the request")
		Expect(stableColours(ns, name)).To(Equal(allColour(colour)))
	}
}

// previewDeployed waits until the preview status names is deployed: every
// enabled component's Deployment of the colour that does not serve runs
// it. A new attempt is recorded in status first, and deployed by the
// reconcile's second pass, a moment later.
func previewDeployed(ns, name string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		r := restAPI(ns, name)
		bg := r.Status.BlueGreen
		if bg == nil || bg.PreviewRevision == "" {
			return // no preview: a first deploy, or queued
		}
		idle := apiv1.EnvironmentBlue
		if r.Status.ActiveEnvironment == apiv1.EnvironmentBlue {
			idle = apiv1.EnvironmentGreen
		}
		for _, c := range r.Spec.EnabledComponents() {
			var d appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, key(ns, name+"-"+string(c)+"-"+string(idle)), &d)).To(Succeed())
			g.Expect(d.Spec.Template.Labels[apiv1.LabelRevision]).To(Equal(bg.PreviewRevision))
		}
	}).Should(Succeed())
}
