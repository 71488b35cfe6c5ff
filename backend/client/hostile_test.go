package client

// A member's side of issue 10: a fake host that goes silent, or that sends
// what a malicious host would, and the client must cope without hanging,
// over-allocating or writing outside its download folder.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// fakeHost accepts one member over TLS, reads its hello and hands the
// connection to script, which plays the host.
type fakeHost struct {
	addr, fp string
	done     chan struct{}
}

func startFakeHost(t *testing.T, script func(conn *tls.Conn, r *wire.Reader)) *fakeHost {
	t.Helper()
	id, err := secure.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", secure.ServerConfig(id))
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{addr: ln.Addr().String(), fp: id.Fingerprint, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		conn := c.(*tls.Conn)
		r := wire.NewReader(conn)
		if f, err := r.ReadMessage(); err != nil || f.Type() != wire.TypeHello {
			return
		}
		script(conn, r)
	}()
	t.Cleanup(func() { ln.Close(); <-h.done })
	return h
}

func send(conn net.Conn, frames ...wire.Frame) error {
	var b []byte
	for _, f := range frames {
		var err error
		if b, err = wire.Append(b, f); err != nil {
			return err
		}
	}
	_, err := conn.Write(b)
	return err
}

func welcome(name string) *wire.Welcome {
	return &wire.Welcome{Room: "r", RoomID: uuid.New(), Seq: 1, Name: name, MemberID: uuid.New(), Leader: name, Members: []string{name}}
}

// drain waits (with a generous guard) for the client's events to end and
// returns the events seen.
func drain(t *testing.T, c *Client) []Event {
	t.Helper()
	var evs []Event
	guard := time.After(60 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-guard:
			t.Fatal("the client's events did not end")
		}
	}
}

// TestHostGoesSilent is row 12 from the member's side: the client pings,
// and when the host stops answering (a pulled cable: no FIN) it reports
// ErrConnectionLost instead of waiting forever.
func TestHostGoesSilent(t *testing.T) {
	pings := make(chan struct{}, 100)
	h := startFakeHost(t, func(conn *tls.Conn, r *wire.Reader) {
		send(conn, welcome("A"))
		for { // read, never answer
			f, err := r.ReadMessage()
			if err != nil {
				return
			}
			if f.Type() == wire.TypePing {
				select {
				case pings <- struct{}{}:
				default:
				}
			}
		}
	})
	c, err := Dial(context.Background(), Config{
		Addr: h.addr, Pin: h.fp, Name: "A", PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	drain(t, c)
	if !errors.Is(c.Err(), ErrConnectionLost) {
		t.Fatalf("Err() = %v, want ErrConnectionLost", c.Err())
	}
	if len(pings) == 0 {
		t.Fatal("the client sent no ping")
	}
}

// TestPongsKeepTheConnection: a host that answers pings keeps a member that
// has nothing to say connected well past PingTimeout.
func TestPongsKeepTheConnection(t *testing.T) {
	h := startFakeHost(t, func(conn *tls.Conn, r *wire.Reader) {
		send(conn, welcome("A"))
		n := 0
		for {
			f, err := r.ReadMessage()
			if err != nil {
				return
			}
			if f.Type() == wire.TypePing {
				send(conn, &wire.Pong{})
				if n++; n == 20 { // 20 × 50 ms: twice the timeout
					send(conn, &wire.Message{Seq: 2, ID: uuid.New(), From: "B", Text: "still there?"})
				}
			}
		}
	})
	c, err := Dial(context.Background(), Config{
		Addr: h.addr, Pin: h.fp, Name: "A", PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection ended: %v", c.Err())
			}
			if m, ok := ev.(Message); ok && m.Text == "still there?" {
				return
			}
		case <-time.After(60 * time.Second):
			t.Fatal("no message")
		}
	}
}

// TestMaliciousHost: a host that announces files without end, names a file
// to climb out of the download folder and serves it, and finally sends a
// frame over the limit. The client remembers a bounded number of files,
// saves the file inside the folder it was given, and drops the connection
// on the oversized frame without allocating it.
func TestMaliciousHost(t *testing.T) {
	data := []byte("not where you think")
	sum := sha256.Sum256(data)
	target := uuid.New()
	const flood = 3 * maxKnownFiles
	downloaded := make(chan struct{})
	h := startFakeHost(t, func(conn *tls.Conn, r *wire.Reader) {
		send(conn, welcome("A"))
		for i := range flood {
			if send(conn, &wire.File{Seq: uint64(2 + i), ID: uuid.New(), From: "H", Name: "../../flood.txt", Size: 1, SHA256: sum[:]}) != nil {
				return
			}
		}
		send(conn, &wire.File{Seq: flood + 2, ID: target, From: "H", Name: `../../..\..\escape/../evil.txt`, Size: uint64(len(data)), SHA256: sum[:]})
		for {
			f, err := r.ReadMessage()
			if err != nil {
				return
			}
			if d, ok := f.(*wire.Download); ok {
				send(conn, &wire.DownloadReady{Ref: d.Ref, Transfer: d.Transfer, File: target, Name: "../../../evil.txt", Size: uint64(len(data)), SHA256: sum[:]},
					&wire.Chunk{Transfer: d.Transfer, Data: data})
				// Then, once the file is saved, a frame announcing 16 MiB.
				<-downloaded
				conn.Write([]byte{0x01, 0, 0, 0, byte(wire.TypeMessage)})
			}
		}
	})
	c, err := Dial(context.Background(), Config{Addr: h.addr, Pin: h.fp, Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	guard := time.After(60 * time.Second)
	for found := false; !found; {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("events ended: %v", c.Err())
			}
			if f, ok := ev.(File); ok && f.ID == target.String() {
				found = true
			}
		case <-guard:
			t.Fatal("the file was not announced")
		}
	}
	c.xf.mu.Lock()
	known := len(c.xf.files)
	c.xf.mu.Unlock()
	if known > maxKnownFiles {
		t.Fatalf("the client remembers %d files", known)
	}

	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "downloads")
	os.MkdirAll(dir, 0o755)
	path, err := c.Download(context.Background(), "", target.String(), dir)
	close(downloaded)
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := filepath.Rel(dir, path); err != nil || strings.HasPrefix(rel, "..") || strings.ContainsRune(rel, filepath.Separator) {
		t.Fatalf("saved at %s, outside %s", path, dir)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Fatalf("saved %q", got)
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() && p != path {
			t.Errorf("a file outside the download: %s", p)
		}
		return nil
	})
	drain(t, c)
	if !errors.Is(c.Err(), wire.ErrFrameTooLarge) {
		t.Fatalf("after an oversized frame: %v", c.Err())
	}
}
