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

// Package monitoring checks the dashboards and alerts in config/monitoring:
// the JSON and YAML parse, every PromQL expression parses with Prometheus'
// own parser, and every operator metric they use exists in the code.
package monitoring

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

var root = filepath.Join("..", "..")

// operatorMetrics are the metric names internal/metrics/metrics.go defines.
func operatorMetrics(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "internal", "metrics", "metrics.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`Name:\s+"(restapi_[a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		out[m[1]] = true
	}
	if len(out) < 8 {
		t.Fatalf("found only %v in metrics.go", out)
	}
	return out
}

// checkExpr parses a PromQL expression (Grafana variables replaced) and
// checks the metrics it selects.
func checkExpr(t *testing.T, where, expr string, known map[string]bool) {
	t.Helper()
	r := strings.NewReplacer("${datasource}", "x", "$namespace", "x", "$restapi", "x", "$__all", "x")
	e, err := parser.NewParser(parser.Options{}).ParseExpr(r.Replace(expr))
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
		return
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		if !strings.HasPrefix(name, "restapi_") {
			if !strings.HasPrefix(name, "controller_runtime_") {
				t.Errorf("%s: %s is neither an operator nor a controller-runtime metric", where, name)
			}
			return nil
		}
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			base = strings.TrimSuffix(base, suffix)
		}
		if !known[name] && !known[base] {
			t.Errorf("%s: %s is not a metric the operator exports", where, name)
		}
		return nil
	})
}

func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "config", "monitoring", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if dash.UID == "" || len(dash.Panels) < 6 {
		t.Fatalf("dashboard %q has uid %q and %d panels", dash.Title, dash.UID, len(dash.Panels))
	}
	known := operatorMetrics(t)
	exprs := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			checkExpr(t, "panel "+p.Title, tg.Expr, known)
			exprs++
		}
	}
	if exprs < 10 {
		t.Errorf("only %d expressions", exprs)
	}
}

func TestPrometheusRules(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "config", "monitoring", "prometheusrule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Alert       string            `json:"alert"`
					Expr        string            `json:"expr"`
					For         string            `json:"for"`
					Labels      map[string]string `json:"labels"`
					Annotations map[string]string `json:"annotations"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(raw, &rule); err != nil {
		t.Fatalf("PrometheusRule YAML: %v", err)
	}
	known := operatorMetrics(t)
	alerts := map[string]bool{}
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			checkExpr(t, "alert "+r.Alert, r.Expr, known)
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("alert %s needs a severity and a summary", r.Alert)
			}
		}
	}
	for _, want := range []string{"RestAPIDegraded", "RestAPIPromotionStuck", "RestAPIHealingStorm"} {
		if !alerts[want] {
			t.Errorf("alert %s missing", want)
		}
	}
}

func TestAParseErrorIsCaught(t *testing.T) {
	if _, err := parser.NewParser(parser.Options{}).ParseExpr(`sum by (namespace (restapi_phase)`); err == nil {
		t.Fatal("the parser accepts a broken expression: the checks above prove nothing")
	}
}
