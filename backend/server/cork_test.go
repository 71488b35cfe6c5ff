package server_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"wetalk/backend/server"
	"wetalk/backend/wire"
)

// countingListener counts the writes to every connection it accepts.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedWrites{Conn: c, n: &l.writes}, nil
}

type countedWrites struct {
	net.Conn
	n *atomic.Int64
}

func (c *countedWrites) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// TestDownloadChunksLeaveCorked: TLS writes each record (16 KiB at most)
// on its own, so a 63 KiB chunk would be four writes to the socket; the
// host's write loop corks a batch into one write.
func TestDownloadChunksLeaveCorked(t *testing.T) {
	const size = 4 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	h := startHostOn(t, server.Config{FilesDir: t.TempDir()}, cl)
	a := h.join(t, "Ann")
	path, _ := randomFile(t, size, 3)
	id, err := a.c.Upload(context.Background(), "", path, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	before := cl.writes.Load()
	if _, err := a.c.Download(context.Background(), "", id, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	chunks := int64(size/wire.MaxChunk + 1)
	if n := cl.writes.Load() - before; n > chunks+8 {
		t.Fatalf("%d chunks took %d writes to the socket; corked, at most one each", chunks, n)
	}
}
