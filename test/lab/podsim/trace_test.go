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
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP receiver for tests, on gRPC or HTTP: it keeps every
// span with its resource's attributes.
type collector struct {
	collectorpb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []span
}

type span struct {
	traceID, spanID, parentID, name string
	attrs, resource                 map[string]string
}

func (c *collector) take(req *collectorpb.ExportTraceServiceRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		res := attributes(rs.GetResource().GetAttributes())
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, span{traceID: hex.EncodeToString(s.TraceId), spanID: hex.EncodeToString(s.SpanId),
					parentID: hex.EncodeToString(s.ParentSpanId), name: s.Name, attrs: attributes(s.Attributes), resource: res})
			}
		}
	}
}

func attributes(kvs []*commonpb.KeyValue) map[string]string {
	out := map[string]string{}
	for _, kv := range kvs {
		out[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	return out
}

func (c *collector) Export(_ context.Context, req *collectorpb.ExportTraceServiceRequest) (*collectorpb.ExportTraceServiceResponse, error) {
	c.take(req)
	return &collectorpb.ExportTraceServiceResponse{}, nil
}

// serve listens at 127.0.0.9 for protocol and returns the endpoint.
func (c *collector) serve(t *testing.T, protocol string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Fatal(err)
	}
	switch protocol {
	case "grpc":
		s := grpc.NewServer()
		collectorpb.RegisterTraceServiceServer(s, c)
		go func() { _ = s.Serve(ln) }()
		t.Cleanup(s.Stop)
	default:
		mux := http.NewServeMux()
		mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var req collectorpb.ExportTraceServiceRequest
			if err := proto.Unmarshal(body, &req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			c.take(&req)
			w.Header().Set("Content-Type", "application/x-protobuf")
			b, _ := proto.Marshal(&collectorpb.ExportTraceServiceResponse{})
			_, _ = w.Write(b)
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Second}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
	}
	return "http://" + ln.Addr().String()
}

func (c *collector) trace(id string) []span {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []span
	for _, s := range c.spans {
		if s.traceID == id {
			out = append(out, s)
		}
	}
	return out
}

// TestARequestIsOneTraceAcrossTheViewAndItsPeers: a request that comes
// with a traceparent gives, over each OTLP protocol, to a collector named
// by a Service name, a server span in the
// view, a client span for its call to the model and a server span in the
// model, all of the caller's trace, each Pod's with the resource its
// environment describes and its own labels as attributes.
func TestARequestIsOneTraceAcrossTheViewAndItsPeers(t *testing.T) {
	for _, protocol := range []string{"grpc", "http/protobuf"} {
		t.Run(protocol, func(t *testing.T) {
			c := &collector{}
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(c.serve(t, protocol), "http://"))
			// By name: asked of the cluster's DNS from the Pod's address,
			// never of the machine's resolver.
			endpoint := "http://otel.observability.svc:" + port
			dns := &dnsServer{records: map[string]string{"otel.observability.svc.cluster.local.": "127.0.0.9"}}
			s := &Server{DNSServer: dns.serve(t)}
			defer s.Close()
			model := pod(t, "127.0.0.3", "model", "shop:1")
			model.Revision = "r2"
			view := pod(t, "127.0.0.2", "view", "shop:1")
			view.Peers = map[string]string{"model": model.url("")}
			for _, p := range []*Pod{&view, &model} {
				p.Tracing = TracingFromEnv(map[string]string{
					"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
					"OTEL_SERVICE_NAME":        "shop-" + p.Component,
					"OTEL_RESOURCE_ATTRIBUTES": "service.version=" + p.Revision,
				})
			}
			if err := s.Sync([]Pod{view, model}); err != nil {
				t.Fatal(err)
			}
			const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
			req, _ := http.NewRequest(http.MethodGet, view.url("/"), nil)
			req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("answer %s", resp.Status)
			}
			var spans []span
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if spans = c.trace(traceID); len(spans) == 3 {
					break
				}
			}
			byName := map[string]span{}
			for _, s := range spans {
				byName[s.resource["service.name"]+" "+s.name] = s
			}
			viewServer, call, modelServer := byName["shop-view GET /"], byName["shop-view GET model"], byName["shop-model GET /"]
			if len(spans) != 3 || viewServer.spanID == "" || call.spanID == "" || modelServer.spanID == "" {
				t.Fatalf("spans of the trace %v: want the view's server span, its call to the model and the model's", spans)
			}
			if viewServer.parentID != "00f067aa0ba902b7" || call.parentID != viewServer.spanID || modelServer.parentID != call.spanID {
				t.Errorf("parents: view %s (want the caller's), call %s (want the view's), model %s (want the call's)",
					viewServer.parentID, call.parentID, modelServer.parentID)
			}
			for _, s := range []span{viewServer, modelServer} {
				want := map[string]string{"component": s.attrs["restapi.component"], "revision": s.attrs["restapi.revision"]}
				got := fmt.Sprint(s.resource["service.name"], " ", s.resource["service.version"])
				if got != "shop-"+want["component"]+" "+want["revision"] || s.attrs["restapi.colour"] != "blue" {
					t.Errorf("span %s: resource %v, attributes %v", s.name, s.resource, s.attrs)
				}
			}
		})
	}
}
