//go:build ignore

// kube-network-policies for the traffic lab: upstream's NetworkPolicy
// enforcer (sigs.k8s.io/kube-network-policies/pkg/networkpolicy), built by
// hack/k8s-binaries.sh in its shared module (the build tag keeps this file
// out of the operator's module) and run by hack/lab.sh in the lab's network
// namespace.
//
// Upstream's program enforces for one Node. The lab's simulated Pods of
// every Node live in one namespace, so this program runs one controller
// for all of them (Node "*", lab.go), with one nftables table and one
// NFQUEUE. Differences from upstream's main: a --kubeconfig (upstream reads
// only the in-cluster configuration), no NRI (no container runtime), no
// metrics server, fail-closed (no queue bypass), and the DNS workaround for
// kernels before 6.12 off unless asked.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the cluster's kubeconfig")
	queue := flag.Int("nfqueue-id", 100, "the nfqueue the connections to judge are sent to")
	table := flag.String("table", "kube-network-policies", "the nftables table (inet) the rules are in")
	dnsFix := flag.Bool("netfilter-bug-1766-fix", false, "upstream's DNS workaround, for kernels before 6.12")
	klog.InitFlags(nil)
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kube-network-policies:", err)
		os.Exit(1)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kube-network-policies:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := networkpolicy.NewController(client,
		factory.Networking().V1().NetworkPolicies(), factory.Core().V1().Namespaces(), factory.Core().V1().Pods(),
		nil, nil, nil, nil,
		networkpolicy.Config{NodeName: networkpolicy.AllNodes, QueueID: *queue, NFTableName: *table,
			NRIdisabled: true, NetfilterBug1766Fix: *dnsFix})
	if err != nil {
		klog.Fatal(err)
	}
	klog.Infof("enforcing for every Node: table inet %s, queue %d", *table, *queue)
	factory.Start(ctx.Done())
	// Run removes the table on the way out.
	if err := c.Run(ctx); err != nil {
		klog.Fatal(err)
	}
}
