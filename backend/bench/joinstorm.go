package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"wetalk/backend/wire"
)

// Storm is a join storm run alongside a Run's chat (issue 14 item 6, issue
// 10 row 3): before the members connect, one connection fills the room's
// history with History messages of HistorySize bytes; After the chat has
// started, Joiners connect at once. Reading joiners read the whole history
// (their time to it is measured); idle ones send their hello and never
// read, and one more joiner then measures how long a join takes.
type Storm struct {
	History     int
	HistorySize int
	Joiners     int
	Idle        bool
	After       time.Duration
	// HostHistoryBytes is the host's history byte bound, when known
	// (Spawn), to report it.
	HostHistoryBytes int
}

// StormResult is what a Storm measured; it is Result.Storm.
type StormResult struct {
	History          int     `json:"history"`
	HistorySize      int     `json:"history_size"`
	HostHistoryBytes int     `json:"host_history_bytes,omitempty"`
	Joiners          int     `json:"joiners"`
	JoinersRead      bool    `json:"joiners_read"`
	FillS            float64 `json:"fill_s"` // filling the history
	// The chatting members' delivery latency for messages sent before the
	// joins (baseline) and while they were under way (during).
	BaselineP50Ms float64 `json:"baseline_p50_ms"`
	BaselineP99Ms float64 `json:"baseline_p99_ms"`
	DuringP50Ms   float64 `json:"during_p50_ms"`
	DuringP99Ms   float64 `json:"during_p99_ms"`
	DuringMaxMs   float64 `json:"during_max_ms"`
	DuringSamples uint64  `json:"during_samples"`
	StormS        float64 `json:"storm_s"` // from the joins' start until the last joiner was done
	// ChatEndedFirst says the chat ended before the storm did: the
	// "during" figures cover only part of it.
	ChatEndedFirst bool `json:"chat_ended_first,omitempty"`
	// Reading joiners: seconds from dialling to the last history message.
	HistoryMedianS float64 `json:"history_median_s,omitempty"`
	HistoryMaxS    float64 `json:"history_max_s,omitempty"`
	// Idle joiners: a legitimate joiner's seconds to its welcome and to
	// its last history message, while the idle ones are connected.
	JoinS        float64 `json:"join_s,omitempty"`
	JoinHistoryS float64 `json:"join_history_s,omitempty"`
	// JoinerHistory is the history's length in messages as the welcome
	// announced it to a (the last) joiner: the bound in effect shows here.
	JoinerHistory uint64 `json:"joiner_history"`
	// Failed counts joiners that could not join or missed history.
	Failed int `json:"failed"`
	// HostRSSGrowthMiB is the growth of the host's resident memory from
	// just before the joins to when the last joiner was done; RSSScope is
	// "host" or "host+members" (Spawn: the members run in this process).
	HostRSSGrowthMiB *float64 `json:"host_rss_growth_mib,omitempty"`
	RSSScope         string   `json:"rss_scope,omitempty"`
}

func (s *Storm) check() error {
	switch {
	case s.History < 0 || s.Joiners < 1:
		return errors.New("bench: a join storm needs at least one joiner")
	case s.HistorySize < stampLen || s.HistorySize > wire.MaxText:
		return fmt.Errorf("bench: history messages are %d to %d bytes", stampLen, wire.MaxText)
	case s.After < 0:
		return errors.New("bench: the storm's delay must not be negative")
	}
	return nil
}

// fillWindow is how many batches of history messages the filler has in
// flight at most.
const fillWindow = 4

