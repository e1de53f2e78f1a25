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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
)

// The two providers: a GET against the colour under test, and a PromQL
// query through the Prometheus HTTP API (/api/v1/query).

// DefaultURL is an HTTP check's URL when it gives none: the component's
// Service of the colour under test.
const DefaultURL = "http://{{.Service}}.{{.Namespace}}.svc:{{.Port}}{{.Path}}"

// QueryTimeout bounds one Prometheus query.
const QueryTimeout = 10 * time.Second

// renderTemplate renders a tenant's template; a problem of the spec when
// it is more than substitution (or renders past its bound), or does not
// parse.
func renderTemplate(field, text string, limit int, v Vars) (string, *measurement) {
	out, err := Render(field, text, limit, v)
	switch {
	case errors.Is(err, ErrTemplateNotAllowed):
		return "", &measurement{problem: apiv1.ReasonAnalysisTemplateNotAllowed, message: err.Error()}
	case err != nil:
		return "", &measurement{problem: apiv1.ReasonAnalysisTemplateInvalid, message: err.Error()}
	}
	return out, nil
}

// prepareGet is an HTTP check's measurement, once its URL is rendered and
// admitted (admitURL): a status code among the expected ones succeeds,
// another fails (a redirect too: it is not followed), no answer in time
// is inconclusive.
func (m *Measurer) prepareGet(rapi *apiv1.RestAPI, comp apiv1.ComponentName, field string, c apiv1.HTTPCheck, v Vars) (probe, *measurement) {
	tmpl := c.URL
	if tmpl == "" {
		tmpl = DefaultURL
	}
	raw, problem := renderTemplate(field, tmpl, MaxURLBytes, v)
	if problem != nil {
		return probe{}, problem
	}
	rule, problem := m.admitURL(rapi, comp, field, raw)
	if problem != nil {
		return probe{}, problem
	}
	timeout := time.Duration(max(c.TimeoutSeconds, 1)) * time.Second
	what := fmt.Sprintf("%s\n%v\n%s", raw, c.SuccessStatusCodes, timeout)
	return probe{what: what, timeout: timeout, run: func(ctx context.Context) measurement {
		ctx, cancel := context.WithTimeout(context.WithValue(ctx, ruleKey{}, rule), timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
		if err != nil {
			return measurement{problem: apiv1.ReasonAnalysisTemplateInvalid, message: fmt.Sprintf("%s renders %q: %v", field, raw, err)}
		}
		_, tenant := m.clients()
		resp, err := tenant.Do(req)
		if refused := (*RefusedError)(nil); errors.As(err, &refused) {
			return measurement{problem: apiv1.ReasonAnalysisURLNotAllowed, message: fmt.Sprintf("%s renders %s: %v; nothing was sent", field, raw, refused)}
		}
		if err != nil {
			return measurement{result: Inconclusive, message: fmt.Sprintf("GET %s: %v", raw, err)}
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		_ = resp.Body.Close()
		code := strconv.Itoa(resp.StatusCode)
		ok := resp.StatusCode >= 200 && resp.StatusCode < 300
		if len(c.SuccessStatusCodes) > 0 {
			ok = slices.Contains(c.SuccessStatusCodes, int32(resp.StatusCode))
		}
		if ok {
			return measurement{result: Success, value: code, message: fmt.Sprintf("GET %s answered %d", raw, resp.StatusCode)}
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			return measurement{result: Failure, value: code, message: fmt.Sprintf("GET %s answered %d, a redirect, which is not followed", raw, resp.StatusCode)}
		}
		return measurement{result: Failure, value: code, message: fmt.Sprintf("GET %s answered %d, not an expected status", raw, resp.StatusCode)}
	}}, nil
}

// preparePrometheus is a Prometheus check's measurement, once its address
// is allowed, its condition compiles and its query renders: the query's
// one number, judged by the success condition. No data, NaN or an
// unreachable server is inconclusive; a query Prometheus refuses, or one
// that gives several series, is a problem of the spec.
func (m *Measurer) preparePrometheus(rapi *apiv1.RestAPI, field string, c apiv1.PrometheusCheck, v Vars) (probe, *measurement) {
	addr, trusted, problem := m.prometheusAddress(rapi, c)
	if problem != nil {
		return probe{}, problem
	}
	cond, err := CompileCondition(c.SuccessCondition)
	if err != nil {
		return probe{}, &measurement{problem: apiv1.ReasonAnalysisConditionInvalid, message: err.Error()}
	}
	q, problem := renderTemplate(field, c.Query, MaxQueryBytes, v)
	if problem != nil {
		return probe{}, problem
	}
	return probe{what: addr + "\n" + q + "\n" + c.SuccessCondition, timeout: QueryTimeout, run: func(ctx context.Context) measurement {
		value, found := m.query(ctx, addr, q, trusted)
		if found.problem != "" || found.result == Inconclusive {
			return found
		}
		holds, err := cond.Holds(value)
		if err != nil {
			return measurement{problem: apiv1.ReasonAnalysisConditionInvalid, message: fmt.Sprintf("successCondition %q on %v: %v", c.SuccessCondition, value, err)}
		}
		shown := strconv.FormatFloat(value, 'g', 6, 64)
		if holds {
			return measurement{result: Success, value: shown, message: fmt.Sprintf("result %s: %s holds", shown, c.SuccessCondition)}
		}
		return measurement{result: Failure, value: shown, message: fmt.Sprintf("result %s: %s does not hold", shown, c.SuccessCondition)}
	}}, nil
}

// promResponse is the Prometheus HTTP API's answer to a query.
type promResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

// query runs an instant query and returns its one number; the measurement
// says Inconclusive or a problem when there is none. The credential goes
// only to a trusted address (the administrator's); any other is reached
// through the tenant boundary, without it.
func (m *Measurer) query(ctx context.Context, addr, q string, trusted bool) (float64, measurement) {
	ctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	endpoint := strings.TrimSuffix(addr, "/") + "/api/v1/query?" + url.Values{"query": {q}}.Encode()
	req, err := http.NewRequestWithContext(context.WithValue(ctx, ruleKey{}, dialRule{}), http.MethodGet, endpoint, nil)
	if err != nil {
		return 0, measurement{problem: apiv1.ReasonAnalysisQueryInvalid, message: fmt.Sprintf("Prometheus address %q: %v", addr, err)}
	}
	client, tenant := m.clients()
	if !trusted {
		client = tenant
	} else if m.Token != nil {
		token, err := m.Token.Token(ctx)
		if err != nil {
			return 0, measurement{result: Inconclusive, message: fmt.Sprintf("reading the Prometheus token: %v", err)}
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if refused := (*RefusedError)(nil); errors.As(err, &refused) {
		return 0, measurement{problem: apiv1.ReasonAnalysisPrometheusNotAllowed, message: fmt.Sprintf("Prometheus address %s: %v; nothing was sent", addr, refused)}
	}
	if err != nil {
		return 0, measurement{result: Inconclusive, message: fmt.Sprintf("Prometheus at %s did not answer: %v", addr, err)}
	}
	defer func() { _ = resp.Body.Close() }()
	var pr promResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&pr); err != nil {
		return 0, measurement{result: Inconclusive, message: fmt.Sprintf("Prometheus at %s answered %d without a result: %v", addr, resp.StatusCode, err)}
	}
	if pr.Status != "success" {
		if pr.ErrorType == "bad_data" {
			return 0, measurement{problem: apiv1.ReasonAnalysisQueryInvalid, message: fmt.Sprintf("Prometheus refused the query %q: %s", q, pr.Error)}
		}
		return 0, measurement{result: Inconclusive, message: fmt.Sprintf("Prometheus could not run the query (%s): %s", pr.ErrorType, pr.Error)}
	}
	value, err := oneNumber(pr.Data.ResultType, pr.Data.Result)
	switch {
	case err != nil:
		return 0, measurement{problem: apiv1.ReasonAnalysisQueryInvalid, message: fmt.Sprintf("the query %q %v", q, err)}
	case value == nil:
		return 0, measurement{result: Inconclusive, message: fmt.Sprintf("no data: the query %q returned nothing", q)}
	case math.IsNaN(*value):
		return 0, measurement{result: Inconclusive, value: "NaN", message: fmt.Sprintf("no data: the query %q returned NaN (nothing to divide by?)", q)}
	}
	return *value, measurement{}
}

// oneNumber reads a scalar, or a vector of at most one sample (nil when
// it has none).
func oneNumber(resultType string, raw json.RawMessage) (*float64, error) {
	var sample []any
	switch resultType {
	case "scalar":
		if err := json.Unmarshal(raw, &sample); err != nil {
			return nil, fmt.Errorf("gave a scalar that does not read: %w", err)
		}
	case "vector":
		var vec []struct {
			Value []any `json:"value"`
		}
		if err := json.Unmarshal(raw, &vec); err != nil {
			return nil, fmt.Errorf("gave a vector that does not read: %w", err)
		}
		switch len(vec) {
		case 0:
			return nil, nil
		case 1:
			sample = vec[0].Value
		default:
			return nil, fmt.Errorf("returned %d series; a check needs one number: aggregate them, for example with sum()", len(vec))
		}
	default:
		return nil, fmt.Errorf("returned a %s; a check needs one number (a scalar, or a vector of one sample)", resultType)
	}
	if len(sample) != 2 {
		return nil, fmt.Errorf("returned a sample that does not read: %v", sample)
	}
	s, ok := sample[1].(string)
	if !ok {
		return nil, fmt.Errorf("returned a sample value that is not a string: %v", sample[1])
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("returned %q, not a number", s)
	}
	return &f, nil
}
