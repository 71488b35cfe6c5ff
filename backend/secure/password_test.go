package secure

import (
	"bytes"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestReadPasswordFile(t *testing.T) {
	max := string(bytes.Repeat([]byte("p"), MaxPasswordLen))
	tests := []struct {
		name, content string
		want          string
		wantErr       error
	}{
		{"plain", "secret", "secret", nil},
		{"newline", "secret\n", "secret", nil},
		{"crlf", "secret\r\n", "secret", nil},
		{"only one newline stripped", "secret\n\n", "secret\n", nil},
		{"lone cr kept", "secret\r", "secret\r", nil},
		{"spaces kept", " secret \n", " secret ", nil},
		{"empty", "", "", ErrEmptyPassword},
		{"newline only", "\n", "", ErrEmptyPassword},
		{"crlf only", "\r\n", "", ErrEmptyPassword},
		{"max-1", max[1:], max[1:], nil},
		{"max", max, max, nil},
		{"max crlf", max + "\r\n", max, nil},
		{"max+1", max + "p", "", ErrPasswordTooLong},
		{"max+1 newline", max + "p\n", "", ErrPasswordTooLong},
		{"huge", max + max, "", ErrPasswordTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pw")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ReadPasswordFile(path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Fatalf("got %q, %v; want %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := ReadPasswordFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestPasswordGateOpen(t *testing.T) {
	for _, pw := range [][]byte{nil, {}} {
		g := NewPasswordGate(pw, nil)
		if g.Required() {
			t.Fatal("open room requires a password")
		}
		for range 2 * gateMaxFailures {
			if err := g.Check(netip.MustParseAddr("10.0.0.1"), []byte("anything")); err != nil {
				t.Fatalf("open room: %v", err)
			}
		}
	}
}

func TestPasswordGate(t *testing.T) {
	pw := []byte("hunter2")
	a := netip.MustParseAddr("192.0.2.1")
	type step struct {
		wait  time.Duration // clock advance before the check
		guess string
		want  error
	}
	wrong := func(n int, want error) []step {
		s := make([]step, n)
		for i := range s {
			s[i] = step{guess: "nope", want: want}
		}
		return s
	}
	cat := func(parts ...[]step) (out []step) {
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"right", []step{{guess: "hunter2"}}},
		{"wrong", []step{{guess: "hunter", want: ErrBadPassword}, {guess: "", want: ErrBadPassword}}},
		{"limited after max failures, even when right", cat(
			wrong(gateMaxFailures, ErrBadPassword),
			[]step{{guess: "hunter2", want: ErrRateLimited}, {guess: "nope", want: ErrRateLimited}},
		)},
		{"below the limit within a window is fine", cat(
			wrong(gateMaxFailures-1, ErrBadPassword),
			[]step{{guess: "hunter2"}},
		)},
		{"a window forgives", cat(
			wrong(gateMaxFailures-1, ErrBadPassword),
			[]step{{wait: gateWindow, guess: "nope", want: ErrBadPassword}},
			wrong(gateMaxFailures-2, ErrBadPassword),
			[]step{{guess: "nope", want: ErrBadPassword}, {guess: "hunter2", want: ErrRateLimited}},
		)},
		{"backoff doubles", cat(
			wrong(gateMaxFailures, ErrBadPassword),
			[]step{
				{wait: gateBaseBackoff - time.Millisecond, guess: "hunter2", want: ErrRateLimited},
				{wait: time.Millisecond, guess: "nope", want: ErrBadPassword}, // block over; blocked 2x now
				{wait: 2*gateBaseBackoff - time.Millisecond, guess: "hunter2", want: ErrRateLimited},
				{wait: time.Millisecond, guess: "nope", want: ErrBadPassword}, // 4x
				{wait: 4*gateBaseBackoff - time.Millisecond, guess: "hunter2", want: ErrRateLimited},
				{wait: time.Millisecond, guess: "hunter2"},
			},
		)},
		{"success resets", cat(
			wrong(gateMaxFailures, ErrBadPassword),
			[]step{{wait: gateBaseBackoff, guess: "hunter2"}},
			wrong(gateMaxFailures-1, ErrBadPassword),
			[]step{{guess: "hunter2"}},
		)},
		{"forgotten after a quiet window past the block", cat(
			wrong(gateMaxFailures, ErrBadPassword),
			[]step{{wait: gateBaseBackoff + gateWindow, guess: "nope", want: ErrBadPassword}},
			wrong(gateMaxFailures-2, ErrBadPassword),
			[]step{{guess: "hunter2"}},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			g := NewPasswordGate(pw, clk.now)
			if !g.Required() {
				t.Fatal("password not required")
			}
			for i, s := range tt.steps {
				clk.advance(s.wait)
				err := g.Check(a, []byte(s.guess))
				if s.want == nil && err != nil || s.want != nil && !errors.Is(err, s.want) {
					t.Fatalf("step %d (%q after %v): err = %v, want %v", i, s.guess, s.wait, err, s.want)
				}
			}
		})
	}
}

func TestPasswordGateBackoffCap(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := NewPasswordGate([]byte("pw"), clk.now)
	a := netip.MustParseAddr("192.0.2.1")
	for range gateMaxFailures - 1 {
		g.Check(a, []byte("x"))
	}
	var last time.Duration
	for i := range 40 {
		if err := g.Check(a, []byte("x")); !errors.Is(err, ErrBadPassword) {
			t.Fatalf("failure %d: %v", i, err)
		}
		g.mu.Lock()
		s := g.sources[gateKey{src: Source(a)}].Value.(*strikes)
		block := s.blockedUntil.Sub(clk.now())
		g.mu.Unlock()
		if block < last || block > gateMaxBackoff || i == 0 && block != gateBaseBackoff {
			t.Fatalf("failure %d: block %v after %v (cap %v)", i, block, last, gateMaxBackoff)
		}
		last = block
		clk.advance(block)
	}
	if last != gateMaxBackoff {
		t.Fatalf("backoff settled at %v, want cap %v", last, gateMaxBackoff)
	}
}

func TestPasswordGateSources(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := NewPasswordGate([]byte("pw"), clk.now)
	blockAddr := func(a netip.Addr) {
		for range gateMaxFailures {
			g.Check(a, []byte("x"))
		}
	}
	block := func(a string) { blockAddr(netip.MustParseAddr(a)) }
	limited := func(a string) bool {
		return errors.Is(g.Check(netip.MustParseAddr(a), []byte("pw")), ErrRateLimited)
	}
	block("192.0.2.1")
	block("2001:db8:1:2::1")
	tests := []struct {
		addr    string
		limited bool
	}{
		{"192.0.2.1", true},
		{"::ffff:192.0.2.1", true}, // IPv4-mapped is the same source
		{"192.0.2.2", false},
		{"2001:db8:1:2::ffff", true}, // same /64
		{"fe80::1%eth0", false},
		{"2001:db8:1:3::1", false},
	}
	for _, tt := range tests {
		if got := limited(tt.addr); got != tt.limited {
			t.Errorf("%s: limited = %v, want %v", tt.addr, got, tt.limited)
		}
	}
	if !limited("192.0.2.1") {
		t.Fatal("a success from another source lifted the block")
	}
	// The zero Addr does not panic and is one source.
	blockAddr(netip.Addr{})
	if !errors.Is(g.Check(netip.Addr{}, []byte("pw")), ErrRateLimited) {
		t.Fatal("invalid address not limited")
	}
}

func TestPasswordGateEviction(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := NewPasswordGate([]byte("pw"), clk.now)
	addr := func(i int) netip.Addr {
		return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	first := addr(0)
	for range gateMaxFailures - 1 {
		g.Check(first, []byte("x"))
	}
	for i := 1; i < 3*gateMaxTracked; i++ {
		if err := g.Check(addr(i), []byte("x")); !errors.Is(err, ErrBadPassword) {
			t.Fatalf("source %d: %v", i, err)
		}
		if n := g.tracked(); n > gateMaxTracked {
			t.Fatalf("tracking %d sources, cap %d", n, gateMaxTracked)
		}
	}
	if n := g.tracked(); n != gateMaxTracked {
		t.Fatalf("tracking %d sources, want the cap %d", n, gateMaxTracked)
	}
	// The oldest was forgotten: its count starts over.
	if err := g.Check(first, []byte("x")); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("evicted source: %v", err)
	}
	if err := g.Check(first, []byte("pw")); err != nil {
		t.Fatalf("evicted source still counted: %v", err)
	}
	// The most recent ones are still tracked.
	last := addr(3*gateMaxTracked - 1)
	for range gateMaxFailures - 1 {
		g.Check(last, []byte("x"))
	}
	if err := g.Check(last, []byte("pw")); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("recent source forgotten: %v", err)
	}
}

// TestPasswordGateConcurrent checks the gate's counting under concurrent
// use, with the clock stopped so that the outcome does not depend on timing:
// on addresses of their own, rounds of wrong-then-right guesses are never
// blocked; on one shared address, however the guesses interleave, exactly
// gateMaxFailures of them are judged and every later one is refused
// unexamined. Meanwhile the gate's map and list always agree.
func TestPasswordGateConcurrent(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewPasswordGate([]byte("pw"), func() time.Time { return start })
	const own, rounds, shared, guesses = 6, 50, 4, 25
	var wg sync.WaitGroup
	for i := range own {
		wg.Go(func() {
			a := netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})
			for r := range rounds {
				for range gateMaxFailures - 1 {
					if err := g.Check(a, []byte("x")); !errors.Is(err, ErrBadPassword) {
						t.Errorf("%v round %d: wrong password: %v", a, r, err)
						return
					}
				}
				if err := g.Check(a, []byte("pw")); err != nil {
					t.Errorf("%v round %d: right password: %v", a, r, err)
					return
				}
			}
		})
	}
	var mu sync.Mutex
	judged, refused := 0, 0
	for range shared {
		wg.Go(func() {
			a := netip.MustParseAddr("10.0.1.1")
			for range guesses {
				err := g.Check(a, []byte("x"))
				mu.Lock()
				switch {
				case errors.Is(err, ErrBadPassword):
					judged++
				case errors.Is(err, ErrRateLimited):
					refused++
				default:
					t.Errorf("shared address: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for range 1000 {
			if n := g.tracked(); n > own+1 { // tracked panics if map and list disagree
				t.Errorf("the gate tracks %d sources; at most %d guess", n, own+1)
				return
			}
		}
	})
	wg.Wait()
	if judged != gateMaxFailures || refused != shared*guesses-gateMaxFailures {
		t.Errorf("shared address: %d guesses judged and %d refused, want %d and %d",
			judged, refused, gateMaxFailures, shared*guesses-gateMaxFailures)
	}
	// The own addresses ended on a right password and are forgotten; the
	// shared one is blocked, for the right password too.
	if n := g.tracked(); n != 1 {
		t.Errorf("the gate tracks %d sources after, want 1", n)
	}
	if err := g.Check(netip.MustParseAddr("10.0.1.1"), []byte("pw")); !errors.Is(err, ErrRateLimited) {
		t.Errorf("blocked address with the right password: %v", err)
	}
}

// tracked is how many sources the gate remembers.
func (g *PasswordGate) tracked() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.sources) != g.recent.Len() {
		panic("gate map and list disagree")
	}
	return len(g.sources)
}

// TestGateKnownIdentityNotLockedOut is row 10 of issue 10: one guesser
// behind a NAT, making up a new identity per guess, is slowed as before,
// while a member who got in before from the same address (same identity)
// still gets in with the right password; a new identity from that
// address waits like the guesser.
func TestGateKnownIdentityNotLockedOut(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	g := NewPasswordGate([]byte("pw"), clk.now)
	nat := netip.MustParseAddr("192.0.2.7")
	alice := uuid.New()
	if err := g.CheckClient(nat, alice, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	// 40 guesses in 4 s, each with a fresh identity, are checked exactly as
	// often as 40 from one identity-less client at a gate of its own
	// (today's per-address rule).
	guess := func(g *PasswordGate, clk *fakeClock, id func() uuid.UUID) (checked int) {
		for range 40 {
			if !errors.Is(g.CheckClient(nat, id(), []byte("guess")), ErrRateLimited) {
				checked++
			}
			clk.advance(100 * time.Millisecond)
		}
		return checked
	}
	clk2 := &fakeClock{t: clk.t}
	before := guess(NewPasswordGate([]byte("pw"), clk2.now), clk2, func() uuid.UUID { return uuid.Nil })
	if got := guess(g, clk, uuid.New); got != before || got > gateMaxFailures+1 {
		t.Fatalf("%d of 40 guesses with fresh identities were checked; %d without identities", got, before)
	}
	if err := g.CheckClient(nat, alice, []byte("pw")); err != nil {
		t.Fatalf("known member locked out by another's guesses: %v", err)
	}
	if err := g.CheckClient(nat, uuid.New(), []byte("pw")); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("an unknown identity from the guessing address: %v", err)
	}
	// A known identity that guesses is blocked by its own record.
	for range gateMaxFailures {
		g.CheckClient(nat, alice, []byte("wrong"))
	}
	if err := g.CheckClient(nat, alice, []byte("pw")); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("a known identity guessing: %v", err)
	}
}
