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

// Package netns lets a process outside the traffic lab open connections
// inside it: a socket belongs to the network namespace of the thread that
// created it, so a dial made on a thread moved into the lab's namespace
// reaches the lab's Pod and Service addresses, and nothing else. The e2e
// suite's manager sends its analysis checks and Prometheus queries this
// way, as an operator inside the cluster would.
package netns

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// DialFunc dials like net.Dialer.DialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Dialer dials inside the network namespace at path (such as
// /run/netns/restapi-lab, what "ip netns add" creates), from source when
// it is an address ("" lets the kernel choose). In the lab a Pod's
// connections leave from its own address; a DNS query from an address of
// the Service range to the kube-dns Service is refused.
func Dialer(path, source string) (DialFunc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("network namespace %s: %w", path, err)
	}
	fd := int(f.Fd())
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		type result struct {
			conn net.Conn
			err  error
		}
		done := make(chan result, 1)
		go func() {
			// The thread enters the namespace and is never handed back:
			// a goroutine that ends locked to its thread takes the thread
			// with it, so no other goroutine runs in the lab by mistake.
			runtime.LockOSThread()
			if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
				done <- result{err: fmt.Errorf("entering network namespace %s: %w", path, err)}
				return
			}
			var d net.Dialer
			if ip := net.ParseIP(source); ip != nil {
				if network == "udp" || network == "udp4" || network == "udp6" {
					d.LocalAddr = &net.UDPAddr{IP: ip}
				} else {
					d.LocalAddr = &net.TCPAddr{IP: ip}
				}
			}
			conn, err := d.DialContext(ctx, network, addr)
			done <- result{conn, err}
			runtime.KeepAlive(f)
		}()
		r := <-done
		return r.conn, r.err
	}, nil
}
