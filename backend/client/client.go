package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
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
	// Events is how many events may wait in Events for the caller to read
	// them; 0 means DefaultEvents. A caller that falls further behind holds
	// up the connection's reading, and in time the host drops it as a slow
	// member. Each slot costs 16 bytes while idle.
	Events int
	// PingInterval is how often the client sends its heartbeat (a ping,
	// which the host answers with a pong); PingTimeout how long it waits
	// without hearing anything from the host before it reports
	// ErrConnectionLost. 0 means 15s and 45s.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// Dial, if set, opens the TCP connection to addr (a test dials from
	// inside a network namespace with it); nil means a net.Dialer.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Reconnect is how long the client keeps trying to resume its seat
	// after the connection was lost (with capped exponential back-off and
	// jitter), emitting Reconnecting and Reconnected events; 0 means
	// DefaultReconnect, below 0 no reconnecting.
	Reconnect time.Duration
	// Window fixes a download's window, in chunks (at most
	// wire.MaxWindow); 0 sizes it from the path's measured round trip and
	// rate. Benchmarks set it to compare.
	Window int
}

// DefaultReconnect is Config.Reconnect's default: the host's grace period
// and a margin.
const DefaultReconnect = 35 * time.Second

// DefaultEvents is the default Config.Events: enough for a burst of room
// events plus the progress of a few transfers, while a reader is busy.
const DefaultEvents = 256

// ErrClosed is returned by commands after the connection ended.
var ErrClosed = errors.New("client: connection closed")

// ErrConnectionLost is what Err wraps when the connection broke without the
// host saying goodbye: a failed read or write, or nothing heard from the
// host (not even a pong) for PingTimeout, as when a cable is pulled or the
// host's laptop lid is shut.
var ErrConnectionLost = errors.New("connection lost")

// Client is a member of a room.
type Client struct {
	cfg     Config            // as Dial completed it
	tlsConf *tls.Config       // to dial the host again
	corks   *wire.CorkBuffers // the write loop's gathering buffers under TLS (wire.NewCorkBuffers)
	log     *slog.Logger
	timeout time.Duration
	welcome Welcome

	pingEvery   time.Duration // the heartbeat's period
	pingTimeout time.Duration // silence from the host that counts as a lost connection

	events chan Event     // closed by readLoop when the connection ends
	out    chan []byte    // frames for writeLoop
	bulk   chan []byte    // uploads' frames (chunks, upload_end) for writeLoop, after those in out
	refill refill         // wakes the uploads once writeLoop has taken bulk down to a quarter
	chunks wire.ChunkPool // buffers of upload frames (writeLoop gives them back) and of downloads' chunk data (fetch does)
	done   chan struct{}  // closed when the connection is going away
	gone   chan struct{}  // closed by Close: nobody reads events any more
	xf     transfers      // uploads and downloads in progress, shared files
	// uploads holds a token per upload in progress: at most
	// wire.MaxUploads, the host's limit; further uploads wait their turn
	// (first come, first served) instead of being refused.
	uploads chan struct{}
	loops   sync.WaitGroup

	leaving   atomic.Bool // set by Leave: the host closing is then expected
	closeOnce sync.Once
	goneOnce  sync.Once
	mu        sync.Mutex
	err       error // guarded by mu; why the connection ended
	lk        *link // guarded by mu; the connection now
	// relinked is made when the link is lost and closed when it is back:
	// an upload under way waits on it to carry on. Guarded by mu.
	relinked chan struct{}
}

// link is one connection to the host; a client that resumes its seat goes
// through several.
type link struct {
	raw    *wire.Cork // the socket, under TLS
	conn   *tls.Conn
	done   chan struct{} // closed by close
	wrote  chan struct{} // closed when the link's writeLoop returned
	once   sync.Once
	secret []byte    // the seat's resume secret
	member uuid.UUID // the seat's member id
}

func newLink(raw *wire.Cork, conn *tls.Conn) *link {
	return &link{raw: raw, conn: conn, done: make(chan struct{}), wrote: make(chan struct{})}
}

