// Command wetalk is the WeTalk desktop app and its command line: with no
// arguments it opens the window, with a subcommand (serve, chat, web, bench)
// it runs headless. See shared/spec/cli.md for the contract.
package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"syscall"

	"wetalk/backend/cli"
)

// assets is the built frontend. frontend/dist/.gitkeep keeps the directive
// compiling before the frontend has been built.
//
//go:embed all:frontend/dist
var assets embed.FS

func main() {
	os.Exit(run())
}

// run wires the process to cli.Main and returns the exit status, so that
// deferred cleanups run before os.Exit.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dist, err := fs.Sub(assets, "frontend/dist")
	if err != nil {
		// fs.Sub fails only on an invalid path: a broken invariant.
		panic(fmt.Sprintf("wetalk: embedded frontend: %v", err))
	}
	return cli.Main(ctx, os.Args[1:], cli.Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Assets: dist,
		Window: func() error { return openWindow(ctx, dist) },
	})
}
