package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"wetalk/backend/bench"
	"wetalk/backend/rlimit"
	"wetalk/backend/room"
	"wetalk/backend/secure"
)

// benchScenarios are the runs of the performance issue, by name; flags
// given explicitly override them. docs/performance.md lists them.
var benchScenarios = map[string]map[string]string{
	"short":      {"clients": "20", "senders": "5", "messages": "100", "window": "10"},
	"saturation": {"clients": "200", "senders": "5", "messages": "4000", "window": "100"},
	"latency":    {"clients": "200", "senders": "5", "messages": "2000", "rate": "200"},
	"idle":       {"clients": "1000", "idle": "10s"},
	"connect":    {"clients": "2000", "idle": "1s"},
	// Issue 14 item 5: a full room (room.DefaultMaxMembers), its connect
	// time, the host's memory per member and broadcast throughput.
	"big": {"clients": "5000", "senders": "5", "messages": "200", "window": "20", "timeout": "300s"},
	// Issue 14 item 6: 20 joiners read 10,000 × 8 KB of history while 20
	// members chat; issue 10 row 3: 40 joiners that never read 3,000 × 8 KB.
	"joinstorm": {"clients": "20", "senders": "20", "messages": "600", "rate": "10",
		"history": "10000", "history-size": "8192", "joiners": "20", "timeout": "300s"},
	"joinstorm-idle": {"clients": "20", "senders": "20", "messages": "300", "rate": "10",
		"history": "3000", "history-size": "8192", "joiners": "40", "joiners-idle": "true", "timeout": "300s"},
}

