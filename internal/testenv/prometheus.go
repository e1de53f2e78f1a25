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
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// A real Prometheus for the tests: the binary hack/prometheus.sh builds,
// started on loopback, scraping the targets a test serves.

// PrometheusVersion is the version hack/prometheus.sh builds by default.
const PrometheusVersion = "0.316.0"

// PrometheusBinary is the prometheus binary: $PROMETHEUS, else the one
// hack/prometheus.sh left in the envtest store. Missing is an error that
// says how to build it (a test never skips for want of it).
func PrometheusBinary() (string, error) {
	if p := os.Getenv("PROMETHEUS"); p != "" {
		return p, nil
	}
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".local", "share")
	}
	p := filepath.Join(base, "kubebuilder-envtest", "prometheus", PrometheusVersion+"-k8s-sd-"+runtime.GOOS+"-"+runtime.GOARCH, "prometheus")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no Prometheus binary at %s: run hack/prometheus.sh (make test does), or set PROMETHEUS", p)
	}
	return p, nil
}

// Prometheus is a running Prometheus.
type Prometheus struct {
	// URL of its HTTP API, on loopback.
	URL    string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	dir    string
}

// StartPrometheus starts Prometheus on a free loopback port, scraping
// targets (host:port, loopback) every second, and waits until it is ready.
// Its output goes to log.
func StartPrometheus(targets []string, log io.Writer) (*Prometheus, error) {
	bin, err := PrometheusBinary()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	dir, err := os.MkdirTemp("", "prometheus-")
	if err != nil {
		return nil, err
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: test
    static_configs:
      - targets: ['%s']
`, strings.Join(targets, "', '"))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &Prometheus{URL: "http://" + addr, cmd: cmd, exited: make(chan struct{}), dir: dir}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		resp, err := http.Get(p.URL + "/-/ready")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("prometheus exited before it was ready: %v", p.err)
		case <-ctx.Done():
			p.Stop()
			return nil, errors.New("prometheus was not ready within 30s")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop kills Prometheus, waits for it and removes its data.
func (p *Prometheus) Stop() {
	_ = p.cmd.Process.Kill() // an error: it had exited already
	<-p.exited
	_ = os.RemoveAll(p.dir)
}
