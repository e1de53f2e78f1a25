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
	"fmt"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
)

// A check's URL and query are written by a tenant and rendered inside the
// operator, so they are data, not programs: text and {{.Variable}}, one
// documented variable by field access per action. No action (range, if,
// with, template, block, define), no function, no pipeline, no variable.
// (A comment is dropped by the parser; the CRD refuses it.) A template that is anything more is refused before it is
// executed (AnalysisTemplateNotAllowed), and the CRD refuses it at
// admission with the same grammar (TemplateRule). What it renders to is
// bounded too.

// Variables are the names a template may use, each as {{.Name}}.
var Variables = []string{"Name", "Namespace", "Component", "Colour", "Revision", "Service", "Port", "Path"}

// Rendered output is bounded: a URL to MaxURLBytes, a query to
// MaxQueryBytes. With substitution only, a template of the CRD's maximum
// length stays far below them unless it repeats a long variable (a path
// of a kilobyte) a hundred times.
const (
	MaxURLBytes   = 4096
	MaxQueryBytes = 16384
)

// Vars are what a URL or query template may use.
type Vars struct {
	// Name and Namespace of the RestAPI.
	Name, Namespace string
	// Component, Colour and Revision under test.
	Component, Colour, Revision string
	// Service is the component's Service of the colour under test, Port
	// its port, Path the check's path (HTTP checks).
	Service string
	Port    int32
	Path    string
}

// ErrTemplateNotAllowed marks a template that is more than substitution.
var ErrTemplateNotAllowed = errors.New("template not allowed")

// Template is a template checked to be substitution only.
type Template struct {
	field string
	limit int
	t     *template.Template
}

// ParseTemplate parses the template of field (named in every error, such
// as spec.blueGreen.analysis.prePromotion[smoke].http.url) and refuses
// anything but text and {{.Variable}}: the error wraps
// ErrTemplateNotAllowed then. One that does not parse at all is another
// error. Nothing of the template is executed here.
func ParseTemplate(field, text string, limit int) (*Template, error) {
	t, err := template.New(field).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s does not parse: %w", field, err)
	}
	if len(t.Templates()) > 1 {
		return nil, fmt.Errorf("%s: %w: it defines templates ({{define}} or {{block}}); %s", field, ErrTemplateNotAllowed, allowedHint())
	}
	if t.Tree != nil && t.Root != nil {
		for _, n := range t.Root.Nodes {
			if why := refused(n); why != "" {
				return nil, fmt.Errorf("%s: %w: %s at %q; %s", field, ErrTemplateNotAllowed, why, shorten(n.String()), allowedHint())
			}
			// A misspelt variable is a mistake, not a program: it is
			// AnalysisTemplateInvalid, as one that does not parse.
			if a, ok := n.(*parse.ActionNode); ok {
				if f := a.Pipe.Cmds[0].Args[0].(*parse.FieldNode); !slices.Contains(Variables, f.Ident[0]) {
					return nil, fmt.Errorf("%s does not render: .%s is not a variable; %s", field, f.Ident[0], allowedHint())
				}
			}
		}
	}
	return &Template{field: field, limit: limit, t: t}, nil
}

// refused says why a node of the template's top level is not allowed;
// "" when it is text or {{.Variable}}.
func refused(n parse.Node) string {
	switch n := n.(type) {
	case *parse.TextNode:
		return ""
	case *parse.ActionNode:
		p := n.Pipe
		switch {
		case len(p.Decl) > 0:
			return "a variable declaration"
		case len(p.Cmds) != 1:
			return "a pipeline"
		}
		if f, ok := p.Cmds[0].Args[0].(*parse.IdentifierNode); ok {
			return "a function call (" + f.Ident + ")"
		}
		if len(p.Cmds[0].Args) != 1 {
			return "a function call"
		}
		switch a := p.Cmds[0].Args[0].(type) {
		case *parse.FieldNode:
			if len(a.Ident) != 1 {
				return "a field of a variable (" + a.String() + ")"
			}
			return ""
		case *parse.IdentifierNode:
			return "a function call (" + a.Ident + ")"
		case *parse.VariableNode:
			return "a variable (" + a.String() + ")"
		case *parse.DotNode:
			return "the whole data ({{.}})"
		default:
			return "a constant or expression"
		}
	case *parse.RangeNode:
		return "a range action"
	case *parse.IfNode:
		return "an if action"
	case *parse.WithNode:
		return "a with action"
	case *parse.TemplateNode:
		return "a template action"
	}
	return fmt.Sprintf("an action (%T)", n)
}

func allowedHint() string {
	return "a template may only hold text and {{.Variable}}, one of ." + strings.Join(Variables, ", .")
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// Render renders the template with the variables; output past the
// template's limit is an error that says so (the rendering stops there).
func (t *Template) Render(v Vars) (string, error) {
	w := &boundedWriter{limit: t.limit}
	if err := t.t.Execute(w, v); err != nil {
		if errors.Is(err, errTooLong) {
			return "", fmt.Errorf("%s: %w: it renders to more than %d bytes", t.field, ErrTemplateNotAllowed, t.limit)
		}
		return "", fmt.Errorf("%s does not render: %w", t.field, err)
	}
	return w.b.String(), nil
}

// Render parses and renders in one step (see ParseTemplate).
func Render(field, text string, limit int, v Vars) (string, error) {
	t, err := ParseTemplate(field, text, limit)
	if err != nil {
		return "", err
	}
	return t.Render(v)
}

var errTooLong = errors.New("output too long")

type boundedWriter struct {
	b     strings.Builder
	limit int
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.limit {
		return 0, errTooLong
	}
	return w.b.Write(p)
}

// TemplateRule is the CEL rule the CRD checks a URL or query field with:
// every "{{" opens an action of exactly one documented variable. It is the
// same grammar as ParseTemplate (a test holds the two together), so what
// admission lets through is refused at runtime only by an older CRD.
const TemplateRule = `self.matches('^([^{]|[{]$|[{][^{]|[{][{](- )?[ ]*[.](Name|Namespace|Component|Colour|Revision|Service|Port|Path)[ ]*( -)?[}][}])*$')`
