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
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Probe is one cell of a reachability matrix: a new TCP connection from an
// address, and an HTTP request on it.
type Probe struct {
	// Answered: the connection was accepted and an HTTP answer (any
	// status) came back on it.
	Answered bool `json:"answered"`
	// Refused says how it was not: "dropped" (no answer to the connection
	// within the bound: a NetworkPolicy enforcer drops it), "reset" (the
	// connection was refused: nothing listens, or an enforcer rejects),
	// "connected, no HTTP answer" (let through, but the Pod did not answer
	// in time), or the error.
	Refused string `json:"refused,omitempty"`
	// Took is how long it took to tell.
	Took time.Duration `json:"took"`
}

// ProbeAll opens, at once, a connection from source (a Pod's address) to
// each of addrs (host:port), and says of each whether it was answered
// within timeout. Bounded: one attempt per address, each within timeout.
func ProbeAll(ctx context.Context, source string, addrs []string, timeout time.Duration) map[string]Probe {
	out := make(map[string]Probe, len(addrs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, addr := range addrs {
		wg.Go(func() {
			p := probe(ctx, source, addr, timeout)
			mu.Lock()
			out[addr] = p
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

func probe(ctx context.Context, source, addr string, timeout time.Duration) Probe {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dialer := &net.Dialer{}
	if ip := net.ParseIP(source); ip != nil {
		dialer.LocalAddr = &net.TCPAddr{IP: ip}
	}
	var connected bool
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		connected = err == nil
		return c, err
	}
	client := &http.Client{Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		return Probe{Refused: err.Error()}
	}
	resp, err := client.Do(req)
	took := time.Since(start)
	if err != nil {
		if connected {
			// Through the enforcer, but the Pod did not answer in time.
			return Probe{Refused: "connected, no HTTP answer: " + err.Error(), Took: took}
		}
		return Probe{Refused: refusal(err), Took: took}
	}
	_ = resp.Body.Close()
	return Probe{Answered: true, Took: took}
}

// refusal names how a connection was not answered.
func refusal(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "dropped"
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return "reset"
	}
	return fmt.Sprint(err)
}

// PrintProbes writes one line per address, in order: "ADDR answered" or
// "ADDR refused (HOW)".
func PrintProbes(w io.Writer, probes map[string]Probe) {
	for _, addr := range slices.Sorted(maps.Keys(probes)) {
		p := probes[addr]
		if p.Answered {
			_, _ = fmt.Fprintf(w, "%s answered\n", addr)
			continue
		}
		_, _ = fmt.Fprintf(w, "%s refused (%s)\n", addr, p.Refused)
	}
}
