package server

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/room"
	"wetalk/backend/wire"
)

// queued returns the frames queued on p, decoded, and empties its queue.
func queued(t *testing.T, p *peer) []wire.Frame {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []wire.Frame
	for _, b := range p.queue {
		for len(b) > 0 {
			f, n, err := wire.DecodeFrame(b)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, f)
			b = b[n:]
		}
	}
	p.queue, p.queued = nil, 0
	return out
}

func msg(i int) []byte {
	b, _ := wire.Encode(&wire.Message{Seq: uint64(i), ID: uuid.New(), From: "A", Text: fmt.Sprintf("m%03d", i)})
	return b
}

// TestSeatOutboxBound: the outbox keeps the most recent frames within its
// bound; a resume after older ones is resume_expired, one within it gets
// exactly the frames after; a held seat whose outbox would overflow ends.
func TestSeatOutboxBound(t *testing.T) {
	id, secret := uuid.New(), make([]byte, wire.ResumeSecretSize)
	secret[0] = 7
	p := newPeer(nil, nil, 1<<20, time.Second)
	size := len(msg(1))
	s := newSeat(p, id, secret, 4*size, func(*room.Member) {})
	s.joined(&room.Member{ID: uuid.New()})
	welcome, _ := wire.Encode(&wire.Welcome{Name: "M", Resume: secret})
	s.Deliver(append(welcome, msg(1)...)) // the welcome is not counted
	for i := 2; i <= 10; i++ {
		if !s.Deliver(msg(i)) {
			t.Fatalf("deliver %d refused while connected", i)
		}
	}
	queued(t, p)
	if _, _, err := s.resume(newPeer(nil, nil, 1<<20, time.Second), id, secret, 2); !errors.Is(err, wire.ErrResumeExpired) {
		t.Fatalf("resume after 2 (dropped from the outbox): %v", err)
	}
	if _, _, err := s.resume(newPeer(nil, nil, 1<<20, time.Second), id, secret, 11); !errors.Is(err, wire.ErrBadResume) {
		t.Fatalf("resume after 11 (never sent): %v", err)
	}
	q := newPeer(nil, nil, 1<<20, time.Second)
	if _, old, err := s.resume(q, id, secret, 8); err != nil || old != p {
		t.Fatalf("resume after 8: %v (old %p)", err, old)
	}
	got := queued(t, q)
	if len(got) != 3 || got[0].(*wire.Resumed).Missed != 2 || got[1].(*wire.Message).Text != "m009" || got[2].(*wire.Message).Text != "m010" {
		t.Fatalf("replayed %+v", got)
	}
	// Held: frames are kept, not dropped; beyond the bound the seat ends.
	if ours, held := s.release(q, time.Hour, func() {}, nil); !ours || !held {
		t.Fatalf("release: ours %v held %v", ours, held)
	}
	ok := true
	for i := 11; ok && i < 30; i++ {
		ok = s.Deliver(msg(i))
	}
	if ok {
		t.Fatal("a held seat's outbox overflowed without ending the seat")
	}
}

// joinedSeat is a joined member's seat on a peer without a connection,
// its outbox bounded by maxBytes.
func joinedSeat(id uuid.UUID, secret []byte, maxBytes int) (*peer, *seat) {
	p := newPeer(nil, nil, 64<<20, time.Second)
	s := newSeat(p, id, secret, maxBytes, func(*room.Member) {})
	s.joined(&room.Member{ID: uuid.New()})
	return p, s
}

// joined is the join notice of member-i.
func joined(i int) []byte {
	return must(wire.Encode(&wire.Joined{Seq: uint64(i), Name: fmt.Sprintf("member-%05d", i)}))
}

