package server

import (
	"net/netip"
	"sync"
	"time"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// Accept backoff, as net/http's Serve does it: after a failed Accept (out of
// file descriptors, say) wait 5 ms, doubling up to 1 s while it keeps
// failing; the first success resets it.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// addrs counts, per source address (secure.Source: an IPv4 address or an
// IPv6 /64), the connections still being admitted and the members admitted,
// and holds the address's shared command budget. An entry lives while it
// counts a connection.
type addrs struct {
	mu      sync.Mutex
	pending int                         // guarded by mu; connections being admitted, all addresses
	by      map[netip.Prefix]*addrState // guarded by mu
}

// addrState is one source address's share of the host.
type addrState struct {
	src      netip.Prefix
	loopback bool // the host's own machine: exempt from the member cap
	pending  int  // guarded by addrs.mu
	members  int  // guarded by addrs.mu

	budget struct { // the commands of all its members
		sync.Mutex
		b *bucket // nil: no budget (NoRateLimit)
	}
}

// arrive counts a new connection from addr as being admitted, or reports
// false if its address (or the host) already has the most connections
// being admitted that it may: the caller then closes it at once.
func (s *Server) arrive(addr netip.Addr) (*addrState, bool) {
	a := &s.addrs
	src := secure.Source(addr)
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.by[src]
	if a.pending >= s.cfg.MaxPending || (st != nil && st.pending >= s.cfg.MaxPendingPerAddr) {
		return nil, false
	}
	if st == nil {
		st = &addrState{src: src, loopback: addr.IsLoopback()}
		if !s.cfg.NoRateLimit {
			st.budget.b = newBucket(s.cfg.AddrRatePerSecond, s.cfg.AddrRateBurst, s.cfg.Now())
		}
		a.by[src] = st
	}
	st.pending++
	a.pending++
	return st, true
}

// admit turns one of st's connections being admitted into a member, or
// refuses it with room_full when the address has MaxMembersPerAddr
// members already (the host's own machine excepted).
func (s *Server) admit(st *addrState) error {
	a := &s.addrs
	a.mu.Lock()
	defer a.mu.Unlock()
	if !st.loopback && st.members >= s.cfg.MaxMembersPerAddr {
		return wire.Errorf(wire.ErrRoomFull, "%d members already came from your address; no more may join from there", st.members)
	}
	st.pending--
	a.pending--
	st.members++
	return nil
}

// depart forgets a connection that ended, admitted or not.
func (s *Server) depart(st *addrState, admitted bool) {
	a := &s.addrs
	a.mu.Lock()
	defer a.mu.Unlock()
	if admitted {
		st.members--
	} else {
		st.pending--
		a.pending--
	}
	if st.pending == 0 && st.members == 0 {
		delete(a.by, st.src)
	}
}

// spend takes one command from the address's budget; false means the
// members of this address together send too much.
func (st *addrState) spend(now time.Time) bool {
	st.budget.Lock()
	defer st.budget.Unlock()
	return st.budget.b == nil || st.budget.b.take(now)
}

// bucket is a token bucket computed from timestamps: no timer runs while a
// member is idle.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newBucket(rate, burst float64, now time.Time) *bucket {
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

func (b *bucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
