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
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// capacityNodes is how many nodes the full-cluster specs run on: the others
// are cordoned meanwhile, so the cluster holds 330 Pods whatever its size.
const capacityNodes = 3

// podCounter samples, every second, the Pods the cluster holds: all of them
// (Pending included), the ones the scheduler found no room for, and the
// rollouts waiting for room.
type podCounter struct {
	// nodes are the schedulable nodes: Pods elsewhere are not counted.
	nodes                                    map[string]bool
	mu                                       sync.Mutex
	peakPods, peakUnschedulable, peakWaiting int
	stop, done                               chan struct{}
}

func startPodCounter(nodes map[string]bool) *podCounter {
	c := &podCounter{nodes: nodes, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer GinkgoRecover()
		defer close(c.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				c.sample()
			}
		}
	}()
	return c
}

func (c *podCounter) sample() {
	var pods corev1.PodList
	if err := k8sClient.List(ctx, &pods); err != nil {
		return
	}
	all, unschedulable := 0, 0
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed ||
			(p.Spec.NodeName != "" && !c.nodes[p.Spec.NodeName]) {
			continue
		}
		all++
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				unschedulable++
			}
		}
	}
	waiting := int(managerMetric("restapi_rollouts_waiting", map[string]string{"reason": "WaitingForCapacity"}))
	c.mu.Lock()
	c.peakPods, c.peakUnschedulable, c.peakWaiting = max(c.peakPods, all), max(c.peakUnschedulable, unschedulable), max(c.peakWaiting, waiting)
	c.mu.Unlock()
}

func (c *podCounter) finish() (pods, unschedulable, waiting int) {
	close(c.stop)
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peakPods, c.peakUnschedulable, c.peakWaiting
}

// onePodRestAPI runs its four components at one Pod each, no
// autoscaling (a colour is four Pods), the old colour kept 5 s after a
// switch.
func onePodRestAPI(ns, name, image string) *apiv1.RestAPI {
	return &apiv1.RestAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: apiv1.RestAPISpec{
			Image:       image,
			Replicas:    new(int32(1)),
			AutoScaling: apiv1.AutoScalingSpec{Enabled: new(false)},
			BlueGreen:   apiv1.BlueGreenSpec{ScaleDownDelaySeconds: new(int32(5))},
		},
	}
}

// capacityRestAPI is onePodRestAPI of the image the capacity specs run.
func capacityRestAPI(ns, name string) *apiv1.RestAPI {
	return onePodRestAPI(ns, name, "registry.example/full:1.0.0")
}

