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
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/test/lab/load"
	"github.com/restapi-operator/restapi-operator/test/lab/podsim"
)

// Real requests across every switch (issue 19): the traffic lab
// (hack/lab.sh, which make test-e2e and make test-load start) runs the
// simulated Pods and kube-proxy's Service routing in a network namespace of
// its own, and its load generator sends a steady rate to Services there.

// trafficOff says whether E2E_TRAFFIC=off turned real requests off: for
// E2E_CLUSTER=current, where no lab runs. Nothing else turns them off; a
// lab that does not run fails the suite with the lab's own message.
func trafficOff() bool { return os.Getenv("E2E_TRAFFIC") == "off" }

func labScript() string { return filepath.Join(root, "hack", "lab.sh") }

// requireLab fails unless the lab runs (or traffic is off, which the report
// says).
func requireLab() {
	GinkgoHelper()
	if trafficOff() {
		AddReportEntry("traffic", "E2E_TRAFFIC=off: no request was sent; only EndpointSlices were sampled")
		return
	}
	out, err := run(nil, labScript(), "status")
	Expect(err).NotTo(HaveOccurred(),
		"the traffic lab does not run (%s): make test-e2e starts it with 'hack/lab.sh up', which needs root; "+
			"E2E_TRAFFIC=off runs without requests (on a cluster of your own)", strings.TrimSpace(out))
}

// traffic is one run of the load generator inside the lab.
type traffic struct {
	// source is the address the requests leave from ("" the load
	// generator's default, an address of no Pod); member the client Pod
	// it belongs to, deleted at stop.
	source string
	member *corev1.Pod
	cmd    *exec.Cmd
	out    bytes.Buffer
	stderr syncBuffer
	// progress is the number of the last progress line read
	// (answeredSoFar).
	progress int
	started  time.Time
	stopped  time.Time
	rate     float64
	names    []client.ObjectKey
}

// trafficRate is the requests per second sent to each Service in the e2e
// specs.
const trafficRate = 20

// startTraffic sends trafficRate requests per second to each named Service of ns,
// through its ClusterIP and first port, until stop. It returns nil when
// traffic is off. Reports are by namespace/name.
func startTraffic(ns string, services ...string) *traffic {
	GinkgoHelper()
	keys := make([]client.ObjectKey, 0, len(services))
	for _, name := range services {
		keys = append(keys, client.ObjectKey{Namespace: ns, Name: name})
	}
	return startTrafficTo(trafficRate, keys)
}

// startTrafficTo is startTraffic for Services in any namespace.
func startTrafficTo(rate float64, services []client.ObjectKey) *traffic {
	GinkgoHelper()
	return startTrafficWith(rate, services)
}

// startTrafficWith is startTrafficTo with more arguments for the load
// generator (-trace).
func startTrafficWith(rate float64, services []client.ObjectKey, extra ...string) *traffic {
	GinkgoHelper()
	if trafficOff() {
		return nil
	}
	targets := serviceTargets(services)
	t := &traffic{rate: rate, names: services}
	t.member, t.source = memberClient(services)
	from := []string{}
	if t.source != "" {
		from = []string{"-source", t.source}
	}
	// kube-proxy follows the EndpointSlices a moment later: start once
	// every Service has answered a request.
	Eventually(func(g Gomega) {
		out, err := run(nil, labScript(), append(append([]string{"load", "-rate", "50", "-max", "1", "-duration", "5s"}, from...), targets...)...)
		g.Expect(err).NotTo(HaveOccurred(), out)
		var reports map[string]*load.Report
		g.Expect(json.Unmarshal([]byte(out), &reports)).To(Succeed(), out)
		for _, key := range services {
			r := reports[key.String()]
			g.Expect(r).NotTo(BeNil())
			g.Expect(r.Requests).To(Equal(1))
			g.Expect(r.Failed()).To(BeZero(), "Service %s does not answer yet", key)
		}
	}, time.Minute, time.Second).Should(Succeed())
	args := append(append(append([]string{"load", "-rate", fmt.Sprint(rate), "-reuse", fmt.Sprint(trafficReuse), "-answering", "-duration", "30m"},
		from...), extra...), targets...)
	t.started = time.Now()
	t.cmd = exec.Command(labScript(), args...)
	t.cmd.Stdout, t.cmd.Stderr = &t.out, &t.stderr
	Expect(t.cmd.Start()).To(Succeed())
	// The spec changes what the Services serve next: not before every one
	// of them has answered this run once, or a change made at once (a
	// switch within the generator's start) would be missed.
	Eventually(t.stderr.String, time.Minute, 50*time.Millisecond).Should(ContainSubstring(load.AnsweringLine),
		"the load generator's first request to every Service has no answer yet")
	return t
}

