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
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// The namespaces of the shards spec: the local cluster's audit policy
// (hack/kwok/audit-policy.yaml) logs every write to them, and nothing else.
const (
	shardNamespaceA = "restapi-e2e-shard-a"
	shardNamespaceB = "restapi-e2e-shard-b"
	shardLabel      = "restapi-e2e/shard"
	shardList       = "e2e-a:" + shardLabel + "=a;e2e-b:" + shardLabel + "=b"
)

// auditWrite is one write in the API server's audit log.
type auditWrite struct {
	UserAgent string `json:"userAgent"`
	Verb      string `json:"verb"`
	ObjectRef struct {
		Resource, Namespace, Name, Subresource string
	} `json:"objectRef"`
	StageTimestamp metav1.MicroTime `json:"stageTimestamp"`
}

// shardWrites are the writes of the shards' managers (user agent
// restapi-operator/<shard>) to namespace ns since since, in the audit log,
// in order (the log holds earlier runs' too).
func shardWrites(ns string, since time.Time) []auditWrite {
	GinkgoHelper()
	path := os.Getenv("E2E_AUDIT_LOG")
	Expect(path).NotTo(BeEmpty(), "E2E_AUDIT_LOG names the local cluster's audit log (make test-fleet sets it)")
	f, err := os.Open(path)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = f.Close() }()
	var out []auditWrite
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var w auditWrite
		if json.Unmarshal(sc.Bytes(), &w) != nil || w.ObjectRef.Namespace != ns || !strings.HasPrefix(w.UserAgent, "restapi-operator/") ||
			w.StageTimestamp.Before(&metav1.MicroTime{Time: since}) {
			continue
		}
		out = append(out, w)
	}
	Expect(sc.Err()).NotTo(HaveOccurred())
	return out
}

// shardOf is the shard a write came from.
func shardOf(w auditWrite) string { return strings.TrimPrefix(w.UserAgent, "restapi-operator/") }

var _ = Describe("Shards", Label("fleet"), func() {
	It("two shards each reconcile only their namespaces; relabelling one hands it over with no rollout, and no RestAPI is ever written by both", func() {
		dir := GinkgoT().TempDir()
		start := time.Now()
		By("building the manager")
		bin := filepath.Join(dir, "manager")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "go build: %s", out)

		for ns, shard := range map[string]string{shardNamespaceA: "a", shardNamespaceB: "b"} {
			Eventually(func() bool {
				return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}))
			}, 3*time.Minute).Should(BeTrue(), "namespace %s of an earlier run is still there", ns)
			Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
				shardLabel: shard, "pod-security.kubernetes.io/enforce": "restricted",
			}}})).To(Succeed())
			testNamespaces = append(testNamespaces, ns)
			DeferCleanup(func() { _, _ = run(nil, kubectlPath(), "delete", "namespace", ns, "--wait=false") })
		}

		By("running two shards, e2e-a and e2e-b, and two RestAPIs in each one's namespace")
		startManagerProcess(bin, dir, "e2e-a", "", "--shards="+shardList, "--shard=e2e-a")
		startManagerProcess(bin, dir, "e2e-b", "", "--shards="+shardList, "--shard=e2e-b")
		views := make([]client.ObjectKey, 0, 4)
		for _, ns := range []string{shardNamespaceA, shardNamespaceB} {
			for _, name := range []string{"api-0", "api-1"} {
				r := loadRestAPI(ns, name)
				r.Spec.BlueGreen.ScaleDownDelaySeconds = new(int32(5))
				Expect(k8sClient.Create(ctx, r)).To(Succeed())
				views = append(views, client.ObjectKey{Namespace: ns, Name: name + "-view"})
			}
		}
		idle := func(r *apiv1.RestAPI) bool {
			return available(r) && r.Status.BlueGreen != nil && r.Status.BlueGreen.State == apiv1.StateIdle
		}
		waitAll("Available and Idle", []string{shardNamespaceA, shardNamespaceB}, 4, 5*time.Minute, idle)
		for ns, shard := range map[string]string{shardNamespaceA: "e2e-a", shardNamespaceB: "e2e-b"} {
			ws := shardWrites(ns, start)
			Expect(ws).NotTo(BeEmpty(), "no write to %s in the audit log", ns)
			for _, w := range ws {
				Expect(shardOf(w)).To(Equal(shard), "%s wrote %s %s/%s in %s's namespace", shardOf(w), w.Verb, w.ObjectRef.Resource, w.ObjectRef.Name, shard)
			}
		}
		traffic := startTrafficTo(2, views)

		By("relabelling e2e-a's namespace for e2e-b")
		before := writesSnapshot(shardNamespaceA)
		relabelled := time.Now()
		var ns corev1.Namespace
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: shardNamespaceA}, &ns)).To(Succeed())
		ns.Labels[shardLabel] = "b"
		Expect(k8sClient.Update(ctx, &ns)).To(Succeed())

		By("e2e-b reconciles it: a new revision is rolled out there, blue-green")
		time.Sleep(10 * time.Second) // both shards' managers replaced by now
		Expect(changed(before, writesSnapshot(shardNamespaceA))).To(BeEmpty(), "the handover wrote to the application")
		patch := client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"image":"registry.example/load:2.0.0"}}`))
		for _, name := range []string{"api-0", "api-1"} {
			Expect(k8sClient.Patch(ctx, &apiv1.RestAPI{ObjectMeta: metav1.ObjectMeta{Namespace: shardNamespaceA, Name: name}}, patch)).To(Succeed())
		}
		waitAll("promoted to green and Idle", []string{shardNamespaceA}, 2, 5*time.Minute, func(r *apiv1.RestAPI) bool {
			return idle(r) && r.Status.ActiveEnvironment == apiv1.EnvironmentGreen
		})
		reports := traffic.stop()
		traffic.checkTraffic(reports)

		By("reading who wrote, from the audit log")
		byShard := map[string]int{}
		lastA, firstB := time.Time{}, time.Time{}
		for _, w := range shardWrites(shardNamespaceA, start) {
			byShard[shardOf(w)]++
			switch t := w.StageTimestamp.Time; shardOf(w) {
			case "e2e-a":
				lastA = t
			case "e2e-b":
				if firstB.IsZero() {
					firstB = t
				}
			}
		}
		Expect(lastA).To(BeTemporally("<", relabelled), "e2e-a wrote to the namespace after it left the shard")
		Expect(firstB).To(BeTemporally(">", relabelled), "e2e-b wrote to the namespace before it joined the shard")
		for _, w := range shardWrites(shardNamespaceB, start) {
			Expect(shardOf(w)).To(Equal("e2e-b"))
		}
		GinkgoWriter.Printf("shards: writes to %s: %v; e2e-a's last %s before the relabel, e2e-b's first %s after it\n",
			shardNamespaceA, byShard, relabelled.Sub(lastA).Round(time.Millisecond), firstB.Sub(relabelled).Round(time.Millisecond))
		AddReportEntry("shards", fmt.Sprintf("writes to %s by shard: %v", shardNamespaceA, byShard))
	})
})
