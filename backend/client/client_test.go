package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// fakeHost is a host a test scripts frame by frame: it admits each
// connection with a welcome naming files, then hands the connection to the
// test's script.
type fakeHost struct {
	addr, fp string
	files    []wire.FileInfo
	script   func(c *hostConn)
}

// hostConn is the host's side of one member's connection.
type hostConn struct {
	t    *testing.T
	conn *tls.Conn
	r    *wire.Reader
}

// send writes frames to the member.
func (h *hostConn) send(frames ...wire.Frame) {
	h.t.Helper()
	for _, f := range frames {
		b, err := wire.Encode(f)
		if err != nil {
			h.t.Error(err)
			return
		}
		if _, err := h.conn.Write(b); err != nil {
			h.t.Errorf("host write: %v", err)
			return
		}
	}
}

// next reads the member's next frame (nil once the connection ended).
func (h *hostConn) next() wire.Frame {
	f, err := h.r.ReadMessage()
	if err != nil {
		return nil
	}
	return f
}

func startFake(t *testing.T, files []wire.FileInfo, script func(c *hostConn)) *fakeHost {
	t.Helper()
	id, err := secure.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", secure.ServerConfig(id))
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{addr: ln.Addr().String(), fp: id.Fingerprint, files: files, script: script}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go h.serve(t, c.(*tls.Conn))
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return h
}

func (h *fakeHost) serve(t *testing.T, conn *tls.Conn) {
	defer conn.Close()
	c := &hostConn{t: t, conn: conn, r: wire.NewReader(conn)}
	hello, ok := c.next().(*wire.Hello)
	if !ok {
		return
	}
	c.send(&wire.Welcome{Room: "Fake", Seq: 1, Name: hello.Name, Leader: hello.Name, Members: []string{hello.Name}, Files: h.files})
	h.script(c)
}

func (h *fakeHost) dial(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	cfg.Addr, cfg.Pin, cfg.Name = h.addr, h.fp, "Bot"
	c, err := client.Dial(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// next returns the client's next event, or fails after a hang guard.
func next(t *testing.T, c *client.Client) (client.Event, bool) {
	t.Helper()
	select {
	case ev, ok := <-c.Events():
		return ev, ok
	case <-time.After(60 * time.Second):
		t.Fatal("no event within 60s")
	}
	return nil, false
}

// uploadHost is a fake host that takes every upload: after each
// upload_begin it calls begun (if set) before it answers upload_ready, and
// it reports how each upload ended (its upload_end, or its cancel) on the
// channel it returns, with the bytes it got.
func uploadHost(t *testing.T, begun func()) (*fakeHost, chan uploadEnding) {
	ends := make(chan uploadEnding, 4)
	h := startFake(t, nil, func(c *hostConn) {
		for {
			f := c.next()
			if f == nil {
				return
			}
			begin, ok := f.(*wire.UploadBegin)
			if !ok {
				continue // a heartbeat
			}
			if begun != nil {
				begun()
			}
			id := uuid.New()
			c.send(&wire.UploadReady{Ref: begin.Ref, Upload: id})
			var got []byte
		frames:
			for {
				switch f := c.next().(type) {
				case *wire.UploadChunk:
					got = append(got, f.Data...)
				case *wire.Ping:
				case *wire.UploadEnd:
					ends <- uploadEnding{end: f, got: got}
					c.send(&wire.Ack{Ref: begin.Ref, ID: id})
					break frames
				case *wire.Cancel:
					ends <- uploadEnding{cancelled: true, got: got}
					break frames
				default:
					t.Errorf("upload %s: %T after %d bytes", begin.Name, f, len(got))
					return
				}
			}
		}
	})
	return h, ends
}

// uploadEnding is how an upload ended at uploadHost.
type uploadEnding struct {
	end       *wire.UploadEnd // nil if cancelled
	cancelled bool
	got       []byte
}

// TestUploadEndCarriesNoHash: whatever the source (a file, an
// io.ReaderAt, a plain reader), the client sends every byte and ends the
// upload with no SHA-256 of its own: TLS keeps the bytes intact, so the
// host's hash of what it received stands.
func TestUploadEndCarriesNoHash(t *testing.T) {
	data := bytes.Repeat([]byte("hash me never "), 20000) // several chunks
	h, ends := uploadHost(t, nil)
	c := h.dial(t, client.Config{})
	path := filepath.Join(t.TempDir(), "file.bin")
	os.WriteFile(path, data, 0o600)
	for _, tc := range []struct {
		name   string
		upload func() (string, error)
	}{
		{"a file", func() (string, error) { return c.Upload(t.Context(), "", path, "") }},
		{"an io.ReaderAt", func() (string, error) {
			return c.UploadReader(t.Context(), "", "at.bin", int64(len(data)), bytes.NewReader(data), false)
		}},
		{"a plain reader", func() (string, error) {
			return c.UploadReader(t.Context(), "", "stream.bin", int64(len(data)), struct{ io.Reader }{bytes.NewReader(data)}, false)
		}},
	} {
		if _, err := tc.upload(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		e := <-ends
		if e.end == nil || len(e.end.SHA256) != 0 || !bytes.Equal(e.got, data) {
			t.Fatalf("%s: ended %+v after %d bytes; want upload_end with no SHA-256 after all %d", tc.name, e.end, len(e.got), len(data))
		}
	}
}

// TestUploadOfAChangedFile: a file changed while it is being shared (here
// between upload_begin and its first chunk: new bytes of the same size and
// a new modification time) is not announced: the client cancels the upload
// instead of ending it, and says so (bad_hash, "changed"). A file opened
// through UploadReader is checked the same way.
func TestUploadOfAChangedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "draft.txt")
	before := bytes.Repeat([]byte("first draft "), 10000)
	after := bytes.Repeat([]byte("final draft "), 10000)
	write := func(b []byte, at time.Time) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	then := time.Now().Add(-time.Hour)
	write(before, then)
	h, ends := uploadHost(t, func() { write(after, then.Add(time.Minute)) })
	c := h.dial(t, client.Config{})

	_, err := c.Upload(t.Context(), "", path, "")
	if !errors.Is(err, wire.ErrBadHash) || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("Upload of a file changed on the way: %v; want bad_hash saying it changed", err)
	}
	if e := <-ends; !e.cancelled {
		t.Fatalf("the upload of a changed file ended with %+v, not a cancel", e.end)
	}

	write(before, then)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = c.UploadReader(t.Context(), "", "draft.txt", int64(len(before)), f, false)
	if !errors.Is(err, wire.ErrBadHash) || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("UploadReader of an *os.File changed on the way: %v", err)
	}
	if e := <-ends; !e.cancelled {
		t.Fatalf("the UploadReader of a changed file ended with %+v, not a cancel", e.end)
	}
}

