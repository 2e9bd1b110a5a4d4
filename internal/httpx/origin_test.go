package httpx_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/internal/httpx"
)

func TestOrigin(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:8989/v2/executions?marker=x": "http://127.0.0.1:8989",
		"HTTP://Undercloud/v2":                         "http://undercloud:80",
		"https://undercloud/v1":                        "https://undercloud:443",
		"wss://undercloud:9000":                        "wss://undercloud:9000",
		"http://[::1]/x":                               "http://[::1]:80",
	} {
		u, err := url.Parse(raw)
		assert.NoError(t, err)
		assert.Equal(t, want, httpx.Origin(u), raw)
	}
}
