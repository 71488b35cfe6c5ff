package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"

	"wetalk/backend/profile"
	"wetalk/backend/session"
	"wetalk/backend/version"
)

const token = "s3cret"

func newBridge(t *testing.T) *httptest.Server {
	t.Helper()
	prof, err := profile.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bridge := New(Config{
		Assets: fstest.MapFS{"index.html": {Data: []byte("<p>WeTalk</p>")}},
		Token:  token,
		NewSession: func(e session.Emitter) *session.Owner {
			return session.New(session.Config{Profile: prof, Emitter: e, HostBind: "127.0.0.1"})
		},
	})
	ts := httptest.NewServer(bridge)
	t.Cleanup(func() { ts.Close(); bridge.Close() })
	return ts
}

func TestTokenAndHost(t *testing.T) {
	ts := newBridge(t)
	get := func(path string, mod func(*http.Request)) *http.Response {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if mod != nil {
			mod(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("/", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.StatusCode)
	}
	if r := get("/?token=wrong", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", r.StatusCode)
	}
	if r := get("/bridge", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bridge without token: %d", r.StatusCode)
	}
	r := get("/?token="+token, nil)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("with token: %d", r.StatusCode)
	}
	var cookie *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == cookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly {
		t.Fatalf("no HttpOnly token cookie: %v", r.Cookies())
	}
	if r := get("/index.html", func(q *http.Request) { q.AddCookie(cookie) }); r.StatusCode != http.StatusOK {
		t.Fatalf("asset with cookie: %d", r.StatusCode)
	}
	for _, r := range []*http.Response{r, get("/index.html", func(q *http.Request) { q.AddCookie(cookie) })} {
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self';") {
			t.Errorf("%s: Content-Security-Policy %q", r.Request.URL.Path, csp)
		}
		if xfo := r.Header.Get("X-Frame-Options"); xfo != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", r.Request.URL.Path, xfo)
		}
	}
	if r := get("/?token="+token, func(q *http.Request) { q.Host = "evil.example:80" }); r.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host header: %d", r.StatusCode)
	}
}

// tabConn is a test's view of one browser tab.
type tabConn struct {
	t    *testing.T
	c    *websocket.Conn
	next uint64
}

func openTab(t *testing.T, ts *httptest.Server) *tabConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	url := strings.Replace(ts.URL, "http", "ws", 1) + "/bridge?token=" + token
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &tabConn{t: t, c: c}
}

type frame struct {
	ID     uint64           `json:"id"`
	Result json.RawMessage  `json:"result"`
	Error  *session.Failure `json:"error"`
	Event  string           `json:"event"`
	Data   json.RawMessage  `json:"data"`
}

func (tc *tabConn) read() frame {
	tc.t.Helper()
	ctx, cancel := context.WithTimeout(tc.t.Context(), 60*time.Second) // a hang guard: the machine may be busy
	defer cancel()
	_, b, err := tc.c.Read(ctx)
	if err != nil {
		tc.t.Fatal(err)
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		tc.t.Fatal(err)
	}
	return f
}

// call sends a request and returns its reply, skipping events.
func (tc *tabConn) call(method string, args ...any) frame {
	tc.t.Helper()
	tc.next++
	b, _ := json.Marshal(map[string]any{"id": tc.next, "method": method, "args": args})
	if err := tc.c.Write(tc.t.Context(), websocket.MessageText, b); err != nil {
		tc.t.Fatal(err)
	}
	for {
		if f := tc.read(); f.Event == "" {
			if f.ID != tc.next {
				tc.t.Fatalf("reply %d to request %d", f.ID, tc.next)
			}
			return f
		}
	}
}

// waitText reads events until a message with text arrives.
func (tc *tabConn) waitText(text string) {
	tc.t.Helper()
	for {
		f := tc.read()
		if f.Event != session.EventRoomEvents {
			continue
		}
		var b struct {
			Events []struct{ Type, Text string } `json:"events"`
		}
		json.Unmarshal(f.Data, &b)
		for _, ev := range b.Events {
			if ev.Type == "message" && ev.Text == text {
				return
			}
		}
	}
}

func TestTabsAreSessions(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	if f := a.call("Version"); string(f.Result) != `"`+version.Version+`"` {
		t.Fatalf("Version: %s", f.Result)
	}
	if f := a.call("Send", "x"); f.Error == nil || f.Error.Code != "not_in_room" {
		t.Fatalf("Send outside a room: %+v", f.Error)
	}
	if f := a.call("Nope"); f.Error == nil {
		t.Fatal("unknown method answered")
	}
	if f := a.call("Host", session.HostRequest{Nickname: "Ann", RoomName: "Tea"}); f.Error != nil {
		t.Fatalf("Host: %+v", f.Error)
	}
	var inv session.Invite
	f := a.call("Invite")
	json.Unmarshal(f.Result, &inv)
	f = b.call("Join", session.JoinRequest{Nickname: "Bo", Address: inv.Link})
	var room session.Room
	if json.Unmarshal(f.Result, &room); f.Error != nil || room.Me != "Bo" {
		t.Fatalf("Join: %s %+v", f.Result, f.Error)
	}
	b.call("Send", "你好 from Bo")
	a.waitText("你好 from Bo")
}

// waitEvent reads events until one of type typ arrives, and returns it.
func (tc *tabConn) waitEvent(typ string) map[string]any {
	tc.t.Helper()
	return tc.waitFor(func(ev map[string]any) bool { return ev["type"] == typ })
}

