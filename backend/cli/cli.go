// Package cli implements the wetalk command line: the subcommands serve,
// chat, web and bench described in shared/spec/cli.md, and the dispatch to
// the desktop window when no subcommand is given.
package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
)

// Env is everything a command may touch outside its arguments.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Assets is the built frontend (the contents of frontend/dist).
	Assets fs.FS
	// Window opens the desktop window and blocks until it closes. In a
	// headless build it returns an error saying the window is not built in.
	Window func() error
}

// Main runs the command named by args (os.Args[1:]) and returns the process
// exit status.
func Main(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		if err := env.Window(); err != nil {
			fmt.Fprintln(env.Stderr, "wetalk:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(env.Stderr, "wetalk: unknown command %q\n", args[0])
	return 2
}
