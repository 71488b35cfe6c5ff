package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// Modes of a run.
const (
	ModeWindow = "window" // closed loop: at most Window messages per sender in flight
	ModeRate   = "rate"   // open loop: Rate messages per second per sender
	ModeIdle   = "idle"   // no messages: members connect and stay idle for Idle
)

// Config describes one run.
type Config struct {
	// Addr and Pin say which room to load and how to trust its host.
	Addr, Pin string
	// Password is the room password, if it has one.
	Password []byte
	// Clients members join; the first Senders of them send Messages each.
	Clients, Senders, Messages int
	// Mode is ModeWindow, ModeRate or ModeIdle; Window, Rate and Idle are
	// its parameter.
	Mode   string
	Window int
	Rate   float64
	Idle   time.Duration
	// Size is each message's length in bytes (at least the stamp's 48).
	Size int
	// Timeout bounds the whole run: connecting, sending, delivering.
	Timeout time.Duration
	// Dialers is how many members connect at once; 0 means 32.
	Dialers int
	// HostPID, if not 0, is the host's process (Linux): its CPU time and
	// resident memory are measured. SelfHost says the host runs in this
	// process (Spawn): this process is measured, members included.
	HostPID  int
	SelfHost bool
	// Log receives progress lines; nil discards them.
	Log *slog.Logger
	// Measured, if set, is called at the end of the measured phase, while
	// the members are still connected (to take a heap profile, say).
	Measured func()
	// Storm, if set, fills the room's history before the members connect
	// and lets joiners join at once while they chat (rate mode).
	Storm *Storm
}

// Result is one run's measurement, in the JSON shape of the command-line
// contract (type "bench") plus added fields.
type Result struct {
	Type          string  `json:"type"`
	Clients       int     `json:"clients"`
	Senders       int     `json:"senders"`
	Messages      int     `json:"messages"`
	Mode          string  `json:"mode"`
	Window        int     `json:"window,omitempty"`
	Rate          float64 `json:"rate,omitempty"`
	IdleS         float64 `json:"idle_s,omitempty"`
	Size          int     `json:"size"`
	Delivered     int64   `json:"delivered"`
	Expected      int64   `json:"expected"`
	Lost          int64   `json:"lost"`
	Duplicated    int64   `json:"duplicated"`
	Errors        int64   `json:"errors"`       // error frames the host sent (e.g. rate_limited)
	Disconnected  int     `json:"disconnected"` // members whose connection ended early
	TimedOut      bool    `json:"timed_out"`
	ConnectS      float64 `json:"connect_s"` // until every member was welcomed
	Seconds       float64 `json:"seconds"`   // first send to last delivery
	DeliveredPerS float64 `json:"delivered_per_s"`
	P50Ms         float64 `json:"p50_ms"`
	P90Ms         float64 `json:"p90_ms"`
	P99Ms         float64 `json:"p99_ms"`
	MaxMs         float64 `json:"max_ms"`
	// HostCPUPct is the host's CPU time over the measured phase (sending,
	// or the idle period) as a percentage of one core; CPUScope says what
	// it covers: "host" (a separate process, HostPID) or "host+members"
	// (Spawn: the members run in the same process, so this bounds the
	// host's share from above).
	HostCPUPct *float64 `json:"host_cpu_pct,omitempty"`
	CPUScope   string   `json:"cpu_scope,omitempty"`
	// ProcessCPUPct is this process's CPU over the same phase.
	ProcessCPUPct float64 `json:"process_cpu_pct"`
	// HostRSSKiBPerMember is the growth of the host's resident memory
	// from before the members connected to the end of the phase, per
	// member (HostPID only).
	HostRSSKiBPerMember *float64 `json:"host_rss_kib_per_member,omitempty"`
	// DeliveriesPerWrite is the messages delivered per write system call
	// of the host (CPUScope says whether the members' writes, which are few,
	// are counted too): how well the host coalesces (Linux only).
	DeliveriesPerWrite *float64 `json:"deliveries_per_write,omitempty"`
	// ProcessHeapKiBPerMember is the growth of this process's Go heap and
	// stacks over the same span, per member (Spawn: host and members).
	ProcessHeapKiBPerMember *float64 `json:"process_heap_kib_per_member,omitempty"`
	// Storm is what a join storm (Config.Storm) measured.
	Storm *StormResult `json:"storm,omitempty"`
}

