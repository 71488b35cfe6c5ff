//go:build linux || darwin

package client_test

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/wire"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestChatOvertakesUpload: a member's message overtakes its upload's
// chunks. The host stops reading once the upload has begun (with a 32 KiB
// receive buffer), so the client's queues and the kernel fill with chunks;
// then the member sends a message, and the host reads on. Only what the
// kernel held (the client's unsent limit and the host's buffer) and one
// round of the write loop come before the message: 5 or 6 of the 320 chunks
// here. Before, the message queued behind everything: the queue's 64
// chunks, and the megabytes the kernel took (Send itself waited for room
// in the queue). The upload's frames keep their order, upload_end last.
func TestChatOvertakesUpload(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 320*wire.MaxChunk/16)
	begun, readOn := make(chan struct{}), make(chan struct{})
	type seen struct {
		before int    // chunks before the message
		text   string // the message
		got    []byte // the upload's bytes
		order  bool   // the chunks came in order, upload_end after them
	}
	result := make(chan seen, 1)
	h := startFake(t, nil, func(c *hostConn) {
		begin, ok := c.next().(*wire.UploadBegin)
		for ok && begin == nil {
			begin, ok = c.next().(*wire.UploadBegin)
		}
		if !ok {
			t.Error("no upload_begin")
			return
		}
		if err := c.conn.NetConn().(*net.TCPConn).SetReadBuffer(32 << 10); err != nil {
			t.Error(err)
		}
		id := uuid.New()
		c.send(&wire.UploadReady{Ref: begin.Ref, Upload: id})
		close(begun)
		<-readOn
		s := seen{order: true}
		for {
			switch f := c.next().(type) {
			case *wire.UploadChunk:
				if f.Offset != uint64(len(s.got)) {
					s.order = false
				}
				s.got = append(s.got, f.Data...)
				if s.text == "" {
					s.before++
				}
			case *wire.Send:
				s.text = f.Text
			case *wire.UploadEnd:
				s.order = s.order && len(s.got) == len(data)
				c.send(&wire.Ack{Ref: begin.Ref, ID: id})
				result <- s
				return
			case *wire.Ping:
			case nil:
				t.Error("the connection ended")
				result <- s
				return
			default:
				t.Errorf("unexpected %T", f)
			}
		}
	})
	// The writes wait while the host does not read: a generous bound.
	c := h.dial(t, client.Config{Timeout: 60 * time.Second})
	src := &countingReader{r: bytes.NewReader(data)}
	done := make(chan error, 1)
	go func() {
		_, err := c.UploadReader(t.Context(), "up", "big.bin", int64(len(data)), struct{ io.Reader }{src}, false)
		done <- err
	}()
	<-begun
	// Wait until the client can queue no more: its reads of the source
	// stop (a hang guard of 60 s; on a busy machine the wait only makes
	// the test easier to pass, never harder).
	for last, still, deadline := int64(-1), 0, time.Now().Add(60*time.Second); still < 5 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if n := src.n.Load(); n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
	if src.n.Load() == int64(len(data)) {
		t.Fatal("the whole source was read before the host read anything: nothing for the message to overtake")
	}
	if err := c.Send("hi", "over the upload"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the message reaches the write loop's queue
	close(readOn)
	var s seen
	select {
	case s = <-result:
	case <-time.After(60 * time.Second):
		t.Fatal("the upload did not end within 60s")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d chunks came before the message", s.before, len(data)/wire.MaxChunk)
	if s.text != "over the upload" || !s.order || !bytes.Equal(s.got, data) {
		t.Fatalf("message %q, in order %v, %d of %d bytes", s.text, s.order, len(s.got), len(data))
	}
	if s.before > 16 {
		t.Fatalf("%d chunks came before the message; at most 16 (the kernel's and one round's)", s.before)
	}
}
