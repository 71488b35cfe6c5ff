package server

import (
	"net"
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
// unacknowledged its write loop looks again, once: acknowledgements come
// a round trip (and a delayed ACK) after the write, and a quiet member's
// outbox would otherwise hold its last batch until its next heartbeat.
const ackRecheck = time.Second

// acks is the write loop's record of its batches not yet acknowledged.
// Owned by writeLoop.
type acks struct {
	marks []mark
	seq   uint64 // the last counted frame known acknowledged (or given up by the outbox)
}

// add records a batch that ended at end bytes, its last counted frame
// seq, and reports whether anything is waiting for an acknowledgement.
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
// returns the last counted frame they held; false if none was.
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
	return a.seq, true
}

// last is the number of the last counted frame a batch was marked with.
func (a *acks) last() uint64 {
	if n := len(a.marks); n > 0 {
		return a.marks[n-1].seq
	}
	return a.seq
}
