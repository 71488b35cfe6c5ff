package client_test

// A member's side of issue 10: a fake host (client_test.go's) that goes
// silent, or that sends what a malicious host would; the client must cope
// without hanging, over-allocating or writing outside its download folder.
// Reconnecting is off: these tests look at how one connection ends.

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/wire"
)

// drain reads the client's events until they end.
func drain(t *testing.T, c *client.Client) {
	t.Helper()
	for {
		if _, ok := next(t, c); !ok {
			return
		}
	}
}

// TestHostGoesSilent is row 12 from the member's side: the client pings,
// and when the host stops answering (a pulled cable: no FIN) it reports
// ErrConnectionLost instead of waiting forever.
func TestHostGoesSilent(t *testing.T) {
	pings := make(chan struct{}, 100)
	h := startFake(t, nil, func(c *hostConn) {
		for { // read, never answer
			f := c.next()
			if f == nil {
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
	c := h.dial(t, client.Config{PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond, Reconnect: -1})
	drain(t, c)
	if !errors.Is(c.Err(), client.ErrConnectionLost) {
		t.Fatalf("Err() = %v, want ErrConnectionLost", c.Err())
	}
	if len(pings) == 0 {
		t.Fatal("the client sent no ping")
	}
}

// TestPongsKeepTheConnection: a host that answers pings keeps a member that
// has nothing to say connected well past PingTimeout.
func TestPongsKeepTheConnection(t *testing.T) {
	h := startFake(t, nil, func(c *hostConn) {
		for n := 0; ; {
			f := c.next()
			if f == nil {
				return
			}
			if f.Type() == wire.TypePing {
				c.send(&wire.Pong{})
				if n++; n == 20 { // 20 × 50 ms: twice the timeout
					c.send(&wire.Message{Seq: 2, ID: uuid.New(), From: "B", Text: "still there?"})
				}
			}
		}
	})
	c := h.dial(t, client.Config{PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond, Reconnect: -1})
	for {
		ev, ok := next(t, c)
		if !ok {
			t.Fatalf("connection ended: %v", c.Err())
		}
		if m, ok := ev.(client.Message); ok && m.Text == "still there?" {
			return
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
	flood := 3 * client.MaxKnownFiles
	downloaded := make(chan struct{})
	h := startFake(t, nil, func(c *hostConn) {
		for i := range flood {
			c.send(&wire.File{Seq: uint64(2 + i), ID: uuid.New(), From: "H", Name: "../../flood.txt", Size: 1, SHA256: sum[:]})
		}
		c.send(&wire.File{Seq: uint64(flood + 2), ID: target, From: "H", Name: `../../..\..\escape/../evil.txt`, Size: uint64(len(data)), SHA256: sum[:]})
		for {
			f := c.next()
			if f == nil {
				return
			}
			if d, ok := f.(*wire.Download); ok {
				c.send(&wire.DownloadReady{Ref: d.Ref, Transfer: d.Transfer, File: target, Name: "../../../evil.txt", Size: uint64(len(data)), SHA256: sum[:]},
					&wire.Chunk{Transfer: d.Transfer, Data: data})
				// Then, once the file is saved, a frame announcing 16 MiB.
				<-downloaded
				c.conn.Write([]byte{0x01, 0, 0, 0, byte(wire.TypeMessage)})
			}
		}
	})
	c := h.dial(t, client.Config{Reconnect: -1})
	for found := false; !found; {
		ev, ok := next(t, c)
		if !ok {
			t.Fatalf("events ended: %v", c.Err())
		}
		if f, ok := ev.(client.File); ok && f.ID == target.String() {
			found = true
		}
	}
	if n := client.KnownFiles(c); n > client.MaxKnownFiles {
		t.Fatalf("the client remembers %d files", n)
	}

	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "downloads")
	os.MkdirAll(dir, 0o755)
	path, err := c.Download(t.Context(), "", target.String(), dir)
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
