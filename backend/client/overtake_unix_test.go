//go:build linux || darwin

package client_test

import (
	"bytes"
	"io"
	"net"
	"slices"
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

// seen is what a fake host saw of an upload.
type seen struct {
	before int    // the upload's bytes before the message
	text   string // the message
	got    []byte // the upload's bytes
	order  bool   // the chunks came in order, upload_end after them
}

// acceptUpload answers the member's first upload_begin with upload_ready.
func acceptUpload(t *testing.T, c *hostConn) (*wire.UploadBegin, uuid.UUID, bool) {
	begin, ok := c.next().(*wire.UploadBegin)
	for ok && begin == nil {
		begin, ok = c.next().(*wire.UploadBegin)
	}
	if !ok {
		t.Error("no upload_begin")
		return nil, uuid.Nil, false
	}
	id := uuid.New()
	c.send(&wire.UploadReady{Ref: begin.Ref, Upload: id})
	return begin, id, true
}

// readUpload reads the upload id of size bytes (and the member's message)
// until its upload_end, which it acks; each runs after every chunk.
func readUpload(t *testing.T, c *hostConn, begin *wire.UploadBegin, id uuid.UUID, size int, each func(*seen, *wire.UploadChunk)) seen {
	s := seen{order: true}
	for {
		switch f := c.next().(type) {
		case *wire.UploadChunk:
			if f.Offset != uint64(len(s.got)) {
				s.order = false
			}
			s.got = append(s.got, f.Data...)
			if s.text == "" {
				s.before = len(s.got)
			}
			if each != nil {
				each(&s, f)
			}
		case *wire.Send:
			s.text = f.Text
		case *wire.UploadEnd:
			s.order = s.order && len(s.got) == size
			c.send(&wire.Ack{Ref: begin.Ref, ID: id})
			return s
		case *wire.Ping:
		case nil:
			t.Error("the connection ended")
			return s
		default:
			t.Errorf("unexpected %T", f)
		}
	}
}

// uploadInBackground has c upload data as big.bin; it returns the source
// (counting what the client read of it) and the channel of the upload's
// result.
func uploadInBackground(t *testing.T, c *client.Client, data []byte) (*countingReader, chan error) {
	src := &countingReader{r: bytes.NewReader(data)}
	done := make(chan error, 1)
	go func() {
		_, err := c.UploadReader(t.Context(), "up", "big.bin", int64(len(data)), struct{ io.Reader }{src}, false)
		done <- err
	}()
	return src, done
}

// finish waits for what the fake host saw of the upload and for its
// result, and checks that the host got the message text and every byte of
// data in order, upload_end last.
func finish(t *testing.T, result <-chan seen, done <-chan error, text string, data []byte) seen {
	t.Helper()
	var s seen
	select {
	case s = <-result:
	case <-time.After(60 * time.Second):
		t.Fatal("the upload did not end within 60s")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.text != text || !s.order || !bytes.Equal(s.got, data) {
		t.Fatalf("message %q, in order %v, %d of %d bytes", s.text, s.order, len(s.got), len(data))
	}
	return s
}

// TestChatOvertakesUpload: a member's message overtakes its upload's
// chunks. The host stops reading once the upload has begun (with a 32 KiB
// receive buffer), so the client's queues and the kernel fill with chunks;
// then the member sends a message, and the host reads on. Only what the
// kernel held (the client's unsent limit and the host's buffer) and one
// round of the write loop come before the message: 4 to 6 of the 320 chunks'
// worth here. Before, the message queued behind everything: the queue's 64
// chunks, and the megabytes the kernel took (Send itself waited for room
// in the queue). The upload's frames keep their order, upload_end last.
func TestChatOvertakesUpload(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 320*wire.MaxChunk/16)
	begun, readOn := make(chan struct{}), make(chan struct{})
	result := make(chan seen, 1)
	h := startFake(t, nil, func(c *hostConn) {
		begin, id, ok := acceptUpload(t, c)
		if !ok {
			return
		}
		if err := c.conn.NetConn().(*net.TCPConn).SetReadBuffer(32 << 10); err != nil {
			t.Error(err)
		}
		close(begun)
		<-readOn
		result <- readUpload(t, c, begin, id, len(data), nil)
	})
	// The writes wait while the host does not read: a generous bound.
	c := h.dial(t, client.Config{Timeout: 60 * time.Second})
	src, done := uploadInBackground(t, c, data)
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
	s := finish(t, result, done, "over the upload", data)
	t.Logf("%d KiB of %d KiB came before the message", s.before>>10, len(data)>>10)
	if s.before > 16*wire.MaxChunk {
		t.Fatalf("%d KiB came before the message; at most 16 chunks' worth (the kernel's and one round's)", s.before>>10)
	}
}

// TestUploadPacedToSlowLink: on a slow link (a host that reads at most
// 1 MB/s through a 16 KiB receive buffer; about 0.2 MB/s here), the client
// sizes its upload's write rounds and its unsent bytes to the link
// (wire.Pace): it splits chunks into pieces of what the link drains in
// 10 ms, so that a message waits behind one piece, not behind a round of
// 256 KiB and 128 KiB unsent as on a fast link (0.4 s at 1 MB/s). The
// pieces arrive in order and make up the file, and the message comes
// behind little more than what the kernels and the host's TLS hold.
func TestUploadPacedToSlowLink(t *testing.T) {
	const rate = 1 << 20 // bytes per second the host reads, at most
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	var sent atomic.Bool
	mark := -1     // the upload's bytes the host had read when the message was sent
	var late []int // the sizes of the chunks read after that
	result := make(chan seen, 1)
	h := startFake(t, nil, func(c *hostConn) {
		if err := c.conn.NetConn().(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
			t.Error(err)
		}
		begin, id, ok := acceptUpload(t, c)
		if !ok {
			return
		}
		result <- readUpload(t, c, begin, id, len(data), func(s *seen, f *wire.UploadChunk) {
			if sent.Load() {
				if mark < 0 {
					mark = len(s.got) - len(f.Data)
				}
				late = append(late, len(f.Data))
			}
			time.Sleep(time.Duration(len(f.Data)) * time.Second / rate)
		})
	})
	c := h.dial(t, client.Config{Timeout: 60 * time.Second})
	src, done := uploadInBackground(t, c, data)
	// The client learns the link's rate in its first few hundred ms of
	// writing (the first rounds are of the largest size, 0.6 s at 1 MB/s
	// with what the kernels hold); two seconds are ample.
	for src.n.Load() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	if err := c.Send("hi", "over the slow upload"); err != nil {
		t.Fatal(err)
	}
	sent.Store(true) // after Send: a slow test goroutine counts fewer bytes, never more
	s := finish(t, result, done, "over the slow upload", data)
	if mark < 0 || len(late) < 2 {
		t.Fatalf("the upload was over (%d chunks after the message was sent) before the test could look", len(late))
	}
	// The last chunk may be short anyway; the others are pieces.
	if big := slices.Max(late[:len(late)-1]); big > 32<<10 {
		t.Fatalf("chunks of up to %d KiB on a link of at most 1 MB/s; pieces of at most 32 KiB (10 ms) expected: %v", big>>10, late)
	}
	behind := s.before - mark
	t.Logf("after the message was sent: %d chunks of %d to %d bytes; the message came behind %d KiB",
		len(late), slices.Min(late), slices.Max(late), behind>>10)
	if behind > 256<<10 {
		t.Fatalf("the message came behind %d KiB of the upload; at most 256 KiB", behind>>10)
	}
}