// TestRouting: a transfer's frames go to the transfer (its ack and
// uploaded events then carry the caller's ref, its progress too), the
// rest become events in the host's order, and a chunk for no transfer is
// dropped.
func TestRouting(t *testing.T) {
	data := []byte("hello, routed world")
	fileID := uuid.New()
	h := startFake(t, nil, func(c *hostConn) {
		c.send(&wire.Message{Seq: 2, ID: uuid.New(), From: "Ann", Text: "first", Time: time.Now()})
		begin, ok := c.next().(*wire.UploadBegin)
		if !ok {
			t.Error("no upload begin")
			return
		}
		c.send(
			&wire.Chunk{Transfer: uuid.New(), Data: []byte("nobody's")}, // dropped
			&wire.Ack{Ref: "r-plain"},                                   // not a transfer's: an event
			&wire.UploadReady{Ref: begin.Ref, Upload: fileID},
		)
		var got []byte
		for {
			switch f := c.next().(type) {
			case *wire.UploadChunk:
				got = append(got, f.Data...)
				continue
			case *wire.UploadEnd:
				if len(f.SHA256) != 0 || string(got) != string(data) {
					t.Errorf("host got %q, ended with SHA-256 %x", got, f.SHA256)
				}
				c.send(&wire.Ack{Ref: begin.Ref, ID: fileID}, &wire.Message{Seq: 3, ID: uuid.New(), From: "Ann", Text: "last", Time: time.Now()})
			}
			break
		}
		c.next() // until the member goes
	})
	c := h.dial(t, client.Config{})
	path := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(path, data, 0o600)
	id, err := c.Upload(t.Context(), "u1", path, "")
	if err != nil || id != fileID.String() {
		t.Fatalf("Upload = %q, %v", id, err)
	}
	var kinds []string
	for {
		ev, ok := next(t, c)
		if !ok {
			t.Fatalf("events ended: %v", c.Err())
		}
		kinds = append(kinds, ev.Kind())
		switch ev := ev.(type) {
		case client.Progress:
			if ev.Ref != "u1" || ev.Direction != client.DirectionUp || ev.Transfer != fileID.String() || ev.Total != int64(len(data)) {
				t.Errorf("progress %+v", ev)
			}
		case client.Ack:
			if ev.Ref != "r-plain" && (ev.Ref != "u1" || ev.ID != fileID.String()) {
				t.Errorf("ack %+v", ev)
			}
		case client.Uploaded:
			if ev.Ref != "u1" || ev.File != fileID.String() {
				t.Errorf("uploaded %+v", ev)
			}
		}
		if m, ok := ev.(client.Message); ok && m.Text == "last" {
			break
		}
	}
	// The upload's first progress event (done 0) says it has started.
	want := []string{"welcome", "message", "ack", "progress", "progress", "ack", "uploaded", "message"}
	if len(kinds) != len(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("events %v, want %v", kinds, want)
		}
	}
}

