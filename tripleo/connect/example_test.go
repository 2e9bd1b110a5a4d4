package connect_test

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/tripleo-go/sdk/tripleo/connect"
)

// With no flags and no OS_* variables a host program runs on the embedded
// undercloud.
func Example() {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	opts := connect.Flags(fs)
	_ = fs.Parse(nil)
	opts.Embedded = true // ignore OS_CLOUD / OS_AUTH_URL of the machine running the example
	conn, err := connect.Connect(context.Background(), *opts)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	wfs, err := conn.Client.ListWorkflows(context.Background(), "tripleo.baremetal.")
	fmt.Println(strings.HasPrefix(conn.Where, "embedded"), len(wfs) > 0, err)
	// Output: true true <nil>
}