// waitServing waits until a new connection to each of the traffic's
// Services is answered by a Pod the Service selects now, three times in a
// row: the last switch has reached kube-proxy's rules, so the traffic
// crossed it before it stops.
func (t *traffic) waitServing() {
	GinkgoHelper()
	if t == nil {
		return
	}
	for _, key := range t.names {
		var svc corev1.Service
		Expect(k8sClient.Get(ctx, key, &svc)).To(Succeed())
		url := fmt.Sprintf("http://%s:%d/", svc.Spec.ClusterIP, svc.Spec.Ports[0].Port)
		inARow := 0
		Eventually(func(g Gomega) {
			var pods corev1.PodList
			g.Expect(k8sClient.List(ctx, &pods, client.InNamespace(key.Namespace), client.MatchingLabels(svc.Spec.Selector))).To(Succeed())
			selected := map[string]bool{}
			for _, p := range pods.Items {
				selected[p.Name] = true
			}
			args := []string{"load", "-get", url}
			if t.source != "" {
				args = append(args, "-source", t.source)
			}
			out, err := run(nil, labScript(), args...)
			g.Expect(err).NotTo(HaveOccurred(), out)
			var a podsim.Answer
			g.Expect(json.Unmarshal([]byte(out), &a)).To(Succeed(), out)
			if !selected[a.Pod] {
				inARow = 0
			} else {
				inARow++
			}
			g.Expect(inARow).To(BeNumerically(">=", 3), "Service %s: answered by %s, not one of the Pods it selects now", key, a.Pod)
		}, time.Minute, 100*time.Millisecond).Should(Succeed())
	}
}

// trafficReuse is how many requests one connection of the traffic carries
// before it closes, as a client library's keep-alive: until then it stays
// with the Pod it reached, whatever the Service selects now.
const trafficReuse = 5

// waitAnswered waits until the traffic itself has been answered by the
// revision want gives each Service: its requests crossed the last switch
// before it stops. It only reads the running load generator's progress
// (SIGUSR1), sending nothing more. At a low rate and with many switches at
// once the data plane can follow a switch by more than the warm window
// (kube-controller-manager updates the EndpointSlices, then kube-proxy its
// rules), so "Idle" is not yet "the traffic crossed". It returns how many
// Services had no answer from theirs at the first look, and how long it
// took until all had.
func (t *traffic) waitAnswered(want map[client.ObjectKey]string) (behind int, took time.Duration) {
	GinkgoHelper()
	if t == nil {
		return 0, 0
	}
	start, first := time.Now(), true
	Eventually(func(g Gomega) {
		seen := t.answeredSoFar(g)
		var why []string
		for key, revision := range want {
			if !slices.Contains(seen[key.String()], revision) {
				why = append(why, fmt.Sprintf("%s: answered by %v; its active revision %s", key, seen[key.String()], revision))
			}
		}
		if first {
			behind, first = len(why), false
		}
		slices.Sort(why)
		g.Expect(why).To(BeEmpty(), "Services whose traffic has had no answer from their active revision")
	}, 3*time.Minute, 2*time.Second).Should(Succeed())
	return behind, time.Since(start)
}

