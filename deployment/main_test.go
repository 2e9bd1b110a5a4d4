package deployment_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them (the
// synctest bubbles check their own; this covers the tests on real sockets).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
