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
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// Tracing is what a Pod's environment tells an OpenTelemetry SDK, read
// by the variables' standard names (the OpenTelemetry specification's
// "Environment Variable Specification" and "OTLP Exporter
// Configuration"), so that a variable the operator misnamed configures
// nothing, as it would in a real application.
type Tracing struct {
	// Endpoint is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else
	// OTEL_EXPORTER_OTLP_ENDPOINT (to which http/protobuf adds
	// /v1/traces).
	Endpoint string
	// Signal says Endpoint came from the traces-only variable, used as
	// it is.
	Signal bool
	// Protocol is OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else
	// OTEL_EXPORTER_OTLP_PROTOCOL, else the specification's default,
	// http/protobuf.
	Protocol string
	// Resource is OTEL_RESOURCE_ATTRIBUTES with OTEL_SERVICE_NAME as
	// service.name.
	Resource map[string]string
	// Sampler is OTEL_TRACES_SAMPLER (default parentbased_always_on) and
	// its OTEL_TRACES_SAMPLER_ARG.
	Sampler, SamplerArg string
}

// TracingFromEnv reads a container's environment as an SDK would; nil when
// it exports no traces (no endpoint, OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none).
func TracingFromEnv(env map[string]string) *Tracing {
	if strings.EqualFold(env["OTEL_SDK_DISABLED"], "true") || env["OTEL_TRACES_EXPORTER"] == "none" {
		return nil
	}
	t := &Tracing{Endpoint: env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], Signal: true}
	if t.Endpoint == "" {
		t.Endpoint, t.Signal = env["OTEL_EXPORTER_OTLP_ENDPOINT"], false
	}
	if t.Endpoint == "" {
		return nil
	}
	t.Protocol = firstOf(env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"], env["OTEL_EXPORTER_OTLP_PROTOCOL"], "http/protobuf")
	t.Sampler = firstOf(env["OTEL_TRACES_SAMPLER"], "parentbased_always_on")
	t.SamplerArg = env["OTEL_TRACES_SAMPLER_ARG"]
	t.Resource = map[string]string{}
	for kv := range strings.SplitSeq(env["OTEL_RESOURCE_ATTRIBUTES"], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			continue
		}
		if dv, err := url.PathUnescape(strings.TrimSpace(v)); err == nil {
			v = dv
		}
		t.Resource[strings.TrimSpace(k)] = v
	}
	if name := env["OTEL_SERVICE_NAME"]; name != "" {
		t.Resource["service.name"] = name
	}
	return t
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// sampler is the SDK's sampler for OTEL_TRACES_SAMPLER.
func (t *Tracing) sampler() (sdktrace.Sampler, error) {
	ratio := 1.0
	if t.SamplerArg != "" {
		r, err := strconv.ParseFloat(t.SamplerArg, 64)
		if err != nil {
			return nil, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG %q: %w", t.SamplerArg, err)
		}
		ratio = r
	}
	switch t.Sampler {
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio), nil
	case "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)), nil
	}
	return nil, fmt.Errorf("OTEL_TRACES_SAMPLER %q is not a sampler the SDK knows", t.Sampler)
}

// schemeHTTP is an endpoint without TLS.
const schemeHTTP = "http"

// tracer is one Pod's SDK: its provider exports over OTLP from the Pod's
// own address.
type tracer struct {
	provider  *sdktrace.TracerProvider
	tracer    trace.Tracer
	closeConn func() error
}

// propagator is W3C trace context, the SDK's default (OTEL_PROPAGATORS
// tracecontext,baggage; the simulator carries no baggage).
var propagator = propagation.TraceContext{}

// newTracer starts a Pod's SDK, its connections opened by dial (from the
// Pod's address, names looked up by the cluster's DNS).
func newTracer(t *Tracing, dial Dial) (*tracer, error) {
	u, err := url.Parse(t.Endpoint)
	if err != nil || (u.Scheme != schemeHTTP && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("OTLP endpoint %q is not an http(s) URL", t.Endpoint)
	}
	sampler, err := t.sampler()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	var exporter sdktrace.SpanExporter
	closeConn := func() error { return nil }
	switch t.Protocol {
	case "grpc":
		// The passthrough resolver hands the name to dial, which asks the
		// cluster's DNS from the Pod's address; gRPC's own resolver would
		// ask the machine's.
		creds := credentials.NewTLS(nil)
		if u.Scheme == schemeHTTP {
			creds = insecure.NewCredentials()
		}
		conn, cerr := grpc.NewClient("passthrough:///"+u.Host, grpc.WithTransportCredentials(creds),
			grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) { return dial(ctx, "tcp", addr) }))
		if cerr != nil {
			return nil, cerr
		}
		closeConn = conn.Close
		exporter, err = otlptracegrpc.New(ctx, otlptracegrpc.WithGRPCConn(conn))
	case "http/protobuf":
		path := strings.TrimSuffix(u.Path, "/") + "/v1/traces"
		if t.Signal {
			path = u.Path
		}
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(u.Host), otlptracehttp.WithURLPath(path),
			otlptracehttp.WithHTTPClient(&http.Client{Timeout: 10 * time.Second,
				Transport: &http.Transport{DialContext: dial, MaxIdleConnsPerHost: 1}})}
		if u.Scheme == schemeHTTP {
			opts = append(opts, otlptracehttp.WithInsecure())
		}
		exporter, err = otlptracehttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("OTLP protocol %q is not one the SDK speaks here (grpc, http/protobuf)", t.Protocol)
	}
	if err != nil {
		return nil, err
	}
	attrs := make([]attribute.KeyValue, 0, len(t.Resource))
	for k, v := range t.Resource {
		attrs = append(attrs, attribute.String(k, v))
	}
	p := sdktrace.NewTracerProvider(
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
		sdktrace.WithSampler(sampler),
		// A short batch delay: a switch's old Pods go within seconds, and
		// their spans are flushed when they do anyway.
		sdktrace.WithBatcher(exporter, sdktrace.WithBatchTimeout(time.Second)),
	)
	return &tracer{provider: p, tracer: p.Tracer("restapi-operator/podsim"), closeConn: closeConn}, nil
}

// shutdown flushes the spans not yet exported, within a bound.
func (t *tracer) shutdown() {
	if t == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = t.provider.Shutdown(ctx)
	_ = t.closeConn()
}

// serve starts a request's server span, a child of the caller's
// traceparent. Without a tracer it does nothing.
func (t *tracer) serve(r *http.Request, p Pod) (context.Context, func(code int)) {
	if t == nil {
		return r.Context(), func(int) {}
	}
	ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := t.tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(podAttributes(p)...))
	return ctx, func(code int) {
		span.SetAttributes(attribute.Int("http.response.status_code", code))
		span.End()
	}
}

// call starts a client span for a request to a peer and puts its
// traceparent in the request's headers.
func (t *tracer) call(req *http.Request, peer string) func(err error) {
	if t == nil {
		return func(error) {}
	}
	ctx, span := t.tracer.Start(req.Context(), "GET "+peer, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("restapi.peer", peer)))
	propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
	return func(err error) {
		if err != nil {
			span.SetAttributes(attribute.String("error.type", err.Error()))
		}
		span.End()
	}
}

// podAttributes are the Pod's own labels, which a span carries beside
// the resource its environment describes: a test compares the two.
func podAttributes(p Pod) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("restapi.component", p.Component),
		attribute.String("restapi.colour", p.Colour),
		attribute.String("restapi.revision", p.Revision),
		attribute.String("restapi.pod", p.Name),
	}
}