// fill sends the history messages from a connection of its own and waits
// until the host has relayed them all (so they are in its history). The
// filler stays in the room until teardown, reading and discarding, since
// a room that empties forgets its history.
func (r *run) fill(ctx context.Context, conf *tls.Config) error {
	s := r.cfg.Storm
	m, err := dial(ctx, r.cfg.Addr, conf, "filler", r.cfg.Password)
	if err != nil {
		return fmt.Errorf("bench: filling the history: %w", err)
	}
	r.filler = m
	text := strings.Repeat("h", s.HistorySize)
	// At most fillWindow messages are in flight, so that the filler's
	// queue on the host stays short (the host drops members too slow to
	// read it).
	credits := make(chan struct{}, fillWindow)
	for range fillWindow {
		credits <- struct{}{}
	}
	stop := make(chan struct{})
	defer close(stop)
	sent := make(chan error, 1)
	go func() {
		var buf []byte
		for q := 0; q < s.History; {
			select {
			case <-credits:
			case <-stop:
				sent <- nil
				return
			}
			buf = buf[:0]
			for n := 0; n < maxBatch && q < s.History; n++ {
				buf, _ = wire.Append(buf, &wire.Send{Text: text})
				q++
			}
			if _, err := m.conn.Write(buf); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	var msg wire.MessageView
	for got := 0; got < s.History; {
		t, body, err := m.r.ReadFrame()
		if err != nil {
			return fmt.Errorf("bench: filling the history: %w", err)
		}
		if t == wire.TypeError {
			return fmt.Errorf("bench: filling the history: the host sent an error")
		}
		if t == wire.TypeMessage && msg.Decode(body) == nil && !msg.History {
			if got++; got%maxBatch == 0 {
				credits <- struct{}{}
			}
		}
	}
	if err := <-sent; err != nil {
		return fmt.Errorf("bench: filling the history: %w", err)
	}
	m.raw.SetDeadline(time.Time{})
	r.readers.Go(func() {
		for {
			if _, _, err := m.r.ReadFrame(); err != nil {
				return
			}
		}
	})
	return nil
}

// storm waits After, then lets the joiners join at once, and records what
// it measured in res. It ends when every joiner is done or ctx ends.
func (r *run) storm(ctx context.Context, conf *tls.Config, res *StormResult) {
	s := r.cfg.Storm
	timer := time.NewTimer(s.After)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		return
	case <-r.broken:
		return
	}
	rss0 := r.rss()
	start := time.Now()
	r.stormStart.Store(start.UnixNano())
	type joined struct {
		d   time.Duration
		err error
	}
	out := make([]joined, s.Joiners)
	var idle []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range s.Joiners {
		wg.Go(func() {
			name := fmt.Sprintf("joiner%d", i)
			if s.Idle {
				raw, _, err := hello(ctx, r.cfg.Addr, conf, name, r.cfg.Password)
				if err == nil {
					mu.Lock()
					idle = append(idle, raw)
					mu.Unlock()
				}
				out[i] = joined{time.Since(start), err}
				return
			}
			d, _, n, err := joinAndRead(ctx, r.cfg.Addr, conf, name, r.cfg.Password)
			out[i] = joined{d, err}
			mu.Lock()
			res.JoinerHistory = n
			mu.Unlock()
		})
	}
	wg.Wait()
	var ds []time.Duration
	for _, j := range out {
		if j.err != nil {
			res.Failed++
			r.cfg.Log.Warn("joiner failed", "err", j.err)
			continue
		}
		ds = append(ds, j.d)
	}
	if s.Idle {
		d, welcome, n, err := joinAndRead(ctx, r.cfg.Addr, conf, "legit", r.cfg.Password)
		res.JoinerHistory = n
		if err != nil {
			res.Failed++
			r.cfg.Log.Warn("legitimate joiner failed", "err", err)
		}
		res.JoinS, res.JoinHistoryS = welcome.Seconds(), d.Seconds()
	} else if len(ds) > 0 {
		slices.Sort(ds)
		res.HistoryMedianS, res.HistoryMaxS = ds[len(ds)/2].Seconds(), ds[len(ds)-1].Seconds()
	}
	end := time.Now()
	r.stormEnd.Store(end.UnixNano())
	res.StormS = end.Sub(start).Seconds()
	if rss1 := r.rss(); rss0 > 0 && rss1 > 0 {
		v := float64(rss1-rss0) / (1 << 20)
		res.HostRSSGrowthMiB = &v
		res.RSSScope = "host"
		if r.cfg.HostPID == 0 {
			res.RSSScope = "host+members"
		}
	}
	for _, c := range idle {
		c.Close()
	}
}

// rss returns the host's resident memory, or 0 when not known.
func (r *run) rss() int64 {
	pid := r.cfg.HostPID
	if pid == 0 && r.cfg.SelfHost {
		pid = os.Getpid()
	}
	if pid == 0 {
		return 0
	}
	n, _ := procRSS(pid)
	return n
}

// joinAndRead joins the room and reads its whole history, returning the
// time to the last history message and to the welcome, and the history's
// length.
func joinAndRead(ctx context.Context, addr string, conf *tls.Config, name string, password []byte) (all, welcome time.Duration, n uint64, err error) {
	start := time.Now()
	m, err := dial(ctx, addr, conf, name, password)
	if err != nil {
		return 0, 0, 0, err
	}
	defer m.raw.Close()
	welcome = time.Since(start)
	if err := readHistory(ctx, m); err != nil {
		return 0, welcome, m.history, err
	}
	return time.Since(start), welcome, m.history, nil
}

// readHistory reads the history the member's welcome announced.
func readHistory(ctx context.Context, m *member) error {
	if dl, ok := ctx.Deadline(); ok {
		m.raw.SetDeadline(dl)
		defer m.raw.SetDeadline(time.Time{})
	}
	var msg wire.MessageView
	for got := uint64(0); got < m.history; {
		t, body, err := m.r.ReadFrame()
		if err != nil {
			return fmt.Errorf("history %d of %d: %w", got, m.history, err)
		}
		if t == wire.TypeMessage && msg.Decode(body) == nil && msg.History {
			got++
		}
	}
	return nil
}

// stormPhase files a chat latency around the storm: a message sent
// before it started counts as baseline, one sent while it ran as during.
func (r *run) stormPhase(m *member, sent int64, d time.Duration) {
	switch {
	case sent < r.stormStart.Load():
		m.before.record(d)
	case sent < r.stormEnd.Load():
		m.during.record(d)
	}
}

// measureStorm adds the members' phase latencies to res.
func (r *run) measureStorm(res *StormResult) {
	var before, during histogram
	for _, m := range r.members {
		before.merge(&m.before)
		during.merge(&m.during)
	}
	res.BaselineP50Ms, res.BaselineP99Ms = ms(before.quantile(0.5)), ms(before.quantile(0.99))
	res.DuringP50Ms, res.DuringP99Ms, res.DuringMaxMs = ms(during.quantile(0.5)), ms(during.quantile(0.99)), ms(during.max)
	res.DuringSamples = during.n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
