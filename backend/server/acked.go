package server

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// countConn is a member's TCP connection, under its TLS, counting the
// bytes written to it, so that the write loop can tell which of its
// batches the member's TCP stack has acknowledged (acked, where the
// system says). The count starts with the connection's first byte (the
// TLS handshake), as the kernel's does; base makes them agree exactly.
type countConn struct {
	net.Conn
	rc   syscall.RawConn // nil when the connection has none (not TCP)
	base uint64          // the kernel's bytes acknowledged before any write
	n    atomic.Uint64   // bytes written; the TLS reader also writes (key updates)
}

func newCountConn(c net.Conn) *countConn {
	cc := &countConn{Conn: c}
	if sc, ok := c.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			cc.rc = rc
			// Linux counts from the first byte after the SYN on an
			// accepted connection (0 here), but the SYN too on one it
			// dialled (1): whatever it counts now is not ours.
			if b, ok := tcpAcked(rc); ok {
				cc.base = b
			}
		}
	}
	return cc
}

func (c *countConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.n.Add(uint64(n))
	return n, err
}

// SyscallConn returns the socket's, for the Cork above to read ahead.
func (c *countConn) SyscallConn() (syscall.RawConn, error) {
	if c.rc == nil {
		return nil, errors.ErrUnsupported
	}
	return c.rc, nil
}

// written is how many bytes were written to the connection so far.
func (c *countConn) written() uint64 { return c.n.Load() }

// acked is how many of the bytes written the peer's TCP has acknowledged;
// false where the system does not say.
func (c *countConn) acked() (uint64, bool) {
	if c.rc == nil {
		return 0, false
	}
	b, ok := tcpAcked(c.rc)
	if !ok || b < c.base {
		return 0, false
	}
	return b - c.base, true
}

// A mark is where a write batch ended: the bytes written to the
// connection by its end, and the number of the last counted frame it
// held. Once the peer's TCP acknowledged end bytes, every frame up to seq
// has reached the member's machine, and the seat's outbox lets go of them
// (a resume starts after the last frame the member says it has, so what
// is only acknowledged is not lost either way: a member whose kernel held
// frames it never read joins afresh instead of resuming).
type mark struct {
	end uint64
	seq uint64
}

// maxMarks bounds the marks a write loop keeps. When they are all
// unacknowledged (a member that does not read), the newest is moved
// forward instead of a new one added: its frames are let go of later,
// never sooner.
const maxMarks = 32

// ackRecheck is how long after a write batch that left frames
// unacknowledged the connection looks for their acknowledgement, and
// again as long as more keep coming: an ACK comes a round trip (and a
// delayed ACK) after the write, and a member's outbox would otherwise
// hold each batch until the next (in a storm of joins, up to
// presenceDelay later; for a quiet member, until its next heartbeat).
// The look runs on the timer's goroutine, not the write loop's: the
// presence frames waiting to be written keep waiting.
const ackRecheck = 50 * time.Millisecond

// acks is a connection's record of its write batches not yet
// acknowledged, and the timer that looks for their acknowledgement. It is
// allocated apart from the peer: written once per batch, it would
// otherwise share a cache line with the peer's lock, which the room takes
// for every delivery (at saturation that cost a tenth of the deliveries
// per second).
type acks struct {
	// written is the seat's number of the last counted frame written,
	// whose bytes the write loop reads no more (set by writeLoop).
	written atomic.Uint64

	mu    sync.Mutex
	marks []mark      // guarded by mu
	seq   uint64      // guarded by mu; the last counted frame known acknowledged
	timer *time.Timer // guarded by mu; made on first use
	armed bool        // guarded by mu; timer will fire
	done  bool        // guarded by mu; the write loop ended: not armed again
}

// add records a batch that ended at end bytes, its last counted frame
// seq, and reports whether anything is waiting for an acknowledgement.
// Caller holds mu.
func (a *acks) add(end, seq uint64) bool {
	switch last := len(a.marks) - 1; {
	case seq <= a.seq || (last >= 0 && a.marks[last].seq >= seq):
		// No counted frame in it: nothing new to let go of when it arrives.
	case len(a.marks) == maxMarks:
		a.marks[last] = mark{end: end, seq: seq}
	default:
		a.marks = append(a.marks, mark{end: end, seq: seq})
	}
	return len(a.marks) > 0
}

// take drops the marks of the batches acknowledged by acked bytes and
// returns the last counted frame they held; false if none was. Caller
// holds mu.
func (a *acks) take(acked uint64) (uint64, bool) {
	i := 0
	for i < len(a.marks) && a.marks[i].end <= acked {
		i++
	}
	if i == 0 {
		return 0, false
	}
	a.seq = a.marks[i-1].seq
	a.marks = a.marks[:copy(a.marks, a.marks[i:])]
	if len(a.marks) == 0 {
		a.marks = nil // a quiet member keeps none
	}
	return a.seq, true
}

// marked records the end of a write batch whose last counted frame is
// seq (0: none known), and arms the acknowledgement timer if anything is
// waiting for one. Called by writeLoop.
func (p *peer) marked(seq uint64) {
	if p.tcp == nil || p.seat == nil {
		return
	}
	a := p.acks
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.add(p.tcp.written(), seq) {
		p.armAcks()
	}
}

// armAcks arms the acknowledgement timer unless it is armed or stopped.
// Caller holds acks.mu.
func (p *peer) armAcks() {
	a := p.acks
	if a.armed || a.done {
		return
	}
	a.armed = true
	if a.timer == nil {
		a.timer = time.AfterFunc(ackRecheck, p.ackTimer)
	} else {
		a.timer.Reset(ackRecheck)
	}
}

// ackTimer looks for acknowledgements and, as long as they come while
// batches wait for them, looks again later: a member that stopped reading
// is not looked at again until its next write.
func (p *peer) ackTimer() {
	a := p.acks
	a.mu.Lock()
	a.armed = false
	a.mu.Unlock()
	if p.letGo() {
		a.mu.Lock()
		if len(a.marks) > 0 {
			p.armAcks()
		}
		a.mu.Unlock()
	}
}

// letGo tells the seat which counted frames the member's TCP has
// acknowledged, if any more were, and reports whether any were.
func (p *peer) letGo() bool {
	if p.tcp == nil || p.seat == nil {
		return false
	}
	a := p.acks
	a.mu.Lock()
	if len(a.marks) == 0 {
		a.mu.Unlock()
		return false
	}
	acked, ok := p.tcp.acked()
	var seq uint64
	if ok {
		seq, ok = a.take(acked)
	}
	all := len(a.marks) == 0
	a.mu.Unlock()
	if ok {
		// All acknowledged: the outbox may let go of its array too.
		p.seat.acked(p, seq, all)
	}
	return ok
}

// stopAcks stops the acknowledgement timer for good.
func (p *peer) stopAcks() {
	a := p.acks
	a.mu.Lock()
	a.done = true
	if a.timer != nil {
		a.timer.Stop()
	}
	a.mu.Unlock()
}
