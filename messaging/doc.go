// Package messaging holds the implementations of tripleo.Notifier, which
// deliver the Zaqar messages tripleo.* workflows post, so that the run engine
// (tripleo.Start, tripleo.Attach) sees a run's progress and final message as
// they happen instead of learning the outcome from Mistral polls alone.
//
// # Which Notifier
//
//   - Zaqar (NewZaqar, or the Client option UseZaqar): REST polling. Works
//     wherever the Zaqar API answers, through any proxy, with nothing but
//     HTTP; latency is the poll interval (100 ms while messages flow, up to
//     250 ms on an idle queue). The default choice.
//   - Websocket (NewWebsocket, UseWebsocket): Zaqar pushes every message to
//     one socket per Notifier (what python-tripleoclient does), so latency is
//     that of Zaqar's notifier (about 10 ms on loopback) and an idle queue
//     costs no request at all. It lists over REST after every (re)connection,
//     so nothing is lost while the socket is down, and falls back to REST
//     polling when the websocket endpoint is absent or unreachable at
//     Subscribe. Needs Zaqar's websocket transport (port 9000) and, for
//     messages posted over HTTP (Mistral's), the notifier message pipeline.
//   - Memory (NewMemory): in-process, for tests and for host programs that
//     publish their own messages.
//   - Mirror (NewMirror): wraps any of them and copies every message, once
//     per (queue, id), to sinks: SlogSink (one structured log line per
//     message, secrets masked), ChanSink (a channel, never blocking; drops
//     are counted), or any Sink.
//
// A Client without a Notifier follows runs by polling Mistral alone.
//
// # Subscribe, Flush, Close
//
// Subscribe(ctx, queue, opts) returns a tripleo.Subscription (a pull-based
// mailbox that never blocks the publisher). ctx bounds only the subscribing
// (queue creation, websocket subscription); delivery goes on until the
// subscription is closed. Every message posted after Subscribe returns is
// delivered. With SubscribeOpts.Replay the messages the queue still retains
// (Zaqar keeps TripleO's for an hour) come first; without it, messages whose
// Zaqar age shows they were posted before Subscribe are left out. With
// SubscribeOpts.Ephemeral the queue is created (PUT /v2/queues/{q}) and
// deleted again when its last subscription closes, but only if this Notifier
// created it (201, not 204): a shared queue such as "tripleo" is never
// deleted. Any number of subscriptions of one queue share one reader; each
// gets every message, or with SubscribeOpts.Execution (the engine sets it)
// only the messages of that execution and its sub-workflows: the reader
// routes each message to those subscriptions alone, so a message costs one
// delivery, not one per run on the queue. A body that is not a TripleO message (not a JSON
// object) is logged and skipped.
//
// # Each message once
//
// A Notifier de-duplicates a queue's listings by Zaqar message id, and the
// websocket Notifier pairs pushed copies with listed ones by body; still, a
// subscriber may see a message twice (re-listed for a Replay, or one body
// posted twice under two ids: Queens workbooks retry zaqar.queue_post up to
// five times). The rule that makes each message one event is the engine's,
// per run: a message is dropped when its Zaqar id, or its (execution, body)
// — execution id, type and payload in canonical form — was already seen by
// that run.
//
// Flush(ctx, queue) (tripleo.Flusher) reads the queue now, page after page
// until a page is not full, and returns once those messages are in the
// subscriptions' mailboxes, however long that takes on a loaded host (only
// ctx bounds it); a read that fails fails the Flush with its error. The
// engine calls it before deciding a run from the Mistral state alone (and
// retries it when it fails), so no run is decided before the messages the
// queue holds for it have been read.
//
// Close stops every goroutine of the Notifier (and deletes the queues
// Ephemeral subscriptions created); no goroutine outlives the last
// subscription's Close either.
//
// # Parts
//
// Both Zaqar Notifiers are built from the same parts, each with one job and
// its own lock:
//
//   - a reader per queue (reader.go): lists the queue from a marker,
//     de-duplicates by id, fans new messages out to the queue's
//     subscriptions, runs Replay listings, answers Flush. Each of its
//     requests has its own deadline (ZaqarOpts.RequestTimeout, default 10 s)
//     from a context of the reader's, never the caller's;
//   - a trigger (trigger.go) that owns the reader's goroutine and decides
//     when it reads: a ticker with backoff for REST polling, on demand
//     (subscription taking effect, reconnection, socket down, Flush, Replay)
//     for the websocket;
//   - a matcher (matcher.go) of messages the websocket pushed to the ones the
//     reader lists, by canonical body hash (websocket only).
//
// The Zaqar Notifier is a set of readers with tickers; the Websocket Notifier
// is a set of readers with on-demand triggers and matchers, plus the socket
// (wsconn.go) that pushes into them, plus a Zaqar Notifier as fallback.
//
// # The REST reader and its request budget
//
// Zaqar runs one reader goroutine per queue, started by the first Subscribe
// and stopped by the last Close, whatever the number of subscriptions (runs)
// on it: the request rate depends on the number of queues, never on the
// number of runs. Each read is one non-destructive listing,
// GET /v2/queues/{q}/messages?limit=20&echo=true[&marker=M] (echo=true so
// that messages posted with this client's own Client-ID are listed too; no
// claims, nothing deleted), starting at the queue's end when it is first
// subscribed without Replay (the newest message's id, from the queue's stats:
// subscribing costs the same whatever the queue retains), else at its
// beginning, and then from the marker of the last page's links.next, kept
// across reads. Message
// ids are de-duplicated in a bounded set (4096 per queue), which also covers
// the server forgetting a marker.
//
// Per queue, with the defaults (ZaqarOpts: MinInterval 100 ms, MaxInterval
// 250 ms, PageSize 20):
//
//   - idle: the interval doubles after each empty read from 100 ms to 250 ms:
//     4 requests/s (14,400 per hour), whatever the number of subscriptions;
//   - while messages flow: one request every 100 ms (10/s at most), plus one
//     immediate request for each further full page (20 messages);
//   - Flush, and a Replay subscriber joining a running reader: one listing
//     (one request per page) at once;
//   - 5xx, 429, connection errors and requests past their deadline (a hung
//     Zaqar): retried for as long as the queue has subscribers, after 0.5 s,
//     1 s, 2 s ... up to 30 s (±20 % jitter; a Retry-After header is
//     honoured); other 4xx: logged once and retried every MaxInterval. Once Zaqar
//     answers again, the reader goes on from its marker: every message still
//     on the queue is delivered.
//
// Zaqar as Debian packages it serves HTTP with wsgiref's single-threaded
// server (one connection at a time, HTTP/1.0). Against such a server give the
// Client an HTTP transport without keep-alives (http.Transport
// DisableKeepAlives): when a request is cancelled while its connection is
// being dialled (a reader stopped by Close), Go's transport keeps the new
// connection as idle, and the server, blocked reading it, stalls every other
// client until it is closed.
//
// The Websocket Notifier makes REST requests only for its catch-up listings:
// after each subscription or resubscription of a queue, at each Flush, at
// each reconnection attempt while the socket is down, and when it renews a
// subscription (every 45 minutes with the default 1 h subscription TTL).
package messaging
