package room

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

// lastMessage returns the last message among fs, failing if there is none.
func lastMessage(t *testing.T, fs []wire.Frame) *wire.Message {
	t.Helper()
	for i := len(fs) - 1; i >= 0; i-- {
		if m, ok := fs[i].(*wire.Message); ok {
			return m
		}
	}
	t.Fatalf("no message among %d frames", len(fs))
	return nil
}

func TestReplyToPublic(t *testing.T) {
	r := New(Config{})
	a, b := join(t, r, "A"), join(t, r, "B")
	if err := r.Send(a.m, "1", "lunch?"); err != nil {
		t.Fatal(err)
	}
	orig := lastMessage(t, a.s.take())
	b.s.take()
	if err := r.SendReply(b.m, "2", "yes", orig.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []person{a, b} {
		if got := lastMessage(t, p.s.take()); got.ReplyTo != orig.ID || got.To != "" || got.Text != "yes" {
			t.Fatalf("reply as received: %+v", got)
		}
	}
	late := join(t, r, "Late")
	hist := late.s.take()
	if len(messages(hist)) != 2 || lastMessage(t, hist).ReplyTo != orig.ID {
		t.Fatalf("late joiner's history lost the reply_to: %+v", hist)
	}
	// A private reply to a public message is allowed.
	if err := r.DMReply(b.m, "3", "A", "psst", orig.ID); err != nil {
		t.Fatal(err)
	}
	if got := lastMessage(t, a.s.take()); got.To != "A" || got.ReplyTo != orig.ID {
		t.Fatalf("private reply as received: %+v", got)
	}

	// Unknown and recalled ids are refused with no_such_message, and
	// nothing reaches anyone.
	if err := r.Recall(a.m, "4", orig.ID); err != nil {
		t.Fatal(err)
	}
	a.s.take()
	b.s.take()
	for _, id := range []uuid.UUID{uuid.New(), orig.ID} {
		if err := r.SendReply(b.m, "5", "late", id); !errors.Is(err, wire.ErrNoSuchMessage) {
			t.Errorf("reply to %v: %v, want no_such_message", id, err)
		}
		if err := r.DMReply(b.m, "6", "A", "late", id); !errors.Is(err, wire.ErrNoSuchMessage) {
			t.Errorf("private reply to %v: %v, want no_such_message", id, err)
		}
	}
	if fs := append(a.s.take(), b.s.take()...); len(fs) != 0 {
		t.Fatalf("a refused reply delivered %d frames", len(fs))
	}
}

// A reply to a private message stays private: it reaches only the other
// member of that message, whatever command carried it, never a third
// member and never the history; the third member cannot even learn that
// the message exists.
func TestReplyToPrivateStaysPrivate(t *testing.T) {
	r := New(Config{})
	a, b, c := join(t, r, "A"), join(t, r, "B"), join(t, r, "C")
	if err := r.DM(a.m, "1", "b", "secret"); err != nil {
		t.Fatal(err)
	}
	priv := lastMessage(t, b.s.take())
	a.s.take()
	c.s.take()

	// B answers with a plain send: it goes privately to A.
	if err := r.SendReply(b.m, "2", "ok, secretly", priv.ID); err != nil {
		t.Fatal(err)
	}
	fb := b.s.take()
	if ack, ok := fb[0].(*wire.Ack); !ok || ack.Ref != "2" {
		t.Fatalf("B's first frame %+v, want its ack", fb[0])
	}
	for _, got := range []*wire.Message{lastMessage(t, a.s.take()), lastMessage(t, fb)} {
		if got.To != "A" || got.From != "B" || got.ReplyTo != priv.ID {
			t.Fatalf("private reply as received: %+v", got)
		}
	}
	// A answers with a dm to B.
	if err := r.DMReply(a.m, "3", "B", "and again", priv.ID); err != nil {
		t.Fatal(err)
	}
	if got := lastMessage(t, b.s.take()); got.To != "B" || got.ReplyTo != priv.ID {
		t.Fatalf("dm reply as received: %+v", got)
	}
	a.s.take()

	// C cannot reply to it, publicly or privately: to C it does not exist.
	if err := r.SendReply(c.m, "4", "what secret?", priv.ID); !errors.Is(err, wire.ErrNoSuchMessage) {
		t.Errorf("third member's reply: %v, want no_such_message", err)
	}
	if err := r.DMReply(c.m, "5", "A", "what secret?", priv.ID); !errors.Is(err, wire.ErrNoSuchMessage) {
		t.Errorf("third member's private reply: %v, want no_such_message", err)
	}
	// B cannot carry the reply to C.
	if err := r.DMReply(b.m, "6", "C", "guess what", priv.ID); !errors.Is(err, wire.ErrBadCommand) {
		t.Errorf("reply to a private message sent to a third member: %v, want bad_command", err)
	}
	if fs := c.s.take(); len(fs) != 0 {
		t.Fatalf("the third member received %d frames: %+v", len(fs), fs)
	}
	late := join(t, r, "Late")
	if got := messages(late.s.take()); len(got) != 0 {
		t.Fatalf("a late joiner's history holds private messages: %q", got)
	}

	// Once A has left, a reply to the conversation has no one to go to.
	r.Leave(a.m, ReasonLeft)
	if err := r.SendReply(b.m, "7", "hello?", priv.ID); !errors.Is(err, wire.ErrNoSuchMember) {
		t.Errorf("reply after the other member left: %v, want no_such_member", err)
	}
	if err := r.DM(b.m, "8", "A", "hello?"); !errors.Is(err, wire.ErrNoSuchMember) {
		t.Errorf("dm to a member who left: %v, want no_such_member", err)
	}
}

func TestTyping(t *testing.T) {
	r := New(Config{})
	a, b, c := join(t, r, "A"), join(t, r, "B"), join(t, r, "C")
	a.s.take()
	b.s.take()
	if err := r.Typing(a.m, ""); err != nil {
		t.Fatal(err)
	}
	if fs := a.s.take(); len(fs) != 0 {
		t.Errorf("the typist was told of its own typing: %+v", fs)
	}
	for _, p := range []person{b, c} {
		fs := p.s.take()
		if len(fs) != 1 {
			t.Fatalf("%d frames, want one peer_typing", len(fs))
		}
		if got, ok := fs[0].(*wire.PeerTyping); !ok || got.From != "A" || got.To != "" {
			t.Fatalf("got %+v, want peer_typing from A", fs[0])
		}
	}

	// Private typing reaches only the member it is for.
	if err := r.Typing(a.m, "b"); err != nil {
		t.Fatal(err)
	}
	if got, ok := find[*wire.PeerTyping](b.s.take()); !ok || got.From != "A" || got.To != "B" {
		t.Fatalf("B got %+v, want private peer_typing", got)
	}
	if fs := c.s.take(); len(fs) != 0 {
		t.Fatalf("a third member saw private typing: %+v", fs)
	}
	// To someone absent: dropped, no error, nobody disturbed.
	if err := r.Typing(a.m, "Nobody"); err != nil {
		t.Fatal(err)
	}

	// Typing never enters the history.
	if err := r.Send(a.m, "1", "hi"); err != nil {
		t.Fatal(err)
	}
	late := join(t, r, "Late")
	for _, f := range late.s.take() {
		if _, ok := f.(*wire.PeerTyping); ok {
			t.Fatal("a late joiner's history holds a typing notice")
		}
	}

	// A member whose queue is full loses the update but stays.
	c.s.mu.Lock()
	c.s.full = true
	c.s.mu.Unlock()
	if err := r.Typing(a.m, ""); err != nil {
		t.Fatal(err)
	}
	if names, _ := r.Members(); len(names) != 4 {
		t.Fatalf("members after a dropped typing notice: %q", names)
	}
}
