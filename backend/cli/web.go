package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/profile"
	"wetalk/backend/session"
	"wetalk/backend/web"
)

// runWeb serves the frontend to a browser on this machine, each tab driving
// its own session through the WebSocket bridge, until SIGINT/SIGTERM.
func runWeb(ctx context.Context, args []string, env Env) int {
	fs := newFlags("web", env)
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to serve the UI on (port 0 picks a free one)")
	stateDir := fs.String("state-dir", "", "folder for known hosts, the host key and recent rooms (default: the user's config folder)")
	lan := fs.Bool("lan", false, "rooms hosted from the browser accept members from the LAN (default: this machine only)")
	verbose := fs.Bool("v", false, "log more")
	if ok, status := parse(fs, args); !ok {
		return status
	}
	log := logger(env, *verbose)
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "wetalk web: --listen %q: %v\n", *listen, err)
		return ExitUsage
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(env.Stderr, "wetalk web: --listen %q: only a loopback address (such as 127.0.0.1) is allowed\n", *listen)
		return ExitUsage
	}
	prof, err := profile.Open(*stateDir)
	if err != nil {
		fmt.Fprintln(env.Stderr, "wetalk web:", err)
		return ExitFail
	}
	var secret [24]byte
	rand.Read(secret[:])
	token := hex.EncodeToString(secret[:])
	bind := "127.0.0.1"
	if *lan {
		bind = ""
	}
	bridge := web.New(web.Config{
		Assets: env.Assets, Token: token, Log: log,
		NewSession: func(e session.Emitter) *session.Owner {
			// Each tab is a person of its own: a fresh client identity.
			return session.New(session.Config{Profile: prof, Emitter: e, Log: log, HostBind: bind, ClientID: uuid.New(), NoLAN: !*lan})
		},
	})
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "wetalk web: cannot listen on %s: %v\n", *listen, err)
		return ExitFail
	}
	srv := &http.Server{Handler: bridge, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	line, _ := json.Marshal(map[string]string{
		"type": "web", "url": "http://" + ln.Addr().String() + "/?token=" + token,
	})
	fmt.Fprintf(env.Stdout, "%s\n", line)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdown)
	bridge.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(env.Stderr, "wetalk web:", err)
		return ExitFail
	}
	return ExitOK
}
