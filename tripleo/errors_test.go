package tripleo_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/assert"

	"github.com/tripleo-go/sdk/tripleo"
)

// wrapsValidation is an error that unwraps to a *tripleo.ValidationError.
type wrapsValidation struct{ field string }

func (w *wrapsValidation) Error() string { return "wraps " + w.field }
func (w *wrapsValidation) Unwrap() error { return tripleo.Invalid(w.field, "bad") }

// chain is an error that wraps another.
type chain struct{ next error }

func (c *chain) Error() string { return "chain: " + c.next.Error() }
func (c *chain) Unwrap() error { return c.next }

func TestErrorsAsFindsEveryMatchInOrder(t *testing.T) {
	a, b, c := tripleo.Invalid("a", "x"), tripleo.Invalid("b", "y"), tripleo.Invalid("c", "z")
	w := &wrapsValidation{field: "w"}
	err := fmt.Errorf("outer: %w", errors.Join(a, errors.New("other"), fmt.Errorf("mid: %w", errors.Join(b, w)), c))

	got := tripleo.ErrorsAs[*tripleo.ValidationError](err)
	var fields []string
	for _, p := range got {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"a", "b", "w", "c"}, fields, "depth first, through Unwrap() error and Unwrap() []error")
	assert.Equal(t, got, tripleo.Problems(err))

	inner := &wrapsValidation{field: "inner"}
	outer := &chain{&chain{inner}}
	assert.Equal(t, []*chain{outer}, tripleo.ErrorsAs[*chain](errors.Join(outer, errors.New("x"))), "a match is not looked into")
	assert.Equal(t, []*wrapsValidation{inner}, tripleo.ErrorsAs[*wrapsValidation](outer))
	assert.Nil(t, tripleo.ErrorsAs[*tripleo.ValidationError](errors.New("plain")))
	assert.Nil(t, tripleo.ErrorsAs[*tripleo.ValidationError](nil))
	assert.Equal(t, []*tripleo.ValidationError{a}, tripleo.ErrorsAs[*tripleo.ValidationError](a))
}

func TestIsNotFound(t *testing.T) {
	raw := gophercloud.ErrUnexpectedResponseCode{Actual: 404, Body: []byte(`{"faultstring": "no such thing"}`)}
	assert.True(t, tripleo.IsNotFound(raw), "gophercloud's own 404, not wrapped")
	assert.True(t, tripleo.IsNotFound(fmt.Errorf("get: %w", raw)))
	assert.True(t, tripleo.IsNotFound(tripleo.WrapHTTP("get", raw)))
	assert.False(t, tripleo.IsNotFound(gophercloud.ErrUnexpectedResponseCode{Actual: 500}))
	assert.False(t, tripleo.IsNotFound(tripleo.WrapHTTP("get", gophercloud.ErrUnexpectedResponseCode{Actual: 409})))
	assert.False(t, tripleo.IsNotFound(errors.New("not found")))
	assert.False(t, tripleo.IsNotFound(nil))
}
