package bench

import (
	"context"
	"testing"
	"time"
)

// TestJoinStorm runs a tiny join storm of each kind: the history is filled,
// the joiners join while the members chat, every message is delivered and
// every joiner gets the whole history (or, idle, does not stop a
// legitimate joiner).
func TestJoinStorm(t *testing.T) {
	for _, idle := range []bool{false, true} {
		t.Run(map[bool]string{false: "reading", true: "idle"}[idle], func(t *testing.T) {
			h := spawnHost(t)
			res, err := Run(context.Background(), Config{
				Addr: h.Addr, Pin: h.Fingerprint, Clients: 4, Senders: 4, Messages: 100,
				Mode: ModeRate, Rate: 50, Size: 100, Timeout: time.Minute, SelfHost: true,
				Storm: &Storm{History: 50, HistorySize: 1000, Joiners: 3, Idle: idle, After: 200 * time.Millisecond},
			})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Storm
			if !res.OK() || s == nil || s.Failed != 0 {
				t.Fatalf("run not clean: %+v %+v", res, s)
			}
			if res.Delivered != res.Expected || res.Expected != 4*4*100 {
				t.Errorf("delivered %d of %d", res.Delivered, res.Expected)
			}
			if s.History != 50 || s.Joiners != 3 || s.JoinersRead == idle {
				t.Errorf("storm parameters not reported: %+v", s)
			}
			if s.BaselineP99Ms <= 0 || s.BaselineP50Ms > s.BaselineP99Ms || s.DuringP50Ms > s.DuringP99Ms {
				t.Errorf("phase latencies out of order: %+v", s)
			}
			if idle {
				if s.JoinS <= 0 || s.JoinHistoryS < s.JoinS {
					t.Errorf("legitimate join not measured: %+v", s)
				}
			} else if s.HistoryMedianS <= 0 || s.HistoryMaxS < s.HistoryMedianS {
				t.Errorf("time to history not measured: %+v", s)
			}
			if s.HostRSSGrowthMiB == nil || s.RSSScope != "host+members" {
				t.Errorf("RSS growth not reported: %+v", s)
			}

			// The joiners got the filled history and the chat before them.
			if s.JoinerHistory < 50 {
				t.Errorf("joiners got %d history messages, want at least 50", s.JoinerHistory)
			}
		})
	}
}

func TestStormCheck(t *testing.T) {
	base := Config{Addr: "127.0.0.1:1", Pin: "x", Clients: 2, Senders: 1, Messages: 1, Mode: ModeRate, Rate: 1,
		Timeout: time.Second, Storm: &Storm{History: 1, HistorySize: 100, Joiners: 1}}
	for name, mutate := range map[string]func(*Config){
		"window mode":    func(c *Config) { c.Mode, c.Window = ModeWindow, 1 },
		"no joiners":     func(c *Config) { c.Storm.Joiners = 0 },
		"too large":      func(c *Config) { c.Storm.HistorySize = 1 << 20 },
		"negative after": func(c *Config) { c.Storm.After = -time.Second },
	} {
		c := base
		s := *base.Storm
		c.Storm = &s
		mutate(&c)
		if err := c.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := base.check(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}