// answeredSoFar asks the running load generator which revisions have
// answered each Service so far (by namespace/name): SIGUSR1, and one line
// on its stderr, numbered, so that a line read before is never taken for
// the answer.
func (t *traffic) answeredSoFar(g Gomega) map[string][]string {
	g.Expect(t.cmd.Process.Signal(syscall.SIGUSR1)).To(Succeed())
	var seen map[string][]string
	g.Eventually(func() bool {
		out := t.stderr.String()
		i := strings.LastIndex(out, load.ProgressPrefix)
		if i < 0 {
			return false
		}
		line, _, whole := strings.Cut(out[i+len(load.ProgressPrefix):], "\n")
		n, js, _ := strings.Cut(line, " ")
		number, err := strconv.Atoi(n)
		if !whole || err != nil || number <= t.progress {
			return false
		}
		seen = nil
		if json.Unmarshal([]byte(js), &seen) != nil {
			return false
		}
		t.progress = number
		return true
	}, 10*time.Second, 20*time.Millisecond).Should(BeTrue(), "the load generator did not say its progress; its stderr ends: %s",
		lastBytes(t.stderr.String(), 2000))
	return seen
}

// lastBytes is the end of s, at most n bytes of it.
func lastBytes(s string, n int) string { return s[max(0, len(s)-n):] }

// processUsage is a lab process's CPU time so far and its memory.
type processUsage struct {
	CPUSeconds      float64
	RSSKiB, PeakKiB int64
}

// labUsage reads the lab's processes' usage (hack/lab.sh usage); nil when
// traffic is off.
func labUsage() map[string]processUsage {
	GinkgoHelper()
	if trafficOff() {
		return nil
	}
	out, err := run(nil, labScript(), "usage")
	Expect(err).NotTo(HaveOccurred(), out)
	usage := map[string]processUsage{}
	for line := range strings.Lines(out) {
		var name string
		var u processUsage
		if _, err := fmt.Sscan(line, &name, &u.CPUSeconds, &u.RSSKiB, &u.PeakKiB); err == nil {
			usage[name] = u
		}
	}
	return usage
}

// usageSince says what each of the data plane's processes cost between two
// readings: CPU seconds (and the share of one core over elapsed) and peak
// memory; the load generator's own from its process state.
func (t *traffic) usageSince(before, after map[string]processUsage, elapsed time.Duration) string {
	var b strings.Builder
	for _, name := range []string{"podsim", "kube-proxy", "netpol", "coredns"} {
		cpu := after[name].CPUSeconds - before[name].CPUSeconds
		fmt.Fprintf(&b, "%s %.0f CPU s (%.0f%% of a core), peak RSS %d MiB; ", name, cpu, 100*cpu/elapsed.Seconds(), after[name].PeakKiB>>10)
	}
	if t != nil && t.cmd.ProcessState != nil {
		ps := t.cmd.ProcessState
		cpu := (ps.UserTime() + ps.SystemTime()).Seconds()
		peak := int64(0)
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			peak = ru.Maxrss >> 10
		}
		fmt.Fprintf(&b, "load generator %.0f CPU s (%.0f%% of a core over its %s), peak RSS %d MiB",
			cpu, 100*cpu/time.Since(t.started).Seconds(), time.Since(t.started).Round(time.Second), peak)
	}
	return b.String()
}

// memberClient starts, when the Services include one of an application's
// internal components (model, controller, repository: not its view), a
// client Pod that is a member of that application, and returns it and its
// address. The components' NetworkPolicies admit only the application's own
// Pods there (docs/security.md), so requests from anywhere else are
// refused, as they should be. The Pod carries the labels the policies
// select members by and no component or colour, so the operator neither
// counts nor owns it; stop deletes it. nil and "" when every Service is a
// view (open to anyone) or they span namespaces.
func memberClient(services []client.ObjectKey) (*corev1.Pod, string) {
	GinkgoHelper()
	internal := false
	for _, key := range services {
		if key.Namespace != services[0].Namespace {
			return nil, ""
		}
		if !strings.HasSuffix(key.Name, "-view") && !strings.HasSuffix(key.Name, "-view-preview") {
			internal = true
		}
	}
	if !internal {
		return nil, ""
	}
	member := map[string]string{apiv1.LabelInstance: app, apiv1.LabelManagedBy: apiv1.ManagedBy}
	pod := startClientPod(services[0].Namespace, "traffic-client-", member)
	return pod, pod.Status.PodIP
}

