package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"wetalk/backend/lan"
	"wetalk/backend/profile"
	"wetalk/backend/rlimit"
	"wetalk/backend/room"
	"wetalk/backend/secure"
	"wetalk/backend/server"
)

// runServe hosts a room until SIGINT/SIGTERM (ctx ends).
func runServe(ctx context.Context, args []string, env Env) int {
	fs := newFlags("serve", env)
	listen := fs.String("listen", "127.0.0.1:7777", "address to listen on (port 0 picks a free one)")
	passwordFile := fs.String("password-file", "", "file holding the room password (empty file is an error)")
	maxUpload := fs.String("max-upload", "2GiB", "largest file a member may share")
	roomQuota := fs.String("room-quota", "10GiB", "most bytes of shared files the room keeps at once")
	historyBytes := fs.String("history-bytes", "32MiB", "most bytes of messages kept for late joiners, oldest dropped first")
	stateDir := fs.String("state-dir", "", "folder for the host key and the room's files (default: the user's config folder)")
	roomName := fs.String("name-of-room", "WeTalk room", "the room's name as members see it")
	noRateLimit := fs.Bool("no-rate-limit", false, "turn off the per-member command rate limit (benchmarks only)")
	grace := fs.Duration("grace", server.DefaultGrace, "how long a member whose connection dropped keeps its seat to resume it (0: none)")
	maxMembers := fs.Int("max-members", room.DefaultMaxMembers, "most members in the room at once (beyond: room_full)")
	noAnnounce := fs.Bool("no-announce", false, "do not announce the room on the local network (mDNS)")
	verbose := fs.Bool("v", false, "log more")
	clockFile := fs.String("test-clock-file", "", "tests only: a file holding a duration (such as -48h) added to the host's clock at each reading (use with --no-rate-limit)")
	if ok, status := parse(fs, args); !ok {
		return status
	}
	log := logger(env, *verbose)
	var now func() time.Time
	if *clockFile != "" {
		now = fileClock(*clockFile)
	}
	if *grace < 0 {
		fmt.Fprintf(env.Stderr, "wetalk serve: --grace: %v is negative\n", *grace)
		return ExitUsage
	}
	if *grace == 0 {
		*grace = -1 // server.Config: below 0 is none
	}
	if *maxMembers < 1 || *maxMembers > room.DefaultMaxMembers {
		fmt.Fprintf(env.Stderr, "wetalk serve: --max-members: %d is not between 1 and %d\n", *maxMembers, room.DefaultMaxMembers)
		return ExitUsage
	}
	name, err := room.CleanRoomName(*roomName)
	if err != nil {
		fmt.Fprintf(env.Stderr, "wetalk serve: --name-of-room: %v\n", err)
		return ExitUsage
	}
	maxUploadBytes, err := parseSize(*maxUpload)
	if err != nil || maxUploadBytes == 0 {
		fmt.Fprintf(env.Stderr, "wetalk serve: --max-upload: %v\n", sizeError(err, *maxUpload))
		return ExitUsage
	}
	historyBytesN, err := parseSize(*historyBytes)
	if err != nil || historyBytesN == 0 || historyBytesN > 1<<40 {
		fmt.Fprintf(env.Stderr, "wetalk serve: --history-bytes: %v\n", sizeError(err, *historyBytes))
		return ExitUsage
	}
	roomQuotaBytes, err := parseSize(*roomQuota)
	if err != nil || roomQuotaBytes == 0 {
		fmt.Fprintf(env.Stderr, "wetalk serve: --room-quota: %v\n", sizeError(err, *roomQuota))
		return ExitUsage
	}
	var password []byte
	if *passwordFile != "" {
		var err error
		if password, err = secure.ReadPasswordFile(*passwordFile); err != nil {
			fmt.Fprintf(env.Stderr, "wetalk serve: --password-file: %v\n", err)
			return ExitUsage
		}
	}
	prof, err := profile.Open(*stateDir)
	if err != nil {
		fmt.Fprintln(env.Stderr, "wetalk serve:", err)
		return ExitFail
	}
	id, err := prof.HostIdentity()
	if err != nil {
		fmt.Fprintln(env.Stderr, "wetalk serve:", err)
		return ExitFail
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "wetalk serve: cannot listen on %s: %v\n", *listen, err)
		return ExitFail
	}
	bound := ln.Addr().(*net.TCPAddr).AddrPort()
	var an *lan.Announcer
	if !*noAnnounce {
		an = announce(log, bound, name, id.Fingerprint, len(password) > 0)
	}
	if an != nil {
		defer an.Close()
	}
	srv, err := server.New(server.Config{
		RoomName: name, Identity: id, Password: password, Log: log, NoRateLimit: *noRateLimit, Grace: *grace,
		FilesDir: filepath.Join(prof.Dir, "rooms"), MaxUpload: maxUploadBytes, RoomQuota: roomQuotaBytes,
		Now: now, MaxHistoryBytes: int(historyBytesN), MaxMembers: *maxMembers,
		OnMembers: func(n int) {
			if an != nil {
				an.SetMembers(n)
			}
		},
	})
	if err != nil {
		ln.Close()
		fmt.Fprintln(env.Stderr, "wetalk serve:", err)
		return ExitFail
	}
	addr := bound.String()
	invites := Invites(bound, id.Fingerprint)
	line, _ := json.Marshal(listening{
		Type: "listening", Addr: addr, Fingerprint: id.Fingerprint, Invite: invites[0], Invites: invites,
	})
	fmt.Fprintf(env.Stdout, "%s\n", line)
	openFiles, _ := rlimit.RaiseOpenFiles(wantOpenFiles)
	log.Info("hosting", "addr", addr, "fingerprint", id.Fingerprint, "password", len(password) > 0, "open_files", openFiles, "announced", an != nil)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if *verbose {
		stop := make(chan struct{})
		counted := make(chan struct{})
		go func() { defer close(counted); logDefences(log, srv, stop) }()
		defer func() { close(stop); <-counted }()
	}
	select {
	case <-ctx.Done():
		srv.Close("the host closed the room")
		<-served
		return ExitOK
	case err := <-served:
		srv.Close("the host stopped")
		if errors.Is(err, server.ErrServerClosed) {
			return ExitOK
		}
		fmt.Fprintln(env.Stderr, "wetalk serve:", err)
		return ExitFail
	}
}

