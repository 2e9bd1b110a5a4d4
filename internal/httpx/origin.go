// Package httpx holds HTTP helpers shared by the SDK's packages and no one else.
package httpx

import (
	"net"
	"net/url"
	"strings"
)

// Origin is u's scheme://host:port, lower case, with the scheme's default
// port made explicit, so that two spellings of one origin compare equal.
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https", "wss":
			port = "443"
		default:
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
