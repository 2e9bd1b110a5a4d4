package tripleo_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/tripleo-go/sdk/tripleo"
)

// A host program lists its plans through the tripleo.plan.list action. The
// httptest server stands in for the undercloud's Mistral.
func Example() {
	mistral := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		io.WriteString(w, `{"state": "SUCCESS", "output": "{\"result\": [\"overcloud\"]}"}`)
	}))
	defer mistral.Close()

	c, err := tripleo.NewNoAuthClient(tripleo.Endpoints{Mistral: mistral.URL})
	if err != nil {
		panic(err)
	}
	var plans []string
	if err := c.RunAction(context.Background(), "tripleo.plan.list", nil, &plans); err != nil {
		panic(err)
	}
	fmt.Println(plans)
	// Output: [overcloud]
}

// Secrets print as *** whatever the verb.
func ExampleSecret() {
	pw := tripleo.Secret("hunter22")
	fmt.Printf("%v %s %q %#v\n", pw, pw, pw, pw)
	// Output: *** *** "***" ***
}
