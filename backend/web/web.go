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
	"os"
	"reflect"
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

// maxRequest is the largest request a tab may send: a chat message is at
// most 8 KiB of text, JSON escaping can make it six times that. (Files go
// as POSTs: stream.go.)
const maxRequest = 256 << 10

// Config is what a Server needs.
type Config struct {
	// Assets is the built frontend (frontend/dist).
	Assets fs.FS
	// Token must accompany every request.
	Token string
	// NewSession makes the session of one tab, emitting to e.
	NewSession func(e session.Emitter) *session.Owner
	// Log receives log lines; nil discards them.
	Log *slog.Logger
}

// Server is the bridge's HTTP handler.
type Server struct {
	cfg    Config
	table  methods
	files  http.Handler
	ctx    context.Context // ends with Close: every tab is then dropped
	cancel context.CancelFunc
	tabs   sync.WaitGroup // one per WebSocket connection

	mu       sync.Mutex
	sessions map[*session.Owner]bool // guarded by mu; the tabs' sessions
	streams  map[string]*stream      // guarded by mu; the tabs' streams not yet posted, by id
}

// New returns a Server; Close ends it.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg: cfg, table: methodsOf(reflect.TypeFor[*session.Session]()),
		files: http.FileServerFS(cfg.Assets), ctx: ctx, cancel: cancel,
		sessions: make(map[*session.Owner]bool), streams: make(map[string]*stream),
	}
}

// Close drops every tab (each leaves its room, closing rooms it hosts) and
// waits for them.
func (s *Server) Close() {
	s.cancel()
	s.tabs.Wait()
}

// pagePolicy is the Content-Security-Policy of the pages: index.html's
// (which the window also gets, as a <meta>), plus what only a header can
// say: no site may frame the page (clickjacking the Kick or Open link
// buttons).
const pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' blob: data:; font-src 'self' data:; connect-src 'self' ws: wss:; media-src 'self' blob:; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'"

// ServeHTTP checks the Host header and the token, then serves the bridge on
// /bridge and the frontend everywhere else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
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
	if strings.HasPrefix(r.URL.Path, streamPrefix) {
		s.serveStream(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, session.MediaPrefix) {
		s.serveMedia(w, r)
		return
	}
	if fromQuery {
		http.SetCookie(w, &http.Cookie{
			Name: cookieName, Value: s.cfg.Token, Path: "/",
			HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", pagePolicy)
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
	ctx     context.Context
	cancel  context.CancelFunc
	out     chan []byte // frames for writeLoop; bounded
	log     *slog.Logger
	owner   *session.Owner // the tab's session; set before readLoop starts
	streams streams        // the files the page is sending
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
	t.streams = streams{srv: s, open: make(map[*stream]bool)}
	owner := s.cfg.NewSession(t)
	t.owner = owner
	s.mu.Lock()
	s.sessions[owner] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, owner)
		s.mu.Unlock()
	}()

	var loops sync.WaitGroup
	loops.Add(1)
	go func() { defer loops.Done(); t.writeLoop(conn) }()
	if broken := s.readLoop(t, conn, owner.Session(), &loops); broken != nil {
		// Said before t.ctx ends: the connection's reads and writes
		// watch it, and would cut the connection without the reason.
		s.cfg.Log.Warn("tab broke the bridge protocol: disconnecting it", "err", broken)
		conn.Close(websocket.StatusUnsupportedData, closeReason(broken))
	}
	t.streams.closeAll()
	owner.Close() // leaves (and closes a hosted room) before the tab goes; ends calls in flight
	cancel()
	loops.Wait()
	conn.Close(websocket.StatusNormalClosure, "")
}

// closeReason fits err's text into a close frame's reason (123 bytes).
func closeReason(err error) string {
	r := err.Error()
	if len(r) > 123 {
		r = r[:120] + "..."
	}
	return r
}

// maxCalls bounds the calls of one tab in flight at once; the tab's further
// requests wait to be read until one ends.
const maxCalls = 256

// readLoop reads the tab's requests until the connection ends. Each call
// runs in its own goroutine, as in the window, so that a slow one (an image
// fetch, a join) holds up nothing else; replies carry the request's id.
// Events a call causes are queued before its reply (Leave's room:closed,
// for one), since both go through t.out. It returns what was wrong with a
// message that was not a request, if one was not.
func (s *Server) readLoop(t *tab, conn *websocket.Conn, sess *session.Session, calls *sync.WaitGroup) error {
	recv := reflect.ValueOf(sess)
	slots := make(chan struct{}, maxCalls)
	for {
		typ, data, err := conn.Read(t.ctx)
		if err != nil {
			return nil
		}
		if typ != websocket.MessageText {
			return errors.New("binary message: requests are JSON text (files are posted: see stream.go)")
		}
		var req request
		if err := json.Unmarshal(data, &req); err != nil {
			return fmt.Errorf("bad request: %w", err)
		}
		select {
		case slots <- struct{}{}:
		case <-t.ctx.Done():
			return nil
		}
		calls.Add(1)
		go func() {
			defer calls.Done()
			defer func() { <-slots }()
			s.answer(t, recv, req)
		}()
	}
}

// answer runs one call and queues its reply. A method that panics (a bug)
// is answered with an internal error and logged, and the other tabs carry
// on.
func (s *Server) answer(t *tab, recv reflect.Value, req request) {
	rep := reply{ID: req.ID}
	result, err := func() (result any, err error) {
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Log.Error("bridge call panicked", "method", req.Method, "panic", p)
				err = fmt.Errorf("%s failed: internal error", req.Method)
			}
		}()
		if req.Method == methodShareStream {
			return t.streams.share(t.owner, req.Args)
		}
		return s.table.call(recv, req.Method, req.Args)
	}()
	if errors.Is(err, errBadArgs) {
		rep.Error = &session.Failure{Code: "bad_arguments", Message: err.Error()}
	} else if err != nil {
		f := session.Describe(err)
		rep.Error = &f
	} else {
		rep.Result = result
	}
	b, err := json.Marshal(rep)
	if err != nil {
		s.cfg.Log.Error("cannot encode reply", "method", req.Method, "err", err)
		b, _ = json.Marshal(reply{ID: req.ID, Error: &session.Failure{Code: "internal", Message: "cannot encode the reply"}})
	}
	select {
	case t.out <- b:
	case <-t.ctx.Done():
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

// serveMedia serves an image a tab's session fetched for display.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	MediaHandler(func(id string) (path, mime string, ok bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for o := range s.sessions {
			if path, mime, ok = o.ImageFile(id); ok {
				return path, mime, true
			}
		}
		return "", "", false
	}).ServeHTTP(w, r)
}

// MediaHandler serves the images a session fetched for display, under
// session.MediaPrefix: only images already fetched (and verified), as
// images(id) finds them, with their sniffed type and headers that keep the
// browser from running or re-typing them. The window's asset server and the
// bridge both serve images with it.
func MediaHandler(images func(id string) (path, mime string, ok bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, session.MediaPrefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		path, mime, ok := images(id)
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", mime)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
		w.Header().Set("Cache-Control", "private, max-age=3600")
		http.ServeContent(w, r, "", st.ModTime(), f)
	})
}
