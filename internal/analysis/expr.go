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
	"fmt"
	"time"

	"github.com/google/cel-go/cel"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t) }

// Condition is a compiled success condition: a CEL expression on result,
// a double, that evaluates to a bool.
type Condition struct{ program cel.Program }

// CompileCondition compiles a success condition, or says why it does not
// compile (a bad expression, or one that is not a bool).
func CompileCondition(expr string) (*Condition, error) {
	env, err := cel.NewEnv(cel.Variable("result", cel.DoubleType))
	if err != nil {
		return nil, err
	}
	ast, issues := env.Compile(expr)
	if issues != nil && issues.Err() != nil {
		return nil, fmt.Errorf("successCondition %q does not compile: %w", expr, issues.Err())
	}
	if ast.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("successCondition %q is a %s, not a bool", expr, ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(10_000))
	if err != nil {
		return nil, fmt.Errorf("successCondition %q: %w", expr, err)
	}
	return &Condition{program: prg}, nil
}

// Holds evaluates the condition on a result.
func (c *Condition) Holds(result float64) (bool, error) {
	out, _, err := c.program.Eval(map[string]any{"result": result})
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("the condition gave %v, not a bool", out.Value())
	}
	return b, nil
}
