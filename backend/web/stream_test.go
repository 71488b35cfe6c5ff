package web

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"wetalk/backend/client"
	"wetalk/backend/session"
)

// share opens a stream as the page does.
func (tc *tabConn) share(name string, size int, image bool) opened {
	tc.t.Helper()
	f := tc.call(methodShareStream, name, size, image)
	var o opened
	if json.Unmarshal(f.Result, &o); f.Error != nil || o.Transfer.ID == "" || len(o.Stream) != 32 {
		tc.t.Fatalf("%s: %s %+v", methodShareStream, f.Result, f.Error)
	}
	return o
}

// post sends a stream's bytes as the page does: body, announced as length
// bytes. It returns the status and the answer's text.
func post(t *testing.T, ts *httptest.Server, stream string, body io.Reader, length int64) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+streamPrefix+stream, body)
	req.ContentLength = length
	req.AddCookie(&http.Cookie{Name: cookieName, Value: token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(text)
}

// room hosts a room in a and joins it from b.
func room(t *testing.T, a, b *tabConn) {
	t.Helper()
	if f := a.call("Host", session.HostRequest{Nickname: "Ann", RoomName: "Tea"}); f.Error != nil {
		t.Fatalf("Host: %+v", f.Error)
	}
	var inv session.Invite
	json.Unmarshal(a.call("Invite").Result, &inv)
	if f := b.call("Join", session.JoinRequest{Nickname: "Bo", Address: inv.Link}); f.Error != nil {
		t.Fatalf("Join: %+v", f.Error)
	}
}

// TestStreamThroughTheBridge: a file posted to its stream reaches the other
// member byte for byte; the POST is answered once every byte was read.
func TestStreamThroughTheBridge(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	room(t, a, b)
	data := make([]byte, 3<<20+12345)
	rand.Read(data)
	o := a.share("big.bin", len(data), false)
	if o.Transfer.Size != int64(len(data)) || o.Transfer.Name != "big.bin" {
		t.Fatalf("transfer %+v", o.Transfer)
	}
	if code, text := post(t, ts, o.Stream, bytes.NewReader(data), int64(len(data))); code != http.StatusNoContent {
		t.Fatalf("POST: %d %s", code, text)
	}
	ev := b.waitEvent("file")
	if ev["name"] != "big.bin" || ev["size"] != float64(len(data)) {
		t.Fatalf("file event %v", ev)
	}
	dir := t.TempDir()
	if f := b.call("SetDownloadDir", dir); f.Error != nil {
		t.Fatalf("SetDownloadDir: %+v", f.Error)
	}
	if f := b.call("Download", ev["id"]); f.Error != nil {
		t.Fatalf("Download: %+v", f.Error)
	}
	path := b.waitTransfer(func(x session.Transfer) bool { return x.State == session.StateDone }).Path
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes (%v), want the %d sent", len(got), err, len(data))
	}
	if code, _ := post(t, ts, o.Stream, bytes.NewReader(data), int64(len(data))); code != http.StatusNotFound {
		t.Fatalf("a second POST to the stream: %d", code)
	}

	// An empty file needs no POST.
	a.share("empty.txt", 0, false)
	if ev := b.waitEvent("file"); ev["name"] != "empty.txt" || ev["size"] != float64(0) {
		t.Fatalf("file event %v", ev)
	}
}

// waitTransfer reads frames until a transfer is as ok wants.
func (tc *tabConn) waitTransfer(ok func(session.Transfer) bool) session.Transfer {
	tc.t.Helper()
	for {
		f := tc.read()
		if f.Event != session.EventTransfers {
			continue
		}
		var b session.TransferBatch
		json.Unmarshal(f.Data, &b)
		for _, x := range b.Transfers {
			if ok(x) {
				return x
			}
		}
	}
}

// noFile has a say something and checks that no file event came before.
func (tc *tabConn) noFile(t *testing.T) {
	t.Helper()
	if f := tc.call("Send", "still here"); f.Error != nil {
		t.Fatalf("Send: %+v", f.Error)
	}
	// A file is announced as its upload starts ("uploading"): one that
	// never completes is not shared; a complete one (or file_done) is.
	shared := func(ev map[string]any) bool {
		return ev["type"] == "file" && ev["uploading"] != true || ev["type"] == "file_done"
	}
	ev := tc.waitFor(func(ev map[string]any) bool {
		return shared(ev) || ev["type"] == "message" && ev["text"] == "still here"
	})
	if shared(ev) {
		t.Fatalf("a file was shared: %v", ev)
	}
}

// failed matches the failure of the transfer with id.
func failed(id string) func(session.Transfer) bool {
	return func(x session.Transfer) bool { return x.ID == id && x.State == session.StateFailed }
}

