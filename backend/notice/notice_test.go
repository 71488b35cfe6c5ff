package notice

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeNotifier records what it was asked to show, and fails while fail is set.
type fakeNotifier struct {
	mu    sync.Mutex
	shown []string
	fail  error
}

func (f *fakeNotifier) Notify(title, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.shown = append(f.shown, title+"|"+body)
	return nil
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLimiterCoalesces(t *testing.T) {
	out, clock := &fakeNotifier{}, &fakeClock{t: time.Unix(1_000_000, 0)}
	l := New(out, clock.now)
	step := func(d time.Duration, sender string, want error) {
		t.Helper()
		clock.advance(d)
		if err := l.Notify(sender, sender+" mentioned you in Room", sender+": hi"); !errors.Is(err, want) {
			t.Fatalf("%s after %v: err %v, want %v", sender, d, err, want)
		}
	}
	step(0, "Mia", nil)
	step(10*time.Millisecond, "Mia", ErrCoalesced)         // same sender at once
	step(10*time.Millisecond, "Zed", ErrCoalesced)         // anyone within DesktopGap
	step(DesktopGap, "Zed", nil)                           // another sender a second later
	step(DesktopGap, "Mia", ErrCoalesced)                  // Mia still within SenderGap
	step(SenderGap-2*DesktopGap, "Mia", nil)               // SenderGap after Mia's first
	step(DesktopGap-time.Millisecond, "Ann", ErrCoalesced) // just inside DesktopGap
	step(time.Millisecond, "Ann", nil)
	if len(out.shown) != 4 {
		t.Fatalf("shown %d notifications, want 4: %q", len(out.shown), out.shown)
	}
	if out.shown[0] != "Mia mentioned you in Room|Mia: hi" {
		t.Errorf("first notification %q", out.shown[0])
	}
}

func TestLimiterFloodShowsFew(t *testing.T) {
	out, clock := &fakeNotifier{}, &fakeClock{t: time.Unix(1_000_000, 0)}
	l := New(out, clock.now)
	// 1,000 mentions from 10 senders over 10 s.
	for i := range 1000 {
		_ = l.Notify(string(rune('A'+i%10)), "title", "body")
		clock.advance(10 * time.Millisecond)
	}
	if n := len(out.shown); n < 2 || n > 10 {
		t.Fatalf("a flood of 1,000 mentions over 10 s showed %d notifications, want 2..10", n)
	}
}

func TestLimiterFailureDoesNotCount(t *testing.T) {
	boom := errors.New("no notification daemon")
	out, clock := &fakeNotifier{fail: boom}, &fakeClock{t: time.Unix(1_000_000, 0)}
	l := New(out, clock.now)
	if err := l.Notify("Mia", "t", "b"); !errors.Is(err, boom) {
		t.Fatalf("err %v, want %v", err, boom)
	}
	out.fail = nil
	if err := l.Notify("Mia", "t", "b"); err != nil {
		t.Fatalf("after a failure, the next notification: %v", err)
	}
}

func TestLimiterBoundsSenders(t *testing.T) {
	out, clock := &fakeNotifier{}, &fakeClock{t: time.Unix(1_000_000, 0)}
	l := New(out, clock.now)
	for i := range maxSenders + 10 {
		clock.advance(DesktopGap)
		_ = l.Notify(strings.Repeat("x", i+1), "t", "b")
	}
	if n := len(l.last); n > maxSenders {
		t.Fatalf("the limiter remembers %d senders, want at most %d", n, maxSenders)
	}
	if len(out.shown) != maxSenders+10 {
		t.Fatalf("shown %d, want %d (old senders are forgotten, not blocking)", len(out.shown), maxSenders+10)
	}
}

func TestLimiterRefusesEmptyTitle(t *testing.T) {
	out := &fakeNotifier{}
	l := New(out, nil)
	if err := l.Notify("Mia", " \n\t", "b"); !errors.Is(err, ErrEmpty) {
		t.Fatalf("err %v, want ErrEmpty", err)
	}
	if len(out.shown) != 0 {
		t.Fatalf("shown %q", out.shown)
	}
}

func TestTrim(t *testing.T) {
	long := strings.Repeat("咖", MaxBody+1)
	for _, c := range []struct{ in, want string }{
		{"hi", "hi"},
		{"  a\nb\x00c\u2028d  ", "a b c d"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{strings.Repeat("咖", MaxBody), strings.Repeat("咖", MaxBody)},
		{long, strings.Repeat("咖", MaxBody-1) + "…"},
	} {
		got := Trim(c.in, MaxBody)
		if got != c.want {
			t.Errorf("Trim(%q) = %q, want %q", c.in, got, c.want)
		}
		if utf8.RuneCountInString(got) > MaxBody {
			t.Errorf("Trim kept %d runes", utf8.RuneCountInString(got))
		}
	}
}
