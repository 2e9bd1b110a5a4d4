package messaging

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBodyHashCanonical(t *testing.T) {
	a := bodyHash([]byte(`{"type": "x", "payload": {"status": "RUNNING", "n": 1.0, "l": [1, 2]}}`))
	b := bodyHash([]byte(`{"payload":{"l":[1,2],"n":1.0,"status":"RUNNING"},"type":"x"}`))
	c := bodyHash([]byte(`{"payload":{"l":[1,2],"n":1.0,"status":"SUCCESS"},"type":"x"}`))
	assert.Equal(t, a, b, "key order and spacing do not matter")
	assert.NotEqual(t, a, c)
}

func TestBodyCountsPairsCopies(t *testing.T) {
	bc := newBodyCounts(8)
	fresh, n := bc.pushed(1)
	assert.True(t, fresh)
	assert.Equal(t, 1, n)
	assert.False(t, bc.listed(1), "the listing of a pushed message is suppressed")
	fresh, n = bc.pushed(1) // a second message with the same body
	assert.True(t, fresh)
	assert.Equal(t, 2, n)
	assert.False(t, bc.listed(1))
	assert.True(t, bc.listed(1), "a third identical message, listed first, is delivered")
	fresh, _ = bc.pushed(1)
	assert.False(t, fresh, "and its push is suppressed")
	for i := uint64(10); i < 30; i++ {
		bc.listed(i)
	}
	assert.LessOrEqual(t, len(bc.m), 8, "bounded")
}
