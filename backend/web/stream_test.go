package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wetalk/backend/client"
	"wetalk/backend/session"
)

// share opens stream id for data as the page does and returns the transfer.
func (tc *tabConn) share(id uint32, name string, size int, image bool) session.Transfer {
	tc.t.Helper()
	f := tc.call(methodShareStream, id, name, size, image)
	var tr session.Transfer
	if json.Unmarshal(f.Result, &tr); f.Error != nil || tr.ID == "" {
		tc.t.Fatalf("%s: %s %+v", methodShareStream, f.Result, f.Error)
	}
	return tr
}

// binary sends one binary message: stream id's bytes p at off.
func (tc *tabConn) binary(id uint32, off int, p []byte) error {
	msg := make([]byte, streamHeader+len(p))
	binary.BigEndian.PutUint32(msg, id)
	binary.BigEndian.PutUint64(msg[4:], uint64(off))
	copy(msg[streamHeader:], p)
	ctx, cancel := context.WithTimeout(tc.t.Context(), 30*time.Second)
	defer cancel()
	return tc.c.Write(ctx, websocket.MessageBinary, msg)
}

// credit reads frames until stream id's next credit event.
func (tc *tabConn) credit(id uint32) streamCredit {
	tc.t.Helper()
	for {
		f := tc.read()
		var c streamCredit
		if f.Event == eventStreamCredit && json.Unmarshal(f.Data, &c) == nil && c.Stream == id {
			return c
		}
	}
}

// stream sends data on stream id in chunks, never past the credit.
func (tc *tabConn) stream(id uint32, data []byte, chunk int) {
	tc.t.Helper()
	credit := min(len(data), streamWindow)
	for off := 0; off < len(data); {
		for off >= credit {
			c := tc.credit(id)
			if c.Closed {
				tc.t.Fatalf("stream %d closed after %d bytes", id, off)
			}
			credit = int(c.Credit)
		}
		n := min(chunk, credit-off)
		if err := tc.binary(id, off, data[off:off+n]); err != nil {
			tc.t.Fatal(err)
		}
		off += n
	}
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

// TestStreamThroughTheBridge: a file larger than the window, sent as
// binary messages within the credit, reaches the other member byte for
// byte.
func TestStreamThroughTheBridge(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	room(t, a, b)
	data := make([]byte, 3*streamWindow+12345)
	rand.Read(data)
	tr := a.share(1, "big.bin", len(data), false)
	if tr.Size != int64(len(data)) || tr.Name != "big.bin" {
		t.Fatalf("transfer %+v", tr)
	}
	a.stream(1, data, 256<<10)
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
	path := b.waitTransfer(session.StateDone)
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes (%v), want the %d sent", len(got), err, len(data))
	}
}

// waitTransfer reads frames until a transfer reaches state; it returns
// its path.
func (tc *tabConn) waitTransfer(state string) string {
	tc.t.Helper()
	for {
		f := tc.read()
		if f.Event != session.EventTransfers {
			continue
		}
		var b session.TransferBatch
		json.Unmarshal(f.Data, &b)
		for _, x := range b.Transfers {
			if x.State == session.StateFailed && state != session.StateFailed {
				tc.t.Fatalf("transfer failed: %+v", x.Error)
			}
			if x.State == state {
				return x.Path
			}
		}
	}
}

// TestStreamRules: a tab whose binary messages break the rules is
// disconnected with a policy-violation close that says which rule; the
// room gets no file and the other tab carries on.
func TestStreamRules(t *testing.T) {
	chunk := make([]byte, 1000)
	for _, tc := range []struct {
		name, reason string
		send         func(b *tabConn) error
	}{
		{"short", "shorter than its header", func(b *tabConn) error {
			return b.c.Write(t.Context(), websocket.MessageBinary, []byte{0, 0, 0, 1})
		}},
		{"never opened", "never opened", func(b *tabConn) error { return b.binary(9, 0, chunk) }},
		{"stream zero", "never opened", func(b *tabConn) error { return b.binary(0, 0, chunk) }},
		{"out of order", "expected 1000", func(b *tabConn) error {
			if err := b.binary(1, 0, chunk); err != nil {
				return err
			}
			return b.binary(1, 5000, chunk)
		}},
		{"past the size", "past the credit", func(b *tabConn) error {
			return b.binary(1, 0, make([]byte, 64<<10+1))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newBridge(t)
			a, b := openTab(t, ts), openTab(t, ts)
			room(t, a, b)
			b.share(1, "x.bin", 64<<10, false)
			if err := tc.send(b); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var err error
			for err == nil {
				_, _, err = b.c.Read(ctx)
			}
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("closed with %v, want a policy violation", err)
			}
			var ce websocket.CloseError
			if !errors.As(err, &ce) || !strings.Contains(ce.Reason, tc.reason) {
				t.Fatalf("close reason %q, want %q", ce.Reason, tc.reason)
			}
			a.waitEvent(client.EventLeft)
			if f := a.call("Send", "still here"); f.Error != nil {
				t.Fatalf("the other tab: %+v", f.Error)
			}
			a.noFile(t)
		})
	}
}

