package httpx_test

import (
	"fmt"
	"net/url"

	"github.com/tripleo-go/sdk/internal/httpx"
)

func ExampleOrigin() {
	a, _ := url.Parse("HTTP://Undercloud/v2/executions")
	b, _ := url.Parse("http://undercloud:80/v2/executions?marker=1")
	fmt.Println(httpx.Origin(a), httpx.Origin(a) == httpx.Origin(b))
	// Output: http://undercloud:80 true
}