var _ = Describe("A full cluster", Label("capacity"), Ordered, func() {
	var (
		ns       string
		rs       []types.NamespacedName
		capacity int
		kept     = map[string]bool{}
		results  []string
	)

	// upgradeAll upgrades every RestAPI to image at once, waits until each
	// serves it from colour and is Idle, and reports how long that took,
	// the peaks, and that none was aborted.
	upgradeAll := func(what, image string, colour apiv1.Environment) (time.Duration, int, int, int) {
		GinkgoHelper()
		aborts0 := managerMetric("restapi_aborts_total", map[string]string{"namespace": ns})
		pods := startPodCounter(kept)
		start := time.Now()
		patch := client.RawPatch(types.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"image":%q}}`, image)))
		Expect(inParallel(rs, 8, func(k types.NamespacedName) error {
			return k8sClient.Patch(ctx, &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name}}, patch)
		})).To(Succeed())
		waitAll(what, []string{ns}, len(rs), 15*time.Minute, func(r *apiv1.RestAPI) bool {
			return available(r) && r.Status.ActiveEnvironment == colour && r.Status.BlueGreen != nil &&
				r.Status.BlueGreen.State == apiv1.StateIdle && r.Status.BlueGreen.ActiveRevision != ""
		})
		took := time.Since(start)
		peakPods, peakUnschedulable, peakWaiting := pods.finish()
		Expect(managerMetric("restapi_aborts_total", map[string]string{"namespace": ns})-aborts0).To(BeZero(), "rollouts aborted")
		for _, k := range rs {
			var r apiv1.RestAPI
			Expect(k8sClient.Get(ctx, k, &r)).To(Succeed())
			Expect(r.Status.BlueGreen.AbortedRevision).To(BeEmpty(), describeRestAPI(&r))
			Expect(meta.IsStatusConditionTrue(r.Status.Conditions, apiv1.ConditionDegraded)).To(BeFalse(), describeRestAPI(&r))
		}
		return took, peakPods, peakUnschedulable, peakWaiting
	}

	BeforeAll(func() {
		By(fmt.Sprintf("running on %d nodes: the others are cordoned meanwhile", capacityNodes))
		var nodes corev1.NodeList
		Expect(k8sClient.List(ctx, &nodes)).To(Succeed())
		Expect(len(nodes.Items)).To(BeNumerically(">=", capacityNodes))
		slices.SortFunc(nodes.Items, func(a, b corev1.Node) int { return strings.Compare(a.Name, b.Name) })
		for i := range nodes.Items {
			node := &nodes.Items[i]
			if i < capacityNodes {
				kept[node.Name] = true
				capacity += int(node.Status.Allocatable.Pods().Value())
				continue
			}
			if node.Spec.Unschedulable {
				continue
			}
			kubectl("cordon", node.Name)
			name := node.Name
			DeferCleanup(func() { kubectl("uncordon", name) })
		}
		var pods corev1.PodList
		Expect(k8sClient.List(ctx, &pods)).To(Succeed())
		used := 0
		for _, p := range pods.Items {
			if kept[p.Spec.NodeName] && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
				used++
			}
		}
		free := capacity - used
		n := min(50, (free-10)/4)
		Expect(n).To(BeNumerically(">=", 10), "%d Pods of room on %d nodes", free, capacityNodes)
		Expect(8*n).To(BeNumerically(">", free), "the cluster must not hold both colours of every RestAPI at once")
		GinkgoWriter.Printf("capacity: %d Pods on %d nodes, %d in use, %d RestAPIs of 4 Pods a colour\n", capacity, capacityNodes, used, n)

		ns = fmt.Sprintf("full-%d", time.Now().Unix())
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		DeferCleanup(func() { _, _ = run(nil, kubectlPath(), "delete", "namespace", ns, "--wait=false") })
		for i := range n {
			rs = append(rs, types.NamespacedName{Namespace: ns, Name: fmt.Sprintf("app-%02d", i)})
		}
		Expect(inParallel(rs, 8, func(k types.NamespacedName) error { return k8sClient.Create(ctx, capacityRestAPI(k.Namespace, k.Name)) })).To(Succeed())
		waitAll("Available", []string{ns}, n, 10*time.Minute, available)
	})

	AfterAll(func() {
		for _, r := range results {
			AddReportEntry("capacity", r)
			GinkgoWriter.Printf("RESULT capacity: %s\n", r)
		}
	})

	It("upgrades every RestAPI at once when only some second colours fit: each waits for room, none aborts", func() {
		took, peakPods, peakUnschedulable, peakWaiting := upgradeAll("promoted to green and Idle", "registry.example/full:2.0.0", apiv1.EnvironmentGreen)
		results = append(results, fmt.Sprintf("%d RestAPIs upgraded at once on %d Pods of room, no queue: all served the new revision and were Idle after %s, none aborted; "+
			"peak %d Pods (%d unschedulable), %d rollouts waiting for capacity at once", len(rs), capacity, took.Round(time.Second), peakPods, peakUnschedulable, peakWaiting))
		Expect(peakWaiting).To(BeNumerically(">", 0), "no rollout had to wait: the cluster was not full, so this proves nothing")
		Expect(peakUnschedulable).To(BeNumerically(">", 0), "no Pod was unschedulable")
	})

	It("with five rollouts at a time (the namespace's limit), the same upgrade never needs more Pods than the cluster holds", func() {
		var n corev1.Namespace
		Expect(k8sClient.Get(ctx, types.NamespacedName{Name: ns}, &n)).To(Succeed())
		patch := client.MergeFrom(n.DeepCopy())
		n.Annotations = map[string]string{apiv1.AnnotationMaxConcurrentRollouts: "5"}
		Expect(k8sClient.Patch(ctx, &n, patch)).To(Succeed())
		time.Sleep(11 * time.Second) // the manager reads a namespace's limit again after 10 s

		took, peakPods, peakUnschedulable, peakWaiting := upgradeAll("promoted to blue and Idle", "registry.example/full:3.0.0", apiv1.EnvironmentBlue)
		results = append(results, fmt.Sprintf("%d RestAPIs upgraded at once on %d Pods of room, five at a time: all served the new revision and were Idle after %s, none aborted; "+
			"peak %d Pods (%d unschedulable), %d rollouts waiting for capacity at once", len(rs), capacity, took.Round(time.Second), peakPods, peakUnschedulable, peakWaiting))
		Expect(peakPods).To(BeNumerically("<=", capacity), "Pods beyond what the cluster holds")
		Expect(peakUnschedulable).To(BeZero(), "a Pod found no room")
	})
})
