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

	"github.com/google/uuid"
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
// constant time and rate-limits wrong passwords per source (an IPv4 address,
// or an IPv6 /64: what one site is usually given, so a flood from one
// network counts as one source) and per client identity within a source.
//
// A source's record counts the wrong guesses of every identity in it and
// blocks identities the gate does not know; an identity that once gave the
// right password is "known" and blocked only by its own record, so one
// guesser behind a NAT does not lock out the members who share its address
// (the "device cookie" defence OWASP describes against lockout abuse). A
// guesser that makes up a new identity per guess is still slowed by its
// source's record. It tracks a bounded number of records and known
// identities. It is safe for concurrent use.
type PasswordGate struct {
	sum      [sha256.Size]byte // read-only: digest of the room password
	required bool              // read-only: false for an open room
	now      func() time.Time  // read-only: the clock

	mu       sync.Mutex
	sources  map[gateKey]*list.Element   // guarded by mu; values are *strikes
	recent   *list.List                  // guarded by mu; most recently seen first
	known    map[uuid.UUID]*list.Element // guarded by mu; identities that gave the right password; values are uuid.UUID
	knownLRU *list.List                  // guarded by mu; most recently admitted first
}

// gateKey names a record: a whole source (id zero) or one identity in it.
type gateKey struct {
	src netip.Prefix
	id  uuid.UUID
}

// strikes is what the gate remembers about one source or identity.
type strikes struct {
	source       gateKey
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
		sources:  make(map[gateKey]*list.Element),
		recent:   list.New(),
		known:    make(map[uuid.UUID]*list.Element),
		knownLRU: list.New(),
	}
}

// Required reports whether the room has a password.
func (g *PasswordGate) Required() bool { return g.required }

// Check is CheckClient for a client without an identity: only its
// source's record counts.
func (g *PasswordGate) Check(addr netip.Addr, guess []byte) error {
	return g.CheckClient(addr, uuid.Nil, guess)
}

// CheckClient returns nil if guess is the room password (or the room is
// open), ErrBadPassword if it is not, and ErrRateLimited, without looking
// at the guess, while the client is blocked: by its own record (its
// identity within addr's source), or, unless the identity is known (it gave
// the right password before), by its source's. A right password clears the
// identity's record and makes it known; a wrong one counts against both.
// Errors are wrapped.
func (g *PasswordGate) CheckClient(addr netip.Addr, id uuid.UUID, guess []byte) error {
	if !g.required {
		return nil
	}
	sum := sha256.Sum256(guess)
	now := g.now()
	src := Source(addr)
	own, whole := gateKey{src, id}, gateKey{src: src}

	g.mu.Lock()
	defer g.mu.Unlock()
	_, known := g.known[id]
	known = known && id != uuid.Nil
	for _, k := range []gateKey{own, whole} {
		if k == whole && known {
			continue
		}
		if s := g.lookup(k, now); s != nil && now.Before(s.blockedUntil) {
			return fmt.Errorf("secure: %w: %v: try again in %v",
				ErrRateLimited, src, s.blockedUntil.Sub(now).Round(time.Second))
		}
	}
	if subtle.ConstantTimeCompare(sum[:], g.sum[:]) == 1 {
		g.forget(own)
		g.remember(id)
		return nil
	}
	g.strike(own, now)
	if own != whole && !known {
		g.strike(whole, now)
	}
	return fmt.Errorf("secure: %w", ErrBadPassword)
}

// strike counts a wrong password against k's record, blocking it once it
// has too many. Caller holds mu.
func (g *PasswordGate) strike(k gateKey, now time.Time) {
	s := g.lookup(k, now)
	if s == nil {
		s = g.track(k, now)
	}
	s.failures++
	if over := s.failures - gateMaxFailures; over >= 0 {
		s.blockedUntil = now.Add(backoff(over))
	}
}

// remember makes id known, forgetting the least recently admitted identity
// if the gate knows too many. Caller holds mu.
func (g *PasswordGate) remember(id uuid.UUID) {
	if id == uuid.Nil {
		return
	}
	if e, ok := g.known[id]; ok {
		g.knownLRU.MoveToFront(e)
		return
	}
	for len(g.known) >= gateMaxTracked {
		old := g.knownLRU.Remove(g.knownLRU.Back()).(uuid.UUID)
		delete(g.known, old)
	}
	g.known[id] = g.knownLRU.PushFront(id)
}

// lookup returns src's record, marking it recently seen, or nil if there is
// none or it is stale (then it is forgotten).
func (g *PasswordGate) lookup(src gateKey, now time.Time) *strikes {
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
func (g *PasswordGate) track(src gateKey, now time.Time) *strikes {
	for len(g.sources) >= gateMaxTracked {
		g.forget(g.recent.Back().Value.(*strikes).source)
	}
	s := &strikes{source: src, first: now}
	g.sources[src] = g.recent.PushFront(s)
	return s
}

func (g *PasswordGate) forget(src gateKey) {
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
