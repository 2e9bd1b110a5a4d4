package messaging

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/coder/websocket"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// headers returns the headers of every frame: Client-ID and X-Project-ID.
func (w *Websocket) headers() map[string]string {
	h := map[string]string{"Client-ID": w.rest.MoreHeaders["Client-ID"]}
	if p := w.projectID(); p != "" {
		h["X-Project-ID"] = p
	}
	return h
}

func (w *Websocket) projectID() string {
	if w.o.ProjectID != "" {
		return w.o.ProjectID
	}
	if v := w.rest.MoreHeaders["X-Project-ID"]; v != "" {
		return v
	}
	if pc := w.rest.ProviderClient; pc != nil {
		if ar, ok := pc.GetAuthResult().(interface {
			ExtractProject() (*tokens.Project, error)
		}); ok {
			if p, err := ar.ExtractProject(); err == nil && p != nil {
				return p.ID
			}
		}
	}
	return ""
}

func (w *Websocket) httpClient() *http.Client {
	if w.o.HTTPClient != nil {
		return w.o.HTTPClient
	}
	if pc := w.rest.ProviderClient; pc != nil {
		hc := pc.HTTPClient
		return &hc
	}
	return http.DefaultClient
}

func (w *Websocket) token() string {
	if pc := w.rest.ProviderClient; pc != nil {
		return pc.Token()
	}
	return ""
}

// errAuth is an authenticate frame answered with another status than 200.
var errAuth = errors.New("zaqar websocket: authentication failed")

// dial opens the socket and, when the ProviderClient has a token, sends
// authenticate and waits for its answer.
func (w *Websocket) dial(ctx context.Context) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, w.o.DialTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, w.url, &websocket.DialOptions{HTTPClient: w.httpClient()})
	if err != nil {
		return nil, fmt.Errorf("zaqar websocket: dial %s: %w", w.url, err)
	}
	conn.SetReadLimit(w.o.ReadLimit)
	tok := w.token()
	if tok == "" {
		return conn, nil // without Keystone, never authenticate
	}
	h := w.headers()
	h["X-Auth-Token"] = tok
	if err := writeFrame(ctx, conn, "authenticate", h, map[string]any{}); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("zaqar websocket: authenticate: %w", err)
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			conn.CloseNow()
			return nil, fmt.Errorf("zaqar websocket: authenticate: %w", err)
		}
		f, err := parseFrame(data)
		if err != nil || f.Request == nil || f.Request.Action != "authenticate" {
			continue
		}
		if f.Headers.Status != http.StatusOK {
			conn.CloseNow()
			return nil, fmt.Errorf("%w (status %d)", errAuth, f.Headers.Status)
		}
		return conn, nil
	}
}
