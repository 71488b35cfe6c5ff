package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"wetalk/backend/profile"
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
	stateDir := fs.String("state-dir", "", "folder for the host key and the room's files (default: the user's config folder)")
	roomName := fs.String("name-of-room", "WeTalk room", "the room's name as members see it")
	noRateLimit := fs.Bool("no-rate-limit", false, "turn off the per-member command rate limit (benchmarks only)")
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
	srv, err := server.New(server.Config{
		RoomName: name, Identity: id, Password: password, Log: log, NoRateLimit: *noRateLimit,
		FilesDir: filepath.Join(prof.Dir, "rooms"), MaxUpload: maxUploadBytes, RoomQuota: roomQuotaBytes,
		Now: now,
	})
	if err != nil {
		fmt.Fprintln(env.Stderr, "wetalk serve:", err)
		return ExitFail
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "wetalk serve: cannot listen on %s: %v\n", *listen, err)
		return ExitFail
	}
	addr := ln.Addr().String()
	line, _ := json.Marshal(map[string]string{
		"type": "listening", "addr": addr, "fingerprint": id.Fingerprint,
		"invite": secure.FormatInvite(addr, id.Fingerprint),
	})
	fmt.Fprintf(env.Stdout, "%s\n", line)
	log.Info("hosting", "addr", addr, "fingerprint", id.Fingerprint, "password", len(password) > 0)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
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
