package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"wetalk/backend/session"
)

// cookieName is the cookie that carries the token for the page's assets.
const cookieName = "wetalk_token"

// queueLen bounds the frames waiting to be written to one tab; a tab that
// falls this far behind is disconnected.
const queueLen = 256

// maxRequest is the largest request a tab may send: a StageWrite of
// session.MaxStageChunk bytes, in base64 (a message is at most 8 KiB of
// text, JSON escaping can make it six times that).
const maxRequest = session.MaxStageChunk*4/3 + 64<<10

// mediaPrefix is the path under which the page loads the images it fetched
// (FetchImage answers with mediaPrefix + the image's id).
const mediaPrefix = "/media/"

// Config is what a Server needs.
type Config struct {
	// Assets is the built frontend (frontend/dist).
	Assets fs.FS
	// Token must accompany every request.
	Token string
	// NewSession makes the session of one tab, emitting to e.
	NewSession func(e session.Emitter) *session.Session
	// Version is what the Version method answers.
	Version string
	// Log receives log lines; nil discards them.
	Log *slog.Logger
}

// Server is the bridge's HTTP handler.
type Server struct {
	cfg    Config
	files  http.Handler
	ctx    context.Context // ends with Close: every tab is then dropped
	cancel context.CancelFunc
	tabs   sync.WaitGroup // one per WebSocket connection

	mu       sync.Mutex
	sessions map[*session.Session]bool // guarded by mu; the tabs' sessions
}

// New returns a Server; Close ends it.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg: cfg, files: http.FileServerFS(cfg.Assets), ctx: ctx, cancel: cancel,
		sessions: make(map[*session.Session]bool),
	}
}

// Close drops every tab (each leaves its room, closing rooms it hosts) and
// waits for them.
func (s *Server) Close() {
	s.cancel()
	s.tabs.Wait()
}

// ServeHTTP checks the Host header and the token, then serves the bridge on
// /bridge and the frontend everywhere else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopbackHost(r.Host) {
		http.Error(w, "wetalk web answers on loopback addresses only", http.StatusForbidden)
		return
	}
	fromQuery := s.validToken(r.URL.Query().Get("token"))
	if !fromQuery {
		c, err := r.Cookie(cookieName)
		if err != nil || !s.validToken(c.Value) {
			http.Error(w, "missing or wrong token: open the URL wetalk web printed", http.StatusUnauthorized)
			return
		}
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if r.URL.Path == "/bridge" {
		s.serveBridge(w, r)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, mediaPrefix); ok {
		s.serveMedia(w, r, id)
		return
	}
	if fromQuery {
		http.SetCookie(w, &http.Cookie{
			Name: cookieName, Value: s.cfg.Token, Path: "/",
			HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.files.ServeHTTP(w, r)
}

func (s *Server) validToken(t string) bool {
	return t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(s.cfg.Token)) == 1
}

// loopbackHost reports whether a Host header names this machine: a
// loopback IP or localhost (guards against DNS rebinding).
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// request is one call from a tab.
type request struct {
	ID     uint64            `json:"id"`
	Method string            `json:"method"`
	Args   []json.RawMessage `json:"args"`
}

// reply answers a request.
type reply struct {
	ID     uint64           `json:"id"`
	Result any              `json:"result"`
	Error  *session.Failure `json:"error,omitempty"`
}

// push is an event for the tab.
type push struct {
	Event string `json:"event"`
	Data  any    `json:"data"`
}

// tab is one WebSocket connection and its session.
type tab struct {
	ctx    context.Context
	cancel context.CancelFunc
	out    chan []byte // frames for writeLoop; bounded
	log    *slog.Logger
}

// Emit queues an event for the tab; a tab too far behind is dropped.
func (t *tab) Emit(name string, payload any) {
	b, err := json.Marshal(push{Event: name, Data: payload})
	if err != nil {
		t.log.Error("cannot encode event", "event", name, "err", err)
		return
	}
	select {
	case t.out <- b:
	case <-t.ctx.Done():
	default:
		t.log.Warn("tab too slow: disconnecting it")
		t.cancel()
	}
}

// serveBridge runs one tab until its WebSocket closes or the server does.
func (s *Server) serveBridge(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil) // same-origin only
	if err != nil {
		return
	}
	conn.SetReadLimit(maxRequest)
	s.tabs.Add(1)
	defer s.tabs.Done()

	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	t := &tab{ctx: ctx, cancel: cancel, out: make(chan []byte, queueLen), log: s.cfg.Log}
	sess := s.cfg.NewSession(t)
	s.mu.Lock()
	s.sessions[sess] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess)
		s.mu.Unlock()
	}()

	var loops sync.WaitGroup
	loops.Add(1)
	go func() { defer loops.Done(); t.writeLoop(conn) }()
	s.readLoop(t, conn, sess)
	sess.Close() // leaves (and closes a hosted room) before the tab goes
	cancel()
	loops.Wait()
	conn.Close(websocket.StatusNormalClosure, "")
}

