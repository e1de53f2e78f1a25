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

package analysis

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
)

// templateCases are templates and whether they are substitution only.
// Both the runtime check and the CRD's CEL rule are held to them.
var templateCases = []struct {
	text    string
	allowed bool
	why     string // what the runtime's refusal names
}{
	{"http://{{.Service}}.{{.Namespace}}.svc:{{.Port}}{{.Path}}", true, ""},
	{`sum(rate(x{colour="{{ .Colour }}",revision="{{- .Revision -}}"}[1m]))`, true, ""},
	{"no action at all, {braces} and }} too", true, ""},
	{"a { then {{.Name}}", true, ""},
	{"{", true, ""},
	{"{{range 2000000000}}{{$.Namespace}}{{end}}", false, "a range action"},
	{"{{if .Name}}x{{end}}", false, "an if action"},
	{"{{with .Name}}{{.}}{{end}}", false, "a with action"},
	{`{{template "x"}}`, false, "a template action"},
	{`{{define "x"}}y{{end}}{{.Name}}`, false, "defines templates"},
	{`{{block "x" .}}y{{end}}`, false, "defines templates"},
	{"{{call .Name}}", false, "a function call (call)"},
	{`{{printf "%s" .Name}}`, false, "a function call (printf)"},
	{"{{len .Name}}", false, "a function call (len)"},
	{"{{.Name | html}}", false, "a pipeline"},
	{"{{$x := .Name}}{{$x}}", false, "a variable declaration"},
	{"{{$}}", false, "a variable"},
	{"{{.}}", false, "the whole data"},
	{`{{"text"}}`, false, "a constant"},
	{"{{.Name.Length}}", false, "a field of a variable"},
}

func TestTemplatesAreSubstitutionOnly(t *testing.T) {
	for _, tc := range templateCases {
		_, err := ParseTemplate("spec.blueGreen.analysis.prePromotion[smoke].http.url", tc.text, MaxURLBytes)
		switch {
		case tc.allowed && err != nil:
			t.Errorf("%s: refused: %v", tc.text, err)
		case !tc.allowed && !errors.Is(err, ErrTemplateNotAllowed):
			t.Errorf("%s: want ErrTemplateNotAllowed, got %v", tc.text, err)
		case !tc.allowed && (!strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), "prePromotion[smoke].http.url")):
			t.Errorf("%s: the error names neither what is refused (%q) nor the field: %v", tc.text, tc.why, err)
		}
	}
}

// TestTheCRDRuleAgreesWithTheRuntime: what admission lets through, the
// runtime renders; what the runtime refuses, admission refuses too (the
// rule is compiled here with CEL's own matches, as the API server does).
func TestTheCRDRuleAgreesWithTheRuntime(t *testing.T) {
	env, err := cel.NewEnv(cel.Variable("self", cel.StringType))
	if err != nil {
		t.Fatal(err)
	}
	ast, iss := env.Compile(TemplateRule)
	if iss != nil && iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	prg, err := env.Program(ast)
	if err != nil {
		t.Fatal(err)
	}
	extra := []struct {
		text    string
		allowed bool
	}{
		{"{{.Nope}}", false},     // runtime: does not render (AnalysisTemplateInvalid)
		{"{{{.Name}}", false},    // runtime: does not parse
		{"{{.Name}", false},      // runtime: does not parse
		{"{{\t.Name\t}}", false}, // runtime allows tabs; admission is stricter
		{"x{{- .Path }}y", true}, // trim marker on one side
		{"{{.Port}}{{.Port}}", true},
	}
	cases := extra
	for _, tc := range templateCases {
		cases = append(cases, struct {
			text    string
			allowed bool
		}{tc.text, tc.allowed})
	}
	for _, tc := range cases {
		out, _, err := prg.Eval(map[string]any{"self": tc.text})
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		if out.Value() != tc.allowed {
			t.Errorf("%q: the CRD rule says %v, want %v", tc.text, out.Value(), tc.allowed)
		}
		if tc.allowed {
			if _, err := Render("f", tc.text, MaxQueryBytes, Vars{}); err != nil {
				t.Errorf("%q: admitted by the CRD but the runtime refuses it: %v", tc.text, err)
			}
		}
	}
}

func TestRenderedOutputIsBounded(t *testing.T) {
	v := Vars{Path: "/" + strings.Repeat("p", 1023)}
	text := strings.Repeat("{{.Path}}", 100)
	_, err := Render("spec.blueGreen.analysis.prePromotion[smoke].http.url", text, MaxURLBytes, v)
	if !errors.Is(err, ErrTemplateNotAllowed) || !strings.Contains(err.Error(), "renders to more than 4096 bytes") {
		t.Fatalf("want a bound, got %v", err)
	}
	if out, err := Render("q", "{{.Path}}", MaxURLBytes, v); err != nil || len(out) != 1024 {
		t.Fatalf("within the bound: %d %v", len(out), err)
	}
}

// BenchmarkARefusedProgramCostsNothing: the template that would render
// for minutes is refused before it runs.
func BenchmarkARefusedProgramCostsNothing(b *testing.B) {
	for b.Loop() {
		if _, err := Render("q", "{{range 2000000000}}{{$.Namespace}}{{end}}", MaxQueryBytes, Vars{Namespace: "team"}); err == nil {
			b.Fatal("rendered")
		}
	}
}
