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

// Package e2e runs the operator against a real cluster: the local kwok
// cluster by default (real kube-apiserver, kube-controller-manager and
// kube-scheduler, simulated nodes and Pods), or any cluster in $KUBECONFIG.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/controller"
	"github.com/restapi-operator/restapi-operator/internal/manager"
	"github.com/restapi-operator/restapi-operator/internal/tracing"
)

var (
	root      = filepath.Join("..", "..")
	ctx       context.Context
	cancel    context.CancelFunc
	k8sClient client.WithWatch
	scheme    = runtime.NewScheme()
	// managerLog holds the end of what the in-process manager logged.
	managerLog syncBuffer
	// managerRequests counts the in-process manager's API requests.
	managerRequests requestCounter
	// testNamespaces are dumped when a spec fails.
	testNamespaces []string
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "e2e suite")
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBECONFIG")).NotTo(BeEmpty(), "run through 'make test-e2e', which starts the local cluster and sets KUBECONFIG")
	requireLab()
	// E2E_MANAGER_LOG=file keeps the manager's whole log there as well.
	var logTo io.Writer = &managerLog
	if f := os.Getenv("E2E_MANAGER_LOG"); f != "" {
		out, err := os.Create(f)
		Expect(err).NotTo(HaveOccurred())
		logTo = io.MultiWriter(&managerLog, out)
	}
	logf.SetLogger(zap.New(zap.WriteTo(logTo), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiv1.AddToScheme(scheme))

	cfg, err := ctrl.GetConfig()
	Expect(err).NotTo(HaveOccurred())
	// The EndpointSlice sampler lists every 50 ms: no client-side throttling.
	testCfg := rest.CopyConfig(cfg)
	testCfg.QPS, testCfg.Burst = 500, 1000
	k8sClient, err = client.NewWithWatch(testCfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("installing the CRD")
	kubectl("apply", "--server-side", "--force-conflicts", "-f", filepath.Join(root, "config", "crd", "bases"))
	// kubectl wait fails, instead of waiting, on a CRD so new that it has
	// no conditions yet.
	Eventually(func() error {
		_, err := run(nil, kubectlPath(), "wait", "--for=condition=Established", "crd/restapis.apps.restapi.dev", "--timeout=10s")
		return err
	}, time.Minute, time.Second).Should(Succeed(), "the CRD is not Established")
	By("installing the Gateway API CRDs (no Gateway data plane: the specs play its controller)")
	installGatewayAPI()
	if runsOwnManagers() {
		return
	}

	By("starting the manager with production settings, as a ServiceAccount bound to the kustomize ClusterRole, in its own namespace")
	mgrCfg := managerConfig(cfg)
	mgrCfg.Wrap(managerRequests.wrap)
	// The fleet specs' namespaces are their own managers': this manager
	// leaves them out, as the shard that takes the rest would, so that
	// make test-fleet may run beside this suite (CI runs them one after
	// the other: docs/development.md).
	others := childcache.Namespaces{Except: fleetNamespaces}
	mgr, err := ctrl.NewManager(mgrCfg, manager.Options(manager.Config{MetricsAddr: "0", ProbeAddr: "0", ShardNamespaces: others}, scheme))
	Expect(err).NotTo(HaveOccurred())
	// Analysis checks and queries go into the traffic lab, as from a
	// manager inside the cluster (analysis_test.go); the component
	// NetworkPolicies admit the operator's namespace where HTTP checks
	// measure.
	// Rollout traces go to the lab's Jaeger, configured as a manager in
	// a cluster is: by the standard OTEL_* environment.
	var rolloutTraces *tracing.Rollouts
	if !trafficOff() {
		Expect(os.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", jaegerOTLP())).To(Succeed())
		Expect(os.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")).To(Succeed())
		rolloutTraces, flushTraces, err = tracing.FromEnv(ctx)
		Expect(err).NotTo(HaveOccurred())
	}
	Expect((&controller.RestAPIReconciler{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), Analysis: labMeasurer(),
		OperatorNamespace: operatorNamespace, Tracing: rolloutTraces, ShardNamespaces: others}).SetupWithManager(mgr)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

// runsOwnManagers: the specs selected run manager processes of their own
// (upgrade_test.go, shards_test.go: -ginkgo.label-filter=fleet), which an
// in-process manager watching every namespace would fight.
func runsOwnManagers() bool { return GinkgoLabelFilter() == "fleet" }

// fleetNamespaces are the namespaces of the specs that run their own
// managers: the in-process manager never caches nor reconciles them.
var fleetNamespaces = []string{upgradeNamespace, shardNamespaceA, shardNamespaceB}

// operatorNamespace is the in-process manager's namespace.
const operatorNamespace = "restapi-e2e-operator"

// managerConfig is cfg with a token of a ServiceAccount of
// operatorNamespace, bound to config/rbac/role.yaml's ClusterRole and
// nothing else, as its only credential: the manager has the RBAC a
// 'make deploy' gives it.
func managerConfig(cfg *rest.Config) *rest.Config {
	GinkgoHelper()
	// The ClusterRole only: the file's namespaced Role (leader election)
	// is for kustomize's namespace, and this manager does not elect.
	raw, err := os.ReadFile(filepath.Join(root, "config", "rbac", "role.yaml"))
	Expect(err).NotTo(HaveOccurred())
	var clusterRole []byte
	for doc := range strings.SplitSeq(string(raw), "\n---\n") {
		if strings.Contains(doc, "kind: ClusterRole\n") {
			clusterRole = []byte(doc)
		}
	}
	Expect(clusterRole).NotTo(BeEmpty(), "config/rbac/role.yaml has no ClusterRole")
	applied, err := run(clusterRole, kubectlPath(), "apply", "--server-side", "--force-conflicts", "-f", "-")
	Expect(err).NotTo(HaveOccurred(), applied)
	if _, err := run(nil, kubectlPath(), "get", "namespace", operatorNamespace); err != nil {
		kubectl("create", "namespace", operatorNamespace)
	}
	if _, err := run(nil, kubectlPath(), "get", "serviceaccount", "manager", "-n", operatorNamespace); err != nil {
		kubectl("create", "serviceaccount", "manager", "-n", operatorNamespace)
	}
	if _, err := run(nil, kubectlPath(), "get", "clusterrolebinding", "restapi-e2e-manager"); err != nil {
		kubectl("create", "clusterrolebinding", "restapi-e2e-manager", "--clusterrole=manager-role", "--serviceaccount="+operatorNamespace+":manager")
	}
	token := strings.TrimSpace(kubectl("create", "token", "manager", "-n", operatorNamespace, "--duration=3h"))
	out := rest.AnonymousClientConfig(cfg)
	out.BearerToken = token
	return out
}

// flushTraces exports the manager's spans not sent yet.
var flushTraces = func(context.Context) error { return nil }

var _ = AfterSuite(func() {
	_ = flushTraces(context.Background())
	for _, ns := range testNamespaces {
		_, _ = run(nil, kubectlPath(), "delete", "namespace", ns, "--wait=false")
	}
	if cancel != nil {
		cancel()
	}
})

// On failure: the manager's log, the namespace's events and the YAML of every
// object involved.
var _ = ReportAfterEach(func(report SpecReport) {
	if !report.Failed() {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n===== manager log (last 200 lines) =====\n%s\n", lastLines(managerLog.String(), 200))
	for _, ns := range testNamespaces {
		for _, args := range [][]string{
			{"events", "-n", ns},
			{"get", "rapi,deploy,rs,svc,endpointslices,cm,pods", "-n", ns, "-o", "wide"},
			{"get", "rapi,deploy,svc", "-n", ns, "-o", "yaml"},
		} {
			out, _ := run(nil, kubectlPath(), args...)
			fmt.Fprintf(&b, "\n===== kubectl %s =====\n%s\n", strings.Join(args, " "), out)
		}
	}
	// The cluster's own view: the aggregated metrics API (the HPA and the
	// namespace controller depend on it), the HPAs, and the end of the
	// control plane's logs (kwokctl keeps them next to the kubeconfig).
	for _, args := range [][]string{{"get", "apiservices"}, {"get", "hpa", "-A", "-o", "wide"}} {
		out, _ := run(nil, kubectlPath(), args...)
		fmt.Fprintf(&b, "\n===== kubectl %s =====\n%s\n", strings.Join(args, " "), out)
	}
	if kc := os.Getenv("KUBECONFIG"); kc != "" {
		for _, component := range []string{"metrics-server", "kube-controller-manager"} {
			file := filepath.Join(filepath.Dir(kc), "logs", component+".log")
			if log, err := os.ReadFile(file); err == nil {
				fmt.Fprintf(&b, "\n===== %s (last 40 lines) =====\n%s\n", file, lastLines(string(log), 40))
			}
		}
	}
	AddReportEntry("diagnostics", b.String())
	GinkgoWriter.Print(b.String())
})

func kubectlPath() string {
	if k := os.Getenv("KUBECTL"); k != "" {
		return k
	}
	return "kubectl"
}

// kubectl runs kubectl against the test cluster and fails the spec on error.
func kubectl(args ...string) string {
	GinkgoHelper()
	out, err := run(nil, kubectlPath(), args...)
	Expect(err).NotTo(HaveOccurred(), "kubectl %s:\n%s", strings.Join(args, " "), out)
	return out
}

func run(stdin []byte, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