// readLoop answers the tab's requests in order until the connection ends.
func (s *Server) readLoop(t *tab, conn *websocket.Conn, sess *session.Session) {
	for {
		_, data, err := conn.Read(t.ctx)
		if err != nil {
			return
		}
		var req request
		if err := json.Unmarshal(data, &req); err != nil {
			s.cfg.Log.Warn("bad request from tab", "err", err)
			return
		}
		rep := reply{ID: req.ID}
		result, err := s.call(sess, req)
		if err != nil {
			f := session.Describe(err)
			rep.Error = &f
		} else {
			rep.Result = result
		}
		b, err := json.Marshal(rep)
		if err != nil {
			s.cfg.Log.Error("cannot encode reply", "method", req.Method, "err", err)
			return
		}
		select {
		case t.out <- b:
		case <-t.ctx.Done():
			return
		}
	}
}

// writeLoop is the only writer of the connection.
func (t *tab) writeLoop(conn *websocket.Conn) {
	for {
		select {
		case <-t.ctx.Done():
			return
		case b := <-t.out:
			ctx, cancel := context.WithTimeout(t.ctx, 10*time.Second)
			err := conn.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				t.cancel()
				return
			}
		}
	}
}

// errBadArgs: a request's arguments do not fit its method.
var errBadArgs = errors.New("bad arguments")

// call runs one method of the session, as app.go binds them for Wails.
func (s *Server) call(sess *session.Session, req request) (any, error) {
	var (
		str  = make([]string, 3)
		bl   bool
		host session.HostRequest
		join session.JoinRequest
	)
	args := func(dst ...any) error {
		if len(req.Args) != len(dst) {
			return fmt.Errorf("%w: %s takes %d, got %d", errBadArgs, req.Method, len(dst), len(req.Args))
		}
		for i, d := range dst {
			if err := json.Unmarshal(req.Args[i], d); err != nil {
				return fmt.Errorf("%w: %s argument %d: %v", errBadArgs, req.Method, i+1, err)
			}
		}
		return nil
	}
	switch req.Method {
	case "Version":
		return s.cfg.Version, args()
	case "Host":
		if err := args(&host); err != nil {
			return nil, err
		}
		return sess.Host(host)
	case "Join":
		if err := args(&join); err != nil {
			return nil, err
		}
		return sess.Join(join)
	case "TrustHost":
		if err := args(&join, &str[0]); err != nil {
			return nil, err
		}
		return sess.TrustHost(join, str[0])
	case "Leave":
		if err := args(); err != nil {
			return nil, err
		}
		return true, sess.Leave()
	case "Send":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		return sess.Send(str[0])
	case "DM":
		if err := args(&str[0], &str[1]); err != nil {
			return nil, err
		}
		return sess.DM(str[0], str[1])
	case "Reply":
		if err := args(&str[0], &str[1], &str[2]); err != nil {
			return nil, err
		}
		return sess.Reply(str[0], str[1], str[2])
	case "Typing":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		return sess.Typing(str[0])
	case "Muted":
		if err := args(); err != nil {
			return nil, err
		}
		return sess.Muted()
	case "SetMuted":
		if err := args(&bl); err != nil {
			return nil, err
		}
		return sess.SetMuted(bl)
	case "Recall":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		return sess.Recall(str[0])
	case "Kick":
		if err := args(&str[0], &str[1], &bl); err != nil {
			return nil, err
		}
		return sess.Kick(str[0], str[1], bl)
	case "Unban":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		return sess.Unban(str[0])
	case "Handover":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		return sess.Handover(str[0])
	case "Invite":
		if err := args(); err != nil {
			return nil, err
		}
		return sess.Invite()
	case "RecentRooms":
		if err := args(); err != nil {
			return nil, err
		}
		return sess.RecentRooms()
	case "StageBegin":
		var size int64
		if err := args(&str[0], &size, &bl); err != nil {
			return nil, err
		}
		return sess.StageBegin(str[0], size, bl)
	case "StageWrite":
		var (
			off  int64
			data []byte // base64 in JSON
		)
		if err := args(&str[0], &off, &data); err != nil {
			return nil, err
		}
		return sess.StageWrite(str[0], off, data)
	case "CancelTransfer":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		return true, sess.Cancel(str[0])
	case "Download":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		return sess.Download(str[0])
	case "DownloadDir":
		if err := args(); err != nil {
			return nil, err
		}
		return sess.DownloadDir()
	case "SetDownloadDir":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		return sess.SetDownloadDir(str[0])
	case "FetchImage":
		if err := args(&str[0]); err != nil {
			return nil, err
		}
		if _, err := sess.FetchImage(str[0]); err != nil {
			return nil, err
		}
		return mediaPrefix + str[0], nil
	}
	return nil, fmt.Errorf("%w: no method %q", errBadArgs, req.Method)
}

// serveMedia serves an image a tab's session fetched for display. Only
// images already fetched (and verified) are served, with their sniffed type
// and nothing the browser could run.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	var path, mime string
	for sess := range s.sessions {
		if p, m, ok := sess.ImageFile(id); ok {
			path, mime = p, m
			break
		}
	}
	s.mu.Unlock()
	if path == "" {
		http.NotFound(w, r)
		return
	}
	session.ServeImage(w, r, path, mime)
}
