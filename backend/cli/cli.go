// Package cli implements the wetalk command line: the subcommands serve,
// chat, web, bench and discover described in shared/spec/cli.md, and the
// dispatch to the desktop window when no subcommand is given.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"wetalk/backend/rlimit"
	"wetalk/backend/version"
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

// wantOpenFiles is the soft open-file limit the process asks for at start:
// room for a full room (5,000 members), its transfers and junk being
// admitted, capped by the hard limit.
const wantOpenFiles = 1 << 16

// Exit statuses. The command-line contract documents them.
const (
	ExitOK     = 0
	ExitFail   = 1 // could not connect, be admitted, or keep the connection
	ExitUsage  = 2
	ExitKicked = 3
	ExitClosed = 4 // the host closed the room
)

// commands maps each subcommand to the function that runs it.
var commands = map[string]func(ctx context.Context, args []string, env Env) int{
	"serve":    runServe,
	"chat":     runChat,
	"web":      runWeb,
	"bench":    runBench,
	"discover": runDiscover,
}

// Main runs the command named by args (os.Args[1:]) and returns the process
// exit status.
func Main(ctx context.Context, args []string, env Env) int {
	// Every connection a host keeps is a file descriptor: a room hosted in
	// the app or by serve should not be limited by a low soft limit when
	// the hard one allows more. Where it cannot be raised the host still
	// works, and backs off when accept runs out of descriptors.
	rlimit.RaiseOpenFiles(wantOpenFiles)
	if len(args) == 0 {
		if err := env.Window(); err != nil {
			fmt.Fprintln(env.Stderr, "wetalk:", err)
			return ExitFail
		}
		return ExitOK
	}
	run, ok := commands[args[0]]
	if !ok {
		switch args[0] {
		case "-h", "--help", "help":
			fmt.Fprint(env.Stdout, usage)
			return ExitOK
		case "--version", "-version", "version":
			fmt.Fprintln(env.Stdout, "wetalk", version.Version)
			return ExitOK
		}
		fmt.Fprintf(env.Stderr, "wetalk: unknown command %q\n\n%s", args[0], usage)
		return ExitUsage
	}
	return run(ctx, args[1:], env)
}

const usage = `usage:
  wetalk                 open the desktop app
  wetalk serve  ...      host a room without a window
  wetalk chat   ...      join a room as a scriptable JSON client
  wetalk web    ...      serve the app's UI to a browser on this machine
  wetalk bench  ...      measure a room's throughput and latency
  wetalk discover ...    list the rooms announced on the local network
  wetalk --version       print the version of this build
Run "wetalk COMMAND -h" for a command's flags.
`

// newFlags returns a flag set that reports to env.Stderr.
func newFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet("wetalk "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// parse parses args and says whether to go on; status is the exit status
// when not.
func parse(fs *flag.FlagSet, args []string) (ok bool, status int) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, ExitOK
		}
		return false, ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false, ExitUsage
	}
	return true, ExitOK
}

// logger returns the logger for a command: text lines on stderr.
func logger(env Env, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
}
