package server

import (
	"errors"
	"fmt"
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
