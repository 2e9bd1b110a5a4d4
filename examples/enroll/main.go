// Command enroll takes the nodes of an instackenv file to "available"
// (register, introspect, provide), logging every event with slog, and gives up
// after -timeout. Flags: -nodes FILE (default: a sample, from the repository
// root), -timeout, and -cloud/-real/-scale (package connect; with none, the
// embedded undercloud).
package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tripleo-go/sdk/baremetal"
	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo/connect"
	"github.com/tripleo-go/sdk/tripleo/progress"
)

func main() {
	conn := connect.Flags(flag.CommandLine)
	file := flag.String("nodes", "examples/enroll/testdata/instackenv.yaml", "instackenv file (JSON or YAML)")
	timeout := flag.Duration("timeout", time.Hour, "give up after this long")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	os.Exit(enroll(ctx, *conn, *file, os.Stderr))
}

// enroll enrolls the nodes of file and returns the exit status: 0 when every
// node is available, 1 when some are not (or the run failed), 2 for a bad file.
func enroll(ctx context.Context, conn connect.Opts, file string, w io.Writer) int {
	log := slog.New(slog.NewTextHandler(w, nil))
	inv, err := instackenv.Load(file)
	if err == nil {
		err = inv.Validate() // every problem at once
	}
	if err != nil {
		log.Error("bad inventory", "error", err)
		return 2
	}
	cn, err := connect.Connect(ctx, conn)
	if err != nil {
		log.Error("connect", "error", err)
		return 1
	}
	defer cn.Close()
	run, err := baremetal.Enroll(ctx, cn.Client, baremetal.EnrollOpts{Nodes: inv})
	if err != nil {
		log.Error("enroll not started", "error", err)
		return 1
	}
	logEvent := progress.Log(log)
	for ev := range run.Events() {
		logEvent(ev)
	}
	res, err := run.Wait(ctx)
	for _, n := range res.Failed() {
		log.Error("node not available", "node", n.Name, "stage", n.Stage, "reason", n.Reason)
	}
	if err != nil {
		log.Error("enroll failed", "error", err)
		return 1
	}
	log.Info("enrolled", "available", len(res.Succeeded()))
	return 0
}
