//go:build headless

package main

import (
	"context"
	"errors"
	"io/fs"
)

// errNoWindow says why a headless build cannot open the desktop window.
var errNoWindow = errors.New("the desktop window is not in this build (built with -tags headless); " +
	"use one of the subcommands: serve, chat, web, bench (see shared/spec/cli.md)")

// openWindow always fails in a headless build.
func openWindow(context.Context, fs.FS) error {
	return errNoWindow
}