// OK reports whether every message arrived exactly once in time.
func (r *Result) OK() bool {
	return r.Lost == 0 && r.Duplicated == 0 && !r.TimedOut && r.Disconnected == 0 &&
		(r.Storm == nil || r.Storm.Failed == 0)
}

// Run carries out one run. It returns an error when the run could not be
// set up (bad configuration, a member could not join); lost, duplicated
// or late messages are in the Result (see OK).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	tlsConf, err := secure.ClientConfig(secure.ClientOptions{Addr: cfg.Addr, Pin: cfg.Pin})
	if err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	r := &run{
		cfg:      cfg,
		tag:      rand.Uint32() & 0xffffff,
		expect:   int64(cfg.Senders) * int64(cfg.Messages),
		complete: make(chan struct{}),
		broken:   make(chan struct{}),
	}
	r.pending.Store(int64(cfg.Clients))
	r.stormStart.Store(math.MaxInt64)
	r.stormEnd.Store(math.MaxInt64)
	var storm *StormResult
	if s := cfg.Storm; s != nil {
		storm = &StormResult{History: s.History, HistorySize: s.HistorySize, HostHistoryBytes: s.HostHistoryBytes,
			Joiners: s.Joiners, JoinersRead: !s.Idle}
		fillStart := time.Now()
		if err := r.fill(ctx, tlsConf); err != nil {
			r.teardown()
			return nil, err
		}
		storm.FillS = time.Since(fillStart).Seconds()
		cfg.Log.Info("history filled", "messages", s.History, "seconds", storm.FillS)
	}
	if cfg.Mode == ModeWindow {
		r.counts = make([][]atomic.Int32, cfg.Senders)
		r.credits = make([]chan struct{}, cfg.Senders)
		for s := range cfg.Senders {
			r.counts[s] = make([]atomic.Int32, cfg.Window)
			r.credits[s] = make(chan struct{}, cfg.Window)
		}
	}
	before := r.memory()

	connectStart := time.Now()
	if err := r.connect(ctx, tlsConf); err != nil {
		r.teardown()
		return nil, err
	}
	res := r.result()
	res.ConnectS = time.Since(connectStart).Seconds()
	cfg.Log.Info("members connected", "n", cfg.Clients, "seconds", res.ConnectS)

	cpu0, hostCPU0 := r.cpu()
	writes0 := r.hostWrites()
	start := time.Now()
	stopBeat := make(chan struct{})
	beating := make(chan struct{})
	go func() { defer close(beating); r.heartbeat(stopBeat) }()
	stormed := make(chan struct{})
	if storm != nil {
		go func() { defer close(stormed); r.storm(ctx, tlsConf, storm) }()
	} else {
		close(stormed)
	}
	var end time.Time
	if cfg.Mode == ModeIdle {
		end = r.idle(ctx)
	} else {
		end = r.exchange(ctx, start)
	}
	<-stormed
	cpu1, hostCPU1 := r.cpu()
	writes1 := r.hostWrites()
	after := r.memory()
	timedOut := ctx.Err() != nil
	if cfg.Measured != nil {
		cfg.Measured()
	}

	close(stopBeat)
	<-beating
	r.teardown()
	r.measure(res)
	if storm != nil {
		r.measureStorm(storm)
		storm.ChatEndedFirst = end.UnixNano() < r.stormEnd.Load()
		res.Storm = storm
	}
	res.TimedOut = timedOut
	wall := end.Sub(start)
	res.Seconds = wall.Seconds()
	if res.Seconds > 0 {
		res.DeliveredPerS = float64(res.Delivered) / res.Seconds
	}
	if cpu0 >= 0 && cpu1 >= 0 && wall > 0 {
		res.ProcessCPUPct = pct(cpu1-cpu0, wall)
	}
	if hostCPU0 >= 0 && hostCPU1 >= 0 && wall > 0 {
		v := pct(hostCPU1-hostCPU0, wall)
		res.HostCPUPct = &v
		res.CPUScope = "host"
		if cfg.SelfHost && cfg.HostPID == 0 {
			res.CPUScope = "host+members"
		}
	}
	if writes0 >= 0 && writes1 > writes0 && res.Delivered > 0 {
		v := float64(res.Delivered) / float64(writes1-writes0)
		res.DeliveriesPerWrite = &v
	}
	n := float64(cfg.Clients)
	if before.hostRSS > 0 && after.hostRSS > 0 {
		v := float64(after.hostRSS-before.hostRSS) / 1024 / n
		res.HostRSSKiBPerMember = &v
	}
	if cfg.SelfHost {
		v := float64(int64(after.goMem)-int64(before.goMem)) / 1024 / n
		res.ProcessHeapKiBPerMember = &v
	}
	return res, nil
}

