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
	"net"
	"strings"
)

// clusterDomain is the local cluster's DNS domain, as kubelet's
// --cluster-domain.
const clusterDomain = "cluster.local"

// ndots is the option kubelet writes in a Pod's resolv.conf: a name with
// fewer dots is tried with each search domain first.
const ndots = 5

// DNS resolves names the way a Pod with dnsPolicy ClusterFirst does, against
// the cluster's DNS server (CoreDNS behind the kube-dns Service, in the lab),
// asking from source, an address of the Pod range, as a Pod's queries leave
// from its own address. What it imitates is only the resolv.conf kubelet
// writes: nameserver server, search <namespace>.svc.cluster.local
// svc.cluster.local cluster.local, options ndots:5. The answer is the
// DNS server's.
func DNS(server, source string) Resolve {
	return DNSVia(func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{}
		if ip := net.ParseIP(source); ip != nil {
			if strings.HasPrefix(network, "udp") {
				d.LocalAddr = &net.UDPAddr{IP: ip}
			} else {
				d.LocalAddr = &net.TCPAddr{IP: ip}
			}
		}
		return d.DialContext(ctx, network, addr)
	}, server)
}

// Dial opens a connection, as net.Dialer.DialContext.
type Dial func(ctx context.Context, network, addr string) (net.Conn, error)

// Resolve gives the address of host looked up from a Pod in namespace.
type Resolve func(ctx context.Context, namespace, host string) (string, error)

// DNSVia is DNS with the connections to the server opened by dial (from
// outside the lab: a dialer into its network namespace).
func DNSVia(dial Dial, server string) Resolve {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dial(ctx, network, server)
	}}
	return func(ctx context.Context, namespace, host string) (string, error) {
		if ip := net.ParseIP(host); ip != nil {
			return host, nil
		}
		var err error
		for _, name := range searchNames(namespace, host) {
			var ips []net.IP
			ips, err = r.LookupIP(ctx, "ip4", name)
			if err == nil && len(ips) > 0 {
				return ips[0].String(), nil
			}
		}
		return "", err
	}
}

// searchNames are the fully qualified names a Pod's resolver asks for, in
// order, for host looked up from a Pod in namespace.
func searchNames(namespace, host string) []string {
	if strings.HasSuffix(host, ".") {
		return []string{host}
	}
	search := []string{namespace + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain}
	names := make([]string, 0, len(search)+1)
	if strings.Count(host, ".") >= ndots {
		names = append(names, host+".")
	}
	for _, s := range search {
		names = append(names, host+"."+s+".")
	}
	if strings.Count(host, ".") < ndots {
		names = append(names, host+".")
	}
	return names
}