// runBench measures a room: see shared/spec/cli.md and docs/performance.md.
func runBench(ctx context.Context, args []string, env Env) int {
	fs := newFlags("bench", env)
	addr := fs.String("addr", "", "the room's HOST:PORT")
	pin := fs.String("pin", "", "the host key's fingerprint")
	invite := fs.String("invite", "", "an invite link (address and fingerprint)")
	spawn := fs.Bool("spawn", false, "host a room in this process on loopback (rate limit off) and measure it too")
	passwordFile := fs.String("password-file", "", "file holding the room password")
	clients := fs.Int("clients", 0, "members to connect")
	senders := fs.Int("senders", 0, "how many of them send")
	messages := fs.Int("messages", 0, "messages each sender sends")
	window := fs.Int("window", 0, "closed loop: most messages of one sender not yet delivered to every member")
	rate := fs.Float64("rate", 0, "open loop: messages per second per sender")
	idle := fs.Duration("idle", 0, "no messages: hold the members idle this long and measure the host")
	size := fs.Int("size", 100, "bytes per message")
	timeout := fs.Duration("timeout", 60*time.Second, "bound on each run")
	dialers := fs.Int("dialers", 32, "members connecting at once")
	hostPID := fs.Int("host-pid", 0, "the host's process id, to measure its CPU and memory (Linux)")
	scenario := fs.String("scenario", "", "preset: "+strings.Join(slices.Sorted(maps.Keys(benchScenarios)), ", "))
	runs := fs.Int("runs", 1, "repeat the run this many times (one JSON line each)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole command to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file at the end of each run's measured phase")
	history := fs.Int("history", 0, "join storm: fill the history with this many messages first")
	historySize := fs.Int("history-size", 8192, "join storm: bytes per history message")
	joiners := fs.Int("joiners", 0, "join storm: members joining at once while the others chat (needs --rate)")
	joinersIdle := fs.Bool("joiners-idle", false, "join storm: the joiners never read; one more joiner measures the time to join")
	stormAfter := fs.Duration("storm-after", 5*time.Second, "join storm: chat this long (the baseline) before the joins")
	historyBytes := fs.Int("history-bytes", 0, "with --spawn: the host's history bound in bytes (0: enough for --history, at least the default)")
	verbose := fs.Bool("v", false, "log more")
	if ok, status := parse(fs, args); !ok {
		return status
	}
	if *scenario != "" {
		preset, ok := benchScenarios[*scenario]
		if !ok {
			fmt.Fprintf(env.Stderr, "wetalk bench: unknown scenario %q\n", *scenario)
			return ExitUsage
		}
		if err := applyPreset(fs, preset); err != nil {
			fmt.Fprintln(env.Stderr, "wetalk bench:", err)
			return ExitUsage
		}
	}
	log := logger(env, *verbose)

	cfg := bench.Config{
		Addr: *addr, Pin: *pin, Clients: *clients, Senders: *senders, Messages: *messages,
		Window: *window, Rate: *rate, Idle: *idle, Size: *size, Timeout: *timeout,
		Dialers: *dialers, HostPID: *hostPID, SelfHost: *spawn, Log: log,
	}
	if *memProfile != "" {
		cfg.Measured = func() {
			f, err := os.Create(*memProfile)
			if err == nil {
				err = errors.Join(pprof.Lookup("heap").WriteTo(f, 0), f.Close())
			}
			if err != nil {
				fmt.Fprintln(env.Stderr, "wetalk bench: --memprofile:", err)
			}
		}
	}
	if *joiners > 0 {
		cfg.Storm = &bench.Storm{History: *history, HistorySize: *historySize, Joiners: *joiners,
			Idle: *joinersIdle, After: *stormAfter}
		if *spawn {
			if *historyBytes == 0 {
				*historyBytes = max(*history*(*historySize+256)+1<<20, room.DefaultMaxHistoryBytes)
			}
			cfg.Storm.HostHistoryBytes = *historyBytes
		}
	} else if *history > 0 {
		fmt.Fprintln(env.Stderr, "wetalk bench: --history needs --joiners")
		return ExitUsage
	}
	modes := 0
	for _, m := range []struct {
		on   bool
		name string
	}{{*window > 0, bench.ModeWindow}, {*rate > 0, bench.ModeRate}, {*idle > 0, bench.ModeIdle}} {
		if m.on {
			modes++
			cfg.Mode = m.name
		}
	}
	if modes != 1 {
		fmt.Fprintln(env.Stderr, "wetalk bench: give exactly one of --window, --rate and --idle")
		return ExitUsage
	}
	if *invite != "" {
		a, fp, err := secure.ParseInvite(*invite)
		if err != nil {
			fmt.Fprintln(env.Stderr, "wetalk bench: --invite:", err)
			return ExitUsage
		}
		cfg.Addr, cfg.Pin = a, fp
	}
	if *spawn == (cfg.Addr != "") || (!*spawn && cfg.Pin == "") {
		fmt.Fprintln(env.Stderr, "wetalk bench: give either --spawn or the room (--addr and --pin, or --invite)")
		return ExitUsage
	}
	if *passwordFile != "" {
		var err error
		if cfg.Password, err = secure.ReadPasswordFile(*passwordFile); err != nil {
			fmt.Fprintln(env.Stderr, "wetalk bench: --password-file:", err)
			return ExitUsage
		}
	}
	// Each member is a socket here, and with --spawn one more on the host.
	need := uint64(cfg.Clients+*joiners) + 64
	if *spawn {
		need += uint64(cfg.Clients + *joiners)
	}
	if got, err := rlimit.RaiseOpenFiles(need); err != nil || got < need {
		fmt.Fprintf(env.Stderr, "wetalk bench: warning: open-file limit %d, %d needed (%v); raise it with ulimit -n\n", got, need, err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(env.Stderr, "wetalk bench:", err)
			return ExitFail
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(env.Stderr, "wetalk bench:", err)
			return ExitFail
		}
		defer pprof.StopCPUProfile()
	}

	status := ExitOK
	for range max(*runs, 1) {
		res, err := benchOnce(ctx, cfg, *spawn, *historyBytes)
		if err != nil {
			fmt.Fprintln(env.Stderr, "wetalk bench:", err)
			return ExitFail
		}
		line, _ := json.Marshal(res)
		fmt.Fprintf(env.Stdout, "%s\n", line)
		if !res.OK() {
			status = ExitFail
		}
	}
	return status
}

// benchOnce makes one run, against a fresh room of its own with spawn.
func benchOnce(ctx context.Context, cfg bench.Config, spawn bool, historyBytes int) (*bench.Result, error) {
	if spawn {
		host, err := bench.Spawn(cfg.Log, historyBytes)
		if err != nil {
			return nil, err
		}
		defer host.Close()
		cfg.Addr, cfg.Pin = host.Addr, host.Fingerprint
	}
	return bench.Run(ctx, cfg)
}

// applyPreset sets the flags of a scenario that were not given explicitly.
func applyPreset(fs *flag.FlagSet, preset map[string]string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	// A mode given explicitly replaces the preset's.
	modeGiven := given["window"] || given["rate"] || given["idle"]
	for name, value := range preset {
		isMode := name == "window" || name == "rate" || name == "idle"
		if given[name] || (isMode && modeGiven) {
			continue
		}
		if err := fs.Set(name, value); err != nil {
			return err
		}
	}
	return nil
}
