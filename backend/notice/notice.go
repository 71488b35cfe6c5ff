package notice

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what one notification shows and how often.
const (
	// SenderGap is the least time between two notifications from one sender.
	SenderGap = 5 * time.Second
	// DesktopGap is the least time between any two notifications.
	DesktopGap = time.Second
	// MaxTitle and MaxBody are the most runes a title and a body keep.
	MaxTitle = 120
	MaxBody  = 240
	// maxSenders bounds how many senders the limiter remembers at once.
	maxSenders = 256
)

// ErrCoalesced says a notification was not shown because another one, from
// the same sender or just before it, was shown too recently.
var ErrCoalesced = errors.New("notice: coalesced with a recent notification")

// ErrEmpty says a notification had no title left to show.
var ErrEmpty = errors.New("notice: empty title")

// Notifier shows one desktop notification.
type Notifier interface {
	Notify(title, body string) error
}

// Limiter passes notifications on to a Notifier, trimmed and rate limited.
// It is safe for concurrent use.
type Limiter struct {
	// out shows the notifications; set by New.
	out Notifier
	// now is the clock; set by New.
	now func() time.Time

	mu sync.Mutex
	// last is when each sender's last notification was shown; guarded by mu.
	last map[string]time.Time
	// any is when the last notification of all was shown; guarded by mu.
	any time.Time
}

// New returns a Limiter that shows notifications through out, reading the
// time from now (time.Now if nil).
func New(out Notifier, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{out: out, now: now, last: make(map[string]time.Time)}
}

// Notify shows a notification about sender's message, unless one from the
// same sender was shown in the last SenderGap or any was shown in the last
// DesktopGap: then it returns ErrCoalesced and shows nothing. A refused or
// failed notification does not count against the sender.
func (l *Limiter) Notify(sender, title, body string) error {
	title, body = Trim(title, MaxTitle), Trim(body, MaxBody)
	if title == "" {
		return ErrEmpty
	}
	at, ok := l.reserve(sender)
	if !ok {
		return ErrCoalesced
	}
	if err := l.out.Notify(title, body); err != nil {
		l.release(sender, at)
		return fmt.Errorf("notice: %w", err)
	}
	return nil
}

// reserve records a notification from sender now, if one may be shown.
func (l *Limiter) reserve(sender string) (time.Time, bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.any.IsZero() && now.Sub(l.any) < DesktopGap {
		return now, false
	}
	if t, ok := l.last[sender]; ok && now.Sub(t) < SenderGap {
		return now, false
	}
	if len(l.last) >= maxSenders {
		for s, t := range l.last {
			if now.Sub(t) >= SenderGap {
				delete(l.last, s)
			}
		}
		if len(l.last) >= maxSenders {
			return now, false
		}
	}
	l.last[sender], l.any = now, now
	return now, true
}

// release forgets the reservation made at at, if nothing replaced it.
func (l *Limiter) release(sender string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last[sender].Equal(at) {
		delete(l.last, sender)
	}
	if l.any.Equal(at) {
		l.any = time.Time{}
	}
}

// Trim returns s with control characters and line breaks turned into spaces,
// invalid UTF-8 replaced, surrounding space removed, and cut to at most max
// runes (an ellipsis marks a cut).
func Trim(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}
