package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tripleo-go/sdk/baremetal/instackenv"
	"github.com/tripleo-go/sdk/tripleo"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// usageError is bad usage: unknown command or flag, wrong arguments, unreadable
// input. Exit status 2.
type usageError struct {
	msg string
	// help names the command whose --help to suggest ("" for none).
	help string
}

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// usageHelp is a usage error that suggests cmd's --help.
func usageHelp(cmd string, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), help: cmd}
}

// reportedError is an error whose explanation the command printed already; it
// only carries the exit status.
type reportedError struct {
	status int
	err    error
}

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// interruptedError ends a command whose following was interrupted (Ctrl-C);
// hint says how to pick the operation up again.
type interruptedError struct {
	hint string
}

func (e *interruptedError) Error() string { return "interrupted" }

// interrupted returns the error for a following stopped by ctx, with a hint.
func interrupted(hint string, args ...any) error {
	return &interruptedError{hint: fmt.Sprintf(hint, args...)}
}

// attachHint is the hint for an interrupted workflow run.
func attachHint(executionID string) string {
	if executionID == "" {
		return "the operation goes on on the undercloud"
	}
	return fmt.Sprintf("the workflow goes on on the undercloud; re-attach with:\n  tripleo execution attach %s", executionID)
}

// exitStatus reports err on stderr and returns the exit status.
func (a *app) exitStatus(ctx context.Context, err error) int {
	if err == nil {
		return exitOK
	}
	var (
		ue  *usageError
		re  *reportedError
		ie  *interruptedError
		sig signalError
	)
	status := exitInterrupted
	if errors.As(context.Cause(ctx), &sig) {
		status = sig.status()
	}
	switch {
	case errors.As(err, &re):
		return re.status
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "tripleo: %v\n", err)
		if ue.help != "" {
			fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", ue.help)
		}
		return exitUsage
	case !a.ran:
		fmt.Fprintf(a.stderr, "tripleo: %v\nRun 'tripleo --help' for usage.\n", err)
		return exitUsage
	case errors.As(err, &ie):
		fmt.Fprintf(a.stderr, "tripleo: interrupted: %s\n", ie.hint)
		return status
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		fmt.Fprintln(a.stderr, "tripleo: interrupted")
		return status
	case errors.Is(err, tripleo.ErrInvalidInput):
		a.printProblems(err)
		return exitUsage
	}
	fmt.Fprintf(a.stderr, "tripleo: %s\n", describe(err))
	return exitFailed
}

// describe renders err without the SDK's "tripleo: " prefix (the CLI adds its own).
func describe(err error) string {
	return strings.TrimPrefix(err.Error(), "tripleo: ")
}

// printProblems prints every problem of an invalid-input error, one a line.
func (a *app) printProblems(err error) {
	var lines []string
	if nps := instackenv.Problems(err); len(nps) > 0 {
		for _, p := range nps {
			lines = append(lines, p.Error())
		}
	} else {
		for _, p := range tripleo.Problems(err) {
			lines = append(lines, p.Error())
		}
	}
	if len(lines) <= 1 {
		fmt.Fprintf(a.stderr, "tripleo: %v\n", err)
		return
	}
	fmt.Fprintf(a.stderr, "tripleo: invalid input (%d problems):\n", len(lines))
	for _, l := range lines {
		fmt.Fprintf(a.stderr, "  %s\n", l)
	}
}
