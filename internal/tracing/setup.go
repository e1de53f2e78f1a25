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

// Package tracing exports the manager's own traces: one trace per
// rollout, its steps as spans (rollout.go). It is configured by the
// standard OpenTelemetry environment and off when none is set.
package tracing

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// FromEnv starts the manager's tracer from the OpenTelemetry environment:
//   - on when OTEL_EXPORTER_OTLP_ENDPOINT or
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, unless OTEL_SDK_DISABLED
//     is true or OTEL_TRACES_EXPORTER is none;
//   - OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL grpc or http/protobuf (the
//     specification's default); the exporters read the endpoint, headers,
//     timeout and TLS variables themselves;
//   - OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the resource
//     (service.name restapi-operator by default).
//
// Off, it returns nil and no error: a nil *Rollouts records nothing.
// shutdown flushes what is not exported yet.
func FromEnv(ctx context.Context) (*Rollouts, func(context.Context) error, error) {
	getenv := os.Getenv
	none := func(context.Context) error { return nil }
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || getenv("OTEL_TRACES_EXPORTER") == "none" ||
		getenv("OTEL_EXPORTER_OTLP_ENDPOINT")+getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return nil, none, nil
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var exporter sdktrace.SpanExporter
	var err error
	switch protocol {
	case "grpc":
		exporter, err = otlptracegrpc.New(ctx)
	case "", "http/protobuf":
		exporter, err = otlptracehttp.New(ctx)
	default:
		return nil, none, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q: the manager exports over grpc or http/protobuf", protocol)
	}
	if err != nil {
		return nil, none, fmt.Errorf("the OTLP trace exporter: %w", err)
	}
	res, err := resource.Merge(
		resource.NewSchemaless(attribute.String("service.name", "restapi-operator")),
		// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, over the default.
		resource.Environment(),
	)
	if err != nil {
		return nil, none, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	p := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(res),
		// A rollout is sampled when it begins (its traceParent's flag);
		// the steps follow it, whichever manager records them.
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithIDGenerator(ids{}),
	)
	return NewRollouts(p), p.Shutdown, nil
}