func (cfg *Config) check() error {
	switch {
	case cfg.Addr == "" || cfg.Pin == "":
		return errors.New("bench: the room's address and the host's fingerprint are needed")
	case cfg.Clients < 1:
		return errors.New("bench: at least one client is needed")
	case cfg.Senders < 0 || cfg.Senders > cfg.Clients || cfg.Senders > 99999:
		return fmt.Errorf("bench: senders must be between 0 and the number of clients (%d)", cfg.Clients)
	case cfg.Messages < 0 || cfg.Messages > 1e9:
		return errors.New("bench: messages must be between 0 and 10^9")
	case cfg.Timeout <= 0:
		return errors.New("bench: the timeout must be positive")
	case cfg.Size > wire.MaxText:
		return fmt.Errorf("bench: a message is at most %d bytes", wire.MaxText)
	}
	if cfg.Storm != nil {
		if err := cfg.Storm.check(); err != nil {
			return err
		}
		if cfg.Mode != ModeRate {
			return errors.New("bench: a join storm runs with a chat at a rate (--rate)")
		}
	}
	switch cfg.Mode {
	case ModeWindow:
		if cfg.Window < 1 {
			return errors.New("bench: the window must be at least 1")
		}
	case ModeRate:
		if cfg.Rate <= 0 {
			return errors.New("bench: the rate must be positive")
		}
	case ModeIdle:
		if cfg.Senders*cfg.Messages != 0 {
			return errors.New("bench: an idle run sends no messages")
		}
	default:
		return fmt.Errorf("bench: unknown mode %q", cfg.Mode)
	}
	if cfg.Dialers == 0 {
		cfg.Dialers = 32
	}
	return nil
}

func pct(cpu, wall time.Duration) float64 { return 100 * cpu.Seconds() / wall.Seconds() }

// run is the state of one Run.
type run struct {
	cfg    Config
	tag    uint32 // marks this run's messages
	expect int64  // messages each member should receive

	members []*member // set by connect; each read only by its own readLoop
	readers sync.WaitGroup
	closing atomic.Bool // set by teardown: read errors are expected

	pending   atomic.Int64  // members still missing messages
	complete  chan struct{} // closed when pending reaches 0
	broken    chan struct{} // closed when a member is lost or misses a message
	brokeOnce sync.Once

	// Window mode: counts[s][q%Window] is how many members received
	// message q of sender s; the member completing it resets the slot and
	// returns a credit to credits[s]. Each member receives a sender's
	// messages in order, so they complete in order, and the at most Window
	// messages in flight have distinct slots.
	counts  [][]atomic.Int32
	credits []chan struct{}

	// Storm: when the joins started and ended (UnixNano), MaxInt64 until
	// then.
	stormStart, stormEnd atomic.Int64
	filler               *member // Storm: the member that filled the history
}

// member is one connection of the run and what its readLoop recorded.
type member struct {
	raw  net.Conn
	conn *tls.Conn
	r    *wire.Reader

	// Owned by readLoop until readers.Wait returns.
	next       []int // per sender: the next sequence number expected
	unique     int64
	duplicated int64
	missed     int64
	errors     int64
	lostConn   error
	hist       histogram
	history    uint64    // history messages the welcome announced
	before     histogram // Storm: latencies of messages sent before the joins
	during     histogram // and while they were under way
}

