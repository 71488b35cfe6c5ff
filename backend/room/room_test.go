package room

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

// sink records what the room delivers to one member.
type sink struct {
	mu     sync.Mutex
	frames []wire.Frame
	full   bool // refuse deliveries, like a member whose queue is full
	closed bool
	flush  bool
}

func (s *sink) Deliver(b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.full {
		return false
	}
	for len(b) > 0 {
		f, n, err := wire.DecodeFrame(b)
		if err != nil {
			panic(err)
		}
		s.frames = append(s.frames, f)
		b = b[n:]
	}
	return true
}

// Update records a replaceable update unless the sink is full.
func (s *sink) Update(b []byte) {
	s.mu.Lock()
	full := s.full
	s.mu.Unlock()
	if !full {
		s.Deliver(b)
	}
}

func (s *sink) Close(flush bool) { s.closed, s.flush = true, flush }

func (s *sink) DeliverHistory(h History) {
	for i := range h.Len() {
		s.Deliver(h.Frame(i))
	}
}

// take returns and forgets what was delivered so far.
func (s *sink) take() []wire.Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.frames
	s.frames = nil
	return f
}

func messages(fs []wire.Frame) (texts []string) {
	for _, f := range fs {
		if m, ok := f.(*wire.Message); ok {
			texts = append(texts, m.Text)
		}
	}
	return texts
}

