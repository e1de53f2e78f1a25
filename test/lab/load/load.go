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

// Package load sends a steady rate of requests to the local cluster's
// Services and reports what users would have seen: requests, answers that
// were not 2xx, connections that failed, the longest run of consecutive
// failures, and answers whose components did not all belong to one
// revision (the simulated view says which revision each peer answered
// from; see test/lab/podsim).
//
// Every run is bounded in count and in time.
package load

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/restapi-operator/restapi-operator/test/lab/podsim"
)

// Target is a URL to send requests to, named for the report.
type Target struct {
	Name, URL string
}

// Options bound a run.
type Options struct {
	// Rate is the requests per second sent to each target (default 50).
	Rate float64
	// Max is the most requests sent to each target (default 100,000).
	Max int
	// Timeout is each request's own bound (default 10 s, what a patient
	// client waits: on a loaded machine some answers take seconds, and
	// that is Slowest's to show; a switch that loses requests refuses or
	// resets them at once, it does not make them slow).
	Timeout time.Duration
	// Reuse is how many requests a connection carries before it closes
	// (default 5), as clients that bound a connection's life do: a kept-
	// alive connection stays with the Pod it reached (conntrack), so
	// without a bound a client would never follow a switch while the old
	// Pods live.
	Reuse int
	// SourceIP is the address requests leave from ("": the kernel's
	// choice). In the lab it is an address of the Pod range, as a client
	// Pod's: kube-proxy masquerades traffic from outside the Pod range to
	// the namespace's only interface, loopback, whose address the kernel
	// does not route to a Pod address.
	SourceIP string
	// Trace starts a trace with every request: a W3C traceparent header
	// with a new trace ID, sampled, as the first service a user's request
	// meets would. The report lists each request's trace ID.
	Trace bool
	// Answering, when set, is called once, when every target has had its
	// first request answered (or failed): from then on the run measures
	// every target. A caller that changes what the targets serve waits
	// for it, or an early change is never seen.
	Answering func()
	// Progress, when set, records each target's answering revisions as
	// they come, for a caller to read while the run goes on.
	Progress *Progress
}

// Progress is what each target has answered so far: the revisions that
// answered it, in the order first seen. Safe for concurrent use.
type Progress struct {
	mu   sync.Mutex
	seen map[string][]string
}

func (p *Progress) saw(target, revision string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil {
		p.seen = map[string][]string{}
	}
	if !slices.Contains(p.seen[target], revision) {
		p.seen[target] = append(p.seen[target], revision)
	}
}

// Revisions is a copy of the revisions that answered each target so far
// (targets not answered yet are missing).
func (p *Progress) Revisions() map[string][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string][]string, len(p.seen))
	for target, revs := range p.seen {
		out[target] = slices.Clone(revs)
	}
	return out
}

// AnsweringLine is what the load command prints on stderr when Answering
// is called: a caller of the command waits for it.
const AnsweringLine = "load: every target has answered once"

// ProgressPrefix starts the line the load command prints on stderr at
// SIGUSR1: the line's number (1, 2, ...), a space and the JSON of
// Progress.Revisions follow, on the same line.
const ProgressPrefix = "load: answered by "

// Report is what one target answered.
type Report struct {
	Requests int
	// Non2xx counts answers with another status; ConnErrors requests that
	// got no answer (refused, reset, timed out).
	Non2xx, ConnErrors int
	// LongestFailureRun is the most consecutive requests that failed
	// (not 2xx, or no answer).
	LongestFailureRun int
	// Mixed counts answers in which components of more than one revision
	// took part.
	Mixed int
	// Slowest is the longest a request waited for its answer, whatever
	// the answer.
	Slowest time.Duration
	// Errors are the first few distinct failures, as the client saw them.
	Errors []string `json:",omitempty"`
	// Revisions counts the answers by the revision that answered (its own:
	// the view's for the view), in the order first seen.
	Revisions []RevisionCount
	// Traced are the requests' traces, with Options.Trace: each trace ID
	// with the status and the revision of the answer.
	Traced []Traced `json:",omitempty"`
}

// Traced is one traced request.
type Traced struct {
	TraceID string
	// Code is the answer's status (0: no answer).
	Code     int
	Revision string `json:",omitempty"`
}

// RevisionCount is how many answers a revision gave.
type RevisionCount struct {
	Revision string
	Answers  int
}

// Failed is every request a user would have seen fail.
func (r Report) Failed() int { return r.Non2xx + r.ConnErrors }

func (r Report) String() string {
	return fmt.Sprintf("%d requests, %d failed, %d mixed", r.Requests, r.Failed(), r.Mixed)
}