func (r *run) breakRun() { r.brokeOnce.Do(func() { close(r.broken) }) }

// connect dials every member, Dialers at a time, and starts their loops.
func (r *run) connect(ctx context.Context, conf *tls.Config) error {
	r.members = make([]*member, r.cfg.Clients)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := atomic.Int64{}
	// Connecting thousands takes longer than the host waits for a silent
	// member (wire.PingTimeout): the members already in send their
	// heartbeat meanwhile, as clients do.
	var upMu sync.Mutex
	var up []*member // guarded by upMu
	stopBeat, beating := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(beating)
		beat(stopBeat, func() []*member {
			upMu.Lock()
			defer upMu.Unlock()
			return up[:len(up):len(up)]
		})
	}()
	defer func() { close(stopBeat); <-beating }()
	var wg sync.WaitGroup
	for range min(r.cfg.Dialers, r.cfg.Clients) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= r.cfg.Clients || ctx.Err() != nil {
					return
				}
				m, err := dial(ctx, r.cfg.Addr, conf, fmt.Sprintf("bench%d", i), r.cfg.Password)
				if err != nil {
					cancel(fmt.Errorf("bench: member %d: %w", i, err))
					return
				}
				if r.cfg.Storm != nil {
					// Read the history now, so that the baseline does
					// not measure the members' own history download.
					if err := readHistory(ctx, m); err != nil {
						m.raw.Close()
						cancel(fmt.Errorf("bench: member %d: %w", i, err))
						return
					}
				}
				m.next = make([]int, r.cfg.Senders)
				upMu.Lock()
				up = append(up, m)
				upMu.Unlock()
				r.members[i] = m
				r.readers.Go(func() { r.readLoop(m) })
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// hello connects, completes the TLS handshake and sends a hello; the
// connection has ctx's deadline.
func hello(ctx context.Context, addr string, conf *tls.Config, name string, password []byte) (net.Conn, *tls.Conn, error) {
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	conn := tls.Client(raw, conf)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, nil, err
	}
	h := wire.NewHello()
	h.Name, h.Password = name, password
	frame, err := wire.Encode(h)
	if err == nil {
		_, err = conn.Write(frame)
	}
	if err != nil {
		raw.Close()
		return nil, nil, err
	}
	return raw, conn, nil
}

// dial connects one member and waits for its welcome.
func dial(ctx context.Context, addr string, conf *tls.Config, name string, password []byte) (*member, error) {
	raw, conn, err := hello(ctx, addr, conf, name, password)
	if err != nil {
		return nil, err
	}
	rd := wire.NewReader(conn)
	f, err := rd.ReadMessage()
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("no welcome: %w", err)
	}
	var history uint64
	switch f := f.(type) {
	case *wire.Welcome:
		history = f.History
	case *wire.ErrorFrame:
		raw.Close()
		return nil, &wire.Error{Code: f.Code, Message: f.Message}
	default:
		raw.Close()
		return nil, fmt.Errorf("the host answered the hello with %v", f.Type())
	}
	raw.SetDeadline(time.Time{})
	return &member{raw: raw, conn: conn, r: rd, history: history}, nil
}

// readLoop records every message the member receives until its connection
// ends.
func (r *run) readLoop(m *member) {
	n := int32(r.cfg.Clients)
	var msg wire.MessageView
	done := r.expect == 0
	if done {
		r.arrived()
	}
	for {
		t, body, err := m.r.ReadFrame()
		if err != nil {
			if !r.closing.Load() {
				m.lostConn = err
				r.breakRun()
			}
			return
		}
		if t == wire.TypeError {
			m.errors++
			continue
		}
		if t != wire.TypeMessage {
			continue
		}
		now := time.Now().UnixNano()
		if err := msg.Decode(body); err != nil {
			m.errors++
			continue
		}
		st, ok := parseStamp(msg.Text, r.tag)
		if !ok || msg.History || st.sender >= r.cfg.Senders || st.seq >= r.cfg.Messages {
			continue
		}
		switch next := m.next[st.sender]; {
		case st.seq < next:
			m.duplicated++
			r.breakRun()
			continue
		case st.seq > next:
			m.missed += int64(st.seq - next)
			r.breakRun()
		}
		m.next[st.sender] = st.seq + 1
		m.unique++
		m.hist.record(time.Duration(now - st.sent))
		if r.cfg.Storm != nil {
			r.stormPhase(m, st.sent, time.Duration(now-st.sent))
		}
		if r.counts != nil {
			if c := &r.counts[st.sender][st.seq%r.cfg.Window]; c.Add(1) == n {
				c.Store(0) // before the credit lets the sender reuse the slot
				r.credits[st.sender] <- struct{}{}
			}
		}
		if !done && m.unique == r.expect {
			done = true
			r.arrived()
		}
	}
}