// fileClock is a clock for tests that need messages stamped on other days
// (date separators): the time now plus the duration written in path, read
// at each reading; a missing or unreadable file adds nothing.
func fileClock(path string) func() time.Time {
	return func() time.Time {
		b, err := os.ReadFile(path)
		if err != nil {
			return time.Now()
		}
		d, err := time.ParseDuration(strings.TrimSpace(string(b)))
		if err != nil {
			return time.Now()
		}
		return time.Now().Add(d)
	}
}

// defenceCountEvery is how often serve -v logs the defence counters, when
// they changed.
const defenceCountEvery = time.Minute

// logDefences logs the host's defence counters every defenceCountEvery
// while they change, and once more when stop is closed.
func logDefences(log *slog.Logger, srv *server.Server, stop <-chan struct{}) {
	tick := time.NewTicker(defenceCountEvery)
	defer tick.Stop()
	var last string
	emit := func() {
		counts := srv.Defences()
		names := make([]string, 0, len(counts))
		for d := range counts {
			names = append(names, string(d))
		}
		slices.Sort(names)
		args := make([]any, 0, 2*len(names))
		for _, n := range names {
			args = append(args, n, counts[server.Defence(n)])
		}
		if line := fmt.Sprint(args...); line != last {
			last = line
			log.Info("defences", args...)
		}
	}
	for {
		select {
		case <-tick.C:
			emit()
		case <-stop:
			emit()
			return
		}
	}
}

// listening is serve's one line on stdout. Invite is the first of Invites,
// which has one invite per address others can dial (see Invites).
type listening struct {
	Type        string   `json:"type"`
	Addr        string   `json:"addr"`
	Fingerprint string   `json:"fingerprint"`
	Invite      string   `json:"invite"`
	Invites     []string `json:"invites"`
}

// Invites returns the invites to a room listening on bound: one per address
// others can dial it at (lan.ReachableAt: the address itself, or for a
// wildcard every usable interface address, IPv4 first), never a wildcard.
// There is always at least one.
func Invites(bound netip.AddrPort, fp string) []string {
	var out []string
	for _, a := range lan.ReachableAt(bound.Addr()) {
		out = append(out, secure.FormatInvite(netip.AddrPortFrom(a, bound.Port()).String(), fp))
	}
	return out
}

// announce starts announcing the room on the local network, or logs why it
// cannot; a room on a loopback address is not announced.
func announce(log *slog.Logger, bound netip.AddrPort, room, fp string, password bool) *lan.Announcer {
	if bound.Addr().IsLoopback() {
		log.Info("not announced on the network: the room listens on a loopback address", "addr", bound)
		return nil
	}
	an, err := lan.Announce(lan.Announcement{
		Room: room, Fingerprint: fp, Port: int(bound.Port()), Password: password, Addrs: lan.ReachableAt(bound.Addr()),
	})
	if err != nil {
		log.Warn("not announced on the network", "err", err)
		return nil
	}
	return an
}

// sizeError explains a size flag that parsed as zero or not at all.
func sizeError(err error, s string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%q: the size must be more than 0", s)
}

// parseSize reads sizes such as 2GiB, 500MiB, 10MB, 4096.
func parseSize(s string) (int64, error) {
	var n int64
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err != nil {
		if _, err2 := fmt.Sscanf(s, "%d", &n); err2 != nil {
			return 0, fmt.Errorf("%q is not a size such as 2GiB or 500MB", s)
		}
		unit = ""
	}
	mult := map[string]int64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit]
	if mult == 0 || n < 0 {
		return 0, fmt.Errorf("%q is not a size such as 2GiB or 500MB", s)
	}
	return n * mult, nil
}
