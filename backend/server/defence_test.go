package server

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestDefenceLogLimited: a defence is logged once a minute per address at
// most, however often it is used, and every use is counted.
func TestDefenceLogLimited(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1e9, 0)
	d := newDefences(slog.New(slog.NewTextHandler(&buf, nil)), func() time.Time { return now })
	a, b := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.3")
	for range 10000 {
		d.note(DefencePendingCap, a, "closed")
		d.note(DefencePendingCap, b, "closed")
	}
	d.note(DefenceProtocol, a, "bad frame")
	if got := strings.Count(buf.String(), "\n"); got != 3 {
		t.Fatalf("%d lines for 20,001 uses in one minute:\n%s", got, buf.String())
	}
	now = now.Add(time.Minute)
	buf.Reset()
	d.note(DefencePendingCap, a, "closed")
	if line := buf.String(); !strings.Contains(line, "not_logged=9999") || !strings.Contains(line, "total=20001") {
		t.Fatalf("a minute later: %q", line)
	}
	if c := d.snapshot(); c[DefencePendingCap] != 20001 || c[DefenceProtocol] != 1 {
		t.Fatalf("counters %v", c)
	}
	// Many addresses do not grow the table past its bound.
	for i := range 3 * defenceMaxTracked {
		d.note(DefenceAdmitTimeout, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), "slow")
	}
	if n := len(d.logged); n > defenceMaxTracked {
		t.Fatalf("%d pairs remembered", n)
	}
}
