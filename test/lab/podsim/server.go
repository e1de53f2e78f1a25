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

package podsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Pod is a simulated Pod: where it listens and what its container is.
type Pod struct {
	Namespace, Name string
	// IP is the Pod's address; Ports its container ports.
	IP    string
	Ports []int32
	// Component, Colour and Revision are the Pod's labels.
	Component, Colour, Revision string
	Image                       string
	// ProbePaths are answered 200 whatever the behaviour (liveness,
	// readiness, startup).
	ProbePaths []string
	// Drain is the container's preStop sleep: how long it goes on serving
	// once the Pod is going.
	Drain time.Duration
	// Peers are the URLs of the other components, by component, as the
	// operator put them in its environment (MODEL_URL...). The view calls
	// each on every request it answers.
	Peers map[string]string
	// Tracing is the OpenTelemetry SDK configuration its environment
	// gives (nil: it exports no spans).
	Tracing *Tracing
}

// Answer is the JSON body of an application request.
type Answer struct {
	Pod       string `json:"pod"`
	Component string `json:"component"`
	Colour    string `json:"colour"`
	Revision  string `json:"revision"`
	Image     string `json:"image"`
	// Client is the address the request came from, as the Pod saw it.
	Client string `json:"client"`
	// Peers are the peers' answers (the view's only); a peer that failed
	// has its error instead.
	Peers map[string]PeerAnswer `json:"peers,omitempty"`
}

// PeerAnswer is a peer's answer as the view saw it.
type PeerAnswer struct {
	Answer
	Error string `json:"error,omitempty"`
}

// Revisions lists every revision that took part in an answer: its own and
// its peers' (a peer that did not answer took no part).
func (a Answer) Revisions() []string {
	out := []string{a.Revision}
	for _, p := range a.Peers {
		if p.Revision != "" && !slices.Contains(out, p.Revision) {
			out = append(out, p.Revision)
		}
	}
	return out
}

// shutdownGrace bounds how long a Pod that goes finishes its requests in
// flight.
const shutdownGrace = 5 * time.Second

// Server serves simulated Pods.
type Server struct {
	// DNSServer is the cluster's DNS server (host:port) the Pods ask for
	// their peers' names, from their own addresses (see DNS): the kube-dns
	// Service in the lab. Empty: the system's resolver.
	DNSServer string

	mu     sync.Mutex
	served map[string]*served
	// draining are the ports of Pods that went, in their preStop sleep, by
	// address.
	draining map[string]*served
}

// served is one listening container port.
type served struct {
	pod    Pod
	srv    *http.Server
	ln     net.Listener
	tracer *tracer
}

func (p Pod) key(port int32) string {
	return fmt.Sprintf("%s/%s/%s:%d/%s/%s", p.Namespace, p.Name, p.IP, port, p.Image, p.Revision)
}

// Sync makes the server listen for exactly these Pods: it starts the
// ports of new ones and stops those of Pods that went (or changed), after
// their preStop sleep. A Pod
// whose image says down is not listened for. It returns the errors of the
// ports it could not listen on; the others are served.
func (s *Server) Sync(pods []Pod) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.served == nil {
		s.served, s.draining = map[string]*served{}, map[string]*served{}
	}
	want := map[string]Pod{}
	for _, p := range pods {
		if BehaviourOf(p.Image).Down || p.IP == "" {
			continue
		}
		for _, port := range p.Ports {
			want[p.key(port)] = p
		}
	}
	for k, sv := range s.served {
		if _, ok := want[k]; !ok {
			// As kubelet stops a container: its preStop sleep first, while
			// it goes on serving, then SIGTERM.
			addr := sv.ln.Addr().String()
			s.draining[addr] = sv
			time.AfterFunc(sv.pod.Drain, func() {
				s.mu.Lock()
				mine := s.draining[addr] == sv
				if mine {
					delete(s.draining, addr)
				}
				s.mu.Unlock()
				if mine { // else a new Pod took the address and stopped it
					sv.stop()
				}
			})
			delete(s.served, k)
		}
	}
	var errs []error
	for k, p := range want {
		if _, ok := s.served[k]; ok {
			continue
		}
		port := p.Ports[slices.IndexFunc(p.Ports, func(port int32) bool { return p.key(port) == k })]
		addr := net.JoinHostPort(p.IP, strconv.Itoa(int(port)))
		if old := s.draining[addr]; old != nil {
			// A new Pod was given the address of one still in its preStop
			// sleep (kubelet would free it only after): the new one takes
			// the address now.
			// Its listener goes now; its requests in flight finish
			// without holding the lock.
			delete(s.draining, addr)
			_ = old.ln.Close()
			go old.stop()
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("pod %s/%s: %w", p.Namespace, p.Name, err))
			continue
		}
		var t *tracer
		if p.Tracing != nil {
			// An SDK that cannot start leaves the Pod serving without
			// spans, as an application would; the trace test sees them
			// missing.
			if t, err = newTracer(p.Tracing, s.dial(p)); err != nil {
				errs = append(errs, fmt.Errorf("pod %s/%s: tracing: %w", p.Namespace, p.Name, err))
			}
		}
		srv := &http.Server{Handler: s.handler(p, t), ReadHeaderTimeout: 5 * time.Second}
		s.served[k] = &served{pod: p, srv: srv, ln: ln, tracer: t}
		go func() { _ = srv.Serve(ln) }()
	}
	return errors.Join(errs...)
}

