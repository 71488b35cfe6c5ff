//go:build unix

package wire

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// TestCorkReadsAhead: reads of any size, mixed, return the stream as
// written, and a small read takes what the socket has waiting (a TLS
// record's worth at a time would need 64 system calls per MiB).
func TestCorkReadsAhead(t *testing.T) {
	w, r := tcpPair(t)
	r.SetReadBuffer(4 << 20)
	w.SetWriteBuffer(4 << 20)
	c := NewCork(r, NewCorkBuffers())
	if c.rc == nil {
		t.Fatal("a TCP connection's Cork does not read ahead")
	}
	want := make([]byte, 1<<20)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range want {
		want[i] = byte(rnd.Uint32())
	}
	if _, err := w.Write(want); err != nil {
		t.Fatal(err)
	}
	w.CloseWrite()
	c.Read(make([]byte, 1)) // the first byte; the rest has arrived by now
	if c.ahead == nil || len(*c.ahead) <= 16<<10 {
		t.Fatalf("a 1-byte read of a socket holding 1 MiB read ahead %v bytes, want more than a record", c.ahead)
	}
	got := want[:1:1]
	sizes := []int{16 << 10, 1, corkMax, 100, 63 << 10, corkMax + 5}
	for i := 0; ; i++ {
		p := make([]byte, sizes[i%len(sizes)])
		n, err := c.Read(p)
		got = append(got, p[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
	}
	if c.ahead != nil {
		t.Fatal("the Cork holds a buffer after reading every byte")
	}
}

// TestCorkReadAheadLetsGo: the buffer goes back once its bytes are read,
// so a connection waiting for more holds none; deadlines and Close end a
// waiting read as they would without the Cork.
func TestCorkReadAheadLetsGo(t *testing.T) {
	w, r := tcpPair(t)
	c := NewCork(r, NewCorkBuffers())
	w.Write([]byte("hello, room"))
	p := make([]byte, 5)
	if n, err := c.Read(p); err != nil || string(p[:n]) != "hello" || c.ahead == nil {
		t.Fatalf("read %q, %v; holding %v", p[:n], err, c.ahead != nil)
	}
	p = make([]byte, 64)
	if n, err := c.Read(p); err != nil || string(p[:n]) != ", room" || c.ahead != nil {
		t.Fatalf("read %q, %v; still holding a buffer: %v", p[:n], err, c.ahead != nil)
	}

	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := c.Read(p)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a read past its deadline: %v, want a timeout", err)
	}
	if c.ahead != nil {
		t.Fatal("a read that timed out holds a buffer")
	}
	c.SetReadDeadline(time.Time{})

	done := make(chan error, 1)
	go func() {
		_, err := c.Read(p)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // most likely waiting by now; either way Close ends it
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("a read ended by Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Close did not end a waiting read")
	}
}

// TestCorkBuffersBounded: with every buffer lent, a Cork still reads and
// writes every byte in order, straight to the socket; buffers come back.
func TestCorkBuffersBounded(t *testing.T) {
	w, r := tcpPair(t)
	bufs := NewCorkBuffers()
	cw, cr := NewCork(w, bufs), NewCork(r, bufs)
	bufs.lent.Store(corkLent)
	cw.Corked(func() error {
		cw.Write([]byte("one "))
		cw.Write([]byte("two"))
		return nil
	})
	got := make([]byte, 0, 7)
	for len(got) < 7 {
		p := make([]byte, 16<<10)
		n, err := cr.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if cr.ahead != nil {
			t.Fatal("read ahead with every buffer lent")
		}
		got = append(got, p[:n]...)
	}
	if string(got) != "one two" {
		t.Fatalf("read %q, want %q", got, "one two")
	}
	bufs.lent.Store(0)
	cw.Corked(func() error {
		cw.Write([]byte("three"))
		return nil
	})
	p := make([]byte, 2)
	if n, err := cr.Read(p); err != nil || string(p[:n]) != "th" || bufs.lent.Load() != 1 {
		t.Fatalf("read %q, %v; %d buffers lent, want 1 (the rest read ahead)", p[:n], err, bufs.lent.Load())
	}
	p = make([]byte, 16)
	if n, err := cr.Read(p); err != nil || string(p[:n]) != "ree" || bufs.lent.Load() != 0 {
		t.Fatalf("read %q, %v; %d buffers lent, want 0", p[:n], err, bufs.lent.Load())
	}
}
