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

// Package podsim makes the local cluster's simulated Pods answer HTTP the
// way the application would: it listens on each Running Pod's IP and
// container ports and answers the probe paths, /metrics, and every other
// path with a small JSON body naming the Pod, its component, colour,
// revision and image. The view calls its peers through the URLs the
// operator put in its environment, so a response shows whether every
// component that served it belongs to one revision.
//
// What a container does is chosen by its image tag, so tests and the demo
// need no other knob (docs/development.md lists the vocabulary):
//
//	fail<N>  answers N% of the application's requests with 500 (probes pass)
//	slow<M>  answers every request M milliseconds late
//	down     does not listen: connections are refused
//	after<S> fail<N> and slow<M> start S seconds after the container
//	         started (a release that degrades once it serves)
//
// Tokens are separated by '-', '_' or '.', as in shop:2.0.0-fail20-slow300.
package podsim

import (
	"strconv"
	"strings"
	"time"
)

// Behaviour is what a simulated container does.
type Behaviour struct {
	// FailPercent of the application's requests are answered with 500,
	// spread evenly (of every 100 requests, exactly FailPercent fail).
	FailPercent int
	// Delay is added to every answer.
	Delay time.Duration
	// Down: the container does not listen.
	Down bool
	// After delays FailPercent and Delay: they apply from that long after
	// the container started.
	After time.Duration
}

// Active reports whether the failures and delays apply, started ago.
func (b Behaviour) Active(started time.Duration) bool { return started >= b.After }

// BehaviourOf reads a container's behaviour from its image's tag. An image
// without a tag, or a tag with no known token, behaves well.
func BehaviourOf(image string) Behaviour {
	var b Behaviour
	tag := image
	if i := strings.LastIndex(image, "/"); i >= 0 {
		tag = image[i+1:]
	}
	i := strings.Index(tag, ":")
	if i < 0 {
		return b
	}
	tag = tag[i+1:]
	if j := strings.Index(tag, "@"); j >= 0 {
		tag = tag[:j]
	}
	for _, tok := range strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		switch {
		case tok == "down":
			b.Down = true
		case strings.HasPrefix(tok, "fail"):
			if n, err := strconv.Atoi(tok[len("fail"):]); err == nil && n >= 0 && n <= 100 {
				b.FailPercent = n
			}
		case strings.HasPrefix(tok, "after"):
			if n, err := strconv.Atoi(tok[len("after"):]); err == nil && n >= 0 && n <= 86_400 {
				b.After = time.Duration(n) * time.Second
			}
		case strings.HasPrefix(tok, "slow"):
			if n, err := strconv.Atoi(tok[len("slow"):]); err == nil && n >= 0 && n <= 60_000 {
				b.Delay = time.Duration(n) * time.Millisecond
			}
		}
	}
	return b
}

// fails reports whether the n-th request (from 1) of a container that
// fails percent% of its requests fails: evenly spread, so that of any 100
// consecutive requests from the first, exactly percent fail.
func fails(n uint64, percent int) bool {
	if percent <= 0 {
		return false
	}
	p := uint64(percent)
	return n*p/100 != (n-1)*p/100
}