// TestSeatOutboxFlatInBigRoom: the join notices of a room of thousands
// cost a connected member's outbox a bounded number of bytes of its own
// (runs, not an entry per notice), whatever the number of joins; the
// most recent ones can still be resumed exactly; a held seat keeps them all.
func TestSeatOutboxFlatInBigRoom(t *testing.T) {
	id, secret := uuid.New(), make([]byte, wire.ResumeSecretSize)
	p, s := joinedSeat(id, secret, 4<<20)
	peak := 0
	for i := 1; i <= 20000; i++ {
		if !s.Deliver(joined(i)) {
			t.Fatalf("joined %d refused", i)
		}
		peak = max(peak, s.own)
		if i == 5000 || i == 20000 {
			t.Logf("after %d joins: %d bytes of its own, %d entries", i, s.own, len(s.box))
		}
	}
	queued(t, p)
	if peak > liveOutbox+runBytes || len(s.box) > liveOutbox/runBytes+2 {
		t.Fatalf("20,000 join notices: outbox peaked at %d bytes of its own, %d entries; want at most %d", peak, len(s.box), liveOutbox+runBytes)
	}
	q := newPeer(nil, nil, 64<<20, time.Second)
	if _, _, err := s.resume(q, id, secret, 19900); err != nil {
		t.Fatalf("resume after 19,900: %v", err)
	}
	got := queued(t, q)
	if len(got) != 101 || got[0].(*wire.Resumed).Missed != 100 {
		t.Fatalf("resume replayed %d frames", len(got))
	}
	for i, f := range got[1:] {
		if j, ok := f.(*wire.Joined); !ok || j.Seq != uint64(19901+i) {
			t.Fatalf("replayed frame %d is %+v, want joined %d", i, f, 19901+i)
		}
	}
	if _, _, err := s.resume(newPeer(nil, nil, 64<<20, time.Second), id, secret, 100); !errors.Is(err, wire.ErrResumeExpired) {
		t.Fatalf("resume after 100: %v", err)
	}

	// Held, the seat keeps every notice (within maxBoxed and its bytes).
	if ours, held := s.release(q, time.Hour, func() {}, nil); !ours || !held {
		t.Fatalf("release: ours %v held %v", ours, held)
	}
	for i := 20001; i <= 30000; i++ {
		if !s.Deliver(joined(i)) {
			t.Fatalf("held seat refused joined %d", i)
		}
	}
	r := newPeer(nil, nil, 64<<20, time.Second)
	if _, _, err := s.resume(r, id, secret, 20000); err != nil {
		t.Fatalf("resume after the hold: %v", err)
	}
	if got := queued(t, r); len(got) != 10001 {
		t.Fatalf("resume after the hold replayed %d frames, want 10,001", len(got))
	}
}

// TestPresenceWakesOnce: a burst of join notices wakes a member's write
// loop once (by the presence timer), not once per notice, and any other
// frame wakes it at once, taking the notices along in order.
func TestPresenceWakesOnce(t *testing.T) {
	p := newPeer(nil, nil, 1<<20, time.Second)
	for i := range 1000 {
		b, _ := wire.Encode(&wire.Joined{Seq: uint64(i + 1), Name: fmt.Sprintf("m%d", i)})
		p.Deliver(b)
	}
	if len(p.wake) != 0 {
		t.Fatal("a join notice woke the write loop at once")
	}
	select {
	case <-p.wake: // the presence timer
	case <-time.After(30 * time.Second):
		t.Fatal("the presence timer never woke the write loop")
	}
	if got := queued(t, p); len(got) != 1000 {
		t.Fatalf("%d frames queued, want the 1,000 notices", len(got))
	}
	b, _ := wire.Encode(&wire.Left{Seq: 1001, Name: "m0", Reason: "left"})
	p.Deliver(b)
	p.Deliver(msg(1002))
	if len(p.wake) != 1 {
		t.Fatal("a message did not wake the write loop at once")
	}
	if got := queued(t, p); len(got) != 2 {
		t.Fatalf("%d frames queued, want the notice and the message", len(got))
	}
}

// TestSeatQueuesRunsWhole: small deliveries reach the member's queue as
// the outbox run's copy, consecutive ones as one entry (a storm of join
// notices costs a queue entry per run, not per notice); a large delivery,
// an update or an acknowledgement in between keeps the order; every frame
// is queued once and in order, whatever the run memory was used for
// before (runs let go of on acknowledgement are reused).
func TestSeatQueuesRunsWhole(t *testing.T) {
	p, s := joinedSeat(uuid.New(), make([]byte, wire.ResumeSecretSize), 64<<20)
	big := must(wire.Encode(&wire.Message{Text: strings.Repeat("b", 2*smallDelivery)}))
	typing := must(wire.Encode(&wire.Pong{})) // an update: any frame will do
	const notices = 1000
	next := 1
	for round := range 20 {
		p.mu.Lock()
		entries0 := len(p.queue)
		p.mu.Unlock()
		for range notices {
			s.Deliver(joined(next))
			next++
		}
		p.mu.Lock()
		entries := len(p.queue) - entries0
		p.mu.Unlock()
		if entries > notices*len(joined(next))/smallRun+2 {
			t.Fatalf("round %d: %d join notices took %d queue entries", round, notices, entries)
		}
		s.Deliver(big)
		p.Update(typing)
		got := queued(t, p)
		if len(got) != notices+2 {
			t.Fatalf("round %d: %d frames queued, want %d", round, len(got), notices+2)
		}
		for i, f := range got[:notices] {
			if j, ok := f.(*wire.Joined); !ok || j.Seq != uint64(next-notices+i) {
				t.Fatalf("round %d: frame %d is %+v, want joined %d", round, i, f, next-notices+i)
			}
		}
		if _, ok := got[notices].(*wire.Message); !ok {
			t.Fatalf("round %d: %+v after the notices, want the message", round, got[notices])
		}
		// Written; the older half acknowledged: its runs go, their memory
		// to the next round's.
		s.acked(p, s.sent-notices/2, false)
		if o := s.outbox(); o.kept < notices/2 || o.kept > notices {
			t.Fatalf("round %d: outbox %+v after half was acknowledged", round, o)
		}
	}
}
