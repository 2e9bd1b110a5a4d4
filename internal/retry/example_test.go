package retry_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/cenkalti/backoff/v4"

	"github.com/tripleo-go/sdk/internal/retry"
)

func ExampleDo() {
	busy := errors.New("503 busy")
	calls := 0
	err := retry.Do(context.Background(), &backoff.ZeroBackOff{}, func(err error) bool { return err == busy }, nil, func() error {
		if calls++; calls < 3 {
			return busy
		}
		return nil
	})
	fmt.Println(calls, err)
	// Output: 3 <nil>
}