// arrived notes that one more member has every message.
func (r *run) arrived() {
	if r.pending.Add(-1) == 0 {
		close(r.complete)
	}
}

// exchange runs the senders and returns when every member has every
// message, one is lost, or ctx ends.
func (r *run) exchange(ctx context.Context, start time.Time) time.Time {
	ctx, cancel := context.WithCancel(ctx)
	var senders sync.WaitGroup
	for s := range r.cfg.Senders {
		senders.Go(func() {
			var err error
			if r.cfg.Mode == ModeWindow {
				err = r.sendWindow(ctx, s)
			} else {
				err = r.sendRate(ctx, s, start)
			}
			if err != nil && ctx.Err() == nil {
				r.cfg.Log.Warn("sender failed", "sender", s, "err", err)
				r.breakRun()
			}
		})
	}
	var end time.Time
	select {
	case <-r.complete:
		end = time.Now()
	case <-r.broken:
		end = time.Now()
	case <-ctx.Done():
		end = time.Now()
	}
	cancel()
	// A sender may be blocked writing to a host that stopped reading: a
	// deadline in the past ends the write.
	for _, m := range r.members[:r.cfg.Senders] {
		m.raw.SetWriteDeadline(time.Now())
	}
	senders.Wait()
	return end
}

// maxBatch is the most messages a sender writes in one go.
const maxBatch = 64

