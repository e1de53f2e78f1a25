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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Total adds reports up; its LongestFailureRun is the longest of any.
func Total(reports map[string]*Report) Report {
	var sum Report
	for _, r := range reports {
		sum.Requests += r.Requests
		sum.Non2xx += r.Non2xx
		sum.ConnErrors += r.ConnErrors
		sum.Mixed += r.Mixed
		sum.LongestFailureRun = max(sum.LongestFailureRun, r.LongestFailureRun)
		sum.Slowest = max(sum.Slowest, r.Slowest)
	}
	return sum
}

// Print writes one line per target, by name, and the total.
func Print(w io.Writer, reports map[string]*Report) {
	for _, n := range slices.Sorted(maps.Keys(reports)) {
		r := reports[n]
		var revs strings.Builder
		for _, rc := range r.Revisions {
			fmt.Fprintf(&revs, " %s:%d", rc.Revision, rc.Answers)
		}
		_, _ = fmt.Fprintf(w, "%s: %s; answers by revision:%s\n", n, r, revs.String())
	}
	_, _ = fmt.Fprintf(w, "total: %s\n", Total(reports))
}

// Get sends one GET from source (an address of the Pod range, as a client
// Pod's) and copies the answer's body to w, indented when it is JSON; an
// answer other than 2xx is an error after its body.
func Get(ctx context.Context, url, source string, w io.Writer) error {
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	if ip := net.ParseIP(source); ip != nil {
		dialer.LocalAddr = &net.TCPAddr{IP: ip}
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	var indented bytes.Buffer
	if json.Indent(&indented, body, "", "  ") == nil {
		body = append(indented.Bytes(), '\n')
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}
