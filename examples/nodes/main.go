// Command nodes registers bare-metal nodes from an instackenv file and takes
// them to "available" (register -> introspect -> provide as one run), then
// prints where each node ended and why the others did not.
//
// The file is validated locally first, every problem at once. With no flags it
// uses the quickstart's instackenv.json on the embedded undercloud;
// -nodes FILE reads another one (JSON or YAML); -cloud/-real as in quickstart.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"text/tabwriter"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/progress"
)

//go:embed instackenv.yaml
var sample []byte

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("nodes", flag.ContinueOnError)
	flags.SetOutput(stderr)
	conn := connect.Flags(flags)
	file := flags.String("nodes", "", "instackenv file (default: the sample shipped with the example)")
	validateOnly := flags.Bool("validate-only", false, "only validate the file")
	if flags.Parse(args) != nil {
		return 2
	}
	var inv *instackenv.Inventory
	var err error
	if *file == "" {
		inv, err = instackenv.Read(bytes.NewReader(sample))
	} else {
		inv, err = instackenv.Load(*file)
	}
	if err == nil {
		err = inv.Validate()
	}
	if err != nil {
		fmt.Fprintln(stderr, "nodes: the inventory is not valid:")
		if probs := instackenv.Problems(err); len(probs) > 0 {
			for _, p := range probs {
				fmt.Fprintln(stderr, "  ", p)
			}
		} else {
			fmt.Fprintln(stderr, "  ", err)
		}
		return 2
	}
	fmt.Fprintf(stdout, "%d nodes, valid\n", len(inv.Nodes))
	if *validateOnly {
		return 0
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cn, err := connect.Connect(ctx, *conn)
	if err != nil {
		fmt.Fprintln(stderr, "nodes:", err)
		return 1
	}
	defer cn.Close()
	c, where := cn.Client, cn.Where
	out := progress.New(stdout)
	out.Stage("Undercloud: %s", where)
	r, err := baremetal.Enroll(ctx, c, baremetal.EnrollOpts{Nodes: inv})
	if err != nil {
		fmt.Fprintln(stderr, "nodes:", err)
		return 2
	}
	for ev := range r.Events() {
		out.Event(ev)
	}
	res, err := r.Wait(ctx)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nNAME\tUUID\tSTATE\tOK\tWHY NOT")
	for _, n := range res.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", n.Name, n.UUID, n.ProvisionState, n.OK, n.Reason)
	}
	tw.Flush()
	if err != nil {
		fmt.Fprintln(stderr, "nodes:", err)
		return 1
	}
	return 0
}