func (l *link) close() {
	l.once.Do(func() {
		close(l.done)
		l.raw.Close()
	})
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
	if cfg.PingInterval == 0 {
		cfg.PingInterval = wire.PingInterval
	}
	if cfg.PingTimeout == 0 {
		cfg.PingTimeout = wire.PingTimeout
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
	hello := wire.NewHello()
	hello.Name, hello.ClientID, hello.Password = cfg.Name, cfg.ClientID, cfg.Password
	corks := wire.NewCorkBuffers()
	raw, conn, r, first, err := connect(ctx, cfg, tlsConf, corks, hello)
	if err != nil {
		return nil, err
	}
	if _, ok := first.(*wire.Welcome); !ok {
		raw.Close()
		return nil, wire.Errorf(wire.ErrProtocol, "the host answered the hello with %v", first.Type())
	}
	ev, _ := eventOf(first)
	welcome := ev.(Welcome)
	l := newLink(raw, conn)
	w := first.(*wire.Welcome)
	l.secret, l.member = w.Resume, w.MemberID
	c := &Client{
		cfg: cfg, tlsConf: tlsConf, corks: corks, lk: l, log: cfg.Log, timeout: cfg.Timeout, welcome: welcome,
		pingEvery: cfg.PingInterval, pingTimeout: cfg.PingTimeout,
		events:  make(chan Event, cfg.Events),
		out:     make(chan []byte, 64),
		bulk:    make(chan []byte, 64),
		chunks:  wire.NewChunkPool(2 * wire.MaxWindow),
		done:    make(chan struct{}),
		gone:    make(chan struct{}),
		uploads: make(chan struct{}, wire.MaxUploads),
	}
	c.events <- welcome
	c.loops.Add(2)
	go func() { defer c.loops.Done(); c.readLoop(l, r) }()
	go func() { defer c.loops.Done(); c.writeLoop(l) }()
	return c, nil
}

// connect dials the host, checks its key, sends hello and reads the answer
// (a welcome, resumed or error frame), all within cfg.Timeout.
func connect(ctx context.Context, cfg Config, tlsConf *tls.Config, corks *wire.CorkBuffers, hello *wire.Hello) (*wire.Cork, *tls.Conn, *wire.Reader, wire.Frame, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	// cancelled is the error once the caller gave up: it wraps ctx's.
	cancelled := func() error {
		return fmt.Errorf("joining %s: %w", cfg.Addr, context.Cause(parent))
	}
	dial := cfg.Dial
	if dial == nil {
		dial = func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		}
	}
	sock, err := dial(ctx, cfg.Addr)
	if err != nil {
		if parent.Err() != nil {
			return nil, nil, nil, nil, cancelled()
		}
		return nil, nil, nil, nil, unreachable(fmt.Sprintf("cannot reach %s", cfg.Addr), err)
	}
	// The kernel holds little of what writeLoop writes, so that the
	// member's chat overtakes its uploads (see Client.take).
	wire.LimitUnsent(sock)
	// The write loop corks the socket under TLS (see writeLoop).
	raw := wire.NewCork(sock, corks)
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
			return nil, nil, nil, nil, err
		}
		if parent.Err() != nil {
			return nil, nil, nil, nil, cancelled()
		}
		return nil, nil, nil, nil, unreachable(fmt.Sprintf("TLS handshake with %s failed", cfg.Addr), err)
	}
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
			return nil, nil, nil, nil, cancelled()
		}
		return nil, nil, nil, nil, unreachable(fmt.Sprintf("the host at %s did not answer the hello", cfg.Addr), err)
	}
	if f, ok := first.(*wire.ErrorFrame); ok {
		raw.Close()
		return nil, nil, nil, nil, &wire.Error{Code: f.Code, Message: f.Message}
	}
	if !unwatch() {
		// ctx ended just as the welcome came: too late to be admitted.
		raw.Close()
		if parent.Err() != nil {
			return nil, nil, nil, nil, cancelled()
		}
		return nil, nil, nil, nil, &wire.Error{Code: wire.CodeUnreachable, Message: fmt.Sprintf("the host at %s took too long to admit us", cfg.Addr)}
	}
	raw.SetDeadline(time.Time{})
	return raw, conn, r, first, nil
}

// Welcome returns the welcome the host sent: the name given, the members,
// the leader.
func (c *Client) Welcome() Welcome { return c.welcome }

// Events delivers what happens in the room, in the room's order, starting
// with the welcome. It stays open while the client resumes its seat after a
// lost connection (Reconnecting, then Reconnected and the missed events),
// and is closed when the client is done; Err then says why.
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

