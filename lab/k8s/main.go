// Command labk8s is the lab's multi-call binary: real Kubernetes control-plane components
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and kubectl built from their Go
// modules, plus the lab's own node simulator. The first argument (or the executable name) picks one.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "time/tzdata"
)

func main() {
	name, args := filepath.Base(os.Args[0]), os.Args[1:]
	if name == "labk8s" {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "usage: labk8s etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubectl|node-sim [flags]")
			os.Exit(2)
		}
		name, args = args[0], args[1:]
	}
	switch name {
	case "etcd":
		etcdmain.Main(append([]string{"etcd"}, args...))
	case "kube-apiserver":
		runCobra(apiserver.NewAPIServerCommand(), args)
	case "kube-controller-manager":
		runCobra(controllermanager.NewControllerManagerCommand(), args)
	case "kube-scheduler":
		runCobra(scheduler.NewSchedulerCommand(), args)
	case "kubectl":
		// kubectl reads os.Args itself (plugins, verbosity), so make it look like its own binary
		os.Args = append([]string{"kubectl"}, args...)
		logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) // nolint:errcheck
		if err := cli.RunNoErrOutput(kubectl.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
	case "node-sim":
		os.Exit(runNodeSim(args))
	case containerInitCommand:
		os.Exit(runContainerInit(args))
	default:
		fmt.Fprintf(os.Stderr, "labk8s: unknown component %q\n", name)
		os.Exit(2)
	}
}

func runCobra(cmd *cobra.Command, args []string) {
	cmd.SetArgs(args)
	os.Exit(cli.Run(cmd))
}
