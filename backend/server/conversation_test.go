package server

import (
	"testing"
)

// The send queue drops replaceable updates first: a frame that would not
// fit is taken once the queued typing notices are gone, and an update
// never makes a member count as stalled.
func TestPeerDropsUpdatesFirst(t *testing.T) {
	p := newPeer(nil, nil, 100, 0)
	typing := make([]byte, 30)
	msg := make([]byte, 40)
	if !p.Deliver(msg) {
		t.Fatal("first frame refused")
	}
	p.Update(typing)
	p.Update(typing)
	p.Update(typing) // 40+30+30 = 100; a third would exceed the limit
	if p.queued != 100 || len(p.queue) != 3 {
		t.Fatalf("queued %d bytes in %d frames, want 100 in 3", p.queued, len(p.queue))
	}
	if !p.Deliver(msg) {
		t.Fatal("a frame was refused although updates could make room")
	}
	if p.queued != 80 || len(p.queue) != 2 || len(p.updates) != 0 {
		t.Fatalf("after dropping updates: %d bytes in %d frames, %d updates", p.queued, len(p.queue), len(p.updates))
	}
	if p.Deliver(msg) {
		t.Fatal("a frame past the limit was taken with no update to drop")
	}
}

// dropUpdates keeps the other frames in order.
func TestPeerDropUpdatesKeepsOrder(t *testing.T) {
	p := newPeer(nil, nil, 1000, 0)
	for i := range 6 {
		b := []byte{byte(i)}
		if i%2 == 1 {
			p.Update(b)
		} else {
			p.Deliver(b)
		}
	}
	p.mu.Lock()
	p.dropUpdates()
	p.mu.Unlock()
	if len(p.queue) != 3 || p.queue[0][0] != 0 || p.queue[1][0] != 2 || p.queue[2][0] != 4 || p.queued != 3 {
		t.Fatalf("queue %v (%d bytes)", p.queue, p.queued)
	}
}