// readLoop turns frames into events until the connection ends. When the
// link is lost it tries to resume the seat (see reconnect) and carries on
// over the new link.
func (c *Client) readLoop(l *link, r *wire.Reader) {
	defer c.closeEvents()
	defer c.shutdown()
	var count uint64 // counted frames received since the welcome
	for {
		lost := c.readLink(l, r, &count)
		l.close()
		<-l.wrote
		if lost == nil {
			return
		}
		if c.cfg.Reconnect < 0 || l.secret == nil {
			c.setErr(lost)
			return
		}
		next, nr := c.reconnect(l, count, lost)
		if next == nil {
			return
		}
		c.mu.Lock()
		c.lk = next
		close(c.relinked)
		c.mu.Unlock()
		c.loops.Add(1)
		go func() { defer c.loops.Done(); c.writeLoop(next) }()
		l, r = next, nr
	}
}

// readLink reads one link's frames until it ends. It returns the error
// that says the connection was lost, or nil when the client is done (it
// left, was kicked, the room closed, the caller closed it).
func (c *Client) readLink(l *link, r *wire.Reader, count *uint64) error {
	var deadline time.Time // of the connection's reads, as last set
	for {
		// Moving the deadline costs a timer update: only when less than
		// 7/8 of PingTimeout is left.
		if now := time.Now(); deadline.Sub(now) < c.pingTimeout-c.pingTimeout/8 {
			deadline = now.Add(c.pingTimeout)
			l.raw.SetReadDeadline(deadline)
		}
		f, err := c.readFrame(r)
		if err != nil {
			var ne net.Error
			select {
			case <-c.done: // we closed it
			default:
				if c.leaving.Load() || c.Err() != nil {
					// The goodbye we asked for, or the host's (kicked,
					// closed): nothing to resume.
				} else if errors.Is(err, io.EOF) && l.secret == nil {
					c.setErr(wire.Errorf(wire.ErrClosed, "the host ended the connection"))
				} else if errors.As(err, &ne) && ne.Timeout() {
					return fmt.Errorf("%w: nothing from the host for %v", ErrConnectionLost, c.pingTimeout)
				} else {
					return fmt.Errorf("%w: %w", ErrConnectionLost, err)
				}
			}
			return nil
		}
		if wire.Counted(f.Type()) {
			*count++
		}
		if _, ok := f.(*wire.Pong); ok {
			continue
		}
		if evs, handled := c.route(f); handled {
			for _, ev := range evs {
				select {
				case c.events <- ev:
				case <-c.gone:
					return nil
				}
			}
			continue
		}
		ev, ok := eventOf(f)
		if !ok {
			c.setErr(wire.Errorf(wire.ErrProtocol, "the host sent a %v frame", f.Type()))
			return nil
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
			return nil
		}
	}
}

// reconnect tries to resume the seat after the link was lost, with capped
// exponential back-off and full jitter, for Config.Reconnect at most. It
// returns the new link (its Resumed read, the missed frames following), or
// nil after setting Err: the seat is gone, the time is up, or the client
// was closed meanwhile.
func (c *Client) reconnect(old *link, count uint64, lost error) (*link, *wire.Reader) {
	c.mu.Lock()
	c.relinked = make(chan struct{})
	c.mu.Unlock()
	c.xf.lost()
	give := time.Now().Add(c.cfg.Reconnect)
	for attempt := 1; ; attempt++ {
		wait := time.Duration(rand.Int64N(int64(min(reconnectMax, reconnectMin<<min(attempt, 16))) + 1))
		if !c.push(Reconnecting{Attempt: attempt, InMs: wait.Milliseconds(), Reason: lost.Error()}) {
			return nil, nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-c.done:
			timer.Stop()
			return nil, nil
		}
		if time.Now().After(give) {
			c.setErr(fmt.Errorf("%w; gave up reconnecting after %v", lost, c.cfg.Reconnect))
			return nil, nil
		}
		hello := wire.NewHello()
		hello.Name, hello.ClientID, hello.Password = c.cfg.Name, c.cfg.ClientID, c.cfg.Password
		hello.ResumeMember, hello.ResumeSecret, hello.ResumeAfter = old.member, old.secret, count
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-c.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		raw, conn, r, first, err := connect(ctx, c.cfg, c.tlsConf, c.corks, hello)
		cancel()
		if err != nil {
			var we *wire.Error
			if errors.As(err, &we) && we.Code != wire.CodeUnreachable {
				c.setErr(err) // refused: resume_expired, bad_resume, banned, ...
				return nil, nil
			}
			if errors.Is(err, secure.ErrHostKeyMismatch) {
				c.setErr(err)
				return nil, nil
			}
			continue
		}
		res, ok := first.(*wire.Resumed)
		if !ok {
			raw.Close()
			c.setErr(wire.Errorf(wire.ErrProtocol, "the host answered a resume with %v", first.Type()))
			return nil, nil
		}
		raw.SetDeadline(time.Time{})
		l := newLink(raw, conn)
		l.secret, l.member = old.secret, old.member
		if !c.push(Reconnected{Attempt: attempt, Missed: res.Missed}) {
			l.close()
			return nil, nil
		}
		return l, r
	}
}

