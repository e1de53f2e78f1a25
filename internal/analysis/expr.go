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
	"strings"
	"sync"
	"time"

	"github.com/google/cel-go/cel"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t) }

// Condition is a compiled success condition: a CEL expression on result,
// a double, that evaluates to a bool.
type Condition struct{ program cel.Program }

// conditionEnv is the one CEL environment of success conditions: result
// is a double, and numbers compare across types, so that a condition
// written as users write it (result >= 0, result < 1) compiles.
var conditionEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(cel.Variable("result", cel.DoubleType), cel.CrossTypeNumericComparisons(true))
})

// MaxConditions bounds the compiled conditions kept: a condition is
// compiled once, not at every measurement, and a spec changed many times
// does not grow the cache without end.
const MaxConditions = 512

// conditions caches compiled conditions (and why one does not compile),
// by expression; when full, it is emptied.
var conditions = struct {
	sync.Mutex
	compiled map[string]compiled
}{compiled: map[string]compiled{}}

type compiled struct {
	c   *Condition
	err error
}

// CompileCondition compiles a success condition, or says why it does not
// compile (a bad expression, or one that is not a bool). The result is
// cached (MaxConditions).
func CompileCondition(expr string) (*Condition, error) {
	conditions.Lock()
	got, ok := conditions.compiled[expr]
	conditions.Unlock()
	if ok {
		return got.c, got.err
	}
	c, err := compileCondition(expr)
	conditions.Lock()
	if len(conditions.compiled) >= MaxConditions {
		clear(conditions.compiled)
	}
	conditions.compiled[expr] = compiled{c: c, err: err}
	conditions.Unlock()
	return c, err
}

// CachedConditions is how many compiled conditions are kept.
func CachedConditions() int {
	conditions.Lock()
	defer conditions.Unlock()
	return len(conditions.compiled)
}

func compileCondition(expr string) (*Condition, error) {
	env, err := conditionEnv()
	if err != nil {
		return nil, err
	}
	ast, issues := env.Compile(expr)
	if issues != nil && issues.Err() != nil {
		hint := ""
		if strings.Contains(issues.Err().Error(), "(double, int)") || strings.Contains(issues.Err().Error(), "(double, uint)") {
			// Comparisons mix numbers (result < 1); equality and
			// arithmetic do not.
			hint = " (result is a double: write numbers with a decimal point, such as result == 0.0 or result / 2.0)"
		}
		return nil, fmt.Errorf("successCondition %q does not compile%s: %w", expr, hint, issues.Err())
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
