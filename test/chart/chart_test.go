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

// Package chart tests the Helm chart in dist/chart with the real Helm:
// lint, the objects it renders against what `make build-installer` writes,
// what each value changes, and that the README documents every value. The
// install, upgrade and uninstall on the local cluster are in
// install_e2e_test.go (make test-chart).
package chart

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var (
	root  = filepath.Join("..", "..")
	chart = filepath.Join(root, "dist", "chart")
)

// tool is the path of a binary the Makefile passes in the environment.
func tool(t *testing.T, env, hint string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		t.Fatalf("%s is not set: run through %s", env, hint)
	}
	return p
}

func helm(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(tool(t, "HELM", "'make test' (hack/k8s-binaries.sh helm builds it)"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// object is one rendered object, as a map.
type object = map[string]any

// objects splits a multi-document YAML stream into its objects, by
// "Kind namespace/name".
func objects(t *testing.T, stream string) map[string]object {
	t.Helper()
	out := map[string]object{}
	for doc := range strings.SplitSeq(stream, "\n---") {
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, doc)
		}
		if len(o) == 0 {
			continue
		}
		out[key(o)] = o
	}
	return out
}

func key(o object) string {
	md, _ := o["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	return fmt.Sprintf("%s %s/%s", o["kind"], ns, md["name"])
}

// helmOnly are the labels and annotations Helm's objects carry and
// kustomize's do not (or carry with another value).
var helmOnly = []string{"helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance",
	"app.kubernetes.io/version", "helm.sh/resource-policy"}

// normalize drops what differs by tool, not by meaning: the labels above,
// and empty label and annotation maps left behind.
func normalize(o object) object {
	md, _ := o["metadata"].(map[string]any)
	for _, field := range []string{"labels", "annotations"} {
		m, _ := md[field].(map[string]any)
		for _, k := range helmOnly {
			delete(m, k)
		}
		if len(m) == 0 {
			delete(md, field)
		}
	}
	return o
}

func render(t *testing.T, args ...string) map[string]object {
	t.Helper()
	return objects(t, helm(t, append([]string{"template", "restapi-operator", chart, "--namespace", "restapi-operator-system"}, args...)...))
}

func TestChartLintsStrict(t *testing.T) {
	for name, set := range map[string][]string{
		"defaults": nil,
		"every value set": {"--set", "watchNamespaces={apps,shop}", "--set", "metrics.serviceMonitor.enabled=true",
			"--set", "namespace.create=true", "--set", "extraArgs={--max-concurrent-reconciles=8}",
			"--set", "nodeSelector.disk=ssd", "--set", "priorityClassName=system-cluster-critical",
			"--set", "tolerations[0].operator=Exists", "--set", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=x",
			"--set", "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists",
			"--set", "analysis.prometheusAddress=http://prometheus:9090", "--set", "analysis.prometheusBearerTokenSecret.name=prom-token",
			"--set", "analysis.prometheusAllowedAddresses={http://thanos:9090}", "--set", "analysis.prometheusUnlistedAddresses=anonymous",
			"--set", "analysis.allowedHosts={*.partner.example,10.20.0.0/16}", "--set", "analysis.measurers=8", "--set", "renderingUpgrades=apply"},
		"metrics off": {"--set", "metrics.enabled=false", "--set", "leaderElection.enabled=false"},
		"a shard": {"--set", "sharding.shards[0].name=team-a", "--set", "sharding.shards[0].selector=restapi.dev/shard in (a\\,b)",
			"--set", "sharding.shards[1].name=rest", "--set", "sharding.shard=team-a"},
	} {
		t.Run(name, func(t *testing.T) {
			out := helm(t, append([]string{"lint", "--strict", chart}, set...)...)
			if !strings.Contains(out, "0 chart(s) failed") {
				t.Errorf("helm lint: %s", out)
			}
		})
	}
}

// TestChartRendersWhatBuildInstallerWrites: with the default values the
// chart renders the same objects as `make build-installer`
// (config/default), so the two ways to install cannot drift apart. The
// Namespace is the one difference by design: Helm installs into the
// release's namespace; namespace.create=true renders it.
func TestChartRendersWhatBuildInstallerWrites(t *testing.T) {
	kustomize := os.Getenv("KUSTOMIZE")
	if kustomize == "" {
		kustomize = filepath.Join(root, "bin", "kustomize")
	}
	bundle, err := exec.Command(kustomize, "build", filepath.Join(root, "config", "default")).Output()
	if err != nil {
		t.Fatalf("kustomize build config/default (run 'make kustomize' first): %v", err)
	}
	want := objects(t, string(bundle))
	for name, args := range map[string][]string{
		"defaults":              {"--include-crds"},
		"namespace.create=true": {"--include-crds", "--set", "namespace.create=true"},
	} {
		t.Run(name, func(t *testing.T) {
			got := render(t, args...)
			nsKey := "Namespace /restapi-operator-system"
			if name == "defaults" {
				if _, ok := got[nsKey]; ok {
					t.Errorf("the default values render the Namespace; Helm creates it (--create-namespace)")
				}
			} else if _, ok := got[nsKey]; !ok {
				t.Errorf("namespace.create=true does not render the Namespace")
			}
			var keys []string
			for k := range want {
				keys = append(keys, k)
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				if k == nsKey && name == "defaults" {
					continue
				}
				w, inWant := want[k]
				g, inGot := got[k]
				switch {
				case !inGot:
					t.Errorf("make build-installer writes %s; the chart does not", k)
				case !inWant:
					t.Errorf("the chart renders %s; make build-installer does not", k)
				case !reflect.DeepEqual(normalize(w), normalize(g)):
					wy, _ := yaml.Marshal(w)
					gy, _ := yaml.Marshal(g)
					t.Errorf("%s differs:\nmake build-installer:\n%s\nchart:\n%s", k, wy, gy)
				}
			}
		})
	}
}

// deployment is the rendered manager Deployment.
func deployment(t *testing.T, objs map[string]object) (spec, container map[string]any) {
	t.Helper()
	d, ok := objs["Deployment restapi-operator-system/restapi-operator-controller-manager"]
	if !ok {
		t.Fatalf("no manager Deployment among %v", slices.Sorted(maps.Keys(objs)))
	}
	pod := d["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	return pod, pod["containers"].([]any)[0].(map[string]any)
}

func args(c map[string]any) []string {
	raw := c["args"].([]any)
	out := make([]string, 0, len(raw))
	for _, a := range raw {
		out = append(out, a.(string))
	}
	return out
}

// TestChartValues: each value changes what it says, and nothing else.
func TestChartValues(t *testing.T) {
	t.Run("watchNamespaces binds the manager's ClusterRole in each, and nowhere cluster-wide", func(t *testing.T) {
		objs := render(t, "--set", "watchNamespaces={apps,shop}")
		_, c := deployment(t, objs)
		if !slices.Contains(args(c), "--watch-namespaces=apps,shop") {
			t.Errorf("args %v", args(c))
		}
		if _, ok := objs["ClusterRoleBinding /restapi-operator-manager-rolebinding"]; ok {
			t.Errorf("a ClusterRoleBinding grants the manager every namespace")
		}
		for _, ns := range []string{"apps", "shop"} {
			rb, ok := objs["RoleBinding "+ns+"/restapi-operator-manager"]
			if !ok {
				t.Fatalf("no RoleBinding in %s", ns)
			}
			ref := rb["roleRef"].(map[string]any)
			if ref["kind"] != "ClusterRole" || ref["name"] != "restapi-operator-manager-role" {
				t.Errorf("RoleBinding in %s refers to %v", ns, ref)
			}
			subj := rb["subjects"].([]any)[0].(map[string]any)
			if subj["name"] != "restapi-operator-controller-manager" || subj["namespace"] != "restapi-operator-system" {
				t.Errorf("RoleBinding in %s binds %v", ns, subj)
			}
		}
	})
	t.Run("the Pod's placement, priority, resources, replicas and image", func(t *testing.T) {
		objs := render(t, "--set", "nodeSelector.disk=ssd", "--set", "tolerations[0].operator=Exists",
			"--set", "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight=1",
			"--set", "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey=zone",
			"--set", "priorityClassName=system-cluster-critical", "--set", "resources.requests.cpu=250m",
			"--set", "replicas=2", "--set", "image.repository=registry.example/restapi-operator", "--set", "image.tag=v1.2.3",
			"--set", "image.pullPolicy=Always", "--set", "extraArgs={--max-concurrent-reconciles=8}",
			"--set", "imagePullSecrets[0].name=pull", "--set", "podAnnotations.a=b", "--set", "podLabels.team=platform")
		pod, c := deployment(t, objs)
		d := objs["Deployment restapi-operator-system/restapi-operator-controller-manager"]
		checks := map[string][2]any{
			"nodeSelector":      {pod["nodeSelector"], map[string]any{"disk": "ssd"}},
			"tolerations":       {pod["tolerations"], []any{map[string]any{"operator": "Exists"}}},
			"priorityClassName": {pod["priorityClassName"], "system-cluster-critical"},
			"affinity topology": {pod["affinity"].(map[string]any)["podAntiAffinity"].(map[string]any)["preferredDuringSchedulingIgnoredDuringExecution"].([]any)[0].(map[string]any)["podAffinityTerm"].(map[string]any)["topologyKey"], "zone"},
			"cpu request":       {c["resources"].(map[string]any)["requests"].(map[string]any)["cpu"], "250m"},
			"memory request":    {c["resources"].(map[string]any)["requests"].(map[string]any)["memory"], "128Mi"},
			"replicas":          {d["spec"].(map[string]any)["replicas"], float64(2)},
			"image":             {c["image"], "registry.example/restapi-operator:v1.2.3"},
			"pullPolicy":        {c["imagePullPolicy"], "Always"},
			"pull secret":       {pod["imagePullSecrets"], []any{map[string]any{"name": "pull"}}},
			"last arg":          {args(c)[len(args(c))-1], "--max-concurrent-reconciles=8"},
			"pod annotation":    {d["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["annotations"].(map[string]any)["a"], "b"},
			"pod label":         {d["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any)["team"], "platform"},
		}
		for name, c := range checks {
			if !reflect.DeepEqual(c[0], c[1]) {
				t.Errorf("%s: got %#v, want %#v", name, c[0], c[1])
			}
		}
	})
	t.Run("an image digest is referenced with @", func(t *testing.T) {
		digest := "sha256:" + strings.Repeat("ab", 32)
		_, c := deployment(t, render(t, "--set", "image.tag="+digest))
		if c["image"] != "controller@"+digest {
			t.Errorf("image %v", c["image"])
		}
	})
	t.Run("metrics: plain HTTP, a ServiceMonitor, or none at all", func(t *testing.T) {
		objs := render(t, "--set", "metrics.secure=false", "--set", "metrics.serviceMonitor.enabled=true",
			"--set", "metrics.serviceMonitor.labels.release=prom", "--set", "metrics.port=8080")
		_, c := deployment(t, objs)
		if a := args(c); !slices.Contains(a, "--metrics-bind-address=:8080") || !slices.Contains(a, "--metrics-secure=false") {
			t.Errorf("args %v", a)
		}
		sm, ok := objs["ServiceMonitor restapi-operator-system/restapi-operator-controller-manager-metrics-monitor"]
		if !ok {
			t.Fatal("no ServiceMonitor")
		}
		ep := sm["spec"].(map[string]any)["endpoints"].([]any)[0].(map[string]any)
		if ep["scheme"] != "http" || ep["port"] != "http" {
			t.Errorf("ServiceMonitor endpoint %v", ep)
		}
		if sm["metadata"].(map[string]any)["labels"].(map[string]any)["release"] != "prom" {
			t.Errorf("ServiceMonitor labels %v", sm["metadata"])
		}
		if _, ok := objs["ClusterRole /restapi-operator-metrics-auth-role"]; ok {
			t.Errorf("plain HTTP metrics keep the TokenReview role")
		}
		np := objs["NetworkPolicy restapi-operator-system/restapi-operator-allow-metrics-traffic"]
		port := np["spec"].(map[string]any)["ingress"].([]any)[0].(map[string]any)["ports"].([]any)[0].(map[string]any)["port"]
		if port != float64(8080) {
			t.Errorf("NetworkPolicy admits port %v", port)
		}

		off := render(t, "--set", "metrics.enabled=false", "--set", "leaderElection.enabled=false", "--set", "networkPolicy.enabled=true")
		_, c = deployment(t, off)
		if got := args(c); !reflect.DeepEqual(got, []string{"--health-probe-bind-address=:8081",
			"--prometheus-unlisted-addresses=refuse", "--analysis-measurers=32"}) {
			t.Errorf("with metrics and leader election off the args are %v", got)
		}
		for k := range off {
			if strings.Contains(k, "metrics") || strings.HasPrefix(k, "NetworkPolicy") {
				t.Errorf("metrics off still renders %s", k)
			}
		}
	})
	t.Run("namespace.create labels the namespace for the Pod Security level asked", func(t *testing.T) {
		objs := render(t, "--set", "namespace.create=true", "--set", "namespace.name=operators", "--set", "namespace.podSecurity=baseline")
		ns, ok := objs["Namespace /operators"]
		if !ok {
			t.Fatal("no Namespace operators")
		}
		labels := ns["metadata"].(map[string]any)["labels"].(map[string]any)
		if labels["pod-security.kubernetes.io/enforce"] != "baseline" || labels["pod-security.kubernetes.io/warn"] != "baseline" {
			t.Errorf("labels %v", labels)
		}
		if _, ok := objs["Deployment operators/restapi-operator-controller-manager"]; !ok {
			t.Errorf("the manager is not in namespace.name")
		}
	})
	t.Run("analysis: the tenant boundary's flags, refusing unlisted Prometheus addresses by default", func(t *testing.T) {
		_, c := deployment(t, render(t))
		for _, want := range []string{"--prometheus-unlisted-addresses=refuse", "--analysis-measurers=32"} {
			if !slices.Contains(args(c), want) {
				t.Errorf("default args %v lack %s", args(c), want)
			}
		}
		for _, a := range args(c) {
			if strings.HasPrefix(a, "--prometheus-allowed-addresses") || strings.HasPrefix(a, "--analysis-allowed-hosts") {
				t.Errorf("nothing is allowed by default: %s", a)
			}
		}
		_, c = deployment(t, render(t, "--set", "analysis.prometheusAllowedAddresses={http://thanos.monitoring.svc:9090,https://prom.example}",
			"--set", "analysis.prometheusUnlistedAddresses=anonymous", "--set", "analysis.allowedHosts={*.partner.example,10.20.0.0/16}",
			"--set", "analysis.measurers=8"))
		for _, want := range []string{"--prometheus-allowed-addresses=http://thanos.monitoring.svc:9090,https://prom.example",
			"--prometheus-unlisted-addresses=anonymous", "--analysis-allowed-hosts=*.partner.example,10.20.0.0/16", "--analysis-measurers=8"} {
			if !slices.Contains(args(c), want) {
				t.Errorf("args %v lack %s", args(c), want)
			}
		}
	})
	t.Run("analysis: the default Prometheus, and get on the token's one Secret in the operator's namespace", func(t *testing.T) {
		objs := render(t, "--set", "analysis.prometheusAddress=http://prometheus.monitoring.svc:9090",
			"--set", "analysis.prometheusBearerTokenSecret.name=prom-token", "--set", "analysis.prometheusBearerTokenSecret.key=bearer")
		_, c := deployment(t, objs)
		for _, want := range []string{"--prometheus-address=http://prometheus.monitoring.svc:9090", "--prometheus-bearer-token-secret=prom-token:bearer"} {
			if !slices.Contains(args(c), want) {
				t.Errorf("args %v lack %s", args(c), want)
			}
		}
		role, ok := objs["Role restapi-operator-system/restapi-operator-prometheus-token"]
		if !ok {
			t.Fatalf("no Role for the token among %v", slices.Sorted(maps.Keys(objs)))
		}
		rules, _ := yaml.Marshal(role["rules"])
		want := "- apiGroups:\n  - \"\"\n  resourceNames:\n  - prom-token\n  resources:\n  - secrets\n  verbs:\n  - get\n"
		if string(rules) != want {
			t.Errorf("the token's Role grants\n%s\nwant exactly\n%s", rules, want)
		}
		rb := objs["RoleBinding restapi-operator-system/restapi-operator-prometheus-token"]
		if rb == nil || rb["roleRef"].(map[string]any)["name"] != "restapi-operator-prometheus-token" ||
			rb["subjects"].([]any)[0].(map[string]any)["name"] != "restapi-operator-controller-manager" {
			t.Errorf("the token's RoleBinding: %v", rb)
		}
		for k := range render(t) {
			if strings.Contains(k, "prometheus-token") {
				t.Errorf("without a token Secret the chart renders %s", k)
			}
		}
	})
	t.Run("tracing: the manager's OTEL environment only with an endpoint", func(t *testing.T) {
		env := func(c map[string]any) map[string]string {
			out := map[string]string{}
			for _, e := range c["env"].([]any) {
				e := e.(map[string]any)
				if v, ok := e["value"].(string); ok {
					out[e["name"].(string)] = v
				}
			}
			return out
		}
		_, c := deployment(t, render(t))
		for name := range env(c) {
			if strings.HasPrefix(name, "OTEL_") {
				t.Errorf("without tracing.endpoint the manager gets %s", name)
			}
		}
		_, c = deployment(t, render(t, "--set", "tracing.endpoint=http://jaeger-collector.observability:4318",
			"--set", "tracing.protocol=http/protobuf"))
		got := env(c)
		if got["OTEL_EXPORTER_OTLP_ENDPOINT"] != "http://jaeger-collector.observability:4318" || got["OTEL_EXPORTER_OTLP_PROTOCOL"] != "http/protobuf" {
			t.Errorf("env %v", got)
		}
	})
	t.Run("renderingUpgrades: the flag only for apply, anything but hold or apply refused", func(t *testing.T) {
		_, c := deployment(t, render(t))
		if slices.ContainsFunc(args(c), func(a string) bool { return strings.HasPrefix(a, "--rendering-upgrades") }) {
			t.Errorf("the default passes %v", args(c))
		}
		_, c = deployment(t, render(t, "--set", "renderingUpgrades=apply"))
		if !slices.Contains(args(c), "--rendering-upgrades=apply") {
			t.Errorf("apply: args %v", args(c))
		}
		cmd := exec.Command(tool(t, "HELM", "'make test' (hack/k8s-binaries.sh helm builds it)"), "template", "x", chart, "--set", "renderingUpgrades=always")
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), `renderingUpgrades must be hold or apply, not "always"`) {
			t.Errorf("renderingUpgrades=always: %v %s", err, out)
		}
	})
	t.Run("sharding: a release per shard, side by side, each with the whole list and its own name", func(t *testing.T) {
		shards := []string{"--set", "sharding.shards[0].name=team-a", "--set", "sharding.shards[0].selector=restapi.dev/shard=team-a",
			"--set", "sharding.shards[1].name=rest"}
		names := map[string]string{}
		for _, shard := range []string{"team-a", "rest"} {
			objs := objects(t, helm(t, append([]string{"template", "restapi-operator-" + shard, chart, "--namespace", "restapi-operator-system",
				"--set", "sharding.shard=" + shard}, shards...)...))
			_, c := deployment(t, map[string]object{
				"Deployment restapi-operator-system/restapi-operator-controller-manager": objs["Deployment restapi-operator-system/restapi-operator-"+shard+"-controller-manager"],
			})
			got := args(c)
			if !slices.Contains(got, "--shards=team-a:restapi.dev/shard=team-a;rest:") || !slices.Contains(got, "--shard="+shard) {
				t.Errorf("%s: args %v", shard, got)
			}
			for k := range objs {
				if other, ok := names[k]; ok {
					t.Errorf("%s and %s both render %s", other, shard, k)
				}
				names[k] = shard
			}
		}
		for set, want := range map[string]string{
			"sharding.shard=team-b":                   `sharding.shard "team-b" is not one of sharding.shards`,
			"sharding.shard=rest,watchNamespaces={a}": "sharding.shard and watchNamespaces exclude each other",
		} {
			cmd := exec.Command(tool(t, "HELM", "'make test' (hack/k8s-binaries.sh helm builds it)"),
				append([]string{"template", "x", chart, "--set", set}, shards...)...)
			if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), want) {
				t.Errorf("%s: %v %s", set, err, out)
			}
		}
	})
	t.Run("networkPolicy.enabled=false renders no NetworkPolicy", func(t *testing.T) {
		for k := range render(t, "--set", "networkPolicy.enabled=false") {
			if strings.HasPrefix(k, "NetworkPolicy") {
				t.Errorf("renders %s", k)
			}
		}
	})
}

// TestChartValuesAreDocumented: every value in values.yaml has a row in the
// README's chart table, and the table names no value that does not exist.
func TestChartValuesAreDocumented(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	var want []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			name := prefix + k
			// A map of the user's own keys is one value; so is a value whose
			// default is a map holding the Kubernetes object it stands for.
			if sub, ok := v.(map[string]any); ok && len(sub) > 0 && !slices.Contains(objectValues, name) {
				walk(name+".", sub)
				continue
			}
			want = append(want, name)
		}
	}
	walk("", values)
	slices.Sort(want)

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	start := strings.Index(section, "| Value | Default | What it does |")
	if start < 0 {
		t.Fatal("README.md has no chart values table (| Value | Default | What it does |)")
	}
	section = section[start:]
	if end := strings.Index(section, "\n\n"); end > 0 {
		section = section[:end]
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|")
	rows := row.FindAllStringSubmatch(section, -1)
	documented := make([]string, 0, len(rows))
	for _, m := range rows {
		documented = append(documented, m[1])
	}
	for _, v := range want {
		if !slices.Contains(documented, v) {
			t.Errorf("value %s is not in the README's chart table", v)
		}
	}
	for _, d := range documented {
		if !slices.Contains(want, d) {
			t.Errorf("the README's chart table documents %s, which values.yaml does not have", d)
		}
	}
}

// objectValues are values whose default is a whole Kubernetes object (or
// label selector), documented as one row.
var objectValues = []string{"resources", "networkPolicy.metricsNamespaceSelector"}
