package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// Config says which room to join and how to trust its host.
type Config struct {
	// Addr is the host's HOST:PORT. Invite, if set, gives both the address
	// and the pin instead.
	Addr   string
	Invite string
	// Name is the nickname asked for; the welcome tells the one given.
	Name string
	// Pin, TrustNew and KnownHosts decide whether the host key is trusted:
	// see secure.ClientOptions.
	Pin        string
	TrustNew   bool
	KnownHosts *secure.KnownHosts
	// Password is the room password, if the room has one.
	Password []byte
	// ClientID identifies this client across runs (bans use it); zero
	// means a fresh one.
	ClientID uuid.UUID
	// Log receives the client's log lines; nil discards them.
	Log *slog.Logger
	// Timeout bounds dialling, the handshake and admission, and each
	// write; 0 means 10s.
	Timeout time.Duration
	// Window fixes a download's window, in chunks (at most
	// wire.MaxWindow); 0 sizes it from the path's measured round trip and
	// rate. Benchmarks set it to compare.
	Window int
	// Events is how many events may wait in Events for the caller to read
	// them; 0 means DefaultEvents. A caller that falls further behind holds
	// up the connection's reading, and in time the host drops it as a slow
	// member. Each slot costs 16 bytes while idle.
	Events int
}

// DefaultEvents is the default Config.Events: enough for a burst of room
// events plus the progress of a few transfers, while a reader is busy.
const DefaultEvents = 256

// ErrClosed is returned by commands after the connection ended.
var ErrClosed = errors.New("client: connection closed")

// Client is a member of a room.
type Client struct {
	raw     net.Conn
	conn    *tls.Conn
	log     *slog.Logger
	timeout time.Duration
	window  int // Config.Window
	welcome Welcome

	events chan Event     // closed by readLoop when the connection ends
	out    chan []byte    // frames for writeLoop
	chunks wire.ChunkPool // for chunk frames and data
	done   chan struct{}  // closed when the connection is going away
	gone   chan struct{}  // closed by Close: nobody reads events any more
	xf     transfers      // uploads and downloads in progress, shared files
	loops  sync.WaitGroup

	leaving   atomic.Bool // set by Leave: the host closing is then expected
	closeOnce sync.Once
	goneOnce  sync.Once
	mu        sync.Mutex
	err       error // guarded by mu; why the connection ended
}

// Dial connects, verifies the host, and asks to join. It returns once the
// host has admitted the client (the welcome is then the first Event), or
// with the reason it was not: a *wire.Error (errors.Is with wire.ErrBadPassword,
// wire.ErrBanned, wire.ErrVersionMismatch, ...), secure.ErrHostKeyMismatch,
// secure.ErrUnknownHost (a *secure.UnknownHostError with the fingerprint),
// or an unreachable host (code unreachable). Cancelling ctx abandons the
// attempt at once, whatever it waits on, with an error wrapping ctx's.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Events <= 0 {
		cfg.Events = DefaultEvents
	}
	if cfg.Invite != "" {
		addr, fp, err := secure.ParseInvite(cfg.Invite)
		if err != nil {
			return nil, err
		}
		cfg.Addr, cfg.Pin = addr, fp
	}
	if cfg.ClientID == uuid.Nil {
		cfg.ClientID = uuid.New()
	}
	tlsConf, err := secure.ClientConfig(secure.ClientOptions{
		Addr: cfg.Addr, Pin: cfg.Pin, TrustNew: cfg.TrustNew, KnownHosts: cfg.KnownHosts,
	})
	if err != nil {
		return nil, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	// cancelled is the error once the caller gave up: it wraps ctx's.
	cancelled := func() error {
		return fmt.Errorf("joining %s: %w", cfg.Addr, context.Cause(parent))
	}
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		if parent.Err() != nil {
			return nil, cancelled()
		}
		return nil, &wire.Error{Code: wire.CodeUnreachable, Message: fmt.Sprintf("cannot reach %s: %v", cfg.Addr, err)}
	}
	conn := tls.Client(raw, tlsConf)
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	// Until admitted, ending ctx (cancelled or timed out) unblocks
	// whatever waits on the connection.
	unwatch := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer unwatch()
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		if errors.Is(err, secure.ErrHostKeyMismatch) || errors.Is(err, secure.ErrUnknownHost) {
			return nil, err
		}
		if parent.Err() != nil {
			return nil, cancelled()
		}
		return nil, &wire.Error{Code: wire.CodeUnreachable, Message: fmt.Sprintf("TLS handshake with %s failed: %v", cfg.Addr, err)}
	}
	hello := wire.NewHello()
	hello.Name, hello.ClientID, hello.Password = cfg.Name, cfg.ClientID, cfg.Password
	frame, err := wire.Encode(hello)
	if err == nil {
		_, err = conn.Write(frame)
	}
	r := wire.NewReader(conn)
	var first wire.Frame
	if err == nil {
		first, err = r.ReadMessage()
	}
	if err != nil {
		raw.Close()
		if parent.Err() != nil {
			return nil, cancelled()
		}
		return nil, &wire.Error{Code: wire.CodeUnreachable, Message: fmt.Sprintf("the host at %s did not answer the hello: %v", cfg.Addr, err)}
	}
	switch f := first.(type) {
	case *wire.ErrorFrame:
		raw.Close()
		return nil, &wire.Error{Code: f.Code, Message: f.Message}
	case *wire.Welcome:
	default:
		raw.Close()
		return nil, wire.Errorf(wire.ErrProtocol, "the host answered the hello with %v", f.Type())
	}
	if !unwatch() {
		// ctx ended just as the welcome came: too late to be admitted.
		raw.Close()
		if parent.Err() != nil {
			return nil, cancelled()
		}
		return nil, &wire.Error{Code: wire.CodeUnreachable, Message: fmt.Sprintf("the host at %s took too long to admit us", cfg.Addr)}
	}
	raw.SetDeadline(time.Time{})
	ev, _ := eventOf(first)
	welcome := ev.(Welcome)
	c := &Client{
		raw: raw, conn: conn, log: cfg.Log, timeout: cfg.Timeout, window: min(cfg.Window, wire.MaxWindow), welcome: welcome,
		events: make(chan Event, cfg.Events),
		out:    make(chan []byte, 64),
		chunks: wire.NewChunkPool(2 * wire.MaxWindow),
		done:   make(chan struct{}),
		gone:   make(chan struct{}),
	}
	c.events <- welcome
	c.loops.Add(2)
	go func() { defer c.loops.Done(); c.readLoop(r) }()
	go func() { defer c.loops.Done(); c.writeLoop() }()
	return c, nil
}

