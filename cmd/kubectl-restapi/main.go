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

// Command kubectl-restapi is a kubectl plugin for RestAPIs: put it on the
// PATH and run "kubectl restapi status shop".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apiv1 "github.com/restapi-operator/restapi-operator/api/v1alpha1"
	"github.com/restapi-operator/restapi-operator/internal/plugin"
)

const usage = `kubectl restapi: everyday commands for RestAPIs.

Usage:
  kubectl restapi [-n NAMESPACE] [--kubeconfig FILE] COMMAND

Commands:
  list                        every RestAPI of the namespace
  status NAME [--watch] [--timeout 5m]
                              a tree of the rollout and the components; exits 1
                              when Degraded, 2 when --timeout passes first
  promote NAME                approve the revision being prepared
  abort NAME                  stop the revision being prepared; traffic stays
  rollback NAME               send traffic back to the warm previous revision
  restart NAME COMPONENT      restart one component's serving pods (rolling)
  rerender NAME               apply the newer rendering of the spec waiting
                              since an operator upgrade (a rollout)
`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	global := flag.NewFlagSet("kubectl-restapi", flag.ContinueOnError)
	global.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	namespace := global.String("n", "", "namespace (default: the kubeconfig context's)")
	global.StringVar(namespace, "namespace", "", "namespace (default: the kubeconfig context's)")
	kubeconfig := global.String("kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
	if err := global.Parse(args); err != nil {
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		global.Usage()
		return 2
	}

	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = *kubeconfig
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	cfg, err := loader.ClientConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	ns := *namespace
	if ns == "" {
		if ns, _, err = loader.Namespace(); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			return 2
		}
	}
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiv1.AddToScheme(scheme))
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p := &plugin.Plugin{Client: c, Namespace: ns, Out: os.Stdout}
	err = dispatch(ctx, p, rest)
	switch {
	case err == nil:
		return plugin.ExitOK
	case errors.Is(err, plugin.ErrDegraded):
		fmt.Fprintln(os.Stderr, err)
		return plugin.ExitDegraded
	case errors.Is(err, plugin.ErrTimeout):
		fmt.Fprintln(os.Stderr, err)
		return plugin.ExitTimeout
	default:
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
}

func dispatch(ctx context.Context, p *plugin.Plugin, args []string) error {
	need := func(n int) error {
		if len(args) != n+1 {
			return fmt.Errorf("%s takes %d argument(s); see kubectl restapi --help", args[0], n)
		}
		return nil
	}
	switch args[0] {
	case "list":
		return p.List(ctx)
	case "status":
		fs := flag.NewFlagSet("status", flag.ContinueOnError)
		watch := fs.Bool("watch", false, "print again on every change until Available, Degraded or --timeout")
		timeout := fs.Duration("timeout", 0, "with --watch, give up after this long (exit 2); 0: no limit")
		if len(args) < 2 {
			return errors.New("status takes the RestAPI's name")
		}
		if err := fs.Parse(args[2:]); err != nil {
			return err
		}
		return p.Status(ctx, args[1], *watch, *timeout)
	case "promote", "abort", "rollback", "rerender":
		if err := need(1); err != nil {
			return err
		}
		return map[string]func(context.Context, string) error{"promote": p.Promote, "abort": p.Abort, "rollback": p.Rollback, "rerender": p.Rerender}[args[0]](ctx, args[1])
	case "restart":
		if err := need(2); err != nil {
			return err
		}
		return p.Restart(ctx, args[1], args[2])
	default:
		return fmt.Errorf("unknown command %q; see kubectl restapi --help", args[0])
	}
}
