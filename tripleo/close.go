package tripleo

import "io"

// Close releases what the Client holds: the execution watcher's goroutine
// (runs still being followed end with ErrClientClosed), the Notifier when it
// has a Close method, and the idle connections of its HTTP client. Start and
// Attach fail with ErrClientClosed afterwards. Close is idempotent; the first
// call returns the Notifier's Close error, if any.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	if !c.watcher().close() {
		return nil
	}
	var err error
	if cl, ok := c.Notifier.(io.Closer); ok {
		err = cl.Close()
	}
	if c.Workflow != nil && c.Workflow.ProviderClient != nil {
		c.Workflow.ProviderClient.HTTPClient.CloseIdleConnections()
	}
	return err
}
