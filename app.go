//go:build !headless

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"wetalk/backend/profile"
	"wetalk/backend/session"
)

// version is the app version shown in the window; release builds may set it
// with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// windowTitle is the title outside a room.
const windowTitle = "WeTalk"

// App is the Wails glue bound to the frontend: its exported methods are
// callable from frontend/src/lib/backend.ts. It holds no room state itself:
// that is the session's.
type App struct {
	// parent is the process context (ends on SIGINT/SIGTERM); owned by main.
	parent context.Context
	// ctx is the Wails runtime context, set once by startup before any
	// bound method can be called.
	ctx context.Context
	// sess is this window's session, made by startup.
	sess *session.Session
	// prof is the user's profile folder.
	prof *profile.Profile
	// closed is closed by shutdown to end quitOnSignal.
	closed chan struct{}
	// loops waits for the goroutines started by startup.
	loops sync.WaitGroup
}

// NewApp returns an App whose window closes when parent ends.
func NewApp(parent context.Context, prof *profile.Profile) *App {
	return &App{parent: parent, prof: prof, closed: make(chan struct{})}
}

// startup stores the Wails runtime context, makes the session and starts
// quitOnSignal.
func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	a.sess = session.New(session.Config{Profile: a.prof, Emitter: windowEmitter{a}})
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
// if hosted) and waits for the goroutines started by startup.
func (a *App) shutdown(context.Context) {
	a.sess.Close()
	close(a.closed)
	a.loops.Wait()
}

// beforeClose asks before closing a window that hosts a room, because
// closing it closes the room for everyone.
func (a *App) beforeClose(ctx context.Context) (prevent bool) {
	if !a.sess.Hosting() || a.parent.Err() != nil {
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
	a.sess.Close()
	return false
}

// windowEmitter hands session events to the frontend. It is not App
// itself, so that Emit is not bound as a method the frontend could call.
type windowEmitter struct{ a *App }

// Emit sends a session event to the frontend; the title follows the room.
func (e windowEmitter) Emit(name string, payload any) {
	if name == session.EventRoomClosed {
		runtime.WindowSetTitle(e.a.ctx, windowTitle)
	}
	runtime.EventsEmit(e.a.ctx, name, payload)
}

// uiError carries a session.Failure to the frontend as JSON, which
// backend.ts decodes.
type uiError struct{ f session.Failure }

func (e uiError) Error() string {
	b, _ := json.Marshal(e.f)
	return string(b)
}

// fail converts a session error for the frontend.
func fail(err error) error {
	if err == nil {
		return nil
	}
	return uiError{session.Describe(err)}
}

// entered titles the window after the room just entered.
func (a *App) entered(r session.Room, err error) (session.Room, error) {
	if err != nil {
		return r, fail(err)
	}
	runtime.WindowSetTitle(a.ctx, windowTitle+" — "+r.Room)
	return r, nil
}

// Version returns the version of this build.
func (a *App) Version() string {
	return version
}

// Host starts a room in this app and joins it as its leader.
func (a *App) Host(req session.HostRequest) (session.Room, error) {
	return a.entered(a.sess.Host(req))
}

// Join joins another host's room.
func (a *App) Join(req session.JoinRequest) (session.Room, error) {
	return a.entered(a.sess.Join(req))
}

// TrustHost joins, trusting the host key the user compared.
func (a *App) TrustHost(req session.JoinRequest, fingerprint string) (session.Room, error) {
	return a.entered(a.sess.TrustHost(req, fingerprint))
}

// Leave leaves the room at once (closing it when hosting).
func (a *App) Leave() (bool, error) {
	err := a.sess.Leave()
	runtime.WindowSetTitle(a.ctx, windowTitle)
	return true, fail(err)
}

// Send posts a message; it returns the command's ref.
func (a *App) Send(text string) (string, error) {
	ref, err := a.sess.Send(text)
	return ref, fail(err)
}

// DM sends a private message.
func (a *App) DM(to, text string) (string, error) {
	ref, err := a.sess.DM(to, text)
	return ref, fail(err)
}

// Recall withdraws a message.
func (a *App) Recall(id string) (string, error) {
	ref, err := a.sess.Recall(id)
	return ref, fail(err)
}

// Kick removes a member (leader only).
func (a *App) Kick(name, reason string, ban bool) (string, error) {
	ref, err := a.sess.Kick(name, reason, ban)
	return ref, fail(err)
}

// Unban lifts a ban (leader only).
func (a *App) Unban(name string) (string, error) {
	ref, err := a.sess.Unban(name)
	return ref, fail(err)
}

// Handover makes another member the leader (leader only).
func (a *App) Handover(name string) (string, error) {
	ref, err := a.sess.Handover(name)
	return ref, fail(err)
}

// Invite returns the room's invite link, fingerprint and LAN addresses.
func (a *App) Invite() (session.Invite, error) {
	inv, err := a.sess.Invite()
	return inv, fail(err)
}

// RecentRooms lists the rooms joined before, newest first.
func (a *App) RecentRooms() ([]session.Recent, error) {
	list, err := a.sess.RecentRooms()
	return list, fail(err)
}

// OpenURL opens an http(s) link in the system browser, never in the app.
func (a *App) OpenURL(link string) (bool, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false, nil
	}
	runtime.BrowserOpenURL(a.ctx, u.String())
	return true, nil
}

