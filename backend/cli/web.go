package cli

import (
	"context"
	"fmt"
)

// runWeb serves the frontend to a browser on this machine (issue: desktop app).
func runWeb(ctx context.Context, args []string, env Env) int {
	fmt.Fprintln(env.Stderr, "wetalk web: not implemented yet")
	return ExitFail
}
