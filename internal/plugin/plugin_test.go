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

package plugin

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/testenv"
)

func TestPlugin(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "kubectl-restapi Suite")
}

var (
	ctx    context.Context
	cancel context.CancelFunc
	env    *envtest.Environment
	k8s    client.Client
)

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiv1.AddToScheme(scheme))
	env = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: testenv.BinaryAssetsDirectory(),
	}
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	cancel()
	Expect(env.Stop()).To(Succeed())
})

// restAPI creates a RestAPI with the given status, as the operator would
// have written it (no operator runs in this suite).
func restAPI(ns, name string, st apiv1.RestAPIStatus) *apiv1.RestAPI {
	GinkgoHelper()
	r := &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: apiv1.RestAPISpec{Image: "registry.example/shop:1"}}
	Expect(k8s.Create(ctx, r)).To(Succeed())
	st.ObservedGeneration = r.Generation
	r.Status = st
	Expect(k8s.Status().Update(ctx, r)).To(Succeed())
	return r
}

func setPhase(r *apiv1.RestAPI, phase apiv1.Phase) {
	GinkgoHelper()
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(r), r)).To(Succeed())
	r.Status.Phase = phase
	Expect(k8s.Status().Update(ctx, r)).To(Succeed())
}

func namespace() string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "p-"}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

