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
	"net/http"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/apply"
	"github.com/restapi-operator/restapi-operator/internal/scope"
)

// allRequests records every request a client sends, reads included.
type allRequests struct {
	mu   sync.Mutex
	reqs []string
}

func (l *allRequests) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(r)
		l.mu.Lock()
		defer l.mu.Unlock()
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		l.reqs = append(l.reqs, r.Method+" "+http.StatusText(code))
		return resp, err
	})
}

func (l *allRequests) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

var _ = Describe("Creating a child missing from the cache", func() {
	var (
		ns   string
		rapi *apiv1.RestAPI
		w    apply.Writer
		log  *allRequests
	)
	// owned is a ConfigMap this RestAPI controls, as the operator renders it.
	owned := func(value string) *corev1ac.ConfigMapApplyConfiguration {
		return corev1ac.ConfigMap("shop-model", ns).
			WithOwnerReferences(metav1ac.OwnerReference().WithAPIVersion(apiv1.GroupVersion.String()).WithKind("RestAPI").
				WithName(rapi.Name).WithUID(rapi.UID).WithController(true).WithBlockOwnerDeletion(true)).
			WithData(map[string]string{"K": value})
	}
	ensureCM := func(desired *corev1ac.ConfigMapApplyConfiguration) scope.Result {
		GinkgoHelper()
		res, _, err := w.Apply(ctx, nil, desired)
		Expect(err).NotTo(HaveOccurred())
		return res
	}

	BeforeEach(func() {
		ns = newNamespace()
		// An owner the manager never sees (it is not stored), so only this
		// test writes to ns; without a garbage collector in envtest its
		// children stay.
		rapi = &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop", UID: types.UID("6f1c1a0e-0000-4000-8000-000000000001")}}
		log = &allRequests{}
		c := rest.CopyConfig(cfg)
		c.Wrap(log.wrap)
		cl, err := client.New(c, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		w = apply.Writer{Client: cl, APIReader: cl, Owner: rapi}
		// The client discovers the ConfigMap's resource on first use; only
		// what ensure sends is counted.
		Expect(cl.List(ctx, &corev1.ConfigMapList{}, client.InNamespace(ns))).To(Succeed())
		log.take()
	})

	It("creates it with one request when the name is free, recorded as an ordinary apply", func() {
		Expect(ensureCM(owned("a"))).To(Equal(scope.Created))
		Expect(log.take()).To(Equal([]string{"PATCH Created"}))

		var cm corev1.ConfigMap
		get(ns, "shop-model", &cm)
		Expect(cm.Data).To(Equal(map[string]string{"K": "a"}))
		Expect(metav1.IsControlledBy(&cm, rapi)).To(BeTrue())
		current, err := corev1ac.ExtractConfigMap(&cm, apiv1.ManagedBy)
		Expect(err).NotTo(HaveOccurred())
		Expect(current).To(Equal(owned("a")), "the precondition is not among the applied fields, so the next reconcile sends nothing")
	})

	It("answers with the object as written, whose managed fields a later write compares with", func() {
		res, answer, err := w.Apply(ctx, nil, owned("a"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(scope.Created))
		log.take()
		Expect(answer).To(BeAssignableToTypeOf(&corev1.ConfigMap{}))
		Expect(answer.(*corev1.ConfigMap).Data).To(Equal(map[string]string{"K": "a"}))
		Expect(answer.GetManagedFields()).NotTo(BeEmpty())

		res, again, err := w.Apply(ctx, answer, owned("a"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(scope.Unchanged))
		Expect(again).To(BeNil())
		Expect(log.take()).To(BeEmpty(), "the answer, used as the live copy, matches: nothing sent")

		res, answer, err = w.Apply(ctx, answer, owned("b"))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(scope.Updated))
		Expect(log.take()).To(Equal([]string{"PATCH OK"}))
		Expect(answer.(*corev1.ConfigMap).Data).To(Equal(map[string]string{"K": "b"}))
		var cm corev1.ConfigMap
		get(ns, "shop-model", &cm)
		Expect(answer.GetResourceVersion()).To(Equal(cm.ResourceVersion))
	})

	It("updates its own object that the cache has not seen yet", func() {
		Expect(ensureCM(owned("a"))).To(Equal(scope.Created))
		log.take()

		Expect(ensureCM(owned("b"))).To(Equal(scope.Updated))
		Expect(log.take()).To(Equal([]string{"PATCH Conflict", "GET OK", "PATCH OK"}))
		var cm corev1.ConfigMap
		get(ns, "shop-model", &cm)
		Expect(cm.Data).To(Equal(map[string]string{"K": "b"}))
	})

	It("never changes an object of that name it does not control", func() {
		foreign := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-model", Labels: map[string]string{"owner": "someone-else"}},
			Data:       map[string]string{"K": "theirs"},
		}
		Expect(k8sClient.Create(ctx, foreign)).To(Succeed())
		rv := foreign.ResourceVersion

		Expect(ensureCM(owned("a"))).To(Equal(scope.Conflict))
		Expect(log.take()).To(Equal([]string{"PATCH Conflict", "GET OK"}))
		var cm corev1.ConfigMap
		get(ns, "shop-model", &cm)
		Expect(cm.ResourceVersion).To(Equal(rv), "not written at all")
		Expect(cm.Data).To(Equal(map[string]string{"K": "theirs"}))
		Expect(cm.OwnerReferences).To(BeEmpty())
	})
})
