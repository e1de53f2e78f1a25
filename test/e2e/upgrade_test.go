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
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/bluegreen"
)

// The annotation a build with the tag newer_rendering adds to every pod
// template (internal/render/newer_on.go).
const newerRenderingAnnotation = "apps.restapi.dev/newer-rendering"

// upgradeNamespace is the upgrade spec's namespace: its managers' alone,
// the in-process manager leaves it out (fleetNamespaces).
const upgradeNamespace = "restapi-e2e-upgrade"

// managerProcess is a manager binary running against the cluster.
type managerProcess struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
}

// buildManagers builds, at once, the manager of the commit from (in a git
// worktree) and the current one with the tag newer_rendering.
func buildManagers(from, dir string) (older, newer string) {
	GinkgoHelper()
	older, newer = filepath.Join(dir, "manager-"+from), filepath.Join(dir, "manager-newer")
	tree := filepath.Join(dir, "worktree")
	out, err := run(nil, "git", "-C", root, "worktree", "add", "--detach", tree, from)
	Expect(err).NotTo(HaveOccurred(), "git worktree add %s (a clone with its history is needed): %s", from, out)
	DeferCleanup(func() { _, _ = run(nil, "git", "-C", root, "worktree", "remove", "--force", tree) })
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([]string, 2)
	build := func(i int, srcDir, bin string, tags ...string) {
		defer wg.Done()
		args := append([]string{"build", "-o", bin}, tags...)
		cmd := exec.Command("go", append(args, "./cmd")...)
		cmd.Dir = srcDir
		b, err := cmd.CombinedOutput()
		outs[i], errs[i] = string(b), err
	}
	wg.Add(2)
	go build(0, tree, older)
	go build(1, root, newer, "-tags", "newer_rendering")
	wg.Wait()
	Expect(errs[0]).NotTo(HaveOccurred(), "building the manager of %s: %s", from, outs[0])
	Expect(errs[1]).NotTo(HaveOccurred(), "building the current manager: %s", outs[1])
	return older, newer
}

// startManagerProcess runs a manager binary on the namespace ns ("": as
// its flags say), as a
// process of this machine with the cluster's kubeconfig; its log goes to
// dir and is printed when the spec fails.
func startManagerProcess(bin, dir, name, ns string, flags ...string) *managerProcess {
	GinkgoHelper()
	f, err := os.Create(filepath.Join(dir, name+".log"))
	Expect(err).NotTo(HaveOccurred())
	args := []string{"--metrics-bind-address=0", "--health-probe-bind-address=0"}
	if ns != "" {
		args = append(args, "--watch-namespaces="+ns)
	}
	args = append(args, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	// No OTEL_* from this process: the managers export no traces.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	Expect(cmd.Start()).To(Succeed())
	m := &managerProcess{name: name, cmd: cmd, log: f}
	DeferCleanup(m.stop)
	return m
}

// stop ends the manager as Kubernetes would (SIGTERM) and waits for it.
func (m *managerProcess) stop() {
	if m.cmd.ProcessState != nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		<-done
	}
	if CurrentSpecReport().Failed() {
		b, _ := os.ReadFile(m.log.Name())
		GinkgoWriter.Printf("\n===== manager %s log (last 100 lines) =====\n%s\n", m.name, lastLines(string(b), 100))
	}
	_ = m.log.Close()
}

// writesSnapshot is every object of ns that a write of the manager would
// change, by kind and name: its resourceVersion (the RestAPIs': their
// generation and annotations, since their status is expected to change),
// and the Pods' names.
func writesSnapshot(ns string) map[string]string {
	GinkgoHelper()
	out := map[string]string{}
	lists := map[string]client.ObjectList{
		"Deployment": &appsv1.DeploymentList{}, "ReplicaSet": &appsv1.ReplicaSetList{}, "Service": &corev1.ServiceList{},
		"ConfigMap": &corev1.ConfigMapList{}, "HorizontalPodAutoscaler": &autoscalingv2.HorizontalPodAutoscalerList{},
		"NetworkPolicy": &networkingv1.NetworkPolicyList{}, "PodDisruptionBudget": &policyv1.PodDisruptionBudgetList{},
		"Pod": &corev1.PodList{}, "Event": &corev1.EventList{},
	}
	for kind, list := range lists {
		Expect(k8sClient.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		items, err := metaItems(list)
		Expect(err).NotTo(HaveOccurred())
		for _, o := range items {
			v := o.GetResourceVersion()
			if kind == "Pod" || kind == "Event" {
				v = "" // present or not: a Pod's status moves by itself
			}
			out[kind+" "+o.GetName()] = v
		}
	}
	var rs apiv1.RestAPIList
	Expect(k8sClient.List(ctx, &rs, client.InNamespace(ns))).To(Succeed())
	for _, r := range rs.Items {
		out["RestAPI "+r.Name] = fmt.Sprintf("generation %d, annotations %v", r.Generation, r.Annotations)
	}
	return out
}

// metaItems are a list's items, as objects with metadata.
func metaItems(list client.ObjectList) ([]metav1.Object, error) {
	items, err := apimeta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]metav1.Object, 0, len(items))
	for _, item := range items {
		o, err := apimeta.Accessor(item)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// changed lists what differs between two snapshots.
func changed(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if w, ok := before[k]; !ok {
			out = append(out, "new: "+k)
		} else if w != v {
			out = append(out, fmt.Sprintf("changed: %s (%s -> %s)", k, w, v))
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, "gone: "+k)
		}
	}
	slices.Sort(out)
	return out
}