// Serving counts the container ports listened on.
func (s *Server) Serving() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.served)
}

// stop does what an application does on SIGTERM: it stops accepting,
// closes the idle keep-alive connections and lets the requests in flight
// finish (for at most the grace period).
func (sv *served) stop() {
	// Shutdown closes the listeners Serve has taken up; this one may not
	// be yet.
	_ = sv.ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if sv.srv.Shutdown(ctx) != nil {
		_ = sv.srv.Close()
	}
	sv.tracer.shutdown()
}

// Close stops every port at once, without the Pods' preStop sleeps.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sv := range s.served {
		go sv.stop()
		delete(s.served, k)
	}
	for addr, sv := range s.draining {
		go sv.stop()
		delete(s.draining, addr)
	}
}

// handler answers as the Pod's container would.
func (s *Server) handler(p Pod, t *tracer) http.Handler {
	b := BehaviourOf(p.Image)
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total", Help: "Requests answered, by status code.",
	}, []string{"code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "Time to answer, by status code.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"code"})
	reg.MustRegister(requests, latency)
	var n atomic.Uint64
	client := s.peerClient(p)
	started := time.Now()

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	for _, path := range p.ProbePaths {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code := http.StatusOK
		ctx, end := t.serve(r, p)
		defer func() {
			end(code)
			c := strconv.Itoa(code)
			requests.WithLabelValues(c).Inc()
			latency.WithLabelValues(c).Observe(time.Since(start).Seconds())
		}()
		active := b.Active(time.Since(started))
		if b.Delay > 0 && active {
			select {
			case <-time.After(b.Delay):
			case <-ctx.Done():
				return
			}
		}
		if active && fails(n.Add(1), b.FailPercent) {
			code = http.StatusInternalServerError
			http.Error(w, "simulated failure ("+p.Image+")", code)
			return
		}
		a := Answer{Pod: p.Name, Component: p.Component, Colour: p.Colour, Revision: p.Revision, Image: p.Image,
			Client: r.RemoteAddr}
		if len(p.Peers) > 0 {
			a.Peers = callPeers(ctx, client, t, p.Peers)
			for _, pa := range a.Peers {
				if pa.Error != "" {
					// What a peer could not answer, the view cannot either.
					code = http.StatusBadGateway
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(a)
	})
	return mux
}

// peerClient is the client a Pod calls its peers with: from its own
// address, as a Pod's connections leave from its IP, to the ClusterIPs the
// cluster's DNS gives for the Service names, so kube-proxy routes them.
func (s *Server) peerClient(p Pod) *http.Client {
	// A peer's answer is waited for longer than a connection: on a loaded
	// machine a busy peer answers late, and a late answer is not a failure.
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: s.dial(p), MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second,
	}}
}

// dial opens a Pod's connections: from its own address, to the address
// the cluster's DNS gives for a name.
func (s *Server) dial(p Pod) Dial {
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	if ip := net.ParseIP(p.IP); ip != nil {
		dialer.LocalAddr = &net.TCPAddr{IP: ip}
	}
	var resolve Resolve
	if s.DNSServer != "" {
		resolve = DNS(s.DNSServer, p.IP)
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if resolve != nil {
			if host, err = resolve(ctx, p.Namespace, host); err != nil {
				return nil, err
			}
		}
		return dialer.DialContext(ctx, network, net.JoinHostPort(host, port))
	}
}

// callPeers calls every peer once, at the same time, and collects their
// answers.
func callPeers(ctx context.Context, c *http.Client, t *tracer, peers map[string]string) map[string]PeerAnswer {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := make(map[string]PeerAnswer, len(peers))
	for name, url := range peers {
		wg.Go(func() {
			pa := call(ctx, c, t, name, url)
			mu.Lock()
			out[name] = pa
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

func call(ctx context.Context, c *http.Client, t *tracer, name, url string) PeerAnswer {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/", nil)
	if err != nil {
		return PeerAnswer{Error: err.Error()}
	}
	end := t.call(req, name)
	resp, err := c.Do(req)
	end(err)
	if err != nil {
		return PeerAnswer{Error: err.Error()}
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return PeerAnswer{Error: resp.Status}
	}
	var pa PeerAnswer
	if err := json.NewDecoder(resp.Body).Decode(&pa.Answer); err != nil {
		return PeerAnswer{Error: err.Error()}
	}
	return pa
}