func serving(phase apiv1.Phase) apiv1.RestAPIStatus {
	return apiv1.RestAPIStatus{
		Phase: phase, Ready: "3/4", ActiveEnvironment: apiv1.EnvironmentGreen,
		BlueGreen: &apiv1.BlueGreenStatus{ActiveRevision: "r2", PreviousRevision: "r1", PreviewRevision: "r3", Attempt: 4, State: apiv1.StateAwaitingPromotion, Message: "revision r3 is ready in blue",
			TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		URLs: &apiv1.URLs{Stable: []string{"https://shop.example.com/", "http://203.0.113.7:3000/"}, Preview: []string{"https://preview.shop.example.com/"}},
		Conditions: []metav1.Condition{{Type: apiv1.ConditionExposed, Status: metav1.ConditionFalse, Reason: "NotAllowedByListeners",
			Message: "Gateway apps/public refused HTTPRoute shop-view", LastTransitionTime: metav1.Now()}},
		Components: []apiv1.ComponentStatus{
			{Name: apiv1.ComponentModel, Environment: apiv1.EnvironmentGreen, Revision: "r2", Replicas: 2, ReadyReplicas: 2, Health: apiv1.HealthHealthy},
			{Name: apiv1.ComponentView, Environment: apiv1.EnvironmentGreen, Revision: "r2", Replicas: 2, ReadyReplicas: 1, Health: apiv1.HealthDegraded, Message: "1 of 2 pods ready"},
		},
	}
}

var _ = Describe("kubectl-restapi", func() {
	var ns string
	var out *bytes.Buffer
	var p *Plugin
	BeforeEach(func() {
		ns = namespace()
		out = &bytes.Buffer{}
		p = &Plugin{Client: k8s, Namespace: ns, Out: out, Poll: 50 * time.Millisecond}
	})

	It("lists the RestAPIs of the namespace", func() {
		restAPI(ns, "shop", serving(apiv1.PhaseAvailable))
		restAPI(ns, "blog", apiv1.RestAPIStatus{})
		restAPI(ns, "cart", apiv1.RestAPIStatus{Rendering: &apiv1.RenderingStatus{SpecHash: "h", Revision: "r1", Pending: "r9"}})
		restAPI(ns, "docs", apiv1.RestAPIStatus{Rendering: &apiv1.RenderingStatus{SpecHash: "h", Revision: "r1"}})
		Expect(p.List(ctx)).To(Succeed())
		lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
		Expect(lines).To(HaveLen(5))
		Expect(string(lines[0])).To(MatchRegexp(`^NAME\s+PHASE\s+ACTIVE\s+READY\s+REVISION\s+PREVIEW\s+RENDERING\s+URL$`))
		Expect(string(lines[1])).To(MatchRegexp(`^blog\s+-\s+-\s+-\s+-\s+-\s+-\s+-$`))
		Expect(string(lines[2])).To(MatchRegexp(`^cart\s+-\s+-\s+-\s+-\s+-\s+pending r9\s+-$`))
		Expect(string(lines[3])).To(MatchRegexp(`^docs\s+-\s+-\s+-\s+-\s+-\s+current\s+-$`))
		Expect(string(lines[4])).To(MatchRegexp(`^shop\s+Available\s+green\s+3/4\s+r2\s+r3\s+-\s+https://shop.example.com/$`))
	})

	It("prints the status as a tree, and its exit status follows the phase", func() {
		r := restAPI(ns, "shop", serving(apiv1.PhaseAvailable))
		Expect(p.Status(ctx, "shop", false, 0)).To(Succeed())
		Expect(out.String()).To(ContainSubstring("Active:    green (revision r2)"))
		Expect(out.String()).To(ContainSubstring("Preview:   revision r3 (attempt 4)\n"))
		Expect(out.String()).To(ContainSubstring("Trace:     4bf92f3577b34da6a3ce929d0e0e4736 (the rollout's, in the manager's tracing backend)\n"))
		Expect(out.String()).To(MatchRegexp(`├── model\s+green\s+2/2\s+rev r2\s+Healthy`))
		Expect(out.String()).To(MatchRegexp(`└── view\s+green\s+1/2\s+rev r2\s+Degraded: 1 of 2 pods ready`))
		Expect(out.String()).To(ContainSubstring("URL:       https://shop.example.com/\nURL:       http://203.0.113.7:3000/\n"))
		Expect(out.String()).To(ContainSubstring("Preview:   https://preview.shop.example.com/ (the preview colour)\n"))
		Expect(out.String()).To(ContainSubstring("Exposed:   NotAllowedByListeners: Gateway apps/public refused HTTPRoute shop-view\n"))

		setPhase(r, apiv1.PhaseDegraded)
		Expect(errors.Is(p.Status(ctx, "shop", false, 0), ErrDegraded)).To(BeTrue())
	})

	It("says what a rollout waits for, and since when", func() {
		st := serving(apiv1.PhaseProgressing)
		since := metav1.NewTime(time.Date(2026, 11, 30, 13, 4, 5, 0, time.UTC))
		st.BlueGreen.State, st.BlueGreen.Reason, st.BlueGreen.WaitingSince = apiv1.StateDeploying, "WaitingForCapacity", &since
		st.BlueGreen.Message = "revision r3 in blue waits for capacity since 2026-11-30T13:04:05Z: model: pod x: cannot be scheduled"
		restAPI(ns, "shop", st)
		Expect(p.Status(ctx, "shop", false, 0)).To(Succeed())
		Expect(out.String()).To(ContainSubstring("Rollout:   Deploying: revision r3 in blue waits for capacity"))
		Expect(out.String()).To(ContainSubstring("Waiting:   WaitingForCapacity since 2026-11-30T13:04:05Z\n"))

		out.Reset()
		st.BlueGreen.State, st.BlueGreen.Reason, st.BlueGreen.WaitingSince = apiv1.StateQueued, "", nil
		st.BlueGreen.QueuedAt, st.BlueGreen.QueuePosition = &since, new(int32(7))
		restAPI(ns, "queued", st)
		Expect(p.Status(ctx, "queued", false, 0)).To(Succeed())
		Expect(out.String()).To(ContainSubstring("Queued:    since 2026-11-30T13:04:05Z, 7 ahead\n"))
	})

	It("shows each analysis check with its counts and last value, and promote keeps a revision whose post-promotion analysis could not judge", func() {
		st := serving(apiv1.PhaseProgressing)
		last := metav1.NewTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		st.BlueGreen.State, st.BlueGreen.PreviewRevision, st.BlueGreen.Reason = apiv1.StateScalingDown, "", apiv1.ReasonAnalysisInconclusive
		st.BlueGreen.Analysis = &apiv1.AnalysisStatus{Revision: "r2", Phase: apiv1.AnalysisPostPromotion, Colour: apiv1.EnvironmentGreen, Attempt: 4,
			Verdict: apiv1.VerdictInconclusive, StartedAt: last, Checks: []apiv1.AnalysisCheckStatus{
				{Name: "errors", Component: apiv1.ComponentView, Verdict: apiv1.VerdictInconclusive, Successes: 1, Inconclusive: 4,
					LastTime: &last, Message: "Prometheus at http://prom:9090 did not answer"},
				{Name: "smoke", Component: apiv1.ComponentModel, Verdict: apiv1.VerdictRunning, Problem: apiv1.ReasonAnalysisTemplateInvalid,
					Message: "url does not render"},
			}}
		restAPI(ns, "shop", st)
		Expect(p.Status(ctx, "shop", false, 0)).To(Succeed())
		Expect(out.String()).To(ContainSubstring("Analysis:  PostPromotion of revision r2 in green (attempt 4): Inconclusive (started 2026-12-01T09:00:00Z)\n"))
		Expect(out.String()).To(ContainSubstring("  ├── errors on view: Inconclusive, 1 succeeded, 0 failed, 4 inconclusive (Prometheus at http://prom:9090 did not answer)\n"))
		Expect(out.String()).To(ContainSubstring("  └── smoke on model: Running, 0 succeeded, 0 failed, 0 inconclusive; AnalysisTemplateInvalid: url does not render\n"))

		Expect(p.Promote(ctx, "shop")).To(Succeed())
		var r apiv1.RestAPI
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop"}, &r)).To(Succeed())
		Expect(r.Annotations).To(HaveKeyWithValue(apiv1.AnnotationPromote, "r2"))
	})

	It("shows each hook's Job and result, and the failure that made the RestAPI Degraded", func() {
		st := serving(apiv1.PhaseDegraded)
		st.BlueGreen.PreviewRevision, st.BlueGreen.Reason = "", apiv1.ReasonHookFailed
		st.BlueGreen.Hooks = []apiv1.HookStatus{
			{Name: "expand", Phase: apiv1.HookPrePromotion, Job: "shop-expand-4", Revision: "r2", Attempt: 4, Result: apiv1.HookSucceeded,
				StartedAt: &metav1.Time{Time: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}, FinishedAt: &metav1.Time{Time: time.Date(2026, 12, 7, 10, 0, 42, 0, time.UTC)}},
			{Name: "contract", Phase: apiv1.HookPostPromotion, Job: "shop-contract-4", Revision: "r2", Attempt: 4, Result: apiv1.HookFailed,
				Message: "BackoffLimitExceeded: Job has reached the specified backoff limit"},
			{Name: "undo", Phase: apiv1.HookOnAbort, Job: "shop-undo-4", Revision: "r2", Attempt: 4, Result: apiv1.HookRunning,
				StartedAt: &metav1.Time{Time: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}},
		}
		now := metav1.Now()
		st.Conditions = append(st.Conditions, metav1.Condition{Type: apiv1.ConditionDegraded, Status: metav1.ConditionTrue, Reason: apiv1.ReasonHookFailed,
			Message: "revision r2 serves from green; its PostPromotion hook contract failed (Job shop-contract-4: BackoffLimitExceeded)", LastTransitionTime: now})
		restAPI(ns, "shop", st)
		Expect(p.Status(ctx, "shop", false, 0)).To(MatchError(ContainSubstring("shop is Degraded")), "the exit status says so too")
		Expect(out.String()).To(ContainSubstring("Hook:      expand (PrePromotion) of revision r2 (attempt 4): Succeeded, Job shop-expand-4 (ran 42s)\n"))
		Expect(out.String()).To(ContainSubstring("Hook:      undo (OnAbort) of revision r2 (attempt 4): Running, Job shop-undo-4 (started 2026-12-07T09:00:00Z)\n"))
		Expect(out.String()).To(ContainSubstring("Hook:      contract (PostPromotion) of revision r2 (attempt 4): Failed, Job shop-contract-4: BackoffLimitExceeded: " +
			"Job has reached the specified backoff limit\n"))
		Expect(out.String()).To(ContainSubstring("Degraded:  HookFailed: revision r2 serves from green; its PostPromotion hook contract failed (Job shop-contract-4"))
	})

	It("--watch waits for Available, and gives up at --timeout", func() {
		r := restAPI(ns, "shop", serving(apiv1.PhaseProgressing))
		start := time.Now()
		Expect(errors.Is(p.Status(ctx, "shop", true, 300*time.Millisecond), ErrTimeout)).To(BeTrue())
		Expect(time.Since(start)).To(BeNumerically(">=", 300*time.Millisecond))

		done := make(chan error, 1)
		go func() { done <- p.Status(ctx, "shop", true, 20*time.Second) }()
		Consistently(done, 300*time.Millisecond).ShouldNot(Receive())
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(r), r)).To(Succeed())
		r.Status.Phase = apiv1.PhaseAvailable
		r.Status.BlueGreen.State = apiv1.StateIdle
		Expect(k8s.Status().Update(ctx, r)).To(Succeed())
		Eventually(done, 5*time.Second).Should(Receive(BeNil()))
	})

	It("promote, abort and rollback name the exact revision", func() {
		restAPI(ns, "shop", serving(apiv1.PhaseAvailable))
		get := func() map[string]string {
			var r apiv1.RestAPI
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop"}, &r)).To(Succeed())
			return r.Annotations
		}
		Expect(p.Promote(ctx, "shop")).To(Succeed())
		Expect(get()).To(HaveKeyWithValue(apiv1.AnnotationPromote, "r3"))
		Expect(p.Abort(ctx, "shop")).To(Succeed())
		Expect(get()).To(HaveKeyWithValue(apiv1.AnnotationAbort, "r3"))
		Expect(p.Rollback(ctx, "shop")).To(Succeed())
		Expect(get()).To(HaveKeyWithValue(apiv1.AnnotationRollback, "r2"))

		restAPI(ns, "idle", apiv1.RestAPIStatus{BlueGreen: &apiv1.BlueGreenStatus{ActiveRevision: "r1", State: apiv1.StateIdle}})
		Expect(p.Promote(ctx, "idle")).To(MatchError(ContainSubstring("nothing to promote")))
		Expect(p.Abort(ctx, "idle")).To(MatchError(ContainSubstring("nothing to abort")))
		Expect(p.Rollback(ctx, "idle")).To(MatchError(ContainSubstring("no warm previous revision")))
	})

	It("rerender names the pending rendering, and status shows it", func() {
		restAPI(ns, "shop", apiv1.RestAPIStatus{Rendering: &apiv1.RenderingStatus{SpecHash: "h", Revision: "r1", Pending: "r9"}})
		Expect(p.Rerender(ctx, "shop")).To(Succeed())
		var r apiv1.RestAPI
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop"}, &r)).To(Succeed())
		Expect(r.Annotations).To(HaveKeyWithValue(apiv1.AnnotationApplyRendering, "r9"))
		Expect(p.Status(ctx, "shop", false, 0)).To(Succeed())
		Expect(out.String()).To(ContainSubstring("Rendering: revision r1 runs an earlier operator's rendering; r9 is pending (kubectl restapi rerender shop)"))

		restAPI(ns, "docs", apiv1.RestAPIStatus{Rendering: &apiv1.RenderingStatus{SpecHash: "h", Revision: "r1"}})
		Expect(p.Rerender(ctx, "docs")).To(MatchError(ContainSubstring("nothing to rerender")))
	})

	It("restart rolls the serving colour's Deployment of one component", func() {
		restAPI(ns, "shop", serving(apiv1.PhaseAvailable))
		labels := map[string]string{"app": "x"}
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shop-model-green"},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}},
			},
		}
		Expect(k8s.Create(ctx, d)).To(Succeed())
		Expect(p.Restart(ctx, "shop", "model")).To(Succeed())
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(d), d)).To(Succeed())
		Expect(d.Spec.Template.Annotations).To(HaveKey("kubectl.kubernetes.io/restartedAt"))
		Expect(d.Generation).To(Equal(int64(2)))
		Expect(p.Restart(ctx, "shop", "repository")).To(MatchError(ContainSubstring(`no running component "repository"`)))
	})
})
