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

// Package manager holds the manager's settings, shared by cmd/main.go and
// the tests that prove them (metrics authentication, HTTP/2 off, leader
// election released on shutdown).
package manager

import (
	"crypto/tls"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/restapi-operator/restapi-operator/internal/childcache"
)

// LeaderElectionID names the leader election Lease.
const LeaderElectionID = "restapi-operator.apps.restapi.dev"

// ShardLeaderElectionID names a shard's Lease: each shard elects its own
// leader.
func ShardLeaderElectionID(shard string) string {
	return "restapi-operator-" + shard + ".apps.restapi.dev"
}

// Config is what the manager's flags set.
type Config struct {
	MetricsAddr     string
	SecureMetrics   bool
	MetricsCertPath string
	MetricsCertName string
	MetricsCertKey  string
	EnableHTTP2     bool
	ProbeAddr       string
	LeaderElection  bool
	// LeaderElectionNamespace holds the leader election Lease; empty: the
	// namespace the manager's Pod runs in (controller-runtime's default,
	// which a manager outside a cluster does not have).
	LeaderElectionNamespace string
	// WatchNamespaces limits the manager to these namespaces; empty: all.
	WatchNamespaces []string
	// Shard, when the manager is one shard of several, is its name (its
	// Lease is then its own) and the namespaces its caches hold
	// (Sharding.CachedNamespaces). Managers of a shard are made again when
	// its namespaces change, in the same process.
	Shard           string
	ShardNamespaces childcache.Namespaces
	// MaxConcurrentReconciles is how many RestAPIs are reconciled at once
	// (never the same one twice); 0: DefaultMaxConcurrentReconciles.
	MaxConcurrentReconciles int
}

// DefaultMaxConcurrentReconciles is the number of reconcile workers; see
// docs/performance.md for the measurement behind it.
const DefaultMaxConcurrentReconciles = 4

// SplitNamespaces parses --watch-namespaces: comma-separated, blanks dropped.
func SplitNamespaces(s string) []string {
	var out []string
	for ns := range strings.SplitSeq(s, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			out = append(out, ns)
		}
	}
	return out
}

// MetricsOptions serves metrics over HTTPS, each request authenticated
// (TokenReview) and authorized (SubjectAccessReview: get on the /metrics
// non-resource URL), with HTTP/2 off unless asked for (the HTTP/2 Stream
// Cancellation and Rapid Reset CVEs). With SecureMetrics false: plain HTTP.
func MetricsOptions(c Config) metricsserver.Options {
	var tlsOpts []func(*tls.Config)
	if !c.EnableHTTP2 {
		tlsOpts = append(tlsOpts, func(t *tls.Config) { t.NextProtos = []string{"http/1.1"} })
	}
	o := metricsserver.Options{
		BindAddress:   c.MetricsAddr,
		SecureServing: c.SecureMetrics,
		TLSOpts:       tlsOpts,
		CertDir:       c.MetricsCertPath,
		CertName:      c.MetricsCertName,
		KeyName:       c.MetricsCertKey,
	}
	if c.SecureMetrics {
		o.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	return o
}

// Options are the manager's options: metrics as above, health probes,
// leader election that gives the Lease up on shutdown (a new leader takes
// over at once instead of after the lease expires), and a cache limited to
// the objects the operator manages.
func Options(c Config, scheme *runtime.Scheme) ctrl.Options {
	cacheOpts := childcache.Options()
	// Every informer, the RestAPIs' and the children's, lists and watches
	// only these namespaces: with --watch-namespaces, RoleBindings there
	// suffice.
	namespaces := c.ShardNamespaces
	if len(c.WatchNamespaces) > 0 {
		namespaces = childcache.Namespaces{Only: c.WatchNamespaces}
	}
	namespaces.Restrict(&cacheOpts)
	workers := c.MaxConcurrentReconciles
	if workers <= 0 {
		workers = DefaultMaxConcurrentReconciles
	}
	lease := LeaderElectionID
	ctl := config.Controller{MaxConcurrentReconciles: workers}
	if c.Shard != "" {
		lease = ShardLeaderElectionID(c.Shard)
		// A shard's manager is made again in the same process when its
		// namespaces change: the controller's name is taken by then.
		ctl.SkipNameValidation = new(true)
	}
	return ctrl.Options{
		Scheme:                        scheme,
		Controller:                    ctl,
		Metrics:                       MetricsOptions(c),
		HealthProbeBindAddress:        c.ProbeAddr,
		LeaderElection:                c.LeaderElection,
		LeaderElectionID:              lease,
		LeaderElectionNamespace:       c.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Cache:                         cacheOpts,
	}
}
