package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"wetalk/backend/client"
	"wetalk/backend/secure"
	"wetalk/backend/server"
	"wetalk/backend/wire"
)

// host is a server listening on loopback for one test.
type host struct {
	srv  *server.Server
	addr string
	fp   string
	dir  string
	done chan error
}

func startHost(t *testing.T, cfg server.Config) *host {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startHostOn(t, cfg, ln)
}

// startHostOn is startHost on a listener of the caller's.
func startHostOn(t *testing.T, cfg server.Config, ln net.Listener) *host {
	t.Helper()
	dir := t.TempDir()
	id, err := secure.LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Identity = id
	srv, err := server.New(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	h := &host{srv: srv, addr: ln.Addr().String(), fp: id.Fingerprint, dir: dir, done: make(chan error, 1)}
	go func() { h.done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close("test over")
		if err := <-h.done; !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return h
}

// member is a connected client and the events it has seen.
type member struct {
	t *testing.T
	c *client.Client
}

func (h *host) join(t *testing.T, name string) *member {
	t.Helper()
	c, err := h.dial(name, nil)
	if err != nil {
		t.Fatalf("join %q: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	m := &member{t, c}
	if ev := m.next(); ev.Kind() != client.EventWelcome {
		t.Fatalf("first event %q", ev.Kind())
	}
	return m
}

func (h *host) dial(name string, password []byte) (*client.Client, error) {
	return client.Dial(context.Background(), client.Config{Addr: h.addr, Pin: h.fp, Name: name, Password: password})
}

// next returns the next event, failing the test if none comes in time (a
// guard against hangs, not a timing assertion).
func (m *member) next() client.Event {
	m.t.Helper()
	select {
	case ev, ok := <-m.c.Events():
		if !ok {
			m.t.Fatalf("events ended: %v", m.c.Err())
		}
		return ev
	case <-time.After(20 * time.Second):
		m.t.Fatal("no event within 20s")
	}
	return nil
}

// until returns m's first event of type E, skipping others.
func until[E client.Event](m *member) E {
	m.t.Helper()
	for {
		if ev, ok := m.next().(E); ok {
			return ev
		}
	}
}

// texts reads message events until it has n of them.
func (m *member) texts(n int) []string {
	m.t.Helper()
	var got []string
	for len(got) < n {
		got = append(got, until[client.Message](m).Text)
	}
	return got
}

func TestThreeMembersChat(t *testing.T) {
	h := startHost(t, server.Config{RoomName: "class"})
	a, b, c := h.join(t, "Alice"), h.join(t, "河流"), h.join(t, "Carol")
	if w := c.c.Welcome(); w.Room != "class" || w.Leader != "Alice" || !slices.Equal(w.Members, []string{"Alice", "河流", "Carol"}) {
		t.Fatalf("welcome %+v", w)
	}
	a.c.Send("1", "hello everyone")
	b.c.Send("2", "你好，大家好！🎉")
	want := []string{"hello everyone", "你好，大家好！🎉"}
	for _, m := range []*member{a, b, c} {
		// A's and B's messages are ordered per sender; across senders the
		// room picks one order, the same for all.
		got := m.texts(2)
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("member got %q", got)
		}
	}
}

func TestAckBeforeEchoAndOneOrder(t *testing.T) {
	h := startHost(t, server.Config{NoRateLimit: true})
	a, b := h.join(t, "A"), h.join(t, "B")
	until[client.Joined](a)
	const n = 50
	go func() {
		for i := range n {
			a.c.Send(string(rune('a'+i%26)), strings.Repeat("x", i+1))
		}
	}()
	for i := range n {
		b.c.Send("", strings.Repeat("y", i+1))
	}
	var seqA, seqB []uint64
	acks := map[string]bool{}
	for len(seqA) < 2*n {
		switch ev := a.next().(type) {
		case client.Ack:
			acks[ev.ID] = true
		case client.Message:
			if ev.From == "A" && !acks[ev.ID] {
				t.Fatalf("echo of %s before its ack", ev.ID)
			}
			seqA = append(seqA, ev.Seq)
		}
	}
	for len(seqB) < 2*n {
		if ev, ok := b.next().(client.Message); ok {
			seqB = append(seqB, ev.Seq)
		}
	}
	if !slices.Equal(seqA, seqB) || !slices.IsSorted(seqA) {
		t.Fatal("members saw different orders")
	}
}

func TestLateJoinerHistory(t *testing.T) {
	h := startHost(t, server.Config{})
	a := h.join(t, "A")
	sent := []string{"one", "二", "three"}
	for _, s := range sent {
		a.c.Send("", s)
	}
	a.texts(3)
	late := h.join(t, "Late")
	if w := late.c.Welcome(); w.HistoryCount != 3 {
		t.Fatalf("history count %d", w.HistoryCount)
	}
	for _, want := range sent {
		ev, ok := late.next().(client.Message)
		if !ok || !ev.History || ev.Text != want || ev.From != "A" {
			t.Fatalf("history event %+v, want %q", ev, want)
		}
	}
	a.c.Send("", "live")
	ev, ok := late.next().(client.Message)
	if !ok || ev.History || ev.Text != "live" {
		t.Fatalf("first live event %+v", ev)
	}
}

func TestDuplicateNames(t *testing.T) {
	h := startHost(t, server.Config{})
	h.join(t, "River")
	for _, want := range []string{"River#2", "River#3"} {
		if got := h.join(t, "river").c.Welcome().Name; got != strings.Replace(want, "River", "river", 1) {
			t.Errorf("got %q want %q", got, want)
		}
	}
	_, err := h.dial("bad\nname", nil)
	if !errors.Is(err, wire.ErrBadName) {
		t.Errorf("bad name: %v", err)
	}
}

func TestLeaderRotation(t *testing.T) {
	h := startHost(t, server.Config{Grace: 300 * time.Millisecond})
	a, b, c := h.join(t, "A"), h.join(t, "B"), h.join(t, "C")
	a.c.Leave()
	if ev := until[client.Left](c); ev.Name != "A" || ev.Reason != "left" {
		t.Fatalf("left %+v", ev)
	}
	if ev := until[client.Leader](c); ev.Name != "B" {
		t.Fatalf("leader %+v", ev)
	}
	b.c.Close() // no goodbye: a dropped connection, held for the grace period
	if ev := until[client.Presence](c); ev.Name != "B" || ev.State != "reconnecting" {
		t.Fatalf("presence %+v", ev)
	}
	if ev := until[client.Left](c); ev.Name != "B" || ev.Reason != "disconnected" {
		t.Fatalf("left %+v", ev)
	}
	if ev := until[client.Leader](c); ev.Name != "C" {
		t.Fatalf("leader %+v", ev)
	}
}

func TestWipeWhenLastLeaves(t *testing.T) {
	wiped := make(chan struct{}, 1)
	h := startHost(t, server.Config{OnWipe: func() {
		select {
		case wiped <- struct{}{}:
		default:
		}
	}})
	a := h.join(t, "A")
	a.c.Send("", "remember me?")
	a.texts(1)
	a.c.Leave()
	<-wiped
	b := h.join(t, "B")
	if w := b.c.Welcome(); w.HistoryCount != 0 || w.Leader != "B" {
		t.Fatalf("fresh room expected: %+v", w)
	}
	b.c.Send("", "first")
	if got := b.texts(1); got[0] != "first" {
		t.Fatalf("got %q", got)
	}
}

func TestDMPrivacy(t *testing.T) {
	h := startHost(t, server.Config{})
	a, b, c := h.join(t, "A"), h.join(t, "B"), h.join(t, "C")
	a.c.DM("x", "B", "only for B")
	a.c.Send("", "for all")
	if ev := until[client.Message](b); ev.Text != "only for B" || ev.To != "B" {
		t.Fatalf("B got %+v", ev)
	}
	if ev := until[client.Message](c); ev.Text != "for all" {
		t.Fatalf("C saw %+v before the public message", ev)
	}
	a.c.DM("y", "nobody", "hi")
	if ev := until[client.ErrorEvent](a); ev.Code != wire.CodeNoSuchMember || ev.Ref != "y" {
		t.Fatalf("error %+v", ev)
	}
}

func TestPasswords(t *testing.T) {
	h := startHost(t, server.Config{Password: []byte("s3cret")})
	for _, tc := range []struct {
		pw   []byte
		want error
	}{
		{nil, wire.ErrBadPassword},
		{[]byte("wrong"), wire.ErrBadPassword},
		{[]byte("s3cret"), nil},
	} {
		c, err := h.dial("P", tc.pw)
		if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
			t.Errorf("password %q: %v, want %v", tc.pw, err, tc.want)
		}
		if c != nil {
			c.Close()
		}
	}
	// Wrong guesses from one address are rate limited.
	var err error
	for range 10 {
		var c *client.Client
		if c, err = h.dial("P", []byte("guess")); c != nil {
			c.Close()
		}
	}
	if !errors.Is(err, wire.ErrRateLimited) {
		t.Errorf("after many wrong guesses: %v", err)
	}
	if _, err := secure.ReadPasswordFile(writeFile(t, "")); !errors.Is(err, secure.ErrEmptyPassword) {
		t.Errorf("empty password file: %v", err)
	}
}

func writeFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHostKeyTrust(t *testing.T) {
	h := startHost(t, server.Config{})
	kh, err := secure.OpenKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
	if err != nil {
		t.Fatal(err)
	}
	dial := func(cfg client.Config) error {
		cfg.Addr, cfg.Name = h.addr, "K"
		c, err := client.Dial(context.Background(), cfg)
		if c != nil {
			c.Leave()
		}
		return err
	}
	other, _ := secure.LoadOrCreateIdentity(t.TempDir())
	if err := dial(client.Config{Pin: other.Fingerprint}); !errors.Is(err, secure.ErrHostKeyMismatch) {
		t.Errorf("wrong pin: %v", err)
	}
	var unknown *secure.UnknownHostError
	if err := dial(client.Config{KnownHosts: kh}); !errors.As(err, &unknown) || unknown.Fingerprint != h.fp {
		t.Errorf("unknown host: %v", err)
	}
	if err := dial(client.Config{KnownHosts: kh, TrustNew: true}); err != nil {
		t.Errorf("trust new: %v", err)
	}
	if err := dial(client.Config{KnownHosts: kh}); err != nil {
		t.Errorf("remembered host: %v", err)
	}
	if err := dial(client.Config{Invite: secure.FormatInvite(h.addr, h.fp)}); err != nil {
		t.Errorf("invite: %v", err)
	}
	// The same address with another key: refused even with TrustNew.
	h2 := startHost(t, server.Config{})
	kh.Remember(h2.addr, other.Fingerprint)
	c, err := client.Dial(context.Background(), client.Config{Addr: h2.addr, Name: "K", KnownHosts: kh, TrustNew: true})
	if !errors.Is(err, secure.ErrHostKeyMismatch) {
		t.Errorf("changed key: %v", err)
		if c != nil {
			c.Close()
		}
	}
}

func TestVersionMismatch(t *testing.T) {
	h := startHost(t, server.Config{})
	conf, _ := secure.ClientConfig(secure.ClientOptions{Addr: h.addr, Pin: h.fp})
	conn, err := tls.Dial("tcp", h.addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hello := wire.NewHello()
	hello.Version = wire.Version + 1
	hello.Name = "future"
	frame, _ := wire.Encode(hello)
	conn.Write(frame)
	f, err := wire.NewReader(conn).ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := f.(*wire.ErrorFrame)
	if !ok || e.Code != wire.CodeVersionMismatch || !strings.Contains(e.Message, fmt.Sprintf("version %d", wire.Version)) {
		t.Fatalf("got %#v", f)
	}
}

func TestStalledReaderDropped(t *testing.T) {
	h := startHost(t, server.Config{NoRateLimit: true, QueueBytes: 256 << 10})
	a, c := h.join(t, "A"), h.join(t, "C")
	// S joins with a raw connection and then never reads again.
	conf, _ := secure.ClientConfig(secure.ClientOptions{Addr: h.addr, Pin: h.fp})
	stalled, err := tls.Dial("tcp", h.addr, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	hello := wire.NewHello()
	hello.Name = "S"
	frame, _ := wire.Encode(hello)
	stalled.Write(frame)
	if f, err := wire.NewReader(stalled).ReadMessage(); err != nil || f.Type() != wire.TypeWelcome {
		t.Fatalf("stalled member not admitted: %v", err)
	}
	until[client.Joined](a)
	until[client.Joined](c)

	big := strings.Repeat("z", wire.MaxText)
	var wg sync.WaitGroup
	wg.Add(1)
	stop := make(chan struct{})
	cGot := make(chan struct{}) // one per chat message C received
	go func() {                 // C keeps reading throughout
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case ev, ok := <-c.c.Events():
				if !ok {
					return
				}
				if _, msg := ev.(client.Message); !msg {
					continue
				}
				select {
				case cGot <- struct{}{}:
				case <-stop:
					return
				}
			}
		}
	}()
	sent := 0
	for {
		a.c.Send("", big)
		sent++
		ev := a.next()
		for ev.Kind() != client.EventLeft {
			if ev.Kind() == client.EventError {
				t.Fatalf("send refused: %+v", ev)
			}
			ev = a.next()
			if ev.Kind() == client.EventMessage {
				break
			}
		}
		if ev, ok := ev.(client.Left); ok {
			if ev.Name != "S" || ev.Reason != "disconnected" {
				t.Fatalf("left %+v", ev)
			}
			break
		}
		// A sends the next message once C, who reads, has this one: only
		// S, who never reads, can fall behind, however busy the machine.
		select {
		case <-cGot:
		case <-time.After(60 * time.Second):
			t.Fatal("C, who reads, stopped receiving messages")
		}
		if sent > 20000 {
			t.Fatal("stalled member never dropped")
		}
	}
	close(stop)
	wg.Wait()
	a.c.Send("", "still here")
	for {
		ev := c.next()
		if ev, ok := ev.(client.Message); ok && ev.Text == "still here" {
			break
		}
	}
	t.Logf("dropped after %d messages of %d bytes", sent, len(big))
}

// recorder is a TCP proxy that keeps every byte it forwards.
type recorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

func proxy(t *testing.T, target string, rec *recorder) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				return
			}
			go func() { io.Copy(io.MultiWriter(out, rec), in); out.Close() }()
			go func() { io.Copy(io.MultiWriter(in, rec), out); in.Close() }()
		}
	}()
	return ln.Addr().String()
}