var _ = Describe("Operator upgrade", Label("fleet"), func() {
	It("rolls nothing when the newer manager starts, and rolls every RestAPI to its rendering, paced by the queue, when asked fleet-wide", func() {
		from := os.Getenv("UPGRADE_FROM")
		Expect(from).NotTo(BeEmpty(), "UPGRADE_FROM names the commit of the earlier manager (make test-fleet sets it)")
		const n, limit = 6, 2
		dir := GinkgoT().TempDir()

		By("building the manager of " + from + " (a worktree) and the current one with a newer rendering (build tag newer_rendering)")
		older, newer := buildManagers(from, dir)

		ns := upgradeNamespace
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}))
		}, 3*time.Minute).Should(BeTrue(), "namespace %s of an earlier run is still there", ns)
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: ns, Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
		}})).To(Succeed())
		testNamespaces = append(testNamespaces, ns)
		DeferCleanup(func() { _, _ = run(nil, kubectlPath(), "delete", "namespace", ns, "--wait=false") })

		By(fmt.Sprintf("running the manager of %s and creating %d RestAPIs", from, n))
		earlier := startManagerProcess(older, dir, "earlier", ns)
		views := make([]client.ObjectKey, 0, n)
		for i := range n {
			r := loadRestAPI(ns, fmt.Sprintf("api-%d", i))
			r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(5))
			Expect(k8sClient.Create(ctx, r)).To(Succeed())
			views = append(views, client.ObjectKey{Namespace: ns, Name: r.Name + "-view"})
		}
		idle := func(r *apiv1.RestAPI) bool {
			return available(r) && r.Status.BlueGreen != nil && r.Status.BlueGreen.State == apiv1.StateIdle
		}
		waitAll("Available and Idle", []string{ns}, n, 5*time.Minute, idle)
		traffic := startTrafficTo(2, views)

		By("replacing it with the current manager: status changes, nothing else")
		earlier.stop()
		before := writesSnapshot(ns)
		current := startManagerProcess(newer, dir, "current", ns)
		waitAll("reconciled by the current manager", []string{ns}, n, 2*time.Minute, func(r *apiv1.RestAPI) bool {
			return r.Status.Rendering != nil
		})
		time.Sleep(10 * time.Second) // what a rollout would have written by now
		Expect(changed(before, writesSnapshot(ns))).To(BeEmpty(),
			"the newer manager wrote more than status: no Pod template may change, no ReplicaSet be made, no rollout start")
		var rs apiv1.RestAPIList
		Expect(k8sClient.List(ctx, &rs, client.InNamespace(ns))).To(Succeed())
		for _, r := range rs.Items {
			Expect(r.Status.Rendering.Revision).To(Equal(r.Status.BlueGreen.ActiveRevision), "%s: the revision serving is held", r.Name)
			Expect(r.Status.Rendering.Pending).NotTo(BeEmpty(), "%s: the newer rendering is pending", r.Name)
			c := apimeta.FindStatusCondition(r.Status.Conditions, apiv1.ConditionRenderingPending)
			Expect(c).NotTo(BeNil(), "%s has no %s condition", r.Name, apiv1.ConditionRenderingPending)
			Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", r.Name, c.Message)
		}

		By(fmt.Sprintf("asking for the newer rendering fleet-wide, at most %d rollouts at once", limit))
		current.stop()
		startManagerProcess(newer, dir, "applying", ns, "--rendering-upgrades=apply", fmt.Sprintf("--max-concurrent-rollouts=%d", limit))
		var most atomic.Int32
		stopSampling := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer GinkgoRecover()
			defer close(sampled)
			for {
				select {
				case <-stopSampling:
					return
				case <-time.After(200 * time.Millisecond):
				}
				var rs apiv1.RestAPIList
				if k8sClient.List(ctx, &rs, client.InNamespace(ns)) != nil {
					continue
				}
				in := int32(0)
				for i := range rs.Items {
					if bluegreen.HoldsSlot(rs.Items[i].Status.BlueGreen) {
						in++
					}
				}
				if in > most.Load() {
					most.Store(in)
				}
			}
		}()
		took := waitAll("on the newer rendering, Idle", []string{ns}, n, 10*time.Minute, func(r *apiv1.RestAPI) bool {
			return idle(r) && r.Status.Rendering != nil && r.Status.Rendering.Pending == "" &&
				r.Status.Rendering.Revision == r.Status.BlueGreen.ActiveRevision
		})
		close(stopSampling)
		<-sampled
		for _, v := range views {
			name := strings.TrimSuffix(v.Name, "-view") + "-view-" + string(restAPIOf(ns, strings.TrimSuffix(v.Name, "-view")).Status.ActiveEnvironment)
			var d appsv1.Deployment
			Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &d)).To(Succeed())
			Expect(d.Spec.Template.Annotations).To(HaveKey(newerRenderingAnnotation), "%s serves the earlier rendering", name)
		}
		Expect(most.Load()).To(BeNumerically(">", 0), "no rollout was seen")
		Expect(most.Load()).To(BeNumerically("<=", limit), "more rollouts at once than --max-concurrent-rollouts")
		reports := traffic.stop()
		traffic.checkTraffic(reports)
		GinkgoWriter.Printf("upgrade: %d RestAPIs rolled to the newer rendering in %s, at most %d at once (limit %d)\n",
			n, took.Round(time.Second), most.Load(), limit)
	})
})

func restAPIOf(ns, name string) *apiv1.RestAPI {
	GinkgoHelper()
	var r apiv1.RestAPI
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &r)).To(Succeed())
	return &r
}
