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

// Package docs keeps the documentation honest: every reason the code can
// put in a condition or a component status is explained in
// docs/troubleshooting.md.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var root = filepath.Join("..", "..")

func TestEveryReasonIsExplained(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join(root, "docs", "troubleshooting.md"))
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	// Every reason is a constant of api/v1alpha1/conditions.go; internal/
	// is read too, so one defined anywhere else is checked all the same.
	constant := regexp.MustCompile(`Reason[A-Za-z]*\s*=\s*"([A-Za-z]+)"`)
	for _, dir := range []string{"api", "internal"} {
		err = filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range constant.FindAllStringSubmatch(string(src), -1) {
				reasons[m[1]] = path
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(reasons) < 25 {
		t.Fatalf("found only %d reasons: the scan is broken", len(reasons))
	}
	for r, where := range reasons {
		if !strings.Contains(string(guide), "`"+r+"`") {
			t.Errorf("reason %s (%s) is not explained in docs/troubleshooting.md", r, where)
		}
	}
}

// TestEveryEventReasonIsListed: the reasons of the Events no condition
// carries are constants of api/v1alpha1/conditions.go, and
// docs/observability.md lists every one.
func TestEveryEventReasonIsListed(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join(root, "docs", "observability.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "api", "v1alpha1", "conditions.go"))
	if err != nil {
		t.Fatal(err)
	}
	reasons := regexp.MustCompile(`(?m)^\s*Event[A-Za-z]+\s*=\s*"([A-Za-z]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(reasons) < 10 {
		t.Fatalf("found only %d event reasons: the scan is broken", len(reasons))
	}
	for _, r := range reasons {
		if !strings.Contains(string(guide), "`"+r[1]+"`") {
			t.Errorf("event reason %s is not listed in docs/observability.md", r[1])
		}
	}
}

func TestEveryFlagIsDocumented(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join(root, "docs", "operating.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "cmd", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	flags := regexp.MustCompile(`flag\.\w+Var\(&\w+, "([a-z0-9-]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(flags) < 8 {
		t.Fatalf("found only %d flags: the scan is broken", len(flags))
	}
	for _, f := range flags {
		if !strings.Contains(string(guide), "`--"+f[1]+"`") {
			t.Errorf("flag --%s is not in docs/operating.md", f[1])
		}
	}
}
