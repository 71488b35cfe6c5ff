package cli

import (
	"context"
	"fmt"
)

// runBench measures a room (issue: performance).
func runBench(ctx context.Context, args []string, env Env) int {
	fmt.Fprintln(env.Stderr, "wetalk bench: not implemented yet")
	return ExitFail
}
