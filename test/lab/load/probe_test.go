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

package load

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestProbeTellsAnAnswerFromARefusal: an HTTP server answers; a closed
// port resets; a server that accepts but never answers is told apart from
// both; each within the bound.
func TestProbeTellsAnAnswerFromARefusal(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	defer ok.Close()
	hang := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	defer silent.Close()
	defer close(hang)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	_ = closed.Close()

	addrs := []string{strings.TrimPrefix(ok.URL, "http://"), strings.TrimPrefix(silent.URL, "http://"), closedAddr}
	start := time.Now()
	got := ProbeAll(t.Context(), "127.0.0.1", addrs, 500*time.Millisecond)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("probing took %s: the cells are not bounded by the timeout", took)
	}
	if p := got[addrs[0]]; !p.Answered || p.Refused != "" {
		t.Errorf("answering server: %+v", p)
	}
	if p := got[addrs[1]]; p.Answered || !strings.HasPrefix(p.Refused, "connected, no HTTP answer") {
		t.Errorf("silent server: %+v, want connected without an answer", p)
	}
	if p := got[closedAddr]; p.Answered || p.Refused != "reset" {
		t.Errorf("closed port: %+v, want reset", p)
	}
	var b strings.Builder
	PrintProbes(&b, map[string]Probe{"b:1": {Refused: "dropped"}, "a:1": {Answered: true}})
	if b.String() != "a:1 answered\nb:1 refused (dropped)\n" {
		t.Errorf("text:\n%s", b.String())
	}
	// A SYN an enforcer drops is never answered: the dial ends at the
	// deadline (proved with packets by the e2e matrix; no test sends one
	// anywhere but loopback).
	if r := refusal(fmt.Errorf("dial tcp: %w", context.DeadlineExceeded)); r != "dropped" {
		t.Errorf("a dial past its deadline is %q, want dropped", r)
	}
}
