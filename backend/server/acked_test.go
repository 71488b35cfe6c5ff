//go:build linux

package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sys/unix"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// inHost is a Server on loopback for a test that looks at its seats.
type inHost struct {
	srv  *Server
	addr string
	fp   string
}

func startInHost(t *testing.T, cfg Config) *inHost {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	id, err := secure.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Identity = id
	srv, err := New(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close("test over")
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return &inHost{srv: srv, addr: ln.Addr().String(), fp: id.Fingerprint}
}

// rawMember is a member's TLS connection driven frame by frame.
type rawMember struct {
	t       *testing.T
	conn    *tls.Conn
	r       *wire.Reader
	client  uuid.UUID
	welcome *wire.Welcome
}

// rawJoin dials the host (with control, if set, run on the socket before
// it connects), sends a hello with a client id (the host then keeps a
// seat) and reads the welcome. It reads nothing more by itself.
func (h *inHost) rawJoin(t *testing.T, name string, control func(fd uintptr)) *rawMember {
	t.Helper()
	m := &rawMember{t: t, client: uuid.New()}
	hello := wire.NewHello()
	hello.Name, hello.ClientID = name, m.client
	f := m.dial(h, hello, control)
	w, ok := f.(*wire.Welcome)
	if !ok {
		t.Fatalf("join %s: %+v", name, f)
	}
	m.welcome = w
	return m
}

// dial connects m afresh, sends hello and returns the first frame back.
func (m *rawMember) dial(h *inHost, hello *wire.Hello, control func(fd uintptr)) wire.Frame {
	m.t.Helper()
	d := &net.Dialer{}
	if control != nil {
		d.Control = func(_, _ string, rc syscall.RawConn) error { return rc.Control(control) }
	}
	conf, _ := secure.ClientConfig(secure.ClientOptions{Addr: h.addr, Pin: h.fp})
	conn, err := (&tls.Dialer{NetDialer: d, Config: conf}).DialContext(context.Background(), "tcp", h.addr)
	if err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(func() { conn.Close() })
	// A guard against hangs, not a timing assertion.
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	m.conn, m.r = conn.(*tls.Conn), wire.NewReader(conn)
	m.send(hello)
	f, err := m.r.ReadMessage()
	if err != nil {
		m.t.Fatalf("no answer to the hello: %v", err)
	}
	return f
}

func (m *rawMember) send(f wire.Frame) {
	m.t.Helper()
	if _, err := m.conn.Write(must(wire.Encode(f))); err != nil {
		m.t.Fatal(err)
	}
}

func (m *rawMember) read() wire.Frame {
	m.t.Helper()
	f, err := m.r.ReadMessage()
	if err != nil {
		m.t.Fatalf("read: %v", err)
	}
	return f
}

// pingPong sends a ping and reads up to its pong, returning the counted
// frames read on the way. The ping carries the acknowledgement of every
// byte m has read; the host answers it after reading it (so after its
// kernel took that acknowledgement), and its write loop looks at what was
// acknowledged before it writes the pong.
func (m *rawMember) pingPong() (counted int) {
	m.t.Helper()
	m.send(&wire.Ping{})
	for {
		f := m.read()
		if _, ok := f.(*wire.Pong); ok {
			return counted
		}
		if wire.Counted(f.Type()) {
			counted++
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// seatOf returns the seat of the member m.
func (h *inHost) seatOf(t *testing.T, m *rawMember) *seat {
	t.Helper()
	h.srv.mu.Lock()
	defer h.srv.mu.Unlock()
	s := h.srv.seats[m.welcome.MemberID]
	if s == nil {
		t.Fatalf("no seat for %s", m.welcome.Name)
	}
	return s
}

// outbox is what a seat's outbox holds: the bytes of its own (entries
// and runs, and the array of its entries), and the counted frames it can
// send again
// (the last kept of sent).
type outbox struct {
	own, entries int
	kept, sent   uint64
}

func (s *seat) outbox() outbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := outbox{own: s.own + cap(s.whole)*entryBytes, entries: len(s.box), sent: s.sent}
	if len(s.box) > 0 {
		o.kept = s.sent - s.box[0].first + 1
	}
	return o
}

// TestOutboxLetsGoOfWhatWasRead: a member of a room that 200 others join
// gets their 200 join notices; once it has read them and its TCP said so,
// its seat's outbox holds nothing, not even its entries' array (before,
// it kept up to 128 KiB of what it had been sent). The seat still
// resumes: a member whose link drops after that has missed nothing.
func TestOutboxLetsGoOfWhatWasRead(t *testing.T) {
	h := startInHost(t, Config{NoRateLimit: true, Grace: time.Minute})
	r := h.rawJoin(t, "Reader", nil)
	const joins = 200
	for i := range joins {
		h.rawJoin(t, fmt.Sprintf("member-%03d", i), nil) // and never reads
	}
	read := 0
	for read < joins {
		if _, ok := r.read().(*wire.Joined); ok {
			read++
		}
	}
	r.pingPong()
	s := h.seatOf(t, r)
	if o := s.outbox(); o.own != 0 || o.entries != 0 || o.sent != joins {
		t.Fatalf("after %d join notices read: outbox %+v, want empty after %d", joins, o, joins)
	}

	// The link drops; the seat is held and resumes with nothing missed.
	r.conn.NetConn().Close()
	hello := wire.NewHello()
	hello.Name, hello.ClientID = "Reader", r.client
	hello.ResumeMember, hello.ResumeSecret, hello.ResumeAfter = r.welcome.MemberID, r.welcome.Resume, joins
	// The host may not have seen the old connection end yet: then the new
	// one takes the seat over (half-open), which is the same here.
	f := r.dial(h, hello, nil)
	if res, ok := f.(*wire.Resumed); !ok || res.Missed != 0 {
		t.Fatalf("resume: %+v, want resumed with nothing missed", f)
	}
	h.rawJoin(t, "late", nil)
	if j, ok := r.read().(*wire.Joined); !ok || j.Name != "late" {
		t.Fatalf("after the resume: %+v, want late's join", j)
	}
}

// TestOutboxKeepsWhatIsNotAcked: a member that stops reading, with a small
// receive window, is sent 400 messages one by one; its write loop hands
// its socket what the kernel takes, a batch at a time. Every message its TCP has not acknowledged stays
// in the outbox (counted against the bytes acknowledged: each message
// takes more than 600 of them), though more than 100 KB were written:
// letting go of what was written rather than acknowledged would fail
// this. Then it reads them all, exactly once, and its outbox empties.
func TestOutboxKeepsWhatIsNotAcked(t *testing.T) {
	h := startInHost(t, Config{NoRateLimit: true})
	sink := h.rawJoin(t, "Sink", func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4096)
	})
	a := h.rawJoin(t, "A", nil)
	const n, size = 400, 600
	text := strings.Repeat("x", size)
	for i := range n {
		// One at a time, each after the last came back: Sink's write loop
		// takes them in many small batches, as a live room's would.
		a.send(&wire.Send{Ref: fmt.Sprint(i), Text: text})
		for {
			if _, ok := a.read().(*wire.Message); ok {
				break
			}
		}
	}
	// Every message is in Sink's seat; wait (bounded) for its write loop
	// to have handed more than 100 KB to the socket.
	s := h.seatOf(t, sink)
	s.mu.Lock()
	p := s.peer
	s.mu.Unlock()
	for stop := time.Now().Add(60 * time.Second); p.tcp.written() < 100_000; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(stop) {
			t.Fatalf("the write loop handed the socket only %d bytes", p.tcp.written())
		}
	}
	// What the outbox keeps, then what was acknowledged (which only grows).
	o := s.outbox()
	acked, ok := p.tcp.acked()
	if !ok {
		t.Skip("this kernel does not say which bytes were acknowledged")
	}
	unacked := n - min(n, int(acked)/size)
	t.Logf("written %d, acked %d bytes: outbox %+v", p.tcp.written(), acked, o)
	if o.kept < uint64(unacked) {
		t.Fatalf("the outbox keeps %d frames; %d messages were not acknowledged", o.kept, unacked)
	}

	// Sink reads everything, once and in order.
	for i := 0; i < n; {
		switch f := sink.read().(type) {
		case *wire.Message:
			if f.Text != text || f.From != "A" {
				t.Fatalf("message %d: %+v", i, f)
			}
			i++
		case *wire.Joined:
		default:
			t.Fatalf("frame %+v", f)
		}
	}
	sink.pingPong()
	if o := s.outbox(); o.entries != 0 || o.own != 0 {
		t.Fatalf("after everything was read: outbox %+v", o)
	}
}

// TestCountConnLendsItsSocket: the counting connection passes its socket
// on (syscall.Conn), or the Cork above it could not read ahead.
func TestCountConnLendsItsSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, ok := any(newCountConn(c)).(syscall.Conn)
	if !ok {
		t.Fatal("countConn is not a syscall.Conn")
	}
	if rc, err := sc.SyscallConn(); err != nil || rc == nil {
		t.Fatalf("SyscallConn: %v, %v", rc, err)
	}
	p, _ := net.Pipe()
	defer p.Close()
	if _, err := newCountConn(p).SyscallConn(); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("a pipe's SyscallConn: %v, want ErrUnsupported", err)
	}
}
