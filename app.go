//go:build !headless

package main

import (
	"context"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"

	"github.com/gen2brain/beeep"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"wetalk/backend/notice"
	"wetalk/backend/profile"
	"wetalk/backend/session"
)

// App is what only a window can do, bound to the frontend beside the
// session (whose methods are the UI's method table): native file and folder
// dialogs, native desktop notifications, and asking before a window that
// hosts a room closes. The window title is set from the page (backend.ts
// setTitle).
type App struct {
	// parent is the process context (ends on SIGINT/SIGTERM); owned by main.
	parent context.Context
	// ctx is the Wails runtime context, set once by startup before any
	// bound method can be called.
	ctx context.Context
	// owner owns this window's session, made by NewApp; its Session is
	// bound to the frontend.
	owner *session.Owner
	// closed is closed by shutdown to end quitOnSignal.
	closed chan struct{}
	// loops waits for the goroutines started by startup.
	loops sync.WaitGroup
	// notices shows native desktop notifications, coalesced; made by NewApp.
	notices *notice.Limiter
}

// NewApp returns an App whose window closes when parent ends, with a
// session that emits to the window once it has started.
func NewApp(parent context.Context, prof *profile.Profile) *App {
	beeep.AppName = "WeTalk" // the name the desktop shows beside each notification
	a := &App{parent: parent, closed: make(chan struct{}), notices: notice.New(desktopNotifier{}, nil)}
	a.owner = session.New(session.Config{Profile: prof, Emitter: windowEmitter{a}})
	return a
}

// startup stores the Wails runtime context, starts quitOnSignal and
// takes the files dropped on the window.
func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	runtime.OnFileDrop(ctx, a.dropped)
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

// shutdown runs after the window has closed: it leaves the room (closing it
// if hosted), cancels a join in progress, and waits for the goroutines
// started by startup.
func (a *App) shutdown(context.Context) {
	a.owner.Close()
	close(a.closed)
	a.loops.Wait()
}

// beforeClose asks before closing a window that hosts a room, because
// closing it closes the room for everyone. It never waits on the network.
func (a *App) beforeClose(ctx context.Context) (prevent bool) {
	if !a.owner.Hosting() || a.parent.Err() != nil {
		return false
	}
	// The same words as the room's own Close room button (i18n.svelte.ts).
	const closeRoom, cancel = "Close room", "Cancel"
	answer, err := runtime.MessageDialog(ctx, runtime.MessageDialogOptions{
		Type:          runtime.QuestionDialog,
		Title:         "Close the room?",
		Message:       "You are hosting this room. Everyone will be disconnected and the history deleted.",
		Buttons:       []string{closeRoom, cancel},
		DefaultButton: cancel,
		CancelButton:  cancel,
	})
	if err == nil && answer != closeRoom && answer != "Yes" {
		return true
	}
	a.owner.Close()
	return false
}

// EventShareRefused carries a session.Failure: files dropped on the window
// that could not be shared (a folder, an unreadable file, no room).
const EventShareRefused = "share:refused"

// dropped shares the files dropped on the window, by the paths Wails'
// file-drop event gives (the web view's own drop event, which the page
// also sees, carries no paths): their bytes never pass through the
// bindings. A folder or unreadable path refuses them all.
func (a *App) dropped(_, _ int, paths []string) {
	paths = slices.DeleteFunc(paths, func(p string) bool { return p == "" })
	if len(paths) == 0 {
		return // a drop of no files (a link, some text)
	}
	if _, err := a.owner.SharePaths(paths); err != nil {
		runtime.EventsEmit(a.ctx, EventShareRefused, session.Describe(err))
	}
}

// windowEmitter hands session events to the frontend. It is not App
// itself, so that Emit is not bound as a method the frontend could call.
type windowEmitter struct{ a *App }

// Emit sends a session event to the frontend.
func (e windowEmitter) Emit(name string, payload any) {
	runtime.EventsEmit(e.a.ctx, name, payload)
}

// ShareFromDialog lets the user pick files and shares each of them.
func (a *App) ShareFromDialog() ([]session.Transfer, error) {
	paths, err := runtime.OpenMultipleFilesDialog(a.ctx, runtime.OpenDialogOptions{Title: "Share files with the room"})
	if err != nil || len(paths) == 0 {
		return []session.Transfer{}, err
	}
	return a.owner.SharePaths(paths)
}

// ChooseDownloadDir lets the user pick the download folder; it returns the
// folder in use (unchanged if the user cancelled).
func (a *App) ChooseDownloadDir() (string, error) {
	sess := a.owner.Session()
	cur, _ := sess.DownloadDir()
	dir, err := runtime.OpenDirectoryDialog(a.ctx, runtime.OpenDialogOptions{Title: "Save downloads in", DefaultDirectory: cur})
	if err != nil || dir == "" {
		return cur, err
	}
	return sess.SetDownloadDir(dir)
}

// Notify shows a native desktop notification (a mention of me or a private
// message to me) about sender's message: through the desktop's notification
// service (D-Bus on Linux) rather than the web view's Notification API, whose
// permission request Wails v2 leaves unanswered on Linux. At most one per
// sender every few seconds is shown (backend/notice); the others return
// notice.ErrCoalesced.
func (a *App) Notify(sender, title, body string) error {
	if err := a.notices.Notify(sender, title, body); err != nil {
		runtime.LogDebugf(a.ctx, "notification from %q not shown: %v", sender, err)
		return err
	}
	return nil
}

// markupEscaper escapes the characters notification markup gives meaning to.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// desktopNotifier shows notifications with beeep.
type desktopNotifier struct{}

// Notify shows one notification. On Linux the notification service may read
// the body as markup, so what a member wrote is escaped first.
func (desktopNotifier) Notify(title, body string) error {
	if goruntime.GOOS != "darwin" && goruntime.GOOS != "windows" {
		body = markupEscaper.Replace(body)
	}
	return beeep.Notify(title, body, "")
}
