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

// Command podsim makes the local cluster's simulated Pods answer HTTP (see
// test/lab/podsim). It runs in the lab's network namespace, where every
// Pod address is local (hack/lab.sh).
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/restapi-operator/restapi-operator/test/lab/netns"
	"github.com/restapi-operator/restapi-operator/test/lab/podsim"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "the local cluster's kubeconfig")
	interval := flag.Duration("interval", 100*time.Millisecond,
		"the least time between two syncs of the Pods served with the cluster (a sync follows every change)")
	dns := flag.String("dns", "10.96.0.10:53",
		"the cluster's DNS server (the kube-dns Service) Pods resolve their peers with")
	user := flag.String("user", "",
		"uid:gid to serve as once the kubeconfig is read (the enforcer judges a Pod's connections only when not root's)")
	flag.Parse()
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("podsim: %v", err)
	}
	// The certificates and keys the kubeconfig names are read now, while
	// the files may be root's only.
	if err := rest.LoadTLSFiles(cfg); err != nil {
		log.Fatalf("podsim: %v", err)
	}
	if err := netns.RunAs(*user); err != nil {
		log.Fatalf("podsim: %v", err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &podsim.Server{DNSServer: *dns}
	var last string
	err = podsim.Watch(ctx, cfg, s, *interval, func(err error) {
		// The same failure every interval is said once.
		if msg := err.Error(); msg != last {
			log.Printf("podsim: %v", err)
			last = msg
		}
	})
	if err != nil {
		log.Fatalf("podsim: %v", err)
	}
}