// TestStreamRefusals: a body of the wrong length, a body cut short, an
// unknown stream, a GET, no token: each a clear refusal, the transfer
// failed and nothing shared; the other member carries on.
func TestStreamRefusals(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	room(t, b, a)
	data := make([]byte, 1<<20)

	o := a.share("short.bin", len(data), false)
	if code, text := post(t, ts, o.Stream, bytes.NewReader(data[:100]), 100); code != http.StatusBadRequest || !strings.Contains(text, "1048576 bytes") {
		t.Fatalf("wrong length: %d %s", code, text)
	}
	if x := a.waitTransfer(failed(o.Transfer.ID)); !strings.Contains(x.Error.Message, "sent 100 bytes for a file of 1048576") {
		t.Fatalf("wrong length: transfer error %+v", x.Error)
	}

	// A body that ends early (the page went away mid-file).
	o = a.share("cut.bin", len(data), false)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(data[:300<<10])
		pw.CloseWithError(errors.New("the page went away"))
	}()
	post(t, ts, o.Stream, pr, int64(len(data)))
	if x := a.waitTransfer(failed(o.Transfer.ID)); x.Error == nil || x.Error.Code != "no_such_file" {
		t.Fatalf("cut short: transfer %+v", x)
	}

	if code, _ := post(t, ts, strings.Repeat("ab", 16), bytes.NewReader(data), int64(len(data))); code != http.StatusNotFound {
		t.Fatalf("unknown stream: %d", code)
	}
	o = a.share("get.bin", len(data), false)
	for _, req := range []*http.Request{
		func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, ts.URL+streamPrefix+o.Stream, nil)
			r.AddCookie(&http.Cookie{Name: cookieName, Value: token})
			return r
		}(),
		func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, ts.URL+streamPrefix+o.Stream, bytes.NewReader(data))
			return r // no token
		}(),
	} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed && resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s without token or as GET: %d", req.Method, resp.StatusCode)
		}
	}
	b.noFile(t)
}

// TestStreamEndsEarly: cancelling a transfer whose bytes are being posted
// answers the POST at once (409, the reason) and shares nothing; so does a
// tab closing mid-file; a tab has at most maxStreams streams open.
func TestStreamEndsEarly(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	room(t, a, b)
	const size = 8 << 20
	o := b.share("cancelled.bin", size, false)
	pr, pw := io.Pipe()
	defer pw.Close()
	answered := make(chan int, 1)
	go func() {
		code, _ := post(t, ts, o.Stream, pr, size)
		answered <- code
	}()
	if _, err := pw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	b.waitTransfer(func(x session.Transfer) bool { return x.ID == o.Transfer.ID && x.Done > 0 })
	if f := b.call("CancelTransfer", o.Transfer.ID); f.Error != nil {
		t.Fatalf("CancelTransfer: %+v", f.Error)
	}
	if code := <-answered; code != http.StatusConflict {
		t.Fatalf("POST of a cancelled stream: %d", code)
	}
	b.waitTransfer(func(x session.Transfer) bool { return x.ID == o.Transfer.ID && x.State == session.StateCancelled })

	var open []opened
	for range maxStreams {
		open = append(open, b.share("many.bin", size, false))
	}
	if f := b.call(methodShareStream, "one-too-many.bin", size, false); f.Error == nil || f.Error.Code != "rate_limited" {
		t.Fatalf("stream %d: %+v", maxStreams+1, f.Error)
	}

	// The tab goes mid-file.
	pr2, pw2 := io.Pipe()
	defer pw2.Close()
	go func() {
		code, _ := post(t, ts, open[0].Stream, pr2, size)
		answered <- code
	}()
	if _, err := pw2.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	b.waitTransfer(func(x session.Transfer) bool { return x.ID == open[0].Transfer.ID && x.Done > 0 })
	b.c.CloseNow()
	if code := <-answered; code != http.StatusConflict {
		t.Fatalf("POST of a stream whose tab closed: %d", code)
	}
	if code, _ := post(t, ts, open[1].Stream, bytes.NewReader(nil), size); code != http.StatusNotFound {
		t.Fatalf("POST to a stream of a closed tab: %d", code)
	}
	a.waitEvent(client.EventLeft)
	a.noFile(t)
}

// TestBinaryMessageEndsTheTab: requests are JSON text; a binary message
// ends the tab's connection with a close that says why, and the other tab
// carries on.
func TestBinaryMessageEndsTheTab(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	room(t, a, b)
	if err := b.c.Write(t.Context(), websocket.MessageBinary, []byte{0, 0, 0, 1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	var err error
	for err == nil {
		_, _, err = b.c.Read(t.Context())
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusUnsupportedData || !strings.Contains(ce.Reason, "requests are JSON text") {
		t.Fatalf("closed with %v, want unsupported data and a reason", err)
	}
	a.waitEvent(client.EventLeft)
	a.noFile(t)
}