// Welcome returns the welcome the host sent: the name given, the members,
// the leader.
func (c *Client) Welcome() Welcome { return c.welcome }

// Events delivers what happens in the room, in the room's order, starting
// with the welcome. It is closed when the connection ends; Err then says why.
// A caller that stops reading events is, in time, disconnected by the host.
func (c *Client) Events() <-chan Event { return c.events }

// Err returns why the connection ended: nil while it is open or after a
// clean leave; an error matching wire.ErrKicked or wire.ErrClosed (under
// errors.Is) for a kick or close the host announced.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Client) setErr(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
}

// readLoop turns frames into events until the connection ends.
func (c *Client) readLoop(r *wire.Reader) {
	defer c.closeEvents()
	defer c.shutdown()
	for {
		f, err := c.readFrame(r)
		if err != nil {
			select {
			case <-c.done: // we closed it
			default:
				if c.leaving.Load() {
					// The goodbye we asked for.
				} else if errors.Is(err, io.EOF) {
					c.setErr(wire.Errorf(wire.ErrClosed, "the host ended the connection"))
				} else {
					c.setErr(fmt.Errorf("connection lost: %w", err))
				}
			}
			return
		}
		if evs, handled := c.route(f); handled {
			for _, ev := range evs {
				select {
				case c.events <- ev:
				case <-c.gone:
					return
				}
			}
			continue
		}
		ev, ok := eventOf(f)
		if !ok {
			c.setErr(wire.Errorf(wire.ErrProtocol, "the host sent a %v frame", f.Type()))
			return
		}
		switch ev := ev.(type) {
		case Kicked:
			c.setErr(wire.Errorf(wire.ErrKicked, "kicked by %s: %s", ev.By, ev.Reason))
		case Closed:
			c.setErr(wire.Errorf(wire.ErrClosed, "%s", ev.Reason))
		}
		select {
		case c.events <- ev:
		case <-c.gone:
			return
		}
	}
}

// writeLoop is the only writer of the connection. Each wake-up takes what
// is queued (up to writeGather bytes) and writes it: small frames gathered
// into one TLS record's worth, large ones (chunks) as they are, without a
// copy. Chunk frames' buffers then go back to the pool.
func (c *Client) writeLoop() {
	var buf []byte
	var batch [][]byte
	for {
		select {
		case <-c.done:
			return
		case f := <-c.out:
			batch = append(batch[:0], f)
		more:
			for n := len(f); n < writeGather; {
				select {
				case f := <-c.out:
					batch = append(batch, f)
					n += len(f)
				default:
					break more
				}
			}
			c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
			var err error
			buf, err = c.writeBatch(batch, buf[:0])
			for _, b := range batch {
				if wire.IsChunkFrame(b, wire.TypeUploadChunk) {
					c.chunks.Put(b)
				}
			}
			clear(batch)
			if err != nil {
				c.setErr(fmt.Errorf("connection lost: %w", err))
				c.shutdown()
				return
			}
		}
	}
}

