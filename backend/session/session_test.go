package session

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"wetalk/backend/client"
	"wetalk/backend/profile"
	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// recorder is an Emitter that keeps what it was given (room events, the
// latest state of each transfer) and lets a test wait for a condition on it.
type recorder struct {
	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on each Emit
	emits     int
	events    []client.Event
	closed    []Closed
	transfers map[string]Transfer
	history   []Transfer // every transfer state emitted, in order
	heard     []Discovery
}

func newRecorder() *recorder {
	return &recorder{changed: make(chan struct{}), transfers: make(map[string]Transfer)}
}

func (r *recorder) Emit(name string, payload any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch name {
	case EventRoomEvents:
		r.emits++
		r.events = append(r.events, payload.(Batch).Events...)
	case EventRoomClosed:
		r.closed = append(r.closed, payload.(Closed))
	case EventRooms:
		r.heard = append(r.heard, payload.(Discovery))
	case EventTransfers:
		for _, t := range payload.(TransferBatch).Transfers {
			r.transfers[t.ID] = t
			r.history = append(r.history, t)
		}
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// wait waits until cond holds (checked under the lock after each Emit).
func (r *recorder) wait(t *testing.T, what string, cond func(r *recorder) bool) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok, ch := cond(r), r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (r *recorder) has(typ, text string) bool {
	for _, ev := range r.events {
		if ev.Kind() != typ {
			continue
		}
		switch ev := ev.(type) {
		case client.Message:
			if text == "" || ev.Text == text {
				return true
			}
		case client.Joined:
			if text == "" || ev.Name == text {
				return true
			}
		case client.Left:
			if text == "" || ev.Name == text {
				return true
			}
		default:
			if text == "" {
				return true
			}
		}
	}
	return false
}

func newSession(t *testing.T) (*Session, *recorder) {
	t.Helper()
	prof, err := profile.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	o := New(Config{Profile: prof, Emitter: rec, HostBind: "127.0.0.1"})
	t.Cleanup(func() { o.Close() })
	return o.Session(), rec
}

// owner is the Owner of s, for what only the window or bridge may do.
func owner(s *Session) *Owner { return &Owner{s: s} }

func host(t *testing.T, s *Session, password string) Room {
	t.Helper()
	room, err := s.Host(HostRequest{Nickname: "Ann", RoomName: "Tea", Password: password})
	if err != nil {
		t.Fatalf("Host: %v", err)
	}
	if !room.Hosting || room.Me != "Ann" || room.Leader != "Ann" || room.Room != "Tea" {
		t.Fatalf("Host returned %+v", room)
	}
	return room
}

func TestHostJoinChatLeave(t *testing.T) {
	a, recA := newSession(t)
	host(t, a, "")
	inv, err := a.Invite()
	if err != nil {
		t.Fatal(err)
	}
	if inv.Link == "" || inv.Fingerprint == "" || !inv.Hosting {
		t.Fatalf("Invite = %+v", inv)
	}
	if _, err := a.Send("早上好 hello"); err != nil {
		t.Fatal(err)
	}

	b, recB := newSession(t)
	room, err := b.Join(JoinRequest{Nickname: "Ann", Address: inv.Link})
	if err != nil {
		t.Fatalf("Join: %v", err)
	}
	if room.Me != "Ann#2" || room.Asked != "Ann" || room.Hosting {
		t.Fatalf("Join returned %+v", room)
	}
	recB.wait(t, "history", func(r *recorder) bool {
		for _, ev := range r.events {
			if ev, ok := ev.(client.Message); ok && ev.History && ev.Text == "早上好 hello" {
				return true
			}
		}
		return false
	})
	if _, err := b.Send("hi"); err != nil {
		t.Fatal(err)
	}
	recA.wait(t, "B's message", func(r *recorder) bool { return r.has(client.EventMessage, "hi") })

	if _, err := b.Join(JoinRequest{Nickname: "x", Address: inv.Link}); !errors.Is(err, ErrInRoom) {
		t.Fatalf("second Join: %v, want ErrInRoom", err)
	}
	recent, err := b.RecentRooms()
	if err != nil || len(recent) != 1 || recent[0].Invite != inv.Link || recent[0].Room != "Tea" {
		t.Fatalf("RecentRooms = %+v, %v", recent, err)
	}

	if err := b.Leave(); err != nil {
		t.Fatal(err)
	}
	recA.wait(t, "B left", func(r *recorder) bool { return r.has(client.EventLeft, "Ann#2") })
	recB.wait(t, "B closed", func(r *recorder) bool { return len(r.closed) == 1 && r.closed[0].Code == "left" })
	if _, err := b.Send("gone"); !errors.Is(err, ErrNotInRoom) {
		t.Fatalf("Send after Leave: %v", err)
	}
}

func TestHostClosesRoom(t *testing.T) {
	a, _ := newSession(t)
	host(t, a, "pw")
	inv, _ := a.Invite()
	b, recB := newSession(t)
	if _, err := b.Join(JoinRequest{Nickname: "Bo", Address: inv.Link, Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	if !owner(a).Hosting() {
		t.Fatal("Hosting() = false")
	}
	a.Leave()
	if owner(a).Hosting() {
		t.Fatal("Hosting() after Leave")
	}
	recB.wait(t, "room closed", func(r *recorder) bool { return len(r.closed) == 1 })
	if c := recB.closed[0]; c.Code != "closed" || c.Reason != HostClosedReason {
		t.Fatalf("closed = %+v", c)
	}
	// B can join another room afterwards.
	host(t, a, "")
	inv, _ = a.Invite()
	if _, err := b.Join(JoinRequest{Nickname: "Bo", Address: inv.Link}); err != nil {
		t.Fatalf("rejoin: %v", err)
	}
}

func TestJoinRefusals(t *testing.T) {
	a, _ := newSession(t)
	host(t, a, "secret")
	inv, _ := a.Invite()
	addr, fp, _ := secure.ParseInvite(inv.Link)
	b, _ := newSession(t)

	// An address without the fingerprint: the key must be compared first.
	_, err := b.Join(JoinRequest{Nickname: "Bo", Address: addr, Password: "secret"})
	f := Describe(err)
	if f.Code != "unknown_host" || f.Fingerprint != fp || f.Addr != addr {
		t.Fatalf("unknown host: %v (%+v)", err, f)
	}
	if _, err := b.TrustHost(JoinRequest{Nickname: "Bo", Address: addr, Password: "secret"}, f.Fingerprint); err != nil {
		t.Fatalf("TrustHost: %v", err)
	}
	b.Leave()

	_, err = b.Join(JoinRequest{Nickname: "Bo", Address: inv.Link, Password: "wrong"})
	if f := Describe(err); !errors.Is(err, wire.ErrBadPassword) || f.Code != "bad_password" {
		t.Fatalf("wrong password: %v (%+v)", err, f)
	}

	// Remembered now: a plain Join works.
	if _, err := b.Join(JoinRequest{Nickname: "Bo", Address: addr, Password: "secret"}); err != nil {
		t.Fatalf("Join after trust: %v", err)
	}
	b.Leave()

	// Another host (another key) on the same address is refused.
	a.Leave()
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	other, _ := newSession(t)
	if _, err := other.Host(HostRequest{Nickname: "Eve", Port: p}); err != nil {
		t.Fatalf("second host on %d: %v", p, err)
	}
	_, err = b.Join(JoinRequest{Nickname: "Bo", Address: addr})
	if f := Describe(err); !errors.Is(err, secure.ErrHostKeyMismatch) || f.Code != "host_key_mismatch" {
		t.Fatalf("changed key: %v (%+v)", err, f)
	}
	other.Leave()

	// Nobody listens there any more.
	_, err = b.Join(JoinRequest{Nickname: "Bo", Address: addr})
	if f := Describe(err); f.Code != CodeRefused || !errors.Is(err, errUnreachable) {
		t.Fatalf("refused: %v (%+v)", err, f)
	}
	_, err = b.Join(JoinRequest{Nickname: "Bo", Address: "wetalk://nonsense"})
	if f := Describe(err); f.Code != "bad_invite" {
		t.Fatalf("bad invite: %v (%+v)", err, f)
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	a, _ := newSession(t)
	_, err = a.Host(HostRequest{Nickname: "Ann", Port: port})
	var perr *PortInUseError
	if !errors.As(err, &perr) || perr.Port != port {
		t.Fatalf("Host on a taken port: %v", err)
	}
	f := Describe(err)
	if f.Code != "port_in_use" || f.Suggest == 0 || f.Suggest == port {
		t.Fatalf("Describe = %+v", f)
	}
	if _, err := a.Host(HostRequest{Nickname: "Ann", Port: f.Suggest}); err != nil {
		t.Fatalf("Host on the suggested port %d: %v", f.Suggest, err)
	}
}

func TestEventsAreBatched(t *testing.T) {
	a, _ := newSession(t)
	// A long flush delay: a burst must be cut into batches of MaxBatch.
	a.cfg.FlushAfter = time.Hour
	a.cfg.MaxBatch = 20
	host(t, a, "")
	inv, _ := a.Invite()

	prof, _ := profile.Open(t.TempDir())
	kh, _ := prof.KnownHosts()
	_, fp, _ := secure.ParseInvite(inv.Link)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(portOf(t, inv.Link)))
	sender, err := client.Dial(t.Context(), client.Config{Addr: addr, Pin: fp, KnownHosts: kh, Name: "Bot"})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	go func() {
		for range sender.Events() {
		}
	}()
	// The host's session has welcome + joined(Bot) pending; 58 messages
	// (within the host's rate-limit burst) make 60 events: exactly three
	// full batches, and nothing waits for the hour-long timer.
	for i := range 58 {
		if err := sender.Send("", "m"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	rec := a.cfg.Emitter.(*recorder)
	rec.wait(t, "60 events", func(r *recorder) bool { return len(r.events) >= 60 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.emits != 3 {
		t.Fatalf("%d events came in %d emits, want 3", len(rec.events), rec.emits)
	}
}

func portOf(t *testing.T, link string) int {
	addr, _, err := secure.ParseInvite(link)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return p
}

func TestKickedMemberIsTold(t *testing.T) {
	a, recA := newSession(t)
	host(t, a, "")
	inv, _ := a.Invite()
	b, recB := newSession(t)
	if _, err := b.Join(JoinRequest{Nickname: "Bo", Address: inv.Link}); err != nil {
		t.Fatal(err)
	}
	recA.wait(t, "Bo joined", func(r *recorder) bool { return r.has(client.EventJoined, "Bo") })
	if _, err := a.Kick("Bo", "too loud", false); err != nil {
		t.Fatal(err)
	}
	recB.wait(t, "kicked", func(r *recorder) bool { return len(r.closed) == 1 })
	if c := recB.closed[0]; c.Code != "kicked" || c.By != "Ann" || c.Reason != "too loud" {
		t.Fatalf("closed = %+v", c)
	}
	recA.wait(t, "Bo left (kicked)", func(r *recorder) bool {
		for _, ev := range r.events {
			if ev, ok := ev.(client.Left); ok && ev.Name == "Bo" && ev.Reason == "kicked" {
				return true
			}
		}
		return false
	})
	// Kicking yourself is refused, as an error event carrying the ref.
	ref, err := a.Kick("Ann", "", false)
	if err != nil {
		t.Fatal(err)
	}
	recA.wait(t, "kick_self", func(r *recorder) bool {
		for _, ev := range r.events {
			if ev, ok := ev.(client.ErrorEvent); ok && ev.Ref == ref && ev.Code == wire.CodeKickSelf {
				return true
			}
		}
		return false
	})
}

func TestCommandsOutsideARoom(t *testing.T) {
	s, _ := newSession(t)
	for name, f := range map[string]func() (string, error){
		"Send":     func() (string, error) { return s.Send("x") },
		"DM":       func() (string, error) { return s.DM("a", "x") },
		"Recall":   func() (string, error) { return s.Recall("x") },
		"Kick":     func() (string, error) { return s.Kick("a", "", false) },
		"Unban":    func() (string, error) { return s.Unban("a") },
		"Handover": func() (string, error) { return s.Handover("a") },
	} {
		if _, err := f(); !errors.Is(err, ErrNotInRoom) {
			t.Errorf("%s: %v, want ErrNotInRoom", name, err)
		}
	}
	if _, err := s.Invite(); !errors.Is(err, ErrNotInRoom) {
		t.Errorf("Invite: %v", err)
	}
	if err := s.Leave(); err != nil {
		t.Errorf("Leave outside a room: %v", err)
	}
	owner(s).Close()
	if _, err := s.Host(HostRequest{Nickname: "x"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Host after Close: %v", err)
	}
}

func TestJoinFailuresEachHaveACode(t *testing.T) {
	a, _ := newSession(t)
	host(t, a, "")
	inv, _ := a.Invite()
	addr, fp, _ := secure.ParseInvite(inv.Link)
	b, _ := newSession(t)
	b.cfg.DialTimeout = 2 * time.Second

	silent, _ := silentHost(t) // accepts the connection, then says nothing
	other := []rune(fp)
	if other[0] == 'a' {
		other[0] = 'b'
	} else {
		other[0] = 'a'
	}

	cases := []struct {
		name, address, code string
		is                  error
	}{
		{"not an address", "hello world", CodeBadAddress, ErrBadAddress},
		{"truncated invite", secure.FormatInvite(addr, fp)[:len(inv.Link)-6], CodeBadInvite, nil},
		{"invite without key", "wetalk://" + addr + "/", CodeBadInvite, nil},
		{"another key in the invite", secure.FormatInvite(addr, string(other)), CodeWrongFingerprint, ErrWrongFingerprint},
		{"silent host", secure.FormatInvite(silent, fp), CodeTimedOut, nil},
	}
	for _, c := range cases {
		_, err := b.Join(JoinRequest{Nickname: "Bo", Address: c.address})
		f := Describe(err)
		if err == nil || f.Code != c.code || (c.is != nil && !errors.Is(err, c.is)) {
			t.Errorf("%s (%q): %v → %+v, want code %s", c.name, c.address, err, f, c.code)
		}
	}
}

// silentHost listens on loopback and accepts connections it never
// answers (not even TLS); each accepted connection is sent on the channel.
func silentHost(t *testing.T) (addr string, accepted <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 16)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			ch <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), ch
}

// within runs f and fails the test if it has not returned after a
// generous hang guard (f would otherwise wait for the 10-minute dial).
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s hangs while a join waits on the network", what)
	}
}

func TestJoinCancelledWhileTheHostIsSilent(t *testing.T) {
	addr, accepted := silentHost(t)
	prof, err := profile.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	o := New(Config{Profile: prof, Emitter: rec, HostBind: "127.0.0.1", DialTimeout: 10 * time.Minute})
	s := o.Session()
	joined := make(chan error, 1)
	go func() {
		_, err := s.Join(JoinRequest{Nickname: "Bo", Address: addr})
		joined <- err
	}()
	<-accepted // the join now waits for a TLS answer that never comes

	// Nothing waits on the join meanwhile.
	within(t, "Hosting", func() {
		if o.Hosting() {
			t.Error("Hosting while joining")
		}
	})
	within(t, "Invite", func() {
		if _, err := s.Invite(); !errors.Is(err, ErrNotInRoom) {
			t.Errorf("Invite: %v", err)
		}
	})
	within(t, "RecentRooms", func() { s.RecentRooms() })
	within(t, "Leave", func() { s.Leave() })
	within(t, "a second Join", func() {
		if _, err := s.Join(JoinRequest{Nickname: "Bo", Address: addr}); !errors.Is(err, ErrJoining) {
			t.Errorf("second Join: %v, want ErrJoining", err)
		}
	})
	within(t, "Host", func() {
		if _, err := s.Host(HostRequest{Nickname: "Ann"}); !errors.Is(err, ErrJoining) {
			t.Errorf("Host while joining: %v, want ErrJoining", err)
		}
	})

	s.CancelJoin()
	within(t, "the cancelled Join", func() {
		if err := <-joined; !errors.Is(err, ErrJoinCancelled) || Describe(err).Code != "cancelled" {
			t.Errorf("cancelled Join: %v", err)
		}
	})

	// Joining again works (the reservation is gone), and closing the
	// window meanwhile does not wait for the network either.
	go func() {
		_, err := s.Join(JoinRequest{Nickname: "Bo", Address: addr})
		joined <- err
	}()
	<-accepted
	within(t, "Close", func() { o.Close() })
	within(t, "the Join Close ended", func() {
		if err := <-joined; !errors.Is(err, ErrJoinCancelled) && !errors.Is(err, ErrClosed) {
			t.Errorf("Join ended by Close: %v", err)
		}
	})
	if len(rec.closed) != 0 || rec.emits != 0 {
		t.Errorf("a join that never entered emitted %d batches, %d closes", rec.emits, len(rec.closed))
	}
}
