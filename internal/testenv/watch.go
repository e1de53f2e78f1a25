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

package testenv

import (
	"maps"
	"sync"
	"time"
)

// Seen records every value sample returns, every interval, until stop:
// what a test must prove never happened between two of its reads (a
// stable Service selecting a colour, for one).
func Seen(sample func() []string, interval time.Duration) (seen func() map[string]bool, stop func()) {
	var mu sync.Mutex
	values := map[string]bool{}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			got := sample()
			mu.Lock()
			for _, v := range got {
				values[v] = true
			}
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(interval):
			}
		}
	}()
	return func() map[string]bool {
			mu.Lock()
			defer mu.Unlock()
			return maps.Clone(values)
		}, func() {
			close(done)
			<-finished
		}
}
