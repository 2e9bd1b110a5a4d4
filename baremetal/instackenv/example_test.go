package instackenv_test

import (
	"fmt"
	"strings"

	"github.com/tripleo-go/sdk/baremetal/instackenv"
)

// Reading an instackenv and validating it locally: every problem at once,
// and never a password in print.
func ExampleInventory_Validate() {
	inv, err := instackenv.Read(strings.NewReader(`{"nodes": [
	  {"name": "controller-0", "pm_type": "ipmi", "pm_addr": "192.168.24.11", "pm_user": "admin",
	   "pm_password": "s3cr3t", "mac": ["52:54:00:aa:00:01"]},
	  {"name": "compute-0", "pm_type": "idrac", "pm_addr": "192.168.24.12",
	   "mac": ["52:54:00:AA:00:01", "not-a-mac"], "capabilities": "profile"}
	]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range instackenv.Problems(inv.Validate()) {
		fmt.Println(p)
	}
	fmt.Printf("%v\n", inv.Nodes[0].PMPassword)
	// Output:
	// node #1 (compute-0): pm_user: The following fields are missing: pm_user, pm_password
	// node #1 (compute-0): mac: MAC 52:54:00:AA:00:01 is not unique
	// node #1 (compute-0): mac: MAC address not-a-mac is invalid
	// node #1 (compute-0): capabilities: Invalid capabilities: profile
	// ***
}

// Load reads a file, JSON or YAML; a file that cannot be read or parsed is a
// *DocumentError naming it.
func ExampleLoad() {
	inv, err := instackenv.Load("testdata/redfish.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(inv.Nodes), inv.Nodes[0].PMType, inv.Validate())
	_, err = instackenv.Load("testdata/missing.json")
	fmt.Println(err)
	// Output:
	// 2 redfish <nil>
	// instackenv testdata/missing.json: cannot read the file: no such file or directory
}