// TestMoreChunksThanTheWindow: a host sending more chunks than the credit
// it was given fails the download with a protocol error, and the client
// carries on.
func TestMoreChunksThanTheWindow(t *testing.T) {
	content := make([]byte, 100)
	sum := sha256.Sum256(content)
	file := wire.FileInfo{ID: uuid.New(), From: "Ann", Name: "f.bin", Size: uint64(len(content)), SHA256: sum[:], Time: time.Now()}
	h := startFake(t, []wire.FileInfo{file}, func(c *hostConn) {
		d, ok := c.next().(*wire.Download)
		if !ok || d.Window != client.Window {
			t.Errorf("download %+v", d)
			return
		}
		// The chunks come before the answer: none can be read yet.
		for i := range client.Window + 1 {
			c.send(&wire.Chunk{Transfer: d.Transfer, Offset: uint64(i), Data: content[i : i+1]})
		}
		c.send(&wire.DownloadReady{Ref: d.Ref, Transfer: d.Transfer, File: file.ID, Name: file.Name, Size: file.Size, SHA256: file.SHA256})
		for c.next() != nil {
		}
	})
	c := h.dial(t, client.Config{})
	_, err := c.Download(t.Context(), "d1", file.ID.String(), t.TempDir())
	if !errors.Is(err, wire.ErrProtocol) || !strings.Contains(err.Error(), "more chunks than the window") {
		t.Fatalf("Download = %v, want the protocol error for too many chunks", err)
	}
	if err := c.Send("r", "still here"); err != nil {
		t.Fatalf("the client did not carry on: %v", err)
	}
}

// TestLeaveTimeout: a host that never closes the connection after the
// goodbye does not keep Leave waiting past the timeout; the events end and
// the leave counts as clean.
func TestLeaveTimeout(t *testing.T) {
	gotLeave := make(chan bool, 1)
	h := startFake(t, nil, func(c *hostConn) {
		_, ok := c.next().(*wire.Leave)
		gotLeave <- ok
		c.next() // hold the connection open until the member drops it
	})
	c := h.dial(t, client.Config{Timeout: 2 * time.Second})
	next(t, c) // the welcome
	left := make(chan error, 1)
	go func() { left <- c.Leave() }()
	select {
	case err := <-left:
		if err != nil {
			t.Fatalf("Leave: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Leave waits on a host that never closes")
	}
	if !<-gotLeave {
		t.Fatal("the host got no goodbye")
	}
	for {
		if _, ok := next(t, c); !ok {
			break
		}
	}
	if err := c.Err(); err != nil {
		t.Fatalf("Err after leaving: %v", err)
	}
}

// TestKickedAndClosed: the end of the connection matches the sentinel of
// what the host announced.
func TestKickedAndClosed(t *testing.T) {
	for _, tc := range []struct {
		frame wire.Frame
		want  error
	}{
		{&wire.Kicked{By: "Ann", Reason: "spam"}, wire.ErrKicked},
		{&wire.Closed{Reason: "bye"}, wire.ErrClosed},
	} {
		h := startFake(t, nil, func(c *hostConn) { c.send(tc.frame) })
		c := h.dial(t, client.Config{})
		var last client.Event
		for {
			ev, ok := next(t, c)
			if !ok {
				break
			}
			last = ev
		}
		if err := c.Err(); !errors.Is(err, tc.want) || last.Kind() != tc.frame.Type().String() {
			t.Errorf("after %v: Err %v, last event %v", tc.frame.Type(), err, last)
		}
	}
}

// TestDialCancelled: cancelling the context ends a Dial waiting on a host
// that accepted the connection and never answers.
func TestDialCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case c := <-accepted:
			c.Close()
		default:
		}
	})
	id, err := secure.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := client.Dial(ctx, client.Config{Addr: ln.Addr().String(), Pin: id.Fingerprint, Name: "Bot", Timeout: time.Hour})
		done <- err
	}()
	c := <-accepted
	accepted <- c
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Dial = %v, want context.Canceled", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("a cancelled Dial waits on the host")
	}
}

