// Package progress renders the events of tripleo runs for people: a Printer
// writes one line per event and, on a terminal, a live counter bar for node and
// stack operations (plain lines only when the output is piped); Log writes
// every kind of event (Zaqar messages, Mistral state, Ironic node and Heat
// stack progress, warnings, the outcome) to a *slog.Logger.
package progress
