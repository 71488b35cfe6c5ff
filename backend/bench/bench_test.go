package bench

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func spawnHost(t testing.TB) *Host {
	t.Helper()
	h, err := Spawn(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("closing the host: %v", err)
		}
	})
	return h
}

// TestShortRun is the short run: 20 members on a room of this
// process, 100 messages from each of 5 senders, each delivered to every
// member exactly once.
func TestShortRun(t *testing.T) {
	for _, tc := range []struct {
		mode   string
		window int
		rate   float64
	}{
		{mode: ModeWindow, window: 10},
		{mode: ModeRate, rate: 2000},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			h := spawnHost(t)
			res, err := Run(context.Background(), Config{
				Addr: h.Addr, Pin: h.Fingerprint, Clients: 20, Senders: 5, Messages: 100,
				Mode: tc.mode, Window: tc.window, Rate: tc.rate, Size: 100,
				Timeout: time.Minute, SelfHost: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() || res.Lost != 0 || res.Duplicated != 0 || res.Disconnected != 0 || res.TimedOut {
				t.Fatalf("run not clean: %+v", res)
			}
			if res.Expected != 20*5*100 || res.Delivered != res.Expected {
				t.Errorf("delivered %d of %d, want 10000 of 10000", res.Delivered, res.Expected)
			}
			if res.Errors != 0 {
				t.Errorf("%d error frames", res.Errors)
			}
			if res.P50Ms > res.P99Ms || res.P99Ms > res.MaxMs || res.MaxMs <= 0 {
				t.Errorf("latencies out of order: p50 %v p99 %v max %v", res.P50Ms, res.P99Ms, res.MaxMs)
			}
			if res.HostCPUPct == nil || res.CPUScope != "host+members" {
				t.Errorf("host CPU not reported for a spawned host: %v %q", res.HostCPUPct, res.CPUScope)
			}
		})
	}
}

// TestIdleRun connects members that send nothing.
func TestIdleRun(t *testing.T) {
	h := spawnHost(t)
	res, err := Run(context.Background(), Config{
		Addr: h.Addr, Pin: h.Fingerprint, Clients: 10, Mode: ModeIdle, Idle: time.Millisecond,
		Timeout: time.Minute, SelfHost: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Expected != 0 || res.Delivered != 0 || res.ProcessHeapKiBPerMember == nil {
		t.Fatalf("idle run: %+v", res)
	}
}

// TestWrongPin fails to set up rather than reporting a run.
func TestWrongPin(t *testing.T) {
	h := spawnHost(t)
	other := spawnHost(t)
	_, err := Run(context.Background(), Config{
		Addr: h.Addr, Pin: other.Fingerprint, Clients: 3, Senders: 1, Messages: 1,
		Mode: ModeWindow, Window: 1, Timeout: time.Minute,
	})
	if err == nil {
		t.Fatal("a run against a host with another key succeeded")
	}
}

func TestConfigCheck(t *testing.T) {
	base := Config{Addr: "127.0.0.1:1", Pin: "x", Clients: 2, Senders: 1, Messages: 1, Mode: ModeWindow, Window: 1, Timeout: time.Second}
	for name, mutate := range map[string]func(*Config){
		"no clients":      func(c *Config) { c.Clients = 0 },
		"senders>clients": func(c *Config) { c.Senders = 3 },
		"no window":       func(c *Config) { c.Window = 0 },
		"no rate":         func(c *Config) { c.Mode = ModeRate },
		"idle sends":      func(c *Config) { c.Mode = ModeIdle },
		"unknown mode":    func(c *Config) { c.Mode = "burst" },
		"no timeout":      func(c *Config) { c.Timeout = 0 },
		"too large":       func(c *Config) { c.Size = 1 << 20 },
	} {
		c := base
		mutate(&c)
		if err := c.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := base.check(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

func TestStampRoundTrip(t *testing.T) {
	for _, size := range []int{0, stampLen, 100, 8 << 10} {
		st := stamp{sender: 99999, seq: 1234567890, sent: time.Now().UnixNano()}
		text := appendStamp(nil, 0xabcdef, st, size)
		if len(text) != max(size, stampLen) {
			t.Errorf("size %d: text of %d bytes", size, len(text))
		}
		got, ok := parseStamp(string(text), 0xabcdef)
		if !ok || got != st {
			t.Errorf("size %d: parsed %+v %v, want %+v", size, got, ok, st)
		}
		if _, ok := parseStamp(string(text), 0xabcdee); ok {
			t.Errorf("another run's tag accepted")
		}
	}
	for _, bad := range []string{"", "hello", "WTB zzzzzz 00001 0000000001 0000000000000000001 "} {
		if _, ok := parseStamp(bad, 0); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	for us := 1; us <= 100000; us++ {
		h.record(time.Duration(us) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		got := h.quantile(tc.q)
		if diff := float64(got-tc.want) / float64(tc.want); diff < -0.01 || diff > 0.01 {
			t.Errorf("quantile(%v) = %v, want %v within 1%%", tc.q, got, tc.want)
		}
	}
	for us := uint64(0); us < 1<<40; us = us*3/2 + 1 {
		i := histIndex(us)
		if i < 0 || i >= histBuckets || histValue(i) < us {
			t.Fatalf("histIndex(%d) = %d, bucket bound %d", us, i, histValue(i))
		}
		if i > 0 && histValue(i-1) >= us {
			t.Fatalf("histIndex(%d) = %d, but bucket %d already holds it", us, i, i-1)
		}
	}
}

// BenchmarkTLSFanOut is the whole path on loopback: 5 senders, window 100,
// into rooms of 50 and 200 members, b.N messages per sender. ns/op is not
// meaningful (it includes connecting); deliveries/s and the latencies are.
func BenchmarkTLSFanOut(b *testing.B) {
	for _, n := range []int{50, 200} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			h := spawnHost(b)
			res, err := Run(context.Background(), Config{
				Addr: h.Addr, Pin: h.Fingerprint, Clients: n, Senders: 5, Messages: b.N,
				Mode: ModeWindow, Window: 100, Size: 100, Timeout: 5 * time.Minute, SelfHost: true,
			})
			if err != nil {
				b.Fatal(err)
			}
			if !res.OK() {
				b.Fatalf("run not clean: %+v", res)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(res.DeliveredPerS, "deliveries/s")
			b.ReportMetric(res.P99Ms, "p99-ms")
		})
	}
}
