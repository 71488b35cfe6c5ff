package server_test

// Issue 13, items 3 and 6: a member whose link drops keeps its seat for the
// grace period and resumes it with exactly the events it missed.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/secure"
	"wetalk/backend/server"
	"wetalk/backend/wire"
)

// cutter is a TCP proxy the test controls: cut drops every connection
// through it and refuses new ones until mend.
type cutter struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns map[net.Conn]bool // guarded by mu
	down  bool              // guarded by mu
	after int64             // guarded by mu; if > 0, cut once this many bytes went up
	up    int64             // guarded by mu; bytes sent up since cutAfter
}

func newCutter(t *testing.T, target string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutter{ln: ln, target: target, conns: make(map[net.Conn]bool)}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.acceptLoop()
	return p
}

func (p *cutter) addr() string { return p.ln.Addr().String() }

func (p *cutter) acceptLoop() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns[in], p.conns[out] = true, true
		p.mu.Unlock()
		go func() { io.Copy(&counted{p: p, w: out}, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

// counted counts the bytes going up, for cutAfter.
type counted struct {
	p *cutter
	w io.Writer
}

func (c *counted) Write(b []byte) (int, error) {
	c.p.mu.Lock()
	cut := false
	if c.p.after > 0 {
		c.p.up += int64(len(b))
		cut = c.p.up >= c.p.after
	}
	c.p.mu.Unlock()
	if cut {
		c.p.cut()
		return 0, net.ErrClosed
	}
	return c.w.Write(b)
}

// cutAfter makes the proxy cut once n more bytes went up through it.
func (p *cutter) cutAfter(n int64) {
	p.mu.Lock()
	p.after, p.up = n, 0
	p.mu.Unlock()
}

// cut drops every connection through the proxy and refuses new ones.
func (p *cutter) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down, p.after = true, 0
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// mend lets connections through again.
func (p *cutter) mend() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func resumer(t *testing.T, h *host, addr, name string) *member {
	t.Helper()
	c, err := client.Dial(context.Background(), client.Config{
		Addr: addr, Pin: h.fp, Name: name, PingInterval: 100 * time.Millisecond, PingTimeout: 5 * time.Second,
		Reconnect: 60 * time.Second,
	})
	if err != nil {
		t.Fatalf("join %q: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	m := &member{t, c}
	until[client.Welcome](m)
	return m
}

// sendNumbered has A and B send their numbered messages from to to
// (A's "A-0000" on, then pad), each from its own goroutine; it returns
// when all went.
func sendNumbered(t *testing.T, a, b *member, from, to int, pad string) {
	var wg sync.WaitGroup
	for _, s := range []*member{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := from; i < to; i++ {
				if err := s.c.Send("", fmt.Sprintf("%s-%04d%s", s.c.Welcome().Name, i, pad)); err != nil {
					t.Errorf("send: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// throughCut has A and B send 500 numbered messages each while M's link
// is cut (by cut, after M read the first 200) and mended (by mend, once A
// saw M reconnecting and every message). M must then have every message
// exactly once, in the room's order, and no welcome, joined or left; A
// presence (reconnecting, back) and no left, joined or leader.
func throughCut(t *testing.T, m, a, b *member, cut, mend func()) {
	t.Helper()
	const each, before = 500, 100
	// M reads the first messages, then its link is cut mid-stream.
	sendNumbered(t, a, b, 0, before, "")
	var got []string
	for len(got) < 2*before {
		if ev, ok := m.next().(client.Message); ok {
			got = append(got, ev.Text)
		}
	}
	cut()
	sendNumbered(t, a, b, before, each, "")
	afterCut(t, m, a, got, 2*each, mend)
}

// throughCutWhileSent is throughCut with the link cut while the messages
// (of 1 KB each) are still coming, once M has read 50: some are then on
// the wire, some acknowledged by M's TCP and not yet read, some not yet
// written.
func throughCutWhileSent(t *testing.T, m, a, b *member, cut, mend func()) {
	t.Helper()
	const each, before = 500, 25
	sent := make(chan struct{})
	go func() { defer close(sent); sendNumbered(t, a, b, 0, each, " "+strings.Repeat("x", 1000)) }()
	var got []string
	for len(got) < 2*before {
		if ev, ok := m.next().(client.Message); ok {
			got = append(got, ev.Text)
		}
	}
	cut()
	<-sent
	afterCut(t, m, a, got, 2*each, mend)
}

// afterCut checks the end of a cut M's link went through, having read got
// of all messages: A sees M reconnecting and every message; then, the link
// mended, M has every message exactly once and in the room's order, and
// A sees M back.
func afterCut(t *testing.T, m, a *member, got []string, all int, mend func()) {
	t.Helper()
	// A, who reads the whole room, sees M reconnecting and every message.
	var seenA []string
	var presence []string
	for len(seenA) < all || len(presence) == 0 {
		switch ev := a.next().(type) {
		case client.Message:
			seenA = append(seenA, ev.Text)
		case client.Presence:
			if ev.Name != "M" || (len(presence) == 0 && ev.State != wire.PresenceReconnecting) {
				t.Fatalf("presence %+v", ev)
			}
			presence = append(presence, ev.State)
		case client.Left, client.Joined, client.Leader:
			t.Fatalf("A saw %#v", ev)
		}
	}
	mend()
	var reconnected bool
	for len(got) < all || !reconnected {
		switch ev := m.next().(type) {
		case client.Message:
			got = append(got, ev.Text)
		case client.Reconnected:
			reconnected = true
			t.Logf("M resumed after %d messages, %d missed", len(got), ev.Missed)
			if ev.Missed < uint64(all-len(got)) {
				t.Fatalf("resumed with %d missed, want at least %d", ev.Missed, all-len(got))
			}
		case client.Welcome, client.Left, client.Joined:
			t.Fatalf("M saw %#v", ev)
		}
	}
	if !reconnected {
		t.Fatal("M never reported reconnected")
	}
	for i := range seenA {
		if got[i] != seenA[i] {
			t.Fatalf("message %d: M has %q, the room %q", i, got[i], seenA[i])
		}
	}
	if ev := until[client.Presence](a); ev.Name != "M" || ev.State != wire.PresenceBack {
		t.Fatalf("presence %+v", ev)
	}
	// Nothing more for M: a duplicate would show up before this.
	a.c.Send("", "end")
	for {
		ev, ok := m.next().(client.Message)
		if !ok {
			continue
		}
		if ev.Text != "end" {
			t.Fatalf("M got %q after all %d", ev.Text, all)
		}
		break
	}
}

// TestResumeAfterCut: M's link is cut while A and B send 500 numbered
// messages each; once it is mended, M has every message exactly once, in
// the room's order; A saw presence (reconnecting, back) and neither a left
// nor a joined; M is still the leader.
func TestResumeAfterCut(t *testing.T) {
	h := startHost(t, server.Config{NoRateLimit: true})
	p := newCutter(t, h.addr)
	m := resumer(t, h, p.addr(), "M")
	a, b := h.join(t, "A"), h.join(t, "B")
	until[client.Joined](a) // B
	throughCut(t, m, a, b, p.cut, p.mend)
	// M is still the leader: it can hand over.
	m.c.Handover("h", "A")
	if ev := until[client.Leader](a); ev.Name != "A" {
		t.Fatalf("leader %+v", ev)
	}
}

// TestResumeGraceOver: a cut longer than the grace period ends in left and
// the leadership passes on; the member's client then reports the seat lost.
func TestResumeGraceOver(t *testing.T) {
	h := startHost(t, server.Config{Grace: 300 * time.Millisecond})
	p := newCutter(t, h.addr)
	m := resumer(t, h, p.addr(), "M")
	a := h.join(t, "A")
	p.cut()
	if ev := until[client.Presence](a); ev.Name != "M" || ev.State != wire.PresenceReconnecting {
		t.Fatalf("presence %+v", ev)
	}
	if ev := until[client.Left](a); ev.Name != "M" || ev.Reason != "disconnected" {
		t.Fatalf("left %+v", ev)
	}
	if ev := until[client.Leader](a); ev.Name != "A" {
		t.Fatalf("leader %+v", ev)
	}
	p.mend()
	for {
		select {
		case _, ok := <-m.c.Events():
			if ok {
				continue
			}
		case <-time.After(60 * time.Second):
			t.Fatal("M's client still trying")
		}
		break
	}
	if err := m.c.Err(); !errors.Is(err, wire.ErrResumeExpired) {
		t.Fatalf("M ended with %v, want resume_expired", err)
	}
}

// helloFrom dials the host and sends hello, returning the first answer.
func helloFrom(t *testing.T, h *host, hello *wire.Hello) (wire.Frame, *tls.Conn, *wire.Reader) {
	t.Helper()
	conf, _ := secure.ClientConfig(secure.ClientOptions{Addr: h.addr, Pin: h.fp})
	conn, err := tls.Dial("tcp", h.addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	conn.Write(must(wire.Encode(hello)))
	r := wire.NewReader(conn)
	f, err := r.ReadMessage()
	if err != nil {
		t.Fatalf("no answer to the hello: %v", err)
	}
	return f, conn, r
}

// TestResumeRefusesOthers: only the seat's client with its secret may take
// a held seat; a wrong secret or another client id is bad_resume and does
// not disturb the seat, which its member then resumes.
func TestResumeRefusesOthers(t *testing.T) {
	h := startHost(t, server.Config{})
	a := h.join(t, "A")
	hello := wire.NewHello()
	hello.Name, hello.ClientID = "M", uuid.New()
	f, conn, _ := helloFrom(t, h, hello)
	w, ok := f.(*wire.Welcome)
	if !ok || len(w.Resume) != wire.ResumeSecretSize || bytes.Equal(w.Resume, make([]byte, wire.ResumeSecretSize)) {
		t.Fatalf("welcome %+v", f)
	}
	until[client.Joined](a)
	conn.Close() // dropped, no goodbye
	if ev := until[client.Presence](a); ev.Name != "M" || ev.State != wire.PresenceReconnecting {
		t.Fatalf("presence %+v", ev)
	}
	wrong := bytes.Clone(w.Resume)
	wrong[31] ^= 1
	for _, c := range []struct {
		name     string
		clientID uuid.UUID
		secret   []byte
	}{
		{"wrong secret", hello.ClientID, wrong},
		{"no secret", hello.ClientID, nil},
		{"another client", uuid.New(), w.Resume},
	} {
		try := wire.NewHello()
		try.Name, try.ClientID = "Mallory", c.clientID
		try.ResumeMember, try.ResumeSecret = w.MemberID, c.secret
		f, _, _ := helloFrom(t, h, try)
		if e, ok := f.(*wire.ErrorFrame); !ok || e.Code != wire.CodeBadResume {
			t.Fatalf("%s: got %+v", c.name, f)
		}
	}
	try := wire.NewHello()
	try.Name, try.ClientID, try.ResumeMember, try.ResumeSecret = "M", hello.ClientID, uuid.New(), w.Resume
	if f, _, _ := helloFrom(t, h, try); f.Type() != wire.TypeError || f.(*wire.ErrorFrame).Code != wire.CodeResumeExpired {
		t.Fatalf("unknown seat: got %+v", f)
	}
	a.c.Send("", "while away")
	until[client.Message](a) // the host has it
	try.ResumeMember = w.MemberID
	f, _, r := helloFrom(t, h, try)
	if res, ok := f.(*wire.Resumed); !ok || res.Missed != 1 {
		t.Fatalf("resume: got %+v", f)
	}
	if f, err := r.ReadMessage(); err != nil || f.(*wire.Message).Text != "while away" {
		t.Fatalf("replayed %+v, %v", f, err)
	}
	if ev := until[client.Presence](a); ev.Name != "M" || ev.State != wire.PresenceBack {
		t.Fatalf("presence %+v", ev)
	}
}

// TestResumeAcrossNamespaces is the same over real network stacks: M's
// cable is pulled (its veth taken down) for at least 5 s while A and B send
// 500 numbered messages each; after it is back M has every message once,
// in order, and A saw presence, no left or joined.
func TestResumeAcrossNamespaces(t *testing.T) { acrossNamespaces(t, throughCut) }

// TestResumeWhileSentAcrossNamespaces: the same with M's cable pulled
// while the messages still come, after M read 300 of the 1,000: what M's
// TCP acknowledged before (and the host's outbox let go of) M still reads,
// what was in flight or not yet written is sent again, each exactly once.
func TestResumeWhileSentAcrossNamespaces(t *testing.T) {
	acrossNamespaces(t, throughCutWhileSent)
}

func acrossNamespaces(t *testing.T, through func(t *testing.T, m, a, b *member, cut, mend func())) {
	lab, h := labHost(t, 4, server.Config{NoRateLimit: true, PingTimeout: 2 * time.Second})
	join := func(i int, name string) *member {
		n := lab.Node(i)
		c, err := dialIn(t, n, h, client.Config{
			Name: name, PingInterval: 200 * time.Millisecond, PingTimeout: 2 * time.Second, Reconnect: 60 * time.Second,
			Dial: func(ctx context.Context, addr string) (conn net.Conn, err error) {
				n.Do(func() error {
					conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
					return nil
				})
				return conn, err
			},
		})
		if err != nil {
			t.Fatalf("join %s: %v", name, err)
		}
		m := &member{t, c}
		until[client.Welcome](m)
		return m
	}
	m, a, b := join(1, "M"), join(2, "A"), join(3, "B")
	until[client.Joined](a)
	var pulled time.Time
	through(t, m, a, b, func() {
		if err := lab.Node(1).SetLink(false); err != nil {
			t.Fatal(err)
		}
		pulled = time.Now()
	}, func() {
		// The scenario's cut lasts 5 s at least (not a wait for anything).
		time.Sleep(time.Until(pulled.Add(5 * time.Second)))
		if err := lab.Node(1).SetLink(true); err != nil {
			t.Fatal(err)
		}
	})
}

// TestUploadResume: an upload cut at about half its bytes carries on from
// where the host got to once the seat is resumed, and the file it shares
// has the SHA-256 of the original: 100 MB from a path, as the issue asks,
// and 32 MB from an io.ReaderAt through UploadReader.
func TestUploadResume(t *testing.T) {
	t.Run("path", func(t *testing.T) {
		testUploadResume(t, 100_000_000, func(c *client.Client, data []byte) (string, error) {
			path := filepath.Join(t.TempDir(), "big.bin")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			return c.Upload(context.Background(), "u1", path, "")
		})
	})
	t.Run("readerat", func(t *testing.T) {
		testUploadResume(t, 32_000_000, func(c *client.Client, data []byte) (string, error) {
			return c.UploadReader(context.Background(), "u1", "big.bin", int64(len(data)), bytes.NewReader(data), false)
		})
	})
}

func testUploadResume(t *testing.T, size int, upload func(*client.Client, []byte) (string, error)) {
	h, _ := filesHost(t, server.Config{})
	p := newCutter(t, h.addr)
	m := resumer(t, h, p.addr(), "M")
	a := h.join(t, "A")
	data := make([]byte, size)
	rand.Read(data)
	want := sha256.Sum256(data)
	p.cutAfter(int64(len(data) / 2))
	type result struct {
		id  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		id, err := upload(m.c, data)
		done <- result{id, err}
	}()
	for {
		if _, ok := m.next().(client.Reconnecting); ok {
			break
		}
	}
	p.mend()
	// Only counts from here: the rest is about half the file, plus the
	// chunks that were waiting in the client's send queue (at most 64
	// frames, which the host ignores), never the whole file again.
	p.cutAfter(1 << 62)
	var res result
	select {
	case res = <-done:
	case <-time.After(120 * time.Second):
		t.Fatal("the upload never finished")
	}
	if res.err != nil {
		t.Fatalf("upload: %v", res.err)
	}
	f := until[client.FileDone](a)
	if f.ID != res.id || f.SHA256 != fmt.Sprintf("%x", want) {
		t.Fatalf("file %+v, want id %s and SHA-256 %x", f, res.id, want)
	}
	p.mu.Lock()
	sent := p.up
	p.mu.Unlock()
	if sent >= int64(len(data)) {
		t.Fatalf("%d bytes went up after the reconnect for a %d-byte file cut at half: it started over", sent, len(data))
	}
}
