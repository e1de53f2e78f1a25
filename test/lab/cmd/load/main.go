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

// Command load sends a steady rate of requests to the local cluster's
// Services from inside the lab's network namespace and prints what they
// answered as JSON (see test/lab/load).
//
//	load -target view=http://10.96.0.12:3000/ -rate 50 -duration 60s
//	load -get http://10.96.0.12:3000/
//	load -probe -source 10.244.1.7 10.244.2.9:3000 10.244.2.9:9090
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/restapi-operator/restapi-operator/test/lab/load"
	"github.com/restapi-operator/restapi-operator/test/lab/netns"
)

type targets []load.Target

func (t *targets) String() string { return fmt.Sprint(*t) }

func (t *targets) Set(v string) error {
	name, url, ok := strings.Cut(v, "=")
	if !ok || name == "" || url == "" {
		return fmt.Errorf("want name=url, got %q", v)
	}
	*t = append(*t, load.Target{Name: name, URL: url})
	return nil
}

func main() {
	var ts targets
	flag.Var(&ts, "target", "name=url to send requests to (repeatable)")
	rate := flag.Float64("rate", 50, "requests per second to each target")
	maxRequests := flag.Int("max", 100_000, "the most requests to each target")
	duration := flag.Duration("duration", time.Minute, "how long to send (SIGTERM ends it sooner)")
	source := flag.String("source", "10.244.255.254",
		"the address requests leave from: one of the Pod range, as a client Pod's")
	reuse := flag.Int("reuse", 5, "requests a connection carries before it closes")
	get := flag.String("get", "", "send one GET to this URL, print the answer's body and exit")
	text := flag.Bool("text", false, "print the report as text, one line per target and a total, instead of JSON")
	probe := flag.Bool("probe", false,
		"open one connection from -source to each host:port argument, print whether each was answered (JSON) and exit")
	timeout := flag.Duration("timeout", 2*time.Second, "with -probe: how long a connection may take to be answered")
	trace := flag.Bool("trace", false,
		"start a W3C trace with every request (a sampled traceparent header); the JSON report lists each request's trace ID")
	user := flag.String("user", "",
		"uid:gid to run as (the lab's clients are not root: the NetworkPolicy enforcer lets root's traffic through unjudged)")
	answering := flag.Bool("answering", false,
		"print \""+load.AnsweringLine+"\" on stderr once every target has answered (or failed) its first request")
	flag.Parse()
	if err := netns.RunAs(*user); err != nil {
		log.Fatalf("load: %v", err)
	}
	if *probe {
		if flag.NArg() == 0 {
			log.Fatal("load: -probe needs host:port arguments")
		}
		probes := load.ProbeAll(context.Background(), *source, flag.Args(), *timeout)
		if *text {
			load.PrintProbes(os.Stdout, probes)
			return
		}
		if err := json.NewEncoder(os.Stdout).Encode(probes); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *get != "" {
		if err := load.Get(context.Background(), *get, *source, os.Stdout); err != nil {
			log.Fatalf("load: %v", err)
		}
		return
	}
	if len(ts) == 0 {
		log.Fatal("load: no -target")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	opts := load.Options{Rate: *rate, Max: *maxRequests, Reuse: *reuse, SourceIP: *source, Trace: *trace,
		Progress: &load.Progress{}}
	if *answering {
		opts.Answering = func() { fmt.Fprintln(os.Stderr, load.AnsweringLine) }
	}
	// SIGUSR1 asks which revisions have answered each target so far: one
	// line on stderr, while the run goes on.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		n := 0
		for range usr1 {
			line, err := json.Marshal(opts.Progress.Revisions())
			if err != nil {
				log.Fatal(err)
			}
			n++
			fmt.Fprintf(os.Stderr, "%s%d %s\n", load.ProgressPrefix, n, line)
		}
	}()
	reports := load.Run(ctx, ts, opts)
	if *text {
		load.Print(os.Stdout, reports)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(reports); err != nil {
		log.Fatal(err)
	}
}
