package room

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/uuid"

	"wetalk/backend/transfer"
	"wetalk/backend/wire"
)

// lastFrame keeps the first frame of the last delivery and nothing else, so
// that thousands of members cost little.
type lastFrame struct{ first []byte }

func (s *lastFrame) Deliver(b []byte) bool  { s.first = b; return true }
func (s *lastFrame) Close(bool)             {}
func (s *lastFrame) Update([]byte)          {}
func (s *lastFrame) DeliverHistory(History) {}

// longest returns a name of n characters of 4 bytes each, the i-th of its
// kind: the longest in bytes that a name of n characters can be.
func longest(n, i int) string {
	const base = 0x20000 // CJK Extension B: letters of 4 bytes in UTF-8
	return strings.Repeat(string(rune(base)), n-1) + string(rune(base+1+i))
}

// TestLargestWelcomeFits builds the largest welcome the limits allow: a room
// of the longest name with the most members, each of the longest name, and
// the most files a host keeps, each of the longest sanitised name and the
// largest size, and checks that it fits in one frame, so that admitting the
// last member cannot fail (or panic) because of its size.
func TestLargestWelcomeFits(t *testing.T) {
	r := New(Config{Name: longest(wire.MaxRoom, 0)})
	leader, err := r.Join(JoinRequest{Name: longest(wire.MaxName, 0), Sink: new(lastFrame)})
	if err != nil {
		t.Fatal(err)
	}
	// The other members are seated directly, as Join would seat them:
	// joining them one by one would encode 5,000 growing welcomes.
	r.mu.Lock()
	for i := 1; i < DefaultMaxMembers-1; i++ {
		m := &Member{ID: uuid.New(), clientID: uuid.New(), sink: new(lastFrame), name: longest(wire.MaxName, i)}
		r.members = append(r.members, m)
		r.seat(m)
	}
	r.mu.Unlock()
	fileName := transfer.SafeName(strings.Repeat(string(rune(0x20000)), 2*transfer.MaxNameBytes))
	if len(fileName) < transfer.MaxNameBytes-3 {
		t.Fatalf("the file name is %d bytes, not the longest", len(fileName))
	}
	for range transfer.DefaultMaxFiles {
		err := r.Share(leader, strings.Repeat("r", wire.MaxRef), Shared{
			ID: uuid.New(), Name: fileName, Size: math.MaxUint64, SHA256: make([]byte, wire.HashSize),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	last := new(lastFrame)
	if _, err := r.Join(JoinRequest{Name: longest(wire.MaxName, DefaultMaxMembers), Sink: last}); err != nil {
		t.Fatalf("the last member: %v", err)
	}
	f, n, err := wire.DecodeFrame(last.first)
	if err != nil {
		t.Fatalf("the welcome does not decode: %v", err)
	}
	w, ok := f.(*wire.Welcome)
	if !ok || len(w.Members) != DefaultMaxMembers || len(w.Name) != wire.MaxNameBytes || len(w.Room) != wire.MaxRoomBytes || len(w.Files) != transfer.DefaultMaxFiles {
		t.Fatalf("got %T with %d members and %d files", f, len(w.Members), len(w.Files))
	}
	// The room's sequence number could be at most 9 bytes longer than here.
	if size := n - 4 + 9; size > wire.MaxFrame {
		t.Fatalf("the largest welcome is %d bytes; a frame holds %d", size, wire.MaxFrame)
	} else {
		t.Logf("the largest welcome is %d bytes, %d under the frame limit", size, wire.MaxFrame-size)
	}
}

// TestWelcomeTooLarge checks that a room configured past the limits refuses
// a joiner whose welcome would not fit in a frame, rather than break, and
// leaves no trace of it.
func TestWelcomeTooLarge(t *testing.T) {
	r := New(Config{Name: strings.Repeat("x", wire.MaxFrame)})
	s := new(sink)
	if _, err := r.Join(JoinRequest{Name: "Ann", Sink: s}); !errors.Is(err, wire.ErrRoomFull) {
		t.Fatalf("Join: %v, want ErrRoomFull", err)
	}
	if len(r.members) != 0 || len(r.byName) != 0 || r.leader != nil || r.seq != 0 || len(s.take()) != 0 {
		t.Fatalf("the refused joiner left a trace: %d members, leader %v, seq %d", len(r.members), r.leader, r.seq)
	}
}