// startClientPod starts a Pod in ns that only sends (no port), admitted
// under Pod Security "restricted", and returns it once it has an address.
func startClientPod(ns, generateName string, labels map[string]string) *corev1.Pod {
	GinkgoHelper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: generateName, Labels: labels},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "client", Image: "registry.example/client:1.0.0",
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: new(false), RunAsNonRoot: new(true),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}},
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: new(true), RunAsUser: new(int64(65534)),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		},
	}
	Expect(k8sClient.Create(ctx, pod)).To(Succeed())
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pod), pod)).To(Succeed())
		g.Expect(pod.Status.PodIP).NotTo(BeEmpty())
	}).Should(Succeed())
	return pod
}

// serviceTargets are the load generator's -target flags for the Services:
// each one's ClusterIP and first port, named namespace/name.
func serviceTargets(services []client.ObjectKey) []string {
	GinkgoHelper()
	out := make([]string, 0, 2*len(services))
	for _, key := range services {
		var svc corev1.Service
		Expect(k8sClient.Get(ctx, key, &svc)).To(Succeed())
		Expect(svc.Spec.Ports).NotTo(BeEmpty(), "Service %s has no port", key)
		out = append(out, "-target", fmt.Sprintf("%s=http://%s:%d/", key, svc.Spec.ClusterIP, svc.Spec.Ports[0].Port))
	}
	return out
}

// stop ends the run (SIGTERM: the generator finishes the requests on their
// way and prints its report) and returns the report by Service name.
func (t *traffic) stop() map[string]*load.Report {
	GinkgoHelper()
	if t == nil {
		return nil
	}
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	t.stopped = time.Now()
	done := make(chan error, 1)
	go func() { done <- t.cmd.Wait() }()
	select {
	case err := <-done:
		Expect(err).NotTo(HaveOccurred(), "the load generator: %s", t.stderr.String())
	case <-time.After(30 * time.Second):
		_ = t.cmd.Process.Kill()
		Fail("the load generator did not stop within 30 s of SIGTERM: " + t.stderr.String())
	}
	if t.member != nil {
		Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, t.member, client.GracePeriodSeconds(0)))).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(t.member), &corev1.Pod{}))
		}, time.Minute).Should(BeTrue(), "the traffic's client Pod %s is not gone", t.member.Name)
	}
	var reports map[string]*load.Report
	Expect(json.Unmarshal(t.out.Bytes(), &reports)).To(Succeed(), "the load generator's report: %s", t.out.String())
	return reports
}

// elapsed is how long the traffic ran, or has run so far.
func (t *traffic) elapsed() time.Duration {
	if t.stopped.IsZero() {
		return time.Since(t.started)
	}
	return t.stopped.Sub(t.started)
}

// checkTraffic asserts what a user of every Service would have seen: no
// request failed, no answer mixed revisions, and requests went out all
// along (at least half the rate over the whole run).
func (t *traffic) checkTraffic(reports map[string]*load.Report) {
	GinkgoHelper()
	if t == nil {
		return
	}
	elapsed := t.elapsed()
	least := int(t.rate * elapsed.Seconds() / 2)
	for _, key := range t.names {
		r := reports[key.String()]
		Expect(r).NotTo(BeNil(), "no report for Service %s", key)
		Expect(r.Requests).To(BeNumerically(">=", least), "Service %s: %s over %s, fewer than half the rate", key, r, elapsed)
		Expect(r.Failed()).To(BeZero(), "Service %s: %s (%d not 2xx, %d without an answer, %d failed in a row): %q",
			key, r, r.Non2xx, r.ConnErrors, r.LongestFailureRun, r.Errors)
		Expect(r.Mixed).To(BeZero(), "Service %s: %s; answers by revision %v", key, r, r.Revisions)
	}
	if len(reports) <= 8 {
		GinkgoWriter.Printf("traffic over %s: %s\n", elapsed.Round(time.Millisecond), summary(reports))
	}
}

// summary is one line per Service (requests, failed, mixed, the revisions
// that answered) and the total, indented.
func summary(reports map[string]*load.Report) string {
	var b strings.Builder
	load.Print(&b, reports)
	return "\n  " + strings.ReplaceAll(strings.TrimSpace(b.String()), "\n", "\n  ")
}

// answeredBy lists the revisions that answered a Service, in order.
func answeredBy(r *load.Report) []string {
	out := make([]string, 0, len(r.Revisions))
	for _, rc := range r.Revisions {
		out = append(out, rc.Revision)
	}
	return out
}