// waitFor reads events until one that ok accepts arrives, and returns it.
func (tc *tabConn) waitFor(ok func(ev map[string]any) bool) map[string]any {
	tc.t.Helper()
	for {
		f := tc.read()
		if f.Event != session.EventRoomEvents {
			continue
		}
		var b struct {
			Events []map[string]any `json:"events"`
		}
		json.Unmarshal(f.Data, &b)
		for _, ev := range b.Events {
			if ok(ev) {
				return ev
			}
		}
	}
}

// png is a 1x1 PNG.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

func TestImagesThroughTheBridge(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	a.call("Host", session.HostRequest{Nickname: "Ann", RoomName: "Tea"})
	var inv session.Invite
	json.Unmarshal(a.call("Invite").Result, &inv)
	b.call("Join", session.JoinRequest{Nickname: "Bo", Address: inv.Link})

	if code, text := post(t, ts, a.share("paste.png", len(png), true).Stream, bytes.NewReader(png), int64(len(png))); code != http.StatusNoContent {
		t.Fatalf("POST: %d %s", code, text)
	}
	id := b.waitEvent("image")["id"].(string)

	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := get(session.MediaPrefix + id); r.StatusCode != http.StatusNotFound {
		t.Fatalf("media before FetchImage: %d", r.StatusCode)
	}
	f := b.call("FetchImage", id)
	if f.Error != nil || string(f.Result) != `"`+session.MediaPrefix+id+`"` {
		t.Fatalf("FetchImage: %s %+v", f.Result, f.Error)
	}
	r := get(session.MediaPrefix + id)
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, png) {
		t.Fatalf("media: %d %q, %d bytes", r.StatusCode, r.Header.Get("Content-Type"), len(body))
	}
	if r := get(session.MediaPrefix + "nope"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown media: %d", r.StatusCode)
	}
	req, _ := http.NewRequest("GET", ts.URL+session.MediaPrefix+id, nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("media without the token: %v %v", r.StatusCode, err)
	}
}

// send writes a request without waiting for its reply, and returns its id.
func (tc *tabConn) send(method string, args ...any) uint64 {
	tc.t.Helper()
	tc.next++
	b, _ := json.Marshal(map[string]any{"id": tc.next, "method": method, "args": args})
	if err := tc.c.Write(tc.t.Context(), websocket.MessageText, b); err != nil {
		tc.t.Fatal(err)
	}
	return tc.next
}

// reply reads frames until the reply to request id, skipping events and
// keeping other replies in got.
func (tc *tabConn) reply(id uint64, got map[uint64]frame) frame {
	tc.t.Helper()
	if f, ok := got[id]; ok {
		return f
	}
	for {
		f := tc.read()
		if f.Event != "" {
			continue
		}
		if f.ID == id {
			return f
		}
		got[f.ID] = f
	}
}

// TestCallsRunConcurrently: while a Join waits on a host that never
// answers, the same tab's other calls are answered, and CancelJoin ends
// the Join.
func TestCallsRunConcurrently(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never answered
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for len(accepted) > 0 {
			(<-accepted).Close()
		}
	})
	ts := newBridge(t)
	tab := openTab(t, ts)
	got := map[uint64]frame{}
	join := tab.send("Join", session.JoinRequest{Nickname: "Bo", Address: ln.Addr().String()})
	c := <-accepted
	accepted <- c // for the cleanup
	if f := tab.reply(tab.send("Version"), got); string(f.Result) != `"`+version.Version+`"` {
		t.Fatalf("Version during a join: %+v", f)
	}
	if f := tab.reply(tab.send("Send", "hi"), got); f.Error == nil || f.Error.Code != "not_in_room" {
		t.Fatalf("Send during a join: %+v", f)
	}
	if f := tab.reply(tab.send("Leave"), got); f.Error != nil {
		t.Fatalf("Leave during a join: %+v", f.Error)
	}
	if _, ok := got[join]; ok {
		t.Fatal("the Join was answered before it was cancelled")
	}
	if f := tab.reply(tab.send("CancelJoin"), got); f.Error != nil {
		t.Fatalf("CancelJoin: %+v", f.Error)
	}
	if f := tab.reply(join, got); f.Error == nil || f.Error.Code != "cancelled" {
		t.Fatalf("cancelled Join: %+v %s", f.Error, f.Result)
	}
}

// TestPagePolicyIsIndexHTMLs checks that the pages' policy header says what
// index.html's <meta> says (the window's only policy), plus frame-ancestors,
// so that the two cannot drift apart.
func TestPagePolicyIsIndexHTMLs(t *testing.T) {
	html, err := os.ReadFile("../../frontend/index.html")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`http-equiv="Content-Security-Policy"\s+content="([^"]+)"`).FindSubmatch(html)
	if m == nil {
		t.Fatal("index.html has no Content-Security-Policy <meta>")
	}
	if want := string(m[1]) + "; frame-ancestors 'none'"; pagePolicy != want {
		t.Fatalf("the header policy\n%s\nis not index.html's\n%s", pagePolicy, want)
	}
}

// TestEventsBeforeTheirReply: the events a call causes reach the tab before
// its reply, though calls run concurrently (Leave's room:closed, here).
func TestEventsBeforeTheirReply(t *testing.T) {
	ts := newBridge(t)
	tab := openTab(t, ts)
	if f := tab.call("Host", session.HostRequest{Nickname: "Ann", RoomName: "Tea"}); f.Error != nil {
		t.Fatalf("Host: %+v", f.Error)
	}
	id := tab.send("Leave")
	closed := false
	for {
		f := tab.read()
		if f.Event == session.EventRoomClosed {
			closed = true
			continue
		}
		if f.Event == "" && f.ID == id {
			break
		}
	}
	if !closed {
		t.Fatal("Leave answered before its room:closed event")
	}
}
