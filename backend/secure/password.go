package secure

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sync"
	"time"
)

// MaxPasswordLen is the longest room password, in bytes.
const MaxPasswordLen = 1024

// Password gate limits. The gateMaxFailures-th wrong password from a source
// within gateWindow of its first blocks it for gateBaseBackoff; each further
// wrong password (once the block has passed) doubles the block, up to
// gateMaxBackoff. A source is forgotten after a right password, or once it
// has been quiet for gateWindow (after its block ended, if it was blocked).
const (
	gateMaxFailures = 5
	gateWindow      = time.Minute
	gateBaseBackoff = 2 * time.Second
	gateMaxBackoff  = 5 * time.Minute
	// gateMaxTracked bounds the sources the gate remembers; beyond it the
	// least recently seen is forgotten.
	gateMaxTracked = 4096
)

// ReadPasswordFile reads a room password from a file. One trailing "\n" or
// "\r\n" is stripped, nothing else. An empty result is ErrEmptyPassword,
// never "no password"; more than MaxPasswordLen bytes is ErrPasswordTooLong.
func ReadPasswordFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secure: password file: %w", err)
	}
	defer f.Close()
	// Room for the longest password and a "\r\n", plus one byte to notice
	// anything longer.
	data, err := io.ReadAll(io.LimitReader(f, MaxPasswordLen+3))
	if err != nil {
		return nil, fmt.Errorf("secure: password file %s: %w", path, err)
	}
	if s, ok := bytes.CutSuffix(data, []byte("\r\n")); ok {
		data = s
	} else {
		data = bytes.TrimSuffix(data, []byte("\n"))
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("secure: password file %s: %w", path, ErrEmptyPassword)
	}
	if len(data) > MaxPasswordLen {
		return nil, fmt.Errorf("secure: password file %s: %w (more than %d bytes)", path, ErrPasswordTooLong, MaxPasswordLen)
	}
	return data, nil
}

// PasswordGate checks room passwords. It compares SHA-256 digests in
// constant time and rate-limits wrong passwords per source: an IPv4 address,
// or an IPv6 /64 (what one site is usually given, so a flood from one
// network counts as one source). It tracks at most a bounded number of
// sources. It is safe for concurrent use.
type PasswordGate struct {
	sum      [sha256.Size]byte // read-only: digest of the room password
	required bool              // read-only: false for an open room
	now      func() time.Time  // read-only: the clock

	mu      sync.Mutex
	sources map[netip.Prefix]*list.Element // guarded by mu; values are *strikes
	recent  *list.List                     // guarded by mu; most recently seen first
}

// strikes is what the gate remembers about one source.
type strikes struct {
	source       netip.Prefix
	failures     int       // wrong passwords since first
	first        time.Time // the first of them
	blockedUntil time.Time // refused before this
}

// NewPasswordGate returns a gate for password. A nil or empty password
// makes an open room: Check always succeeds. The gate keeps only the
// password's digest. now is the clock; nil means time.Now.
func NewPasswordGate(password []byte, now func() time.Time) *PasswordGate {
	if now == nil {
		now = time.Now
	}
	return &PasswordGate{
		sum:      sha256.Sum256(password),
		required: len(password) > 0,
		now:      now,
		sources:  make(map[netip.Prefix]*list.Element),
		recent:   list.New(),
	}
}

// Required reports whether the room has a password.
func (g *PasswordGate) Required() bool { return g.required }

// Check returns nil if guess is the room password (or the room is open),
// ErrBadPassword if it is not, and ErrRateLimited, without looking at the
// guess, while addr's source is blocked. A right password clears the
// source's record. Errors are wrapped.
func (g *PasswordGate) Check(addr netip.Addr, guess []byte) error {
	if !g.required {
		return nil
	}
	sum := sha256.Sum256(guess)
	now := g.now()
	src := Source(addr)

	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.lookup(src, now)
	if s != nil && now.Before(s.blockedUntil) {
		return fmt.Errorf("secure: %w: %v: try again in %v",
			ErrRateLimited, src, s.blockedUntil.Sub(now).Round(time.Second))
	}
	if subtle.ConstantTimeCompare(sum[:], g.sum[:]) == 1 {
		if s != nil {
			g.forget(src)
		}
		return nil
	}
	if s == nil {
		s = g.track(src, now)
	}
	s.failures++
	if over := s.failures - gateMaxFailures; over >= 0 {
		s.blockedUntil = now.Add(backoff(over))
	}
	return fmt.Errorf("secure: %w", ErrBadPassword)
}

// lookup returns src's record, marking it recently seen, or nil if there is
// none or it is stale (then it is forgotten).
func (g *PasswordGate) lookup(src netip.Prefix, now time.Time) *strikes {
	e, ok := g.sources[src]
	if !ok {
		return nil
	}
	s := e.Value.(*strikes)
	if s.stale(now) {
		g.forget(src)
		return nil
	}
	g.recent.MoveToFront(e)
	return s
}

// track starts a record for src, forgetting the least recently seen source
// if the gate is full.
func (g *PasswordGate) track(src netip.Prefix, now time.Time) *strikes {
	for len(g.sources) >= gateMaxTracked {
		g.forget(g.recent.Back().Value.(*strikes).source)
	}
	s := &strikes{source: src, first: now}
	g.sources[src] = g.recent.PushFront(s)
	return s
}

func (g *PasswordGate) forget(src netip.Prefix) {
	if e, ok := g.sources[src]; ok {
		g.recent.Remove(e)
		delete(g.sources, src)
	}
}

// stale reports whether a record no longer matters: its window passed
// without reaching the limit, or it has been quiet for a window after its
// block ended.
func (s *strikes) stale(now time.Time) bool {
	if s.blockedUntil.IsZero() {
		return now.Sub(s.first) >= gateWindow
	}
	return now.Sub(s.blockedUntil) >= gateWindow
}

// backoff is the block after the n-th (from 0) wrong password at or over the
// limit.
func backoff(n int) time.Duration {
	if n >= 30 {
		return gateMaxBackoff
	}
	return min(gateBaseBackoff<<n, gateMaxBackoff)
}

// Source is the unit that per-address limits count (the password gate,
// the host's caps on connections and members): an IPv4 address
// (IPv4-mapped IPv6 included) or an IPv6 /64, what one site is usually
// given. An invalid address is one source of its own.
func Source(a netip.Addr) netip.Prefix {
	a = a.Unmap().WithZone("")
	switch {
	case a.Is4():
		return netip.PrefixFrom(a, 32)
	case a.Is6():
		p, _ := a.Prefix(64)
		return p
	}
	return netip.Prefix{}
}
