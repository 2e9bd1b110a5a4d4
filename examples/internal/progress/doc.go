// Package progress renders the events of tripleo runs for the example
// programs: one line per event, and on a terminal a live counter bar for node
// and stack operations (plain lines only when the output is piped).
package progress
