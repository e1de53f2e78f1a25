//go:build e2e

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

package e2e

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// Where a burst's time goes (issue 23): what each process on this machine
// spent of its CPUs, and how long the manager's requests waited on the API
// server. The load spec prints both for the creation phase.

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's times:
// 100 on every Linux this runs on.
const clockTicks = 100

// cpuByProcess sums the CPU time (user and system) of the machine's
// processes by command name (the kernel's, at most 15 characters).
func cpuByProcess() map[string]time.Duration {
	GinkgoHelper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	Expect(err).NotTo(HaveOccurred())
	out := map[string]time.Duration{}
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		// After the name: state, ppid, ... utime is the 12th, stime the 13th.
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 13 {
			continue
		}
		user, err1 := strconv.ParseInt(fields[11], 10, 64)
		system, err2 := strconv.ParseInt(fields[12], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out[s[open+1:closing]] += time.Duration(user+system) * time.Second / clockTicks
	}
	return out
}

// cpuSince says what the busiest processes spent between two readings,
// against what the machine's CPUs offered over elapsed.
func cpuSince(before, after map[string]time.Duration, elapsed time.Duration) string {
	type use struct {
		name string
		cpu  time.Duration
	}
	var uses []use
	var total time.Duration
	for name, t := range after {
		if d := t - before[name]; d > 0 {
			uses = append(uses, use{name, d})
			total += d
		}
	}
	slices.SortFunc(uses, func(a, b use) int { return cmp.Compare(b.cpu, a.cpu) })
	capacity := time.Duration(runtime.NumCPU()) * elapsed
	var b strings.Builder
	fmt.Fprintf(&b, "CPU over %s: %s of the %d cores' %s (%.0f%%)", elapsed.Round(time.Second), total.Round(time.Second),
		runtime.NumCPU(), capacity.Round(time.Second), 100*total.Seconds()/capacity.Seconds())
	for _, u := range uses[:min(len(uses), 6)] {
		fmt.Fprintf(&b, "; %s %s (%.0f%% of a core)", u.name, u.cpu.Round(time.Second), 100*u.cpu.Seconds()/elapsed.Seconds())
	}
	return b.String()
}

// latencySince says how long the manager's requests (watches left out)
// took since a snapshot, by method and resource, and what share of its
// workers' time over elapsed they account for.
func (c *requestCounter) latencySince(before map[string]time.Duration, count map[string]int, workers int, elapsed time.Duration) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	var total time.Duration
	for _, k := range slices.Sorted(maps.Keys(c.took)) {
		d := c.took[k] - before[k]
		n := c.timed[k] - count[k]
		if n <= 0 {
			continue
		}
		total += d
		fmt.Fprintf(&b, "%s %d, mean %s; ", k, n, (d / time.Duration(n)).Round(100*time.Microsecond))
	}
	return fmt.Sprintf("%stime in requests %s, %.0f%% of %d workers over %s", b.String(), total.Round(time.Second),
		100*total.Seconds()/(float64(workers)*elapsed.Seconds()), workers, elapsed.Round(time.Second))
}

// latencySnapshot copies the time and count of requests by method and
// resource.
func (c *requestCounter) latencySnapshot() (map[string]time.Duration, map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.took), maps.Clone(c.timed)
}

// startCPUProfile profiles this process (the manager, and the test's own
// client) into $LOAD_CPUPROFILE until the returned function is called.
func startCPUProfile() func() {
	GinkgoHelper()
	file := os.Getenv("LOAD_CPUPROFILE")
	if file == "" {
		return func() {}
	}
	out, err := os.Create(file)
	Expect(err).NotTo(HaveOccurred())
	Expect(pprof.StartCPUProfile(out)).To(Succeed())
	return func() {
		pprof.StopCPUProfile()
		Expect(out.Close()).To(Succeed())
	}
}