// Back-off between reconnect attempts: the n-th waits a random time up to
// min(reconnectMax, reconnectMin·2ⁿ).
const (
	reconnectMin = 125 * time.Millisecond
	reconnectMax = 5 * time.Second
)

// push queues an event from readLoop; false once nobody reads them.
func (c *Client) push(ev Event) bool {
	select {
	case c.events <- ev:
		return true
	case <-c.gone:
		return false
	}
}

// writeGather is the most bytes writeLoop takes from the queues per write
// round.
const writeGather = 256 << 10

// minPiece is the least data of the pieces writeLoop splits an upload
// chunk into on a slow link (see take).
const minPiece = 4 << 10

// writeLoop is the only writer of the connection. Each wake-up takes what
// is queued (the frames in out first, then those in bulk, see take) and
// writes it with wire.Gather: small frames copied together into one TLS
// record's worth, large ones (upload chunks) as they are. Upload frames'
// buffers then go back to the pool.
//
// The uploads' share of a round and the bytes the kernel holds unsent are
// sized to the link (wire.Pace), so that chat waits behind about as much
// of an upload on a slow link as on a fast one.
func (c *Client) writeLoop(l *link) {
	defer close(l.wrote)
	var buf []byte
	w := writer{c: c}
	unsent := wire.UnsentLimit
	ping, _ := wire.Encode(&wire.Ping{})
	heartbeat := time.NewTicker(c.pingEvery)
	defer heartbeat.Stop()
	write := func(b []byte) error {
		_, err := l.conn.Write(b)
		return err
	}
	for {
		var first, chunk []byte
		if len(w.held) > 0 {
			// Pieces of a split chunk are left: write on, chat first.
			select {
			case <-c.done:
				return
			case <-l.done:
				return
			case first = <-c.out:
			default:
			}
		} else {
			select {
			case <-c.done:
				return
			case <-l.done:
				return
			case <-heartbeat.C:
				l.conn.SetWriteDeadline(time.Now().Add(c.timeout))
				if _, err := l.conn.Write(ping); err != nil {
					l.close() // readLoop finds the link lost
					return
				}
				continue
			case first = <-c.out:
			case chunk = <-c.bulk:
				c.refill.took(c.bulk)
			}
		}
		bulk := w.take(first, chunk)
		if u := w.pace.Unsent(); bulk > 0 && u != unsent {
			wire.SetUnsent(l.raw.Conn, u)
			unsent = u
		}
		l.conn.SetWriteDeadline(time.Now().Add(c.timeout))
		// Corked, the batch's TLS records go out in one write (a chunk is
		// four records): fewer system calls here, fewer wake-ups at the
		// host.
		err := l.raw.Corked(func() (err error) {
			buf, err = wire.Gather(w.batch, buf, write)
			return err
		})
		for _, b := range w.batch {
			if wire.IsChunkFrame(b, wire.TypeUploadChunk) {
				c.chunks.Put(b)
			}
		}
		clear(w.batch)
		w.batch = w.batch[:0]
		if err != nil {
			l.close() // readLoop finds the link lost
			return
		}
		if bulk > 0 {
			w.pace.Wrote(bulk, len(w.held) > 0 || len(c.bulk) > 0, time.Now())
		}
	}
}

