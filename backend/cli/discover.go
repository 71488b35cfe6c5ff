package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"wetalk/backend/lan"
)

// discovered is one line of `wetalk discover --json`.
type discovered struct {
	Type string `json:"type"` // "room"
	lan.Room
}

// runDiscover lists the rooms announced on the local network: each room once,
// as soon as it is heard, until the timeout.
func runDiscover(ctx context.Context, args []string, env Env) int {
	fs := newFlags("discover", env)
	asJSON := fs.Bool("json", false, "print one JSON object per room")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to listen for rooms")
	if ok, status := parse(fs, args); !ok {
		return status
	}
	if *timeout <= 0 {
		fmt.Fprintf(env.Stderr, "wetalk discover: --timeout %v: must be more than 0\n", *timeout)
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	printed := make(map[string]bool) // by invite
	var heard bool                   // a query went out
	var lastErr error
	lan.Watch(ctx, func(rooms []lan.Room, err error) {
		if err != nil {
			lastErr = err
			return
		}
		heard = true
		for _, r := range rooms {
			if printed[r.Invite] {
				continue
			}
			printed[r.Invite] = true
			if *asJSON {
				line, _ := json.Marshal(discovered{Type: "room", Room: r})
				fmt.Fprintf(env.Stdout, "%s\n", line)
				continue
			}
			pw := ""
			if r.Password {
				pw = "  password"
			}
			fmt.Fprintf(env.Stdout, "%q  %s  %d members%s  %s\n", r.Name, r.Addr, r.Members, pw, r.Invite)
		}
	})
	if !heard && lastErr != nil {
		fmt.Fprintln(env.Stderr, "wetalk discover:", lastErr)
		return ExitFail
	}
	return ExitOK
}