func TestNothingReadableOnTheWire(t *testing.T) {
	h := startHost(t, server.Config{Password: []byte("hunter2-password")})
	rec := &recorder{}
	via := proxy(t, h.addr, rec)
	join := func(name string) *member {
		c, err := client.Dial(context.Background(), client.Config{Addr: via, Pin: h.fp, Name: name, Password: []byte("hunter2-password")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		m := &member{t, c}
		m.next()
		return m
	}
	a, b := join("Alice-visible?"), join("Bob")
	secret := "the eagle lands at midnight 午夜"
	a.c.Send("", secret)
	if got := b.texts(1); got[0] != secret {
		t.Fatalf("got %q", got)
	}
	rec.mu.Lock()
	wire := rec.buf.Bytes()
	rec.mu.Unlock()
	for _, s := range []string{secret, "eagle", "午夜", "hunter2", "Alice-visible"} {
		if bytes.Contains(wire, []byte(s)) {
			t.Errorf("%q visible on the wire", s)
		}
	}
	if len(wire) < 500 {
		t.Fatalf("recorded only %d bytes", len(wire))
	}
}

func TestCloseTellsMembersAndLeaksNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		dir := t.TempDir()
		id, _ := secure.LoadOrCreateIdentity(dir)
		srv, _ := server.New(server.Config{Identity: id})
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ln) }()
		var ms []*member
		for _, n := range []string{"A", "B", "C"} {
			c, err := client.Dial(context.Background(), client.Config{Addr: ln.Addr().String(), Pin: id.Fingerprint, Name: n})
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, &member{t, c})
		}
		// A connection that never finishes its handshake must not hold up Close.
		idle, _ := net.Dial("tcp", ln.Addr().String())
		defer idle.Close()
		srv.Close("the host closed the room")
		<-done
		for _, m := range ms {
			if ev := until[client.Closed](m); ev.Reason != "the host closed the room" {
				t.Fatalf("closed %+v", ev)
			}
			for range m.c.Events() {
			}
			if !errors.Is(m.c.Err(), wire.ErrClosed) {
				t.Errorf("client error after close: %v", m.c.Err())
			}
			m.c.Close()
		}
	}()
	// Wait (bounded) for goroutines to finish exiting.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
