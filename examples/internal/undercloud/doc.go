// Package undercloud gives the example programs one way to reach an
// undercloud: the embedded one (package tripleotest, the default), a real one
// through clouds.yaml or OS_* variables (-cloud), a Keystone-less one at given
// URLs (Conn.Endpoints, e.g. the CLI's --mistral-url), or the Keystone-less one
// that scripts/undercloud starts on 127.0.0.1 (-real).
package undercloud