// noFile sends a marker message and checks no file event came before it.
func (tc *tabConn) noFile(t *testing.T) {
	t.Helper()
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
			if ev["type"] == "file" {
				t.Fatalf("a file was shared: %v", ev)
			}
			if ev["type"] == "message" && ev["text"] == "still here" {
				return
			}
		}
	}
}

// TestStreamEndsEarly: cancelling a stream's transfer tells the page to
// stop and drops the bytes still on their way (the connection stays up);
// a tab that closes mid-stream shares nothing.
func TestStreamEndsEarly(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	room(t, a, b)
	const size = 8 << 20
	data := make([]byte, streamWindow)
	tr := b.share(1, "cancelled.bin", size, false)
	if err := b.binary(1, 0, data[:1<<20]); err != nil {
		t.Fatal(err)
	}
	if f := b.call("CancelTransfer", tr.ID); f.Error != nil {
		t.Fatalf("CancelTransfer: %+v", f.Error)
	}
	if c := b.credit(1); !c.Closed {
		t.Fatalf("after cancel: %+v, want closed", c)
	}
	if err := b.binary(1, 1<<20, data[:1<<20]); err != nil { // on its way when the page heard
		t.Fatal(err)
	}
	if f := b.call("Version"); f.Error != nil {
		t.Fatalf("the tab after a cancelled stream: %+v", f.Error)
	}
	if f := b.call(methodShareStream, 1, "again.bin", 10, false); f.Error == nil || f.Error.Code != "bad_arguments" {
		t.Fatalf("a stream id used again: %+v", f.Error)
	}

	// Four streams at once at most.
	for id := uint32(2); id < 2+maxStreams; id++ {
		b.share(id, "many.bin", size, false)
	}
	if f := b.call(methodShareStream, 2+maxStreams, "one-too-many.bin", size, false); f.Error == nil || f.Error.Code != "rate_limited" {
		t.Fatalf("stream %d: %+v", maxStreams+1, f.Error)
	}
	if err := b.binary(2, 0, data[:1<<20]); err != nil {
		t.Fatal(err)
	}
	b.c.CloseNow() // the tab goes mid-stream
	a.waitEvent(client.EventLeft)
	if f := a.call("Send", "still here"); f.Error != nil {
		t.Fatalf("the other tab: %+v", f.Error)
	}
	a.noFile(t)
}

// TestStreamedImage: an image streamed from the page is shown to the
// other member, whose tab fetches it; a stream with no image's bytes is
// refused.
func TestStreamedImageRefused(t *testing.T) {
	ts := newBridge(t)
	a, b := openTab(t, ts), openTab(t, ts)
	room(t, a, b)
	not := bytes.Repeat([]byte("not an image "), 10)
	b.share(1, "fake.png", len(not), true)
	b.stream(1, not, len(not))
	if msg := b.waitTransferError(); !strings.Contains(msg, "not a PNG") {
		t.Fatalf("error %q", msg)
	}
}

// waitTransferError reads frames until a transfer fails; it returns why.
func (tc *tabConn) waitTransferError() string {
	tc.t.Helper()
	for {
		f := tc.read()
		if f.Event != session.EventTransfers {
			continue
		}
		var b session.TransferBatch
		json.Unmarshal(f.Data, &b)
		for _, x := range b.Transfers {
			if x.State == session.StateFailed {
				return x.Error.Message
			}
		}
	}
}