// Run sends requests to every target at opts.Rate until ctx ends or Max
// requests went to each, and reports by target name. Requests on their way
// when ctx ends have endGrace more to finish, and are reported: a target
// that answers in time received no request its report lacks (a traced
// request in Jaeger is one the report lists). Those still on their way
// then are cut short and left out.
func Run(ctx context.Context, targets []Target, opts Options) map[string]*Report {
	if opts.Rate <= 0 {
		opts.Rate = 50
	}
	if opts.Max <= 0 {
		opts.Max = 100_000
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Reuse <= 0 {
		opts.Reuse = 5
	}
	dialer := &net.Dialer{Timeout: opts.Timeout}
	if ip := net.ParseIP(opts.SourceIP); ip != nil {
		dialer.LocalAddr = &net.TCPAddr{IP: ip}
	}
	client := &http.Client{Timeout: opts.Timeout, Transport: &http.Transport{
		DialContext: dialer.DialContext,
		// Keep-alive, as a browser or a client library: an open connection
		// stays with the Pod it reached, as conntrack keeps it.
		MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second,
	}}
	defer client.CloseIdleConnections()
	out := make(map[string]*Report, len(targets))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var waiting atomic.Int64
	waiting.Store(int64(len(targets)))
	first := func() {
		if waiting.Add(-1) == 0 && opts.Answering != nil {
			opts.Answering()
		}
	}
	// The requests' own context: the run's, endGrace longer.
	requests, cutShort := context.WithCancel(context.WithoutCancel(ctx))
	defer cutShort()
	go func() {
		select {
		case <-ctx.Done():
			t := time.NewTimer(endGrace)
			defer t.Stop()
			select {
			case <-t.C:
				cutShort()
			case <-requests.Done():
			}
		case <-requests.Done():
		}
	}()
	for _, t := range targets {
		r := &Report{}
		out[t.Name] = r
		wg.Go(func() { send(ctx, requests, client, t, opts, r, &mu, first) })
	}
	wg.Wait()
	return out
}

// send is one target's loop; its requests go out on a fixed schedule, each
// in its own goroutine, so a slow answer does not slow the rate, with the
// requests context (ctx, endGrace longer). first is called when its first
// request has its outcome.
func send(ctx, requests context.Context, client *http.Client, t Target, opts Options, r *Report, mu *sync.Mutex,
	first func()) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / opts.Rate))
	defer tick.Stop()
	// Results are kept in blocks as they come: a run of many targets must
	// not hold Max results for each before it has sent anything.
	var (
		blocks [][]outcome
		wg     sync.WaitGroup
		sent   int
	)
loop:
	for sent < opts.Max {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		if sent%resultBlock == 0 {
			blocks = append(blocks, make([]outcome, resultBlock))
		}
		slot := &blocks[sent/resultBlock][sent%resultBlock]
		sent++
		last, isFirst := sent%opts.Reuse == 0, sent == 1
		wg.Go(func() {
			start := time.Now()
			*slot = ask(requests, client, t.URL, last, opts.Trace)
			slot.took = time.Since(start)
			if opts.Progress != nil && slot.revision != "" {
				opts.Progress.saw(t.Name, slot.revision)
			}
			if isFirst {
				first()
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	run := 0
	for i := range sent {
		o := blocks[i/resultBlock][i%resultBlock]
		if o.cancelled {
			continue // still on its way endGrace after the run ended
		}
		r.Requests++
		r.Slowest = max(r.Slowest, o.took)
		switch {
		case o.err:
			r.ConnErrors++
		case o.code < 200 || o.code > 299:
			r.Non2xx++
		}
		if o.err || o.code < 200 || o.code > 299 {
			if len(r.Errors) < maxErrors && !slices.Contains(r.Errors, o.why) {
				r.Errors = append(r.Errors, o.why)
			}
			run++
			r.LongestFailureRun = max(r.LongestFailureRun, run)
		} else {
			run = 0
		}
		if o.mixed {
			r.Mixed++
		}
		if o.revision != "" {
			r.count(o.revision)
		}
		if o.traceID != "" {
			r.Traced = append(r.Traced, Traced{TraceID: o.traceID, Code: o.code, Revision: o.revision})
		}
	}
}

func (r *Report) count(rev string) {
	for i := range r.Revisions {
		if r.Revisions[i].Revision == rev {
			r.Revisions[i].Answers++
			return
		}
	}
	r.Revisions = append(r.Revisions, RevisionCount{Revision: rev, Answers: 1})
}

// maxErrors is how many distinct failures a report describes.
const maxErrors = 5

// endGrace is how long requests on their way when a run ends have to
// finish.
const endGrace = time.Second

// resultBlock is how many outcomes are allocated at a time.
const resultBlock = 256

// outcome is one request's.
type outcome struct {
	code           int
	err, cancelled bool
	// why is the failure's description: the error, or the status.
	why      string
	mixed    bool
	revision string
	took     time.Duration
	traceID  string
}

// ask sends one request; closing says the connection closes after it.
func ask(ctx context.Context, client *http.Client, url string, closing, trace bool) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return outcome{err: true, why: err.Error()}
	}
	req.Close = closing
	var traceID string
	if trace {
		var parent string
		traceID, parent = newTraceParent()
		req.Header.Set("traceparent", parent)
	}
	resp, err := client.Do(req)
	if err != nil {
		return outcome{err: ctx.Err() == nil, cancelled: ctx.Err() != nil, why: err.Error(), traceID: traceID}
	}
	defer func() { _ = resp.Body.Close() }()
	o := outcome{code: resp.StatusCode, traceID: traceID}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return outcome{err: ctx.Err() == nil, cancelled: ctx.Err() != nil, why: err.Error(), traceID: traceID}
	}
	var a podsim.Answer
	isAnswer := json.Unmarshal(body, &a) == nil && a.Revision != ""
	if isAnswer {
		o.revision = a.Revision
		o.mixed = len(a.Revisions()) > 1
	}
	if o.code < 200 || o.code > 299 {
		o.why = fmt.Sprintf("%s: %s", resp.Status, bytes.TrimSpace(body[:min(len(body), 200)]))
		if isAnswer {
			o.why = fmt.Sprintf("%s from %s %s", resp.Status, a.Colour, a.Component)
			for _, name := range slices.Sorted(maps.Keys(a.Peers)) {
				if e := a.Peers[name].Error; e != "" {
					o.why += fmt.Sprintf("; its call to %s: %s", name, e)
				}
			}
		}
	}
	return o
}

// newTraceParent is a new sampled W3C trace context: its trace ID and the
// traceparent header (version 00, a random parent span ID, flags 01).
func newTraceParent() (traceID, header string) {
	var b [24]byte
	_, _ = rand.Read(b[:])
	traceID = hex.EncodeToString(b[:16])
	return traceID, "00-" + traceID + "-" + hex.EncodeToString(b[16:]) + "-01"
}