// sendWindow sends sender s's messages keeping at most Window of them not
// yet delivered to every member.
func (r *run) sendWindow(ctx context.Context, s int) error {
	m, credits := r.members[s], r.cfg.Window
	var buf, text []byte
	for q := 0; q < r.cfg.Messages; {
		if credits == 0 {
			select {
			case <-r.credits[s]:
				credits++
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	drain:
		for {
			select {
			case <-r.credits[s]:
				credits++
			default:
				break drain
			}
		}
		n := min(credits, r.cfg.Messages-q, maxBatch)
		now := time.Now().UnixNano()
		buf = buf[:0]
		for k := range n {
			text = appendStamp(text[:0], r.tag, stamp{sender: s, seq: q + k, sent: now}, r.cfg.Size)
			buf, _ = wire.Append(buf, &wire.Send{Text: string(text)})
		}
		if _, err := m.conn.Write(buf); err != nil {
			return err
		}
		credits -= n
		q += n
	}
	return nil
}

// sendRate sends sender s's messages at Rate per second from start, each
// stamped with the time it was due, so a stall anywhere shows as latency.
// The senders' schedules are staggered evenly.
func (r *run) sendRate(ctx context.Context, s int, start time.Time) error {
	m := r.members[s]
	interval := float64(time.Second) / r.cfg.Rate
	offset := interval * float64(s) / float64(r.cfg.Senders)
	due := func(q int) time.Time { return start.Add(time.Duration(offset + interval*float64(q))) }
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var buf, text []byte
	for q := 0; q < r.cfg.Messages; {
		if wait := time.Until(due(q)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		now := time.Now()
		buf = buf[:0]
		for n := 0; n < maxBatch && q < r.cfg.Messages && !due(q).After(now); n++ {
			text = appendStamp(text[:0], r.tag, stamp{sender: s, seq: q, sent: due(q).UnixNano()}, r.cfg.Size)
			buf, _ = wire.Append(buf, &wire.Send{Text: string(text)})
			q++
		}
		if _, err := m.conn.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// heartbeat sends a ping for every member that does not send messages
// (senders are heard anyway) every wire.PingInterval until stop is closed,
// so that the host does not drop them as silent during a long run. It is
// the only writer of those members' connections.
func (r *run) heartbeat(stop <-chan struct{}) {
	beat(stop, func() []*member {
		idle := r.members[min(r.cfg.Senders, len(r.members)):]
		if r.filler != nil {
			idle = append(idle[:len(idle):len(idle)], r.filler)
		}
		return idle
	})
}

// beat pings the members who returns every wire.PingInterval until stop
// is closed.
func beat(stop <-chan struct{}, who func() []*member) {
	ping, _ := wire.Encode(&wire.Ping{})
	tick := time.NewTicker(wire.PingInterval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			for _, m := range who() {
				m.conn.SetWriteDeadline(time.Now().Add(wire.PingInterval))
				m.conn.Write(ping)
				m.conn.SetWriteDeadline(time.Time{}) // a sender's writes have none
			}
		}
	}
}

// idle holds the members, silent, for Idle.
func (r *run) idle(ctx context.Context) time.Time {
	timer := time.NewTimer(r.cfg.Idle)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-r.broken:
	case <-ctx.Done():
	}
	return time.Now()
}

// teardown closes every member's connection and waits for the loops.
func (r *run) teardown() {
	r.closing.Store(true)
	for _, m := range append(r.members[:len(r.members):len(r.members)], r.filler) {
		if m != nil {
			m.raw.Close()
		}
	}
	r.readers.Wait()
}

// result returns the Result's fixed fields.
func (r *run) result() *Result {
	c := r.cfg
	res := &Result{
		Type: "bench", Clients: c.Clients, Senders: c.Senders, Messages: c.Messages,
		Mode: c.Mode, Size: max(c.Size, stampLen), Expected: r.expect * int64(c.Clients),
	}
	switch c.Mode {
	case ModeWindow:
		res.Window = c.Window
	case ModeRate:
		res.Rate = c.Rate
	case ModeIdle:
		res.IdleS = c.Idle.Seconds()
	}
	return res
}

// measure adds up what the members recorded. The readers have ended.
func (r *run) measure(res *Result) {
	var h histogram
	for _, m := range r.members {
		res.Delivered += m.unique
		res.Duplicated += m.duplicated
		res.Errors += m.errors
		if m.lostConn != nil {
			res.Disconnected++
		}
		h.merge(&m.hist)
	}
	res.Lost = res.Expected - res.Delivered
	res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs = ms(h.quantile(0.5)), ms(h.quantile(0.9)), ms(h.quantile(0.99)), ms(h.max)
}

// cpu returns this process's CPU time and the host's, each -1 when not
// known.
func (r *run) cpu() (self, host time.Duration) {
	self, host = -1, -1
	if d, ok := processCPU(); ok {
		self = d
		if r.cfg.SelfHost {
			host = d
		}
	}
	if r.cfg.HostPID != 0 {
		if d, err := procCPU(r.cfg.HostPID); err == nil {
			host = d
		}
	}
	return self, host
}

// hostWrites returns how many write system calls the host has made, or -1
// when not known.
func (r *run) hostWrites() int64 {
	pid := r.cfg.HostPID
	if r.cfg.SelfHost {
		pid = os.Getpid()
	}
	if pid == 0 {
		return -1
	}
	n, err := procWrites(pid)
	if err != nil {
		return -1
	}
	return n
}

// usage is a memory sample.
type usage struct {
	hostRSS int64  // the host process's resident bytes (HostPID), or 0
	goMem   uint64 // this process's Go heap in use and stacks, after a GC
}

func (r *run) memory() usage {
	var u usage
	if r.cfg.HostPID != 0 && r.cfg.HostPID != os.Getpid() {
		u.hostRSS, _ = procRSS(r.cfg.HostPID)
	}
	if r.cfg.SelfHost {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		u.goMem = ms.HeapInuse + ms.StackInuse
	}
	return u
}
