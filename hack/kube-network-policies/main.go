//go:build ignore

// kube-network-policies for the traffic lab: upstream's NetworkPolicy
// enforcer (sigs.k8s.io/kube-network-policies/pkg/networkpolicy), one
// controller per Node of the local cluster, all in the lab's one network
// namespace. hack/k8s-binaries.sh builds it in its shared module (the
// build tag keeps it out of the operator's); hack/lab.sh runs it.
//
// Upstream's program enforces for one Node: it queues to userspace only the
// connections from or to that Node's Pods, in one nftables table. The lab's
// simulated Pods of every Node live in one namespace, so this program runs
// upstream's controller once per Node, each with its own table
// (<prefix>-<n>) and queue (<queue-base>+n), started as Nodes appear. Each
// controller evaluates a connection's egress and ingress rules whichever
// Node the Pods are on, so a connection between Pods of two Nodes is
// judged twice, the same way, as on two real nodes. Differences from
// upstream's main: a --kubeconfig (upstream reads only the in-cluster
// configuration), no NRI (no container runtime), no metrics server, and
// the DNS workaround for kernels before 6.12 off unless asked.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the cluster's kubeconfig")
	queueBase := flag.Int("queue-base", 100, "the nfqueue number of the first Node; the n-th Node's is queue-base+n")
	prefix := flag.String("table-prefix", "kube-network-policies", "the nftables table of the n-th Node is <prefix>-<n>")
	maxNodes := flag.Int("max-nodes", 64, "Nodes beyond this many are not enforced (and said so)")
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

	var (
		mu      sync.Mutex
		started = map[string]int{}
		wg      sync.WaitGroup
	)
	enforce := func(node string) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := started[node]; ok {
			return
		}
		n := len(started)
		if n >= *maxNodes {
			klog.Errorf("node %s not enforced: more than %d Nodes", node, *maxNodes)
			return
		}
		started[node] = n
		// Informers of its own: the controller adds an index to the Pod
		// informer, which a shared one would already have.
		factory := informers.NewSharedInformerFactory(client, 0)
		c, err := networkpolicy.NewController(client,
			factory.Networking().V1().NetworkPolicies(), factory.Core().V1().Namespaces(), factory.Core().V1().Pods(),
			nil, nil, nil, nil,
			networkpolicy.Config{NodeName: node, QueueID: *queueBase + n, NFTableName: fmt.Sprintf("%s-%d", *prefix, n),
				NRIdisabled: true, NetfilterBug1766Fix: *dnsFix})
		if err != nil {
			klog.Fatalf("node %s: %v", node, err)
		}
		klog.Infof("enforcing for node %s: table inet %s-%d, queue %d", node, *prefix, n, *queueBase+n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Run(ctx); err != nil {
				klog.Errorf("node %s: %v", node, err)
			}
		}()
		factory.Start(ctx.Done())
	}

	nodes := informers.NewSharedInformerFactory(client, 10*time.Minute)
	_, err = nodes.Core().V1().Nodes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if node, ok := obj.(*corev1.Node); ok {
				enforce(node.Name)
			}
		},
	})
	if err != nil {
		klog.Fatal(err)
	}
	nodes.Start(ctx.Done())
	<-ctx.Done()
	// Each controller removes its table on the way out.
	wg.Wait()
}