func find[T wire.Frame](fs []wire.Frame) (T, bool) {
	for _, f := range fs {
		if t, ok := f.(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}

type person struct {
	m *Member
	s *sink
	w *wire.Welcome
}

func join(t *testing.T, r *Room, name string) person {
	t.Helper()
	s := &sink{}
	m, err := r.Join(JoinRequest{Name: name, ClientID: uuid.New(), Addr: netip.MustParseAddr("10.0.0.1"), Sink: s})
	if err != nil {
		t.Fatalf("join %q: %v", name, err)
	}
	fs := s.take()
	w, ok := fs[0].(*wire.Welcome)
	if !ok {
		t.Fatalf("first frame is %v, want welcome", fs[0].Type())
	}
	s.frames = fs[1:]
	return person{m, s, w}
}

func TestNames(t *testing.T) {
	r := New(Config{})
	for _, tc := range []struct{ ask, got string }{
		{"River", "River"},
		{"  river ", "river#2"},
		{"RIVER", "RIVER#3"},
		{"Cafe\u0301", "Café"}, // NFC
		{"café", "café#2"},
		{strings.Repeat("长", 32), strings.Repeat("长", 32)},
		{strings.Repeat("长", 32), strings.Repeat("长", 30) + "#2"},
		{"👩\u200d💻", "👩\u200d💻"},
	} {
		if p := join(t, r, tc.ask); p.w.Name != tc.got {
			t.Errorf("asked %q, got %q, want %q", tc.ask, p.w.Name, tc.got)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("a", 33), "a\nb", "evil\u202egnp", "nul\x00", "\xff"} {
		if _, err := r.Join(JoinRequest{Name: bad, Sink: &sink{}}); !errors.Is(err, wire.ErrBadName) {
			t.Errorf("name %q: err %v, want bad_name", bad, err)
		}
	}
}

func TestChatHistoryAndOrder(t *testing.T) {
	r := New(Config{Name: "lan"})
	a := join(t, r, "A")
	b := join(t, r, "B")
	if got, _ := find[*wire.Joined](a.s.take()); got.Name != "B" {
		t.Fatalf("A not told B joined")
	}
	for _, text := range []string{"你好", "hello", "再见"} {
		if err := r.Send(a.m, "ref-"+text, text); err != nil {
			t.Fatal(err)
		}
	}
	fa := a.s.take()
	if ack, ok := fa[0].(*wire.Ack); !ok || ack.Ref != "ref-你好" || ack.ID != fa[1].(*wire.Message).ID {
		t.Fatalf("sender's ack must precede its echo and name it: %#v", fa[:2])
	}
	if got := messages(b.s.take()); !slices.Equal(got, []string{"你好", "hello", "再见"}) {
		t.Fatalf("B got %q", got)
	}
	c := join(t, r, "C")
	if c.w.History != 3 || c.w.Leader != "A" || !slices.Equal(c.w.Members, []string{"A", "B", "C"}) || c.w.Room != "lan" {
		t.Fatalf("welcome: %#v", c.w)
	}
	hist := c.s.take()
	if got := messages(hist); !slices.Equal(got, []string{"你好", "hello", "再见"}) {
		t.Fatalf("history %q", got)
	}
	var last uint64
	for _, f := range hist {
		m := f.(*wire.Message)
		if !m.History || m.Seq <= last || m.Seq > c.w.Seq {
			t.Fatalf("history entry %#v (welcome seq %d)", m, c.w.Seq)
		}
		last = m.Seq
	}
	r.Send(b.m, "", "live")
	live := c.s.take()
	if m := live[0].(*wire.Message); m.History || m.Text != "live" || m.Seq != c.w.Seq+1 {
		t.Fatalf("first live event %#v, welcome seq %d", m, c.w.Seq)
	}
}

func TestTextLimits(t *testing.T) {
	r := New(Config{})
	a := join(t, r, "A")
	if err := r.Send(a.m, "", strings.Repeat("x", wire.MaxText)); err != nil {
		t.Errorf("max text: %v", err)
	}
	if err := r.Send(a.m, "", strings.Repeat("x", wire.MaxText+1)); !errors.Is(err, wire.ErrTooLarge) {
		t.Errorf("max+1: %v", err)
	}
	if err := r.Send(a.m, "", " \n "); !errors.Is(err, wire.ErrBadCommand) {
		t.Errorf("blank: %v", err)
	}
}

func TestLeaderRotationAndWipe(t *testing.T) {
	wipes := 0
	var counts []int
	r := New(Config{OnWipe: func() { wipes++ }, OnMembers: func(n int) { counts = append(counts, n) }})
	a, b, c := join(t, r, "A"), join(t, r, "B"), join(t, r, "C")
	r.Send(a.m, "", "secret plans")
	b.s.take()
	c.s.take()
	r.Leave(a.m, ReasonLeft)
	fb := b.s.take()
	if l, _ := find[*wire.Left](fb); l.Name != "A" || l.Reason != ReasonLeft {
		t.Fatalf("left: %#v", fb)
	}
	if l, _ := find[*wire.Leader](fb); l.Name != "B" {
		t.Fatalf("B should lead after A: %#v", fb)
	}
	c.s.take()
	r.Leave(b.m, ReasonDisconnected)
	if l, _ := find[*wire.Leader](c.s.take()); l.Name != "C" {
		t.Fatal("C should lead after B disconnected")
	}
	r.Leave(c.m, ReasonLeft)
	if wipes != 1 {
		t.Fatalf("wipes %d after the last member left", wipes)
	}
	if want := []int{1, 2, 3, 2, 1, 0}; !slices.Equal(counts, want) {
		t.Fatalf("OnMembers saw %v; want %v", counts, want)
	}
	d := join(t, r, "A")
	if d.w.History != 0 || d.w.Leader != "A" || d.w.Seq != 1 || len(d.s.take()) != 0 {
		t.Fatalf("room not fresh after wipe: %#v", d.w)
	}
}

func TestDMPrivacy(t *testing.T) {
	r := New(Config{})
	a, b, c := join(t, r, "A"), join(t, r, "B"), join(t, r, "C")
	a.s.take()
	b.s.take()
	if err := r.DM(a.m, "x", "b", "just for you"); err != nil {
		t.Fatal(err)
	}
	if got := messages(b.s.take()); !slices.Equal(got, []string{"just for you"}) {
		t.Fatalf("B got %q", got)
	}
	if got := messages(a.s.take()); !slices.Equal(got, []string{"just for you"}) {
		t.Fatalf("A got %q", got)
	}
	if got := c.s.take(); len(got) != 0 {
		t.Fatalf("C got %#v", got)
	}
	if join(t, r, "D").w.History != 0 {
		t.Fatal("a private message went into the history")
	}
	if err := r.DM(a.m, "", "nobody", "hi"); !errors.Is(err, wire.ErrNoSuchMember) {
		t.Fatalf("dm to nobody: %v", err)
	}
}

func TestRecall(t *testing.T) {
	r := New(Config{})
	a, b := join(t, r, "A"), join(t, r, "B")
	r.Send(b.m, "", "oops")
	id := b.s.take()[1].(*wire.Message).ID
	r.Send(a.m, "", "leader's")
	a.s.take()
	var leaders *wire.Message
	for _, f := range b.s.take() {
		if m, ok := f.(*wire.Message); ok {
			leaders = m
		}
	}
	if err := r.Recall(b.m, "", leaders.ID); !errors.Is(err, wire.ErrNotLeader) {
		t.Fatalf("non-leader recalling the leader's message: %v", err)
	}
	if err := r.Recall(b.m, "r", id); err != nil {
		t.Fatalf("own recall: %v", err)
	}
	if rc, ok := find[*wire.Recalled](a.s.take()); !ok || rc.ID != id || rc.By != "B" {
		t.Fatal("A not told of the recall")
	}
	if err := r.Recall(a.m, "", id); !errors.Is(err, wire.ErrNoSuchMessage) {
		t.Fatalf("second recall: %v", err)
	}
	if err := r.Recall(a.m, "", leaders.ID); err != nil {
		t.Fatalf("leader recall: %v", err)
	}
	c := join(t, r, "C")
	if c.w.History != 0 || len(messages(c.s.take())) != 0 {
		t.Fatal("recalled messages replayed to a late joiner")
	}
}

func TestKickBanHandover(t *testing.T) {
	r := New(Config{})
	a, b := join(t, r, "A"), join(t, r, "B")
	if err := r.Kick(b.m, "", "A", "", false); !errors.Is(err, wire.ErrNotLeader) {
		t.Fatalf("non-leader kick: %v", err)
	}
	if err := r.Kick(a.m, "", "A", "", false); !errors.Is(err, wire.ErrKickSelf) {
		t.Fatalf("self kick: %v", err)
	}
	b.s.take()
	if err := r.Kick(a.m, "k", "b", "spam", true); err != nil {
		t.Fatal(err)
	}
	k, ok := find[*wire.Kicked](b.s.take())
	if !ok || k.Reason != "spam" || k.By != "A" || !k.Banned || !b.s.closed || !b.s.flush {
		t.Fatalf("kicked member: %#v closed=%v", k, b.s.closed)
	}
	fa := a.s.take()
	if l, _ := find[*wire.Left](fa); l.Reason != ReasonKicked {
		t.Fatal("A not told of the kick")
	}
	if bans, _ := find[*wire.Bans](fa); !slices.Equal(bans.Names, []string{"B"}) {
		t.Fatal("leader not shown the ban list")
	}
	// Same client identity, other address: refused. Same address, new identity: refused.
	if _, err := r.Join(JoinRequest{Name: "B2", ClientID: b.m.clientID, Addr: netip.MustParseAddr("10.9.9.9"), Sink: &sink{}}); !errors.Is(err, wire.ErrBanned) {
		t.Fatalf("banned identity rejoined: %v", err)
	}
	if _, err := r.Join(JoinRequest{Name: "B3", ClientID: uuid.New(), Addr: netip.MustParseAddr("10.0.0.1"), Sink: &sink{}}); !errors.Is(err, wire.ErrBanned) {
		t.Fatalf("banned address rejoined: %v", err)
	}
	if err := r.Unban(a.m, "", "B"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Join(JoinRequest{Name: "B", ClientID: b.m.clientID, Sink: &sink{}}); err != nil {
		t.Fatalf("unbanned member refused: %v", err)
	}
	c := join(t, r, "C")
	if err := r.Handover(a.m, "", "C"); err != nil {
		t.Fatal(err)
	}
	if l, _ := find[*wire.Leader](c.s.take()); l.Name != "C" {
		t.Fatal("handover not announced")
	}
	if err := r.Kick(a.m, "", "C", "", false); !errors.Is(err, wire.ErrNotLeader) {
		t.Fatal("old leader kept its powers")
	}
}

func TestSlowMemberDropped(t *testing.T) {
	r := New(Config{})
	a, b, c := join(t, r, "A"), join(t, r, "B"), join(t, r, "C")
	b.s.full = true
	if err := r.Send(a.m, "", "hi"); err != nil {
		t.Fatal(err)
	}
	if !b.s.closed || b.s.flush {
		t.Fatal("stalled member not closed at once")
	}
	fc := c.s.take()
	if got := messages(fc); !slices.Equal(got, []string{"hi"}) {
		t.Fatalf("C got %q", got)
	}
	if l, _ := find[*wire.Left](fc); l.Name != "B" || l.Reason != ReasonDisconnected {
		t.Fatalf("C not told B was disconnected: %#v", fc)
	}
	if names, _ := r.Members(); !slices.Equal(names, []string{"A", "C"}) {
		t.Fatalf("members %q", names)
	}
}

func TestClose(t *testing.T) {
	r := New(Config{})
	a := join(t, r, "A")
	r.Close("bye")
	if cl, ok := find[*wire.Closed](a.s.take()); !ok || cl.Reason != "bye" || !a.s.closed {
		t.Fatal("member not told the room closed")
	}
	if _, err := r.Join(JoinRequest{Name: "late", Sink: &sink{}}); !errors.Is(err, wire.ErrClosed) {
		t.Fatalf("join after close: %v", err)
	}
}
