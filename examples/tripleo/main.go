// Command tripleo drives a TripleO undercloud from one static binary: every
// command the TripleO docs run through `openstack workflow ...`, `mistral
// execution-get-output`, `openstack action ...` and `swift upload`, plus the
// typed operations of the SDK (plans, parameters, nodes, deployment), with live
// progress and meaningful exit statuses.
//
//	tripleo workflow list|show|run       tripleo execution list|show|output|attach|cancel
//	tripleo action list|show|run         tripleo plan create|list|delete|export
//	tripleo parameters show|update|set|reset
//	tripleo nodes list|import|introspect|provide|clean
//	tripleo deploy PLAN [--follow]       tripleo stack watch|status
//
// Where the undercloud is: --os-cloud NAME (or $OS_CLOUD, or the OS_*
// variables) for a Keystone-authenticated one; --mistral-url URL (and
// --zaqar-url, --swift-url, --heat-url, --ironic-url) for a Keystone-less one;
// --embedded for the in-process undercloud of package tripleotest (it lives
// only as long as the command: demos and tests).
//
// Exit status: 0 success; 1 a failed workflow, stack, node or action (its
// message is printed) or any other error; 2 bad usage or input (unknown command
// or flag, invalid JSON, invalid workflow input or instackenv); 130 interrupted
// (Ctrl-C: following stops, the workflow goes on; the command to re-attach is
// printed), 143 on SIGTERM.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs one command line; SIGINT and SIGTERM stop following (the first
// one: a second one kills the process as usual).
func run(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case s := <-sigs:
			signal.Stop(sigs)
			cancel(signalError{s})
		case <-done:
		}
	}()
	return runContext(ctx, args, os.Stdin, stdout, stderr)
}

// runContext runs one command line with ctx; cancelling ctx is Ctrl-C.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := newApp(stdin, stdout, stderr)
	defer a.close()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	return a.exitStatus(ctx, err)
}

// signalError is the cancel cause of a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "interrupted by " + e.sig.String() }

// status is the exit status for an interruption.
func (e signalError) status() int {
	if e.sig == syscall.SIGTERM {
		return 143
	}
	return 130
}