// mediaPrefix is the path under which the page loads the images it fetched;
// the asset server hands such requests to mediaHandler.
const mediaPrefix = "/media/"

// StageBegin starts an upload whose bytes the page hands over with
// StageWrite (files dropped or pasted into the window).
func (a *App) StageBegin(name string, size int64, image bool) (session.Transfer, error) {
	t, err := a.sess.StageBegin(name, size, image)
	return t, fail(err)
}

// StageWrite hands over the next bytes of a staged upload (base64 in JSON).
func (a *App) StageWrite(id string, offset int64, data []byte) (int64, error) {
	n, err := a.sess.StageWrite(id, offset, data)
	return n, fail(err)
}

// ShareFromDialog lets the user pick files and shares each of them.
func (a *App) ShareFromDialog() ([]session.Transfer, error) {
	paths, err := runtime.OpenMultipleFilesDialog(a.ctx, runtime.OpenDialogOptions{Title: "Share files with the room"})
	if err != nil {
		return nil, fail(err)
	}
	list := []session.Transfer{}
	for _, p := range paths {
		t, err := a.sess.ShareFile(p, "")
		if err != nil {
			return list, fail(err)
		}
		list = append(list, t)
	}
	return list, nil
}

// CancelTransfer stops an upload or download.
func (a *App) CancelTransfer(id string) (bool, error) {
	return true, fail(a.sess.Cancel(id))
}

// Download fetches a shared file into the download folder.
func (a *App) Download(fileID string) (session.Transfer, error) {
	t, err := a.sess.Download(fileID)
	return t, fail(err)
}

// DownloadDir returns the folder downloads go to.
func (a *App) DownloadDir() (string, error) {
	d, err := a.sess.DownloadDir()
	return d, fail(err)
}

// SetDownloadDir makes dir the download folder ("" for the default).
func (a *App) SetDownloadDir(dir string) (string, error) {
	d, err := a.sess.SetDownloadDir(dir)
	return d, fail(err)
}

// ChooseDownloadDir lets the user pick the download folder; it returns the
// folder in use (unchanged if the user cancelled).
func (a *App) ChooseDownloadDir() (string, error) {
	cur, _ := a.sess.DownloadDir()
	dir, err := runtime.OpenDirectoryDialog(a.ctx, runtime.OpenDialogOptions{Title: "Save downloads in", DefaultDirectory: cur})
	if err != nil || dir == "" {
		return cur, fail(err)
	}
	d, err := a.sess.SetDownloadDir(dir)
	return d, fail(err)
}

// FetchImage fetches a shared image for display and returns the URL the
// page loads it from.
func (a *App) FetchImage(fileID string) (string, error) {
	if _, err := a.sess.FetchImage(fileID); err != nil {
		return "", fail(err)
	}
	return mediaPrefix + url.PathEscape(fileID), nil
}

// mediaHandler serves the images FetchImage fetched to the window's page.
// It is not App itself, so that ServeHTTP is not bound.
type mediaHandler struct{ a *App }

func (h mediaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, mediaPrefix)
	if !ok || h.a.sess == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	path, mime, ok := h.a.sess.ImageFile(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	session.ServeImage(w, r, path, mime)
}
