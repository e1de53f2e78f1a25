//go:build e2e

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

package e2e

import (
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/render"
	"github.com/restapi-operator/restapi-operator/internal/tracing"
)

// hookedRestAPI is the application with an expand, a contract and an undo
// hook. The lab's Job Pods complete after two seconds, and fail when their
// image is tagged hookfail (OnAbort ones excepted: hack/kwok/stages.yaml).
func hookedRestAPI(ns string) *apiv1.RestAPI {
	r := onePodRestAPI(ns, app, "registry.example/shop:1.0.0")
	r.Spec.BlueGreen.Hooks = []apiv1.Hook{
		{Name: "expand", Phase: apiv1.HookPrePromotion, Command: []string{"/app/migrate", "expand"}},
		{Name: "contract", Phase: apiv1.HookPostPromotion, Command: []string{"/app/migrate", "contract"}},
		{Name: "undo", Phase: apiv1.HookOnAbort, Command: []string{"/app/migrate", "undo"}},
	}
	return r
}

// colourWatch polls the API server (around any cache) for a Job and the
// Pods of one colour, in that order, until stopped: it records the last
// time a Pod of the colour was seen, the latest time one was asked to go
// (its deletionTimestamp less its grace period),
// and whether the Job was ever listed before a Pod of the colour in one
// poll (the Job created while a Pod was left).
type colourWatch struct {
	mu          sync.Mutex
	lastPodSeen time.Time
	lastDeleted time.Time
	jobSeenAt   time.Time
	overlap     bool
	stop        chan struct{}
	done        chan struct{}
}

func watchColourAndJob(ns, colour, job string) *colourWatch {
	w := &colourWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer GinkgoRecover()
		defer close(w.done)
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			var j batchv1.Job
			jobErr := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: job}, &j)
			var pods corev1.PodList
			if err := k8sClient.List(ctx, &pods, client.InNamespace(ns),
				client.MatchingLabels{apiv1.LabelInstance: app, apiv1.LabelEnvironment: colour}); err != nil {
				continue
			}
			now := time.Now()
			w.mu.Lock()
			if jobErr == nil && w.jobSeenAt.IsZero() {
				w.jobSeenAt = now
			}
			if len(pods.Items) > 0 {
				w.lastPodSeen = now
				w.overlap = w.overlap || jobErr == nil
			}
			for _, p := range pods.Items {
				if d := p.DeletionTimestamp; d != nil && p.DeletionGracePeriodSeconds != nil {
					asked := d.Add(-time.Duration(*p.DeletionGracePeriodSeconds) * time.Second)
					if asked.After(w.lastDeleted) {
						w.lastDeleted = asked
					}
				}
			}
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *colourWatch) finish() *colourWatch {
	close(w.stop)
	<-w.done
	return w
}

// hookJobOf waits for the Job of a hook of the current attempt to finish
// and returns it.
func hookJobOf(ns, hook string, attempt int64) *batchv1.Job {
	GinkgoHelper()
	var j batchv1.Job
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: render.HookJobName(app, hook, attempt)}, &j)).To(Succeed())
		g.Expect(j.Status.CompletionTime != nil || j.Status.Failed > 0).To(BeTrue(), "Job %s has not finished: %+v", j.Name, j.Status)
	}, 2*time.Minute).Should(Succeed())
	return &j
}

