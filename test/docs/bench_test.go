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

package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's performance figures are the latest `make bench` results
// (docs/performance-results.md), so the two cannot disagree: this test
// derives the README's line from the results and fails when it differs.
// UPDATE_README=1 go test ./test/docs/ writes it.

var benchBlock = regexp.MustCompile(`(?s)<!-- bench -->.*?<!-- /bench -->`)

func TestTheReadmeQuotesTheLatestBenchmarkResults(t *testing.T) {
	results, err := os.ReadFile(filepath.Join(root, "docs", "performance-results.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "<!-- bench -->" + benchSummary(t, string(results)) + "<!-- /bench -->"
	path := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := benchBlock.Find(readme)
	if got == nil {
		t.Fatalf("README.md has no <!-- bench --> block")
	}
	if string(got) == want {
		return
	}
	if os.Getenv("UPDATE_README") != "" {
		if err := os.WriteFile(path, benchBlock.ReplaceAll(readme, []byte(want)), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md quotes other figures than docs/performance-results.md (UPDATE_README=1 go test ./test/docs/ writes them):\n got %s\nwant %s", got, want)
}

// benchSummary is the README's line, from the results' tables.
func benchSummary(t *testing.T, results string) string {
	t.Helper()
	var convergence, atRest, p95 string
	var burst, heap [][]string
	section := ""
	var head []string // the header of the table being read
	for line := range strings.SplitSeq(results, "\n") {
		if title, ok := strings.CutPrefix(line, "## "); ok {
			section = title
			continue
		}
		cells := row(line)
		switch {
		case cells == nil:
		case section == "Convergence of one RestAPI" && strings.HasPrefix(cells[0], "one RestAPI, create to"):
			convergence = cells[3]
		case section == "Steady state" && cells[0] == "mutating API requests in the window":
			atRest = cells[1]
		case section == "Promotion" && cells[0] == "same, p95":
			p95 = cells[1]
		case !isNumber(cells[0]):
			head = cells
		case section == "Burst and memory" && head[1] == "operator: all converged, queue empty":
			burst = append(burst, cells)
		case section == "Burst and memory" && head[1] == "live heap":
			heap = append(heap, cells)
		}
	}
	if convergence == "" || atRest == "" || p95 == "" || len(burst) == 0 || len(heap) == 0 {
		t.Fatalf("docs/performance-results.md lacks a table this test reads: convergence %q, at rest %q, p95 %q, %d burst rows, %d memory rows",
			convergence, atRest, p95, len(burst), len(heap))
	}
	bursts := make([]string, 0, len(burst))
	for _, b := range burst {
		bursts = append(bursts, b[3]+" at "+b[0])
	}
	last := heap[len(heap)-1]
	return fmt.Sprintf("convergence %s the bare client (budget 1.5x); burst %s (budget 2x); live heap %s per RestAPI at %s (budget 150 KiB); "+
		"promotion p95 %s (budget 250ms); at rest %s writes", convergence, strings.Join(bursts, ", "), last[2], last[0], p95, atRest)
}

// row splits a Markdown table row into its cells; nil for any other line
// and for the separator row.
func row(line string) []string {
	if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "| ---") {
		return nil
	}
	var cells []string
	for c := range strings.SplitSeq(strings.Trim(line, "|"), "|") {
		cells = append(cells, strings.TrimSpace(c))
	}
	return cells
}

func isNumber(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// The scale model (docs/scale.md) and the README quote `make bench-scale`'s
// results (docs/scale-results.md): the fitted growth, and the live heap and
// restart at the largest size. This test fails when a new run's figures
// are not carried over.
func TestTheScaleModelQuotesTheScaleResults(t *testing.T) {
	results, err := os.ReadFile(filepath.Join(root, "docs", "scale-results.md"))
	if err != nil {
		t.Fatal(err)
	}
	fit := regexp.MustCompile(`Fitted growth: live heap ([0-9.]+ KiB) per RestAPI plus ([0-9.]+ MiB)`).FindStringSubmatch(string(results))
	if fit == nil {
		t.Fatal("docs/scale-results.md has no fitted growth line")
	}
	var heap, restart []string // the rows of the largest size
	var head []string
	for line := range strings.SplitSeq(string(results), "\n") {
		cells := row(line)
		switch {
		case cells == nil:
		case !isNumber(cells[0]):
			head = cells
		case len(head) > 13 && head[13] == "live heap":
			heap = cells
		case len(head) > 2 && head[2] == "every RestAPI reconciled, queue empty":
			restart = cells
		}
	}
	if heap == nil || restart == nil {
		t.Fatalf("docs/scale-results.md lacks the at-rest or the restart table")
	}
	for file, want := range map[string][]string{
		"docs/scale.md": {fmt.Sprintf("live\n  heap = %s x N + %s", fit[1], fit[2])},
		"README.md": {fmt.Sprintf("live heap %s per RestAPI at %s", heap[13], heap[0]),
			fmt.Sprintf("a restart of %s reconciled in %s with %s writes", restart[0], restart[2], restart[4])},
	} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s does not quote docs/scale-results.md: want %q", file, w)
			}
		}
	}
}
