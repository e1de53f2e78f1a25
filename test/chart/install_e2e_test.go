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

package chart

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The release's name: its objects are "chart-e2e-restapi-operator-...", so
// they meet nothing else on the cluster.
const release = "chart-e2e"

func kubectl(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	out, err := kubectlErr(t, stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func kubectlErr(t *testing.T, stdin []byte, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(tool(t, "KUBECTL", "'make test-chart'"), args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// waitFor polls cond every second until it holds or the time is up.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(time.Second)
	}
	t.Fatalf("%s: not within %s; last seen: %s", what, timeout, last)
}

// manager is the operator's binary run as the chart's ServiceAccount, with
// the arguments the chart gives its Deployment.
type manager struct {
	cmd    *exec.Cmd
	log    *bytes.Buffer
	mu     *sync.Mutex
	exited chan struct{}
	err    error
}

// check fails the test at once when the manager has exited: waiting for
// what it would have done is pointless then.
func (m *manager) check(t *testing.T) {
	t.Helper()
	select {
	case <-m.exited:
		t.Fatalf("the manager exited (%v):\n%s", m.err, m.output())
	default:
	}
}

func (m *manager) output() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// startManager runs bin with the chart Deployment's arguments (the
// metrics and probe ports moved out of the way), authenticated with a token
// of the chart's ServiceAccount: the chart's RBAC is all it has.
func startManager(t *testing.T, bin, ns, sa string) *manager {
	t.Helper()
	argv := make([]string, 0, 8)
	raw := kubectl(t, nil, "get", "deployment", release+"-restapi-operator-controller-manager", "-n", ns,
		"-o", "jsonpath={.spec.template.spec.containers[0].args}")
	if err := json.Unmarshal([]byte(raw), &argv); err != nil {
		t.Fatalf("the Deployment's args %q: %v", raw, err)
	}
	token := strings.TrimSpace(kubectl(t, nil, "create", "token", sa, "-n", ns, "--duration=1h"))
	kubeconfig := saKubeconfig(t, token)
	argv = append(argv, "--metrics-bind-address=0", "--health-probe-bind-address=0", "--kubeconfig="+kubeconfig)
	m := &manager{log: &bytes.Buffer{}, mu: &sync.Mutex{}, exited: make(chan struct{})}
	m.cmd = exec.Command(bin, argv...)
	m.cmd.Env = append(os.Environ(), "POD_NAMESPACE="+ns, "KUBECONFIG="+kubeconfig)
	m.cmd.Stdout, m.cmd.Stderr = lockedWriter{m.mu, m.log}, lockedWriter{m.mu, m.log}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { m.err = m.cmd.Wait(); close(m.exited) }()
	t.Cleanup(func() {
		if t.Failed() {
			out := m.output()
			if len(out) > 8000 {
				out = out[len(out)-8000:]
			}
			t.Logf("the manager's output (its end):\n%s", out)
		}
		select {
		case <-m.exited:
		default:
			_ = m.cmd.Process.Kill()
			<-m.exited
		}
	})
	t.Logf("manager started as %s/%s with %v", ns, sa, argv[:len(argv)-1])
	return m
}

// stop ends the manager and fails the test if it was ever refused
// anything: the chart's RBAC must be enough.
func (m *manager) stop(t *testing.T) {
	t.Helper()
	_ = m.cmd.Process.Signal(os.Interrupt)
	select {
	case <-m.exited:
	case <-time.After(20 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.exited
	}
	out := m.output()
	// An authorization refusal names the user; "forbidden" alone also
	// says a namespace is being deleted, which is no RBAC matter.
	if rbacRefusal.MatchString(out) {
		t.Errorf("the manager was refused something with the chart's RBAC:\n%s", grep(out, "forbidden: User"))
	}
}

// rbacRefusal is how the API server words an authorization refusal, in a
// plain or a JSON log line.
var rbacRefusal = regexp.MustCompile(`forbidden: User \\?"system:serviceaccount:`)

func grep(text, what string) string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, what) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// saKubeconfig is the current cluster's kubeconfig with the token as its
// only credential.
func saKubeconfig(t *testing.T, token string) string {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	cluster := clientcmdapi.NewCluster()
	cluster.Server = cfg.Host
	cluster.CertificateAuthorityData = cfg.CAData
	if len(cfg.CAData) == 0 && cfg.CAFile != "" {
		cluster.CertificateAuthority = cfg.CAFile
	}
	cluster.InsecureSkipTLSVerify = cfg.Insecure
	c := clientcmdapi.NewConfig()
	c.Clusters["c"] = cluster
	c.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: token}
	c.Contexts["sa"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "sa"}
	c.CurrentContext = "sa"
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*c, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func restAPI(ns, image string) []byte {
	return fmt.Appendf(nil, `apiVersion: apps.restapi.dev/v1alpha1
kind: RestAPI
metadata:
  name: shop
  namespace: %s
spec:
  image: %s
  replicas: 1
  autoScaling:
    enabled: false
`, ns, image)
}

// withPromotionQuery adds a pre-promotion Prometheus check, sent to the
// manager's default Prometheus.
func withPromotionQuery(rapi []byte) []byte {
	return append(rapi, `  blueGreen:
    analysis:
      prePromotion:
      - name: errors
        prometheus:
          query: sum(rate(http_requests_total{code=~"5.."}[1m]))
          successCondition: result == 0.0
        intervalSeconds: 1
        count: 1
`...)
}

// tokenPrometheus answers queries with 0 when they carry the bearer token,
// and 401 otherwise; it counts both.
func tokenPrometheus(t *testing.T, token string) (srv *httptest.Server, authorized, refused *atomic.Int32) {
	authorized, refused = &atomic.Int32{}, &atomic.Int32{}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			refused.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		authorized.Add(1)
		_, _ = fmt.Fprint(w, `{"status":"success","data":{"resultType":"scalar","result":[0,"0"]}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, authorized, refused
}

// status reads the RestAPI's phase, and whether it is observed at its
// generation, and the revision that serves.
func status(t *testing.T, ns string) (phase string, observed bool, active string) {
	t.Helper()
	out, err := kubectlErr(t, nil, "get", "restapi", "shop", "-n", ns, "-o",
		"jsonpath={.status.phase} {.metadata.generation} {.status.observedGeneration} {.status.blueGreen.activeRevision}")
	if err != nil {
		return "error: " + out, false, ""
	}
	f := strings.Fields(out)
	for len(f) < 4 {
		f = append(f, "")
	}
	return f[0], f[1] == f[2], f[3]
}

// TestHelmInstallUpgradeUninstall installs the chart on the local cluster,
// runs the manager with the chart's RBAC while a RestAPI is deployed,
// upgrades the release to watch one namespace only and ships a new image,
// then uninstalls it: the CRD and the RestAPI stay.
func TestHelmInstallUpgradeUninstall(t *testing.T) {
	if os.Getenv("KUBECONFIG") == "" {
		t.Fatal("KUBECONFIG is not set: run through 'make test-chart', which starts the local cluster")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	suffix := fmt.Sprintf("%d", time.Now().Unix()%100000)
	opNS, appNS := "chart-op-"+suffix, "chart-apps-"+suffix
	sa := release + "-restapi-operator-controller-manager"

	bin := filepath.Join(t.TempDir(), "manager")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	kubectl(t, nil, "create", "namespace", appNS)
	t.Cleanup(func() {
		_, _ = kubectlErr(t, nil, "delete", "namespace", appNS, opNS, "--wait=false")
		_, _ = kubectlErr(t, nil, "delete", "clusterrole,clusterrolebinding", "-l", "app.kubernetes.io/instance="+release)
	})
	_, crdErr := kubectlErr(t, nil, "get", "crd", "restapis.apps.restapi.dev")
	crdBefore := crdErr == nil

	t.Log("helm install, default values: every namespace")
	helm(t, "install", release, chart, "-n", opNS, "--create-namespace", "--wait", "--timeout", "3m")
	if !crdBefore {
		kubectl(t, nil, "get", "crd", "restapis.apps.restapi.dev") // installed from crds/
	}
	kubectl(t, nil, "get", "clusterrolebinding", release+"-restapi-operator-manager-rolebinding")
	m := startManager(t, bin, opNS, sa)
	kubectl(t, restAPI(appNS, "registry.example/shop:1.0.0"), "apply", "-f", "-")
	var first string
	waitFor(t, "the RestAPI Available, reconciled by the manager with the chart's RBAC", 3*time.Minute, func() (bool, string) {
		m.check(t)
		phase, observed, active := status(t, appNS)
		first = active
		return phase == "Available" && observed && active != "", phase
	})
	m.stop(t)

	t.Log("helm upgrade: watch the application's namespace only, other resources, a Prometheus that wants a token from a Secret")
	prom, authorized, refused := tokenPrometheus(t, "chart-s3cret")
	kubectl(t, nil, "create", "secret", "generic", "prom-token", "-n", opNS, "--from-literal=token=chart-s3cret")
	kubectl(t, nil, "create", "secret", "generic", "other", "-n", opNS, "--from-literal=token=not-for-the-manager")
	helm(t, "upgrade", release, chart, "-n", opNS, "--reuse-values", "--set", "watchNamespaces={"+appNS+"}",
		"--set", "resources.requests.cpu=50m", "--set", "analysis.prometheusAddress="+prom.URL,
		"--set", "analysis.prometheusBearerTokenSecret.name=prom-token", "--wait", "--timeout", "3m")
	if _, err := kubectlErr(t, nil, "get", "clusterrolebinding", release+"-restapi-operator-manager-rolebinding"); err == nil {
		t.Errorf("the ClusterRoleBinding is still there with watchNamespaces set")
	}
	kubectl(t, nil, "get", "rolebinding", release+"-restapi-operator-manager", "-n", appNS)
	as := "--as=system:serviceaccount:" + opNS + ":" + sa
	if out, _ := kubectlErr(t, nil, "auth", "can-i", "patch", "deployments", "-n", "default", as); strings.TrimSpace(out) != "no" {
		t.Errorf("the manager may still patch Deployments outside its namespace: %q", out)
	}
	if out := kubectl(t, nil, "auth", "can-i", "patch", "deployments", "-n", appNS, as); strings.TrimSpace(out) != "yes" {
		t.Errorf("the manager may not patch Deployments in %s: %q", appNS, out)
	}
	for _, c := range []struct{ verb, what, want string }{
		{"get", "secret/prom-token", "yes"}, {"get", "secret/other", "no"}, {"list", "secrets", "no"}, {"watch", "secrets", "no"},
	} {
		if out, _ := kubectlErr(t, nil, "auth", "can-i", c.verb, c.what, "-n", opNS, as); strings.TrimSpace(out) != c.want {
			t.Errorf("can the manager %s %s in its namespace: %q, want %s", c.verb, c.what, out, c.want)
		}
	}
	cpu := kubectl(t, nil, "get", "deployment", sa, "-n", opNS, "-o", "jsonpath={.spec.template.spec.containers[0].resources.requests.cpu}")
	if cpu != "50m" {
		t.Errorf("cpu request after the upgrade: %q", cpu)
	}
	m = startManager(t, bin, opNS, sa)
	if !strings.Contains(strings.Join(m.cmd.Args, " "), "--watch-namespaces="+appNS) {
		t.Errorf("the upgraded Deployment does not pass --watch-namespaces: %v", m.cmd.Args)
	}
	kubectl(t, withPromotionQuery(restAPI(appNS, "registry.example/shop:1.1.0")), "apply", "-f", "-")
	waitFor(t, "the new image rolled out blue-green by the manager watching one namespace, promoted on a query sent with the Secret's token",
		3*time.Minute, func() (bool, string) {
			m.check(t)
			phase, observed, active := status(t, appNS)
			return phase == "Available" && observed && active != "" && active != first, phase + " " + active
		})
	m.stop(t)
	if authorized.Load() == 0 || refused.Load() != 0 {
		t.Errorf("Prometheus saw %d queries with the Secret's token and %d without", authorized.Load(), refused.Load())
	}

	t.Log("helm uninstall: the release's objects go, the CRD and the RestAPI stay")
	helm(t, "uninstall", release, "-n", opNS, "--wait", "--timeout", "2m")
	for _, obj := range [][]string{
		{"deployment", sa, "-n", opNS},
		{"clusterrole", release + "-restapi-operator-manager-role"},
		{"rolebinding", release + "-restapi-operator-manager", "-n", appNS},
	} {
		if out, err := kubectlErr(t, nil, append([]string{"get"}, obj...)...); err == nil {
			t.Errorf("%v is still there after helm uninstall: %s", obj, out)
		}
	}
	kubectl(t, nil, "get", "crd", "restapis.apps.restapi.dev")
	kubectl(t, nil, "get", "restapi", "shop", "-n", appNS)
	if ctx.Err() != nil {
		t.Fatal("ran past 10 minutes")
	}
}