// writer is writeLoop's state between rounds.
type writer struct {
	c     *Client
	batch [][]byte  // the round's frames
	held  [][]byte  // pieces of a split upload chunk, still to write
	pace  wire.Pace // the link's rate, measured
}

// take gathers into w.batch a write round's frames: first (taken from out)
// or chunk (taken from bulk), then what else waits in out (up to
// writeGather bytes), then the uploads' frames: the pieces held from the
// last round, then bulk's, up to what the link drains in wire.PaceDelay
// (at least one frame). So a member's chat, typing, credit for its
// downloads and cancels overtake its uploads' chunks and wait behind at
// most one round of them, not behind all that bulk and the kernel hold (on
// a link of 10 MB/s, that was half a second). An upload chunk larger than
// a round (a slow link) is split into pieces of a round's size, which the
// next rounds take in turn. The uploads' frames keep their order among
// themselves, upload_end behind its chunks. It reports the bulk bytes it
// took.
func (w *writer) take(first, chunk []byte) int {
	c := w.c
	n := 0
	if first != nil {
		w.batch, n = append(w.batch, first), len(first)
	}
	w.batch, n = gather(c.out, w.batch, n, writeGather)
	most := w.pace.Round(writeGather)
	bulk := 0
	for bulk < most && n < writeGather {
		var f []byte
		switch {
		case len(w.held) > 0:
			f, w.held = w.held[0], w.held[1:]
		case chunk != nil:
			f, chunk = chunk, nil
		default:
			select {
			case f = <-c.bulk:
				c.refill.took(c.bulk)
			default:
				return bulk
			}
		}
		if len(f) > most && wire.IsChunkFrame(f, wire.TypeUploadChunk) {
			if pieces, err := wire.SplitChunk(f, max(most, minPiece)); err == nil {
				c.chunks.Put(f) // the pieces hold copies
				f, w.held = pieces[0], pieces[1:]
			}
		}
		w.batch, n, bulk = append(w.batch, f), n+len(f), bulk+len(f)
	}
	return bulk
}

// gather adds to batch, which holds n bytes, the frames waiting in q, until
// it holds most bytes or q is empty.
func gather(q <-chan []byte, batch [][]byte, n, most int) ([][]byte, int) {
	for n < most {
		select {
		case f := <-q:
			batch, n = append(batch, f), n+len(f)
		default:
			return batch, n
		}
	}
	return batch, n
}

// readFrame reads and decodes the next frame. A chunk's data is decoded
// as a view and copied into a pooled buffer (no allocation per chunk),
// which the download gives back once it has written it.
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
		c.mu.Lock()
		l := c.lk
		c.mu.Unlock()
		l.close()
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

// Reply sends text answering the message replyTo (an id from a message,
// file or image event; empty: none): to the room when to is empty, as a
// private message to the member called to otherwise. A reply to a private
// message always stays between that message's two members.
func (c *Client) Reply(ref, to, text, replyTo string) error {
	if len(text) > wire.MaxText {
		return wire.Errorf(wire.ErrTooLarge, "the message is %d bytes; at most %d are allowed", len(text), wire.MaxText)
	}
	var id uuid.UUID
	if replyTo != "" {
		var err error
		if id, err = uuid.Parse(replyTo); err != nil {
			return wire.Errorf(wire.ErrBadCommand, "reply_to %q is not a message id", replyTo)
		}
	}
	if to == "" {
		return c.send(&wire.Send{Ref: ref, Text: text, ReplyTo: id})
	}
	return c.send(&wire.DM{Ref: ref, To: to, Text: text, ReplyTo: id})
}

// Typing tells the room (to empty) or the member called to that this
// client is typing. Send it at most every few seconds while typing: it
// counts against the host's rate limit.
func (c *Client) Typing(to string) error { return c.send(&wire.Typing{To: to}) }

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

// unreachable is a failure to reach the host: wire.ErrUnreachable's code
// with what was tried, wrapping the cause too, so that callers can tell a
// refused connection (syscall.ECONNREFUSED) from a timeout
// (os.ErrDeadlineExceeded, context.DeadlineExceeded) with errors.Is.
func unreachable(what string, cause error) error {
	return fmt.Errorf("%w: %w", &wire.Error{Code: wire.CodeUnreachable, Message: what}, cause)
}
