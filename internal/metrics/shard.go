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

package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The series of a sharded manager (internal/manager/shard.go).
var (
	shardNamespaces = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_shard_namespaces",
		Help: "Namespaces this shard owns (--shard, --shards).",
	}, []string{"shard"})
	shardUnowned = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "restapi_shard_unowned_restapis",
		Help: "RestAPIs in namespaces no shard of --shards owns: nobody reconciles them. Counted once a minute by every shard.",
	}, []string{"shard"})
)

func init() { ctrlmetrics.Registry.MustRegister(shardNamespaces, shardUnowned) }

// ShardNamespaces sets how many namespaces the shard owns.
func ShardNamespaces(shard string, n int) { shardNamespaces.WithLabelValues(shard).Set(float64(n)) }

// ShardUnowned sets how many RestAPIs no shard owns, as this shard counted.
func ShardUnowned(shard string, n int) { shardUnowned.WithLabelValues(shard).Set(float64(n)) }
