// Package connect turns flags or the environment into a ready *tripleo.Client
// with its Notifier, in one call: an undercloud through clouds.yaml or the
// OS_* variables, a Keystone-less one at fixed endpoint URLs, the Keystone-less
// one that scripts/undercloud starts on 127.0.0.1, or the embedded undercloud
// of package tripleotest.
//
// A host program registers the flags and connects:
//
//	opts := connect.Flags(flag.CommandLine)
//	flag.Parse()
//	conn, err := connect.Connect(ctx, *opts)
//	if err != nil { ... }
//	defer conn.Close()
//	// use conn.Client
package connect