// TestUploadsQueueBehindTheHostLimit starts six uploads at once against a
// host that takes wire.MaxUploads at a time and answers an upload's end only
// once that many are open (or no more will come): the client never opens a
// fifth, the rest wait their turn, and all six succeed.
func TestUploadsQueueBehindTheHostLimit(t *testing.T) {
	const n = 6
	h := startFake(t, nil, func(c *hostConn) {
		refs := map[uuid.UUID]string{} // open uploads
		var ended []uuid.UUID          // ends not answered yet
		begun := 0
		for {
			switch f := c.next().(type) {
			case nil:
				return
			case *wire.UploadBegin:
				if len(refs) >= wire.MaxUploads {
					t.Errorf("upload %d begun with %d open; the host takes %d", begun+1, len(refs), wire.MaxUploads)
					c.send(&wire.ErrorFrame{Ref: f.Ref, Code: wire.CodeRateLimited, Message: "too many"})
					begun++ // refused, as the real host does
					continue
				}
				begun++
				id := uuid.New()
				refs[id] = f.Ref
				c.send(&wire.UploadReady{Ref: f.Ref, Upload: id})
			case *wire.UploadEnd:
				ended = append(ended, f.Upload)
			}
			if len(refs) == wire.MaxUploads || begun == n {
				for _, id := range ended {
					c.send(&wire.Ack{Ref: refs[id], ID: id})
					delete(refs, id)
				}
				ended = nil
			}
		}
	})
	c := h.dial(t, client.Config{})
	dir := t.TempDir()
	errs := make(chan error, n)
	for i := range n {
		path := filepath.Join(dir, strings.Repeat("f", i+1))
		os.WriteFile(path, []byte(path), 0o600)
		go func() {
			_, err := c.Upload(t.Context(), path, path, "")
			errs <- err
		}()
	}
	for range n {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("Upload: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("uploads still running after 60s")
		}
	}
}

// writeCounter counts the writes to a socket.
type writeCounter struct {
	net.Conn
	writes atomic.Int64
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes.Add(1)
	return w.Conn.Write(p)
}

// TestUploadChunksLeaveCorked: TLS writes each record (16 KiB at most) on
// its own, so a 63 KiB chunk would be four writes to the socket; the
// write loop corks them into one write (or fewer, for several chunks).
func TestUploadChunksLeaveCorked(t *testing.T) {
	const size = 4 << 20
	h := startFake(t, nil, func(c *hostConn) {
		refs := map[uuid.UUID]string{}
		for {
			switch f := c.next().(type) {
			case nil:
				return
			case *wire.UploadBegin:
				id := uuid.New()
				refs[id] = f.Ref
				c.send(&wire.UploadReady{Ref: f.Ref, Upload: id})
			case *wire.UploadEnd:
				c.send(&wire.Ack{Ref: refs[f.Upload], ID: f.Upload})
			}
		}
	})
	var sock *writeCounter
	c := h.dial(t, client.Config{Dial: func(ctx context.Context, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			sock = &writeCounter{Conn: conn}
			return sock, nil
		}
		return nil, err
	}})
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, bytes.Repeat([]byte("corked"), size/6), 0o600); err != nil {
		t.Fatal(err)
	}
	before := sock.writes.Load()
	done := make(chan error, 1)
	go func() { _, err := c.Upload(t.Context(), "", path, ""); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("upload still running after 60s")
	}
	chunks := int64(size/wire.MaxChunk + 1)
	if n := sock.writes.Load() - before; n > chunks+4 {
		t.Fatalf("%d chunks took %d writes to the socket; corked, at most one each", chunks, n)
	}
}