// Write sizes: writeGather is the most bytes writeLoop takes from the queue
// at once, writeRecord the most it gathers by copying (a TLS record's
// payload; each record is a write to the socket anyway).
const (
	writeGather = 256 << 10
	writeRecord = 16 << 10
)

// writeBatch writes batch, copying small frames together into buf and
// writing frames of writeRecord bytes or more as they are. It returns buf
// for reuse.
func (c *Client) writeBatch(batch [][]byte, buf []byte) ([]byte, error) {
	for _, b := range batch {
		if len(buf) > 0 && (len(buf)+len(b) > writeRecord || len(b) >= writeRecord) {
			if _, err := c.conn.Write(buf); err != nil {
				return buf, err
			}
			buf = buf[:0]
		}
		if len(b) >= writeRecord {
			if _, err := c.conn.Write(b); err != nil {
				return buf, err
			}
			continue
		}
		buf = append(buf, b...)
	}
	if len(buf) > 0 {
		_, err := c.conn.Write(buf)
		return buf[:0], err
	}
	return buf, nil
}

// readFrame reads and decodes the next frame. A Chunk's data is copied
// into a pooled buffer, which the download gives back once written.
func (c *Client) readFrame(r *wire.Reader) (wire.Frame, error) {
	t, body, err := r.ReadFrame()
	if err != nil {
		return nil, err
	}
	if t != wire.TypeChunk {
		return wire.Decode(t, body)
	}
	ch := new(wire.Chunk)
	if err := ch.DecodeView(body); err != nil {
		return nil, err
	}
	ch.Data = append(c.chunks.Get()[:0], ch.Data...)
	return ch, nil
}

// shutdown closes the connection once; both loops then end.
func (c *Client) shutdown() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.raw.Close()
	})
}

// send queues a frame; after the connection ended it returns an error
// matching ErrClosed.
func (c *Client) send(f wire.Frame) error { return c.sendCtx(context.Background(), f) }

// Send posts a message to the room. The ack event carrying ref names the
// message's id; an error event carrying ref says why it was refused.
func (c *Client) Send(ref, text string) error {
	if len(text) > wire.MaxText {
		return wire.Errorf(wire.ErrTooLarge, "the message is %d bytes; at most %d are allowed", len(text), wire.MaxText)
	}
	return c.send(&wire.Send{Ref: ref, Text: text})
}

// DM sends a private message to the member called to.
func (c *Client) DM(ref, to, text string) error {
	if len(text) > wire.MaxText {
		return wire.Errorf(wire.ErrTooLarge, "the message is %d bytes; at most %d are allowed", len(text), wire.MaxText)
	}
	return c.send(&wire.DM{Ref: ref, To: to, Text: text})
}

// Recall withdraws the message with the given id.
func (c *Client) Recall(ref, id string) error {
	u, err := uuid.Parse(id)
	if err != nil {
		return wire.Errorf(wire.ErrBadCommand, "%q is not a message id", id)
	}
	return c.send(&wire.Recall{Ref: ref, ID: u})
}

// Kick removes a member (leader only); ban also bars them from rejoining.
func (c *Client) Kick(ref, name, reason string, ban bool) error {
	return c.send(&wire.Kick{Ref: ref, Name: name, Reason: reason, Ban: ban})
}

// Unban lifts a ban (leader only).
func (c *Client) Unban(ref, name string) error { return c.send(&wire.Unban{Ref: ref, Name: name}) }

// Handover makes another member the leader (leader only).
func (c *Client) Handover(ref, name string) error {
	return c.send(&wire.Handover{Ref: ref, Name: name})
}

// Leave says goodbye and waits (up to the timeout) for the host to close
// the connection, so that everything sent before is delivered first. The
// events that arrived before the goodbye can still be read; Events is
// closed after them.
func (c *Client) Leave() error {
	c.leaving.Store(true)
	if err := c.send(&wire.Leave{}); err != nil {
		return nil // already gone
	}
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		c.shutdown()
	}
	return nil
}

// Close drops the connection at once and waits for the loops to end.
// Events not yet read are discarded.
func (c *Client) Close() error {
	c.goneOnce.Do(func() { close(c.gone) })
	c.shutdown()
	c.loops.Wait()
	return nil
}
