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

// Package manifests checks the shipped YAML against a real kube-apiserver:
// the samples pass admission, kubectl shows the printer columns, and the
// kustomize install bundle is accepted by a server-side dry run.
package manifests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

var (
	root    = filepath.Join("..", "..")
	kubectl string
	kubecfg string
)

func TestMain(m *testing.M) {
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		panic("KUBEBUILDER_ASSETS is not set: run the tests with 'make test' " +
			"(it builds kube-apiserver, etcd and kubectl when missing)")
	}
	if _, err := env.Start(); err != nil {
		panic(err)
	}
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		panic(err)
	}
	cfg, err := user.KubeConfig()
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "manifests-test")
	if err != nil {
		panic(err)
	}
	kubecfg = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubecfg, cfg, 0o600); err != nil {
		panic(err)
	}
	kubectl = os.Getenv("KUBECTL")
	if kubectl == "" {
		kubectl = filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	}
	code := m.Run()
	_ = env.Stop()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// run runs kubectl against the test apiserver and returns its output.
func run(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command(kubectl, append([]string{"--kubeconfig", kubecfg}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

func TestSamplesPassServerSideDryRun(t *testing.T) {
	out := run(t, nil, "apply", "--dry-run=server", "-n", "default", "-f", filepath.Join(root, "config", "samples"))
	if !strings.Contains(out, "restapi.apps.restapi.dev/shop created (server dry run)") {
		t.Errorf("unexpected output: %s", out)
	}
}

func TestGetShowsPrinterColumns(t *testing.T) {
	run(t, nil, "create", "namespace", "columns")
	run(t, nil, "apply", "-n", "columns", "-f", filepath.Join(root, "config", "samples"))
	status := `{"status":{"phase":"Available","activeEnvironment":"blue","ready":"8/8","replicas":8,"readyReplicas":8}}`
	run(t, nil, "patch", "rapi", "shop", "-n", "columns", "--subresource=status", "--type=merge", "-p", status)

	out := run(t, nil, "get", "rapi", "-n", "columns")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a header and one row, got:\n%s", out)
	}
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "NAME PHASE ACTIVE READY AGE" {
		t.Errorf("header %q", lines[0])
	}
	got := strings.Fields(lines[1])
	if len(got) != 5 || got[0] != "shop" || got[1] != "Available" || got[2] != "blue" || got[3] != "8/8" {
		t.Errorf("row %q", lines[1])
	}
	// -o wide adds the first URL.
	run(t, nil, "patch", "rapi", "shop", "-n", "columns", "--subresource=status", "--type=merge",
		"-p", `{"status":{"urls":{"stable":["https://shop.example.com/"]}}}`)
	wide := strings.Split(strings.TrimSpace(run(t, nil, "get", "rapi", "-n", "columns", "-o", "wide")), "\n")
	if got := strings.Join(strings.Fields(wide[0]), " "); got != "NAME PHASE ACTIVE READY AGE URL" {
		t.Errorf("wide header %q", wide[0])
	}
	if got := strings.Fields(wide[1]); got[len(got)-1] != "https://shop.example.com/" {
		t.Errorf("wide row %q", wide[1])
	}
	// The short name and the "all" category work too.
	if out := run(t, nil, "get", "all", "-n", "columns"); !strings.Contains(out, "restapi.apps.restapi.dev/shop") {
		t.Errorf("kubectl get all does not list the RestAPI:\n%s", out)
	}
}

func TestInstallBundlePassesServerSideDryRun(t *testing.T) {
	kustomize := os.Getenv("KUSTOMIZE")
	if kustomize == "" {
		kustomize = filepath.Join(root, "bin", "kustomize")
	}
	cmd := exec.Command(kustomize, "build", filepath.Join(root, "config", "default"))
	bundle, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build config/default (run 'make kustomize' first): %v", err)
	}
	// A server-side dry run cannot create a namespace and then objects in it.
	run(t, nil, "create", "namespace", "restapi-operator-system")
	out := run(t, bundle, "apply", "--dry-run=server", "-f", "-")
	for _, want := range []string{
		"customresourcedefinition.apiextensions.k8s.io/restapis.apps.restapi.dev",
		"clusterrole.rbac.authorization.k8s.io/restapi-operator-manager-role",
		"deployment.apps/restapi-operator-controller-manager",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("bundle did not apply %s:\n%s", want, out)
		}
	}
}

// TestEnvironmentOverlays builds each environment overlay of the sample and
// applies it with a server-side dry run: the CRD's validation accepts what
// each one makes, and each makes what its comment promises.
func TestEnvironmentOverlays(t *testing.T) {
	kustomize := os.Getenv("KUSTOMIZE")
	if kustomize == "" {
		kustomize = filepath.Join(root, "bin", "kustomize")
	}
	want := map[string][]string{
		"dev":     {"namespace: shop-dev", "replicas: 1", "enabled: false", "LOG_LEVEL: debug"},
		"staging": {"namespace: shop-staging", "autoPromotionSeconds: 60"},
		"prod":    {"namespace: shop-prod", "autoPromotion: false", "minReplicas: 3", "stabilizationWindowSeconds: 600", "predictive:"},
	}
	for env, fragments := range want {
		t.Run(env, func(t *testing.T) {
			out, err := exec.Command(kustomize, "build", filepath.Join(root, "config", "samples", "environments", env)).Output()
			if err != nil {
				t.Fatalf("kustomize build: %v", err)
			}
			for _, f := range fragments {
				if !strings.Contains(string(out), f) {
					t.Errorf("%s overlay lacks %q:\n%s", env, f, out)
				}
			}
			run(t, nil, "create", "namespace", "shop-"+env)
			got := run(t, out, "apply", "--dry-run=server", "-f", "-")
			if !strings.Contains(got, "restapi.apps.restapi.dev/shop created (server dry run)") {
				t.Errorf("%s: %s", env, got)
			}
		})
	}
}

// TestSingleNamespaceOverlay builds the operator for one namespace: the
// manager watches only "apps", its ClusterRole is bound there only, and the
// API server accepts the bundle.
func TestSingleNamespaceOverlay(t *testing.T) {
	kustomize := os.Getenv("KUSTOMIZE")
	if kustomize == "" {
		kustomize = filepath.Join(root, "bin", "kustomize")
	}
	bundle, err := exec.Command(kustomize, "build", filepath.Join(root, "config", "overlays", "single-namespace")).Output()
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	text := string(bundle)
	if !strings.Contains(text, "--watch-namespaces=apps") {
		t.Error("the manager is not limited to the namespace")
	}
	if strings.Contains(text, "name: restapi-operator-manager-rolebinding\n") {
		t.Error("the cluster-wide binding of the manager's role is still there")
	}
	for _, ns := range []string{"apps", "restapi-operator-system"} {
		run(t, []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+ns+"\n"), "apply", "-f", "-")
	}
	out := run(t, bundle, "apply", "--dry-run=server", "-f", "-")
	if !strings.Contains(out, "rolebinding.rbac.authorization.k8s.io/restapi-operator-manager created (server dry run)") {
		t.Errorf("the namespaced binding was not applied:\n%s", out)
	}
}
