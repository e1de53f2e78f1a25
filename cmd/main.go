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

// Command manager runs the RestAPI operator.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	// Every client auth plugin (OIDC, cloud providers) for 'make run' against any kubeconfig.
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	// Mozilla's roots, used only where the system has none: the image of
	// 'make image' holds nothing but the binary, and a Prometheus reached
	// over HTTPS (analysis) is verified against them.
	_ "golang.org/x/crypto/x509roots/fallback"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/analysis"
	"github.com/restapi-operator/restapi-operator/internal/childcache"
	"github.com/restapi-operator/restapi-operator/internal/controller"
	"github.com/restapi-operator/restapi-operator/internal/manager"
	"github.com/restapi-operator/restapi-operator/internal/tracing"
)

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiv1.AddToScheme(scheme))
}

func main() {
	var metricsAddr, metricsCertPath, metricsCertName, metricsCertKey, probeAddr string
	var enableLeaderElection, secureMetrics, enableHTTP2 bool
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "The address the metrics endpoint binds to. "+
		"Use :8443 for HTTPS or :8080 for HTTP, or leave as 0 to disable the metrics service.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "The address the probe endpoint binds to.")
	flag.BoolVar(&enableLeaderElection, "leader-elect", false,
		"Enable leader election, so that only one manager is active at a time.")
	flag.BoolVar(&secureMetrics, "metrics-secure", true,
		"Serve metrics over HTTPS with authentication and authorization. Use --metrics-secure=false for plain HTTP.")
	flag.StringVar(&metricsCertPath, "metrics-cert-path", "",
		"The directory that contains the metrics server certificate (self-signed when empty).")
	flag.StringVar(&metricsCertName, "metrics-cert-name", "tls.crt", "The name of the metrics server certificate file.")
	flag.StringVar(&metricsCertKey, "metrics-cert-key", "tls.key", "The name of the metrics server key file.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false, "Enable HTTP/2 for the metrics server.")
	var watchNamespaces string
	flag.StringVar(&watchNamespaces, "watch-namespaces", "",
		"Comma-separated namespaces to reconcile RestAPIs in; empty: every namespace. With a list, "+
			"RoleBindings in those namespaces are enough (config/overlays/single-namespace).")
	var workers int
	flag.IntVar(&workers, "max-concurrent-reconciles", manager.DefaultMaxConcurrentReconciles,
		"How many RestAPIs are reconciled at once (never one RestAPI twice at once).")
	var rollouts int
	flag.IntVar(&rollouts, "max-concurrent-rollouts", 0,
		"How many RestAPIs may run a blue-green rollout (a second colour, from its preview until the old colour "+
			"is scaled down) at the same time, cluster-wide; the others are Queued, "+
			"first come first served. 0: no limit. A namespace can set its own with the annotation "+
			apiv1.AnnotationMaxConcurrentRollouts+".")
	var renderingUpgrades string
	flag.StringVar(&renderingUpgrades, "rendering-upgrades", "hold",
		"What a RestAPI whose pods run an earlier operator version's rendering of its unchanged spec gets: "+
			"hold (keep it until the spec changes or "+apiv1.AnnotationApplyRendering+" asks; the condition "+
			apiv1.ConditionRenderingPending+" says so) or apply (roll every such RestAPI to this version's rendering, "+
			"paced by --max-concurrent-rollouts).")
	var shards, shard string
	flag.StringVar(&shards, "shards", "",
		"Every shard of the operator in this cluster, the same list for all: NAME:SELECTOR;NAME:SELECTOR;... "+
			"A namespace belongs to the first shard whose label selector matches its labels; one shard may have "+
			"no selector and take the rest. Empty: no shards. With --shard (docs/scale.md).")
	flag.StringVar(&shard, "shard", "",
		"This manager's shard, one of --shards: it reconciles the RestAPIs of that shard's namespaces only.")
	var analysisOpts analysis.Options
	analysisOpts.BindFlags(flag.CommandLine)
	var operatorNamespace string
	flag.StringVar(&operatorNamespace, "operator-namespace", os.Getenv("POD_NAMESPACE"),
		"The manager's own namespace (default: $POD_NAMESPACE, set from the downward API): it holds the leader election "+
			"Lease, and the component NetworkPolicies admit it on the ports HTTP analysis checks measure. "+
			"Empty: no such rule, and the Lease in the Pod's namespace (a manager outside a cluster needs it to elect).")
	opts := zap.Options{} // JSON logs; --zap-devel for readable ones
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	if renderingUpgrades != "hold" && renderingUpgrades != "apply" {
		setupLog.Error(nil, "--rendering-upgrades must be hold or apply", "value", renderingUpgrades)
		os.Exit(1)
	}

	var sharding *manager.Sharding
	if shards != "" || shard != "" {
		var err error
		if sharding, err = manager.ParseShards(shard, shards); err != nil {
			setupLog.Error(err, "Invalid shards")
			os.Exit(1)
		}
		if watchNamespaces != "" {
			setupLog.Error(nil, "--watch-namespaces and --shards exclude each other: "+
				"a shard's namespaces are chosen by their labels")
			os.Exit(1)
		}
	}

	restConfig := ctrl.GetConfigOrDie()
	if sharding != nil {
		// The API server's audit log says which shard wrote.
		restConfig.UserAgent = "restapi-operator/" + shard
	}

	// Rollout traces, when the OTEL_* environment names an exporter.
	rolloutTraces, flushTraces, err := tracing.FromEnv(context.Background())
	if err != nil {
		setupLog.Error(err, "Invalid OpenTelemetry environment")
		os.Exit(1)
	}
	if rolloutTraces != nil {
		setupLog.Info("Exporting rollout traces (OTEL_* environment)")
	}

	// build makes the manager and its controller, for the namespaces a
	// shard caches (all, or --watch-namespaces, without shards).
	build := func(namespaces childcache.Namespaces) (ctrl.Manager, error) {
		mgr, err := ctrl.NewManager(restConfig, manager.Options(manager.Config{
			MetricsAddr:             metricsAddr,
			SecureMetrics:           secureMetrics,
			MetricsCertPath:         metricsCertPath,
			MetricsCertName:         metricsCertName,
			MetricsCertKey:          metricsCertKey,
			EnableHTTP2:             enableHTTP2,
			ProbeAddr:               probeAddr,
			LeaderElection:          enableLeaderElection,
			LeaderElectionNamespace: operatorNamespace,
			WatchNamespaces:         manager.SplitNamespaces(watchNamespaces),
			MaxConcurrentReconciles: workers,
			Shard:                   shard,
			ShardNamespaces:         namespaces,
		}, scheme))
		if err != nil {
			return nil, fmt.Errorf("creating the manager: %w", err)
		}
		measurer, err := analysisOpts.Measurer(context.Background(), mgr.GetAPIReader(), operatorNamespace,
			restConfig.Host, os.Getenv("KUBERNETES_SERVICE_HOST"))
		if err != nil {
			return nil, fmt.Errorf("invalid analysis flags: %w", err)
		}
		reconciler := &controller.RestAPIReconciler{
			Client:    mgr.GetClient(),
			APIReader: mgr.GetAPIReader(),
			Scheme:    mgr.GetScheme(),
			Recorder:  mgr.GetEventRecorder(apiv1.ManagedBy),

			MaxConcurrentRollouts: rollouts,
			WatchNamespaces:       manager.SplitNamespaces(watchNamespaces),
			ShardNamespaces:       namespaces,
			Analysis:              measurer,
			OperatorNamespace:     operatorNamespace,
			Tracing:               rolloutTraces,
			ApplyRenderings:       renderingUpgrades == "apply",
		}
		if sharding != nil {
			reconciler.Owns = sharding.Owns
		}
		if err := reconciler.SetupWithManager(mgr); err != nil {
			return nil, fmt.Errorf("creating the controller: %w", err)
		}
		if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
			return nil, fmt.Errorf("setting up the health check: %w", err)
		}
		if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
			return nil, fmt.Errorf("setting up the ready check: %w", err)
		}
		return mgr, nil
	}

	ctx := ctrl.SetupSignalHandler()
	if sharding != nil {
		setupLog.Info("Starting the shard", "shard", shard)
		err = sharding.Run(ctx, restConfig, build)
	} else {
		var mgr ctrl.Manager
		if mgr, err = build(childcache.Namespaces{}); err == nil {
			setupLog.Info("Starting manager")
			err = mgr.Start(ctx)
		}
	}
	// The spans not exported yet, within a bound.
	flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = flushTraces(flushCtx)
	cancel()
	if err != nil {
		setupLog.Error(err, "Failed to run manager")
		os.Exit(1)
	}
}
