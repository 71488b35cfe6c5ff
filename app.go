//go:build !headless

package main

import (
	"context"
	"sync"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// version is the app version shown in the window; release builds may set it
// with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// App is the Wails glue bound to the frontend: its exported methods are
// callable from frontend/src/lib/backend.ts. It holds no room state itself.
type App struct {
	// parent is the process context (ends on SIGINT/SIGTERM); owned by main.
	parent context.Context
	// ctx is the Wails runtime context, set once by startup before any
	// bound method can be called.
	ctx context.Context
	// closed is closed by shutdown to end quitOnSignal.
	closed chan struct{}
	// loops waits for the goroutines started by startup.
	loops sync.WaitGroup
}

// NewApp returns an App whose window closes when parent ends.
func NewApp(parent context.Context) *App {
	return &App{parent: parent, closed: make(chan struct{})}
}

// startup stores the Wails runtime context and starts quitOnSignal.
func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	a.loops.Add(1)
	go a.quitOnSignal()
}

// quitOnSignal quits the app when the process context ends (SIGINT,
// SIGTERM); it returns then or when the window has shut down.
func (a *App) quitOnSignal() {
	defer a.loops.Done()
	select {
	case <-a.parent.Done():
		runtime.Quit(a.ctx)
	case <-a.closed:
	}
}

// shutdown runs after the window has closed; it ends and waits for the
// goroutines started by startup.
func (a *App) shutdown(context.Context) {
	close(a.closed)
	a.loops.Wait()
}

// beforeClose is asked before the window closes; it never prevents closing.
func (a *App) beforeClose(context.Context) (prevent bool) {
	return false
}

// Version returns the version of this build.
func (a *App) Version() string {
	return version
}
