package undercloud_test

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/tripleo-go/sdk/examples/internal/undercloud"
)

// With no flags an example program runs on the embedded undercloud.
func Example() {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	conn := undercloud.Flags(fs)
	_ = fs.Parse(nil)
	c, where, closeFn, err := conn.Connect(context.Background())
	if err != nil {
		panic(err)
	}
	defer closeFn()
	wfs, err := c.ListWorkflows(context.Background(), "tripleo.baremetal.")
	fmt.Println(strings.HasPrefix(where, "embedded"), len(wfs) > 0, err)
	// Output: true true <nil>
}
