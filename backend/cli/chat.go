package cli

import (
	"context"
	"fmt"
)

// runChat joins a room as a JSON client (being written).
func runChat(ctx context.Context, args []string, env Env) int {
	fmt.Fprintln(env.Stderr, "wetalk chat: not implemented yet")
	return ExitFail
}