var _ = Describe("Migration hooks with real requests in the traffic lab", Ordered, func() {
	It("expands before the switch and contracts only after blue's last Pod is gone, with no failed request; a failing expand aborts with none and runs undo", func() {
		ns := fmt.Sprintf("hooks-%d", time.Now().UnixNano())
		testNamespaces = append(testNamespaces, ns)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Expect(k8sClient.Create(ctx, hookedRestAPI(ns))).To(Succeed())
		waitAvailable(ns)
		Expect(restAPIStatus(ns).BlueGreen.Hooks).To(BeEmpty(), "a first deploy runs no hook")
		users := startTraffic(ns, app+"-view")
		users.waitServing()

		By("shipping 2.0.0: expand, the switch, then contract once blue has no Pod")
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p", `{"spec":{"image":"registry.example/shop:2.0.0"}}`)
		Eventually(func() int64 { return restAPIStatus(ns).BlueGreen.Attempt }).Should(Equal(int64(1)))
		blue := watchColourAndJob(ns, "blue", render.HookJobName(app, "contract", 1))
		expand := hookJobOf(ns, "expand", 1)
		Expect(expand.Status.Succeeded).To(Equal(int32(1)), "%+v", expand.Status)
		Eventually(func() []string { return stableColours(ns) }, 2*time.Minute).Should(Equal([]string{"green"}))
		// The Services switch before the status that records it is written.
		var promotedAt *metav1.Time
		Eventually(func() *metav1.Time {
			promotedAt = restAPIStatus(ns).BlueGreen.PromotedAt
			return promotedAt
		}).ShouldNot(BeNil())
		Expect(expand.Status.CompletionTime.Time).NotTo(BeTemporally(">", promotedAt.Time), "switched before expand completed")
		contract := hookJobOf(ns, "contract", 1)
		Expect(contract.Status.Succeeded).To(Equal(int32(1)), "%+v", contract.Status)
		w := blue.finish()
		Expect(w.lastPodSeen).NotTo(BeZero(), "the watch saw blue's Pods")
		Expect(w.overlap).To(BeFalse(), "the contract Job existed while a Pod of blue was left")
		Expect(w.jobSeenAt).To(BeTemporally(">", w.lastPodSeen), "contract was created before blue's last Pod was gone")
		Expect(w.lastDeleted).NotTo(BeZero(), "the watch saw blue's Pods deleted")
		// (creationTimestamp has whole seconds)
		Expect(contract.CreationTimestamp.Time).NotTo(BeTemporally("<", w.lastDeleted.Truncate(time.Second)), "contract was created before blue's last Pod was deleted")
		Expect(contract.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:2.0.0"))
		Eventually(func(g Gomega) {
			bg := restAPIStatus(ns).BlueGreen
			g.Expect(bg.Reason).To(BeEmpty())
			g.Expect(bg.Hooks).To(ConsistOf(
				And(HaveField("Name", "expand"), HaveField("Result", apiv1.HookSucceeded)),
				And(HaveField("Name", "contract"), HaveField("Result", apiv1.HookSucceeded))))
		}).Should(Succeed())
		By("status keeping each Job's own start and end")
		for _, j := range []*batchv1.Job{expand, contract} {
			var st apiv1.HookStatus
			for _, h := range restAPIStatus(ns).BlueGreen.Hooks {
				if h.Job == j.Name {
					st = h
				}
			}
			Expect(st.StartedAt).NotTo(BeNil(), j.Name)
			Expect(st.FinishedAt).NotTo(BeNil(), j.Name)
			Expect(st.StartedAt.Time).To(BeTemporally("==", j.Status.StartTime.Time), j.Name)
			Expect(st.FinishedAt.Time).To(BeTemporally("==", j.Status.CompletionTime.Time), j.Name)
		}
		traceID := tracing.TraceID(restAPIStatus(ns).BlueGreen.TraceParent)
		good := fmt.Sprintf("blue's last Pod deleted at %s, last seen at %s; contract created at %s, first seen at %s",
			w.lastDeleted.UTC().Format(time.RFC3339Nano), w.lastPodSeen.UTC().Format(time.RFC3339Nano),
			contract.CreationTimestamp.UTC().Format(time.RFC3339), w.jobSeenAt.UTC().Format(time.RFC3339Nano))

		By("shipping 3.0.0-hookfail: its expand fails, the rollout aborts with traffic on green, undo runs")
		seen, stopWatching := watchStableColours(ns)
		kubectl("patch", "rapi", app, "-n", ns, "--type=merge", "-p", `{"spec":{"image":"registry.example/shop:3.0.0-hookfail"}}`)
		Eventually(func(g Gomega) {
			bg := restAPIStatus(ns).BlueGreen
			g.Expect(bg.State).To(Equal(apiv1.StateAborted))
			g.Expect(bg.Reason).To(Equal(apiv1.ReasonHookFailed))
		}, 2*time.Minute).Should(Succeed())
		failed := hookJobOf(ns, "expand", 2)
		Expect(failed.Status.Failed).To(BeNumerically(">=", 1), "%+v", failed.Status)
		undo := hookJobOf(ns, "undo", 2)
		Expect(undo.Status.Succeeded).To(Equal(int32(1)), "%+v", undo.Status)
		Expect(undo.Spec.Template.Spec.Containers[0].Image).To(Equal("registry.example/shop:3.0.0-hookfail"), "undo runs the revision that lost")
		stopWatching()
		reports := users.stop()
		users.checkTraffic(reports)
		Expect(seen()).To(Equal(map[string]bool{"green": true}), "a stable Service selected the aborted colour")
		Expect(answeredBy(reports[ns+"/"+app+"-view"])).To(HaveLen(2), "users were answered by 1.0.0 and 2.0.0, never by the aborted revision")
		By("the rollout's trace in Jaeger: a hook span per Job, over the Job's own run")
		requireJaeger()
		Expect(traceID).NotTo(BeEmpty())
		Eventually(func(g Gomega) {
			traces, found, err := jaegerGet("/api/traces/" + traceID)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(found).To(BeTrue(), "trace %s", traceID)
			got := map[string][2]int64{}
			for _, sp := range traces[0].Spans {
				if sp.OperationName == tracing.SpanHook {
					got[tag(sp.Tags, "restapi.hook")] = [2]int64{sp.StartTime, sp.StartTime + sp.Duration}
				}
			}
			g.Expect(got).To(Equal(map[string][2]int64{
				"expand":   {expand.Status.StartTime.UnixMicro(), expand.Status.CompletionTime.UnixMicro()},
				"contract": {contract.Status.StartTime.UnixMicro(), contract.Status.CompletionTime.UnixMicro()},
			}))
		}, time.Minute, 2*time.Second).Should(Succeed())
		AddReportEntry("hooks", summary(reports)+"\n  "+good+"\n  "+restAPIStatus(ns).BlueGreen.Message)
	})
})
