package client

import (
	"testing"
	"time"

	"wetalk/backend/wire"
)

// TestWindowGrant: the window grows towards twice the bandwidth-delay
// product, never past wire.MaxWindow, stays at Window on a short path and
// never moves when fixed.
func TestWindowGrant(t *testing.T) {
	start := time.Unix(1000, 0)
	for _, tc := range []struct {
		name  string
		w     window
		got   int64 // bytes in the first 100 ms
		want  int   // window after
		grant uint64
	}{
		{"short slow path", window{size: Window, rtt: 100 * time.Microsecond}, 5 << 20, Window, 4},
		// 10 ms at 200 MiB/s: 2 MiB, 33 chunks.
		{"short path at 200 MiB/s", window{size: Window, rtt: 100 * time.Microsecond}, 20 << 20, 33, 4 + 33 - Window},
		{"loopback at 1 GiB/s", window{size: Window, rtt: 100 * time.Microsecond}, 100 << 20, wire.MaxWindow, 4 + wire.MaxWindow - Window},
		{"50 ms, 1 MiB per round trip", window{size: Window, rtt: 100 * time.Millisecond}, 1 << 20, 33, 4 + 33 - Window},
		{"fast long path", window{size: Window, rtt: 100 * time.Millisecond}, 100 << 20, wire.MaxWindow, 4 + wire.MaxWindow - Window},
		{"fixed", window{size: Window, rtt: 100 * time.Millisecond, fixed: true}, 100 << 20, Window, 4},
	} {
		w := tc.w
		w.start = start
		grant := w.grant(4, tc.got, start.Add(100*time.Millisecond))
		if w.size != tc.want || grant != tc.grant {
			t.Errorf("%s: window %d, grant %d; want %d, %d", tc.name, w.size, grant, tc.want, tc.grant)
		}
		if again := w.grant(4, 0, start.Add(200*time.Millisecond)); w.size > wire.MaxWindow || again < 4 {
			t.Errorf("%s: window %d, grant %d after", tc.name, w.size, again)
		}
	}
}
