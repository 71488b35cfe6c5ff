package web

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"wetalk/backend/session"
	"wetalk/backend/wire"
)

// Streams carry the files a tab shares (dropped, picked or pasted into the
// page) as binary WebSocket messages, with no base64 and no JSON per chunk.
//
// Protocol flow:
//
//  1. The page calls methodShareStream with [stream, name, size, image]:
//     stream is its name for the stream, a number above every one it used
//     before on this connection. The reply is the session.Transfer, as
//     ShareFile's; its progress comes as transfer:progress events.
//  2. The page then sends binary messages, each a streamHeader and up to
//     maxStreamChunk bytes: stream (uint32, big-endian), then the offset of
//     the bytes in the file (uint64, big-endian), then the bytes. Offsets
//     follow each other with no gap; before any credit the page may send
//     the first streamWindow bytes.
//  3. As the upload reads the bytes, the bridge pushes
//     {"event":"stream:credit","data":{"stream":N,"credit":C}}: the page
//     may send bytes up to offset C (never beyond the size). At most
//     streamWindow bytes of a stream wait unread on the Go side.
//  4. If the upload ends before every byte was sent (cancelled, refused,
//     failed), the bridge pushes {"stream":N,"closed":true} and drops
//     whatever of the stream still arrives.
//
// A binary message over maxStreamChunk bytes (maxRequest, the read limit)
// ends the connection with a message-too-big close; one that breaks the
// other rules (shorter than the header, a stream never opened, bytes out of order or beyond the
// credit or the size) ends the tab's connection with a policy-violation
// close whose reason says which rule; other tabs carry on.
const (
	// methodShareStream is the bridge's own method (not the session's)
	// that opens a stream.
	methodShareStream = "ShareStream"
	// streamHeader is the length of a binary message's header.
	streamHeader = 4 + 8
	// maxStreamChunk is the most bytes one binary message may carry.
	maxStreamChunk = 1 << 20
	// streamWindow is how many bytes of a stream may be sent ahead of the
	// upload reading them.
	streamWindow = 4 << 20
	// creditStep is how many bytes the upload reads between credits.
	creditStep = streamWindow / 4
	// maxStreams bounds the streams of one tab open at once (so a tab
	// holds at most maxStreams*streamWindow bytes).
	maxStreams = 4
)

// eventStreamCredit is the event that grants a stream credit or says it
// was closed.
const eventStreamCredit = "stream:credit"

// Stream errors.
var (
	// errStreamRule: a binary message broke the stream protocol.
	errStreamRule = errors.New("stream protocol violation")
	// errStreamEnded: the upload stopped reading the stream.
	errStreamEnded = errors.New("the upload no longer reads this stream")
	// errTabClosed: the tab went before every byte was sent.
	errTabClosed = errors.New("the page closed before sending every byte of the file")
)

// streamCredit is the payload of eventStreamCredit.
type streamCredit struct {
	Stream uint32 `json:"stream"`
	Credit int64  `json:"credit,omitempty"`
	Closed bool   `json:"closed,omitempty"`
}

// streams are a tab's open streams.
type streams struct {
	t *tab

	mu   sync.Mutex
	open map[uint32]*stream // guarded by mu
	last uint32             // guarded by mu; the highest stream id opened
}

// share opens a stream for a methodShareStream call and hands it to the
// session's upload.
func (ss *streams) share(owner *session.Owner, args []json.RawMessage) (session.Transfer, error) {
	var (
		id    uint32
		name  string
		size  int64
		image bool
	)
	if len(args) != 4 {
		return session.Transfer{}, fmt.Errorf("%w: %s takes 4, got %d", errBadArgs, methodShareStream, len(args))
	}
	for i, v := range []any{&id, &name, &size, &image} {
		if err := json.Unmarshal(args[i], v); err != nil {
			return session.Transfer{}, fmt.Errorf("%w: %s argument %d: %v", errBadArgs, methodShareStream, i+1, err)
		}
	}
	if size < 0 {
		return session.Transfer{}, wire.Errorf(wire.ErrBadCommand, "negative size")
	}
	ss.mu.Lock()
	switch {
	case id <= ss.last:
		ss.mu.Unlock()
		return session.Transfer{}, fmt.Errorf("%w: stream %d is not above %d, the last one opened", errBadArgs, id, ss.last)
	case len(ss.open) >= maxStreams:
		ss.mu.Unlock()
		return session.Transfer{}, wire.Errorf(wire.ErrRateLimited, "%d files are already on their way; wait for one", maxStreams)
	}
	s := &stream{ss: ss, id: id, size: size, granted: min(size, streamWindow), wake: make(chan struct{}, 1)}
	ss.last = id
	ss.open[id] = s
	ss.mu.Unlock()
	return owner.ShareStream(name, size, image, s) // closes s if it cannot start
}

// put routes one binary message to its stream. An error breaks a rule.
func (ss *streams) put(msg []byte) error {
	if len(msg) < streamHeader {
		return fmt.Errorf("%w: a binary message of %d bytes is shorter than its header", errStreamRule, len(msg))
	}
	id := binary.BigEndian.Uint32(msg)
	off := binary.BigEndian.Uint64(msg[4:])
	ss.mu.Lock()
	s, ok := ss.open[id]
	last := ss.last
	ss.mu.Unlock()
	switch {
	case ok:
		return s.put(off, msg[streamHeader:])
	case id != 0 && id <= last:
		return nil // a stream that has ended: the page has not heard yet
	}
	return fmt.Errorf("%w: stream %d was never opened", errStreamRule, id)
}

// closeAll ends every stream: the tab has gone.
func (ss *streams) closeAll() {
	ss.mu.Lock()
	open := make([]*stream, 0, len(ss.open))
	for _, s := range ss.open {
		open = append(open, s)
	}
	ss.mu.Unlock()
	for _, s := range open {
		s.end(errTabClosed)
	}
}

// stream is one file on its way from the page to the room's upload: an
// io.ReadCloser whose bytes are the page's binary messages, in order.
type stream struct {
	ss   *streams
	id   uint32
	size int64
	wake chan struct{} // capacity 1: bytes arrived, or the stream ended

	mu       sync.Mutex
	queue    [][]byte // guarded by mu; bytes received and not yet read
	received int64    // guarded by mu; bytes the page has sent
	read     int64    // guarded by mu; bytes the upload has read
	granted  int64    // guarded by mu; the page may send bytes up to here
	err      error    // guarded by mu; set when the stream ends
}

// put queues bytes the page sent at off.
func (s *stream) put(off uint64, p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return nil // ended while the bytes were on their way
	case off != uint64(s.received):
		return fmt.Errorf("%w: stream %d: bytes at %d, expected %d", errStreamRule, s.id, off, s.received)
	case s.received+int64(len(p)) > s.granted:
		return fmt.Errorf("%w: stream %d: bytes up to %d, past the credit of %d (size %d)", errStreamRule, s.id, s.received+int64(len(p)), s.granted, s.size)
	case len(p) == 0:
		return nil
	}
	s.queue = append(s.queue, p)
	s.received += int64(len(p))
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// Read reads the page's bytes, waiting for them; it grants credit as it
// goes. It returns io.EOF after size bytes, and the stream's error once it
// has ended.
func (s *stream) Read(p []byte) (int, error) {
	for {
		s.mu.Lock()
		switch {
		case s.err != nil:
			err := s.err
			s.mu.Unlock()
			return 0, err
		case s.read == s.size:
			s.mu.Unlock()
			return 0, io.EOF
		case len(s.queue) > 0:
			n := 0
			for n < len(p) && len(s.queue) > 0 {
				c := copy(p[n:], s.queue[0])
				n += c
				if s.queue[0] = s.queue[0][c:]; len(s.queue[0]) == 0 {
					s.queue[0] = nil
					s.queue = s.queue[1:]
				}
			}
			s.read += int64(n)
			credit := int64(0)
			if want := min(s.size, s.read+streamWindow); want-s.granted >= creditStep || (want == s.size && want > s.granted) {
				s.granted, credit = want, want
			}
			s.mu.Unlock()
			if credit > 0 {
				s.ss.t.Emit(eventStreamCredit, streamCredit{Stream: s.id, Credit: credit})
			}
			return n, nil
		}
		s.mu.Unlock()
		<-s.wake
	}
}

// Close ends the stream: the upload reads no more of it (it has ended).
func (s *stream) Close() error {
	s.end(errStreamEnded)
	return nil
}

// end ends the stream with err (once): a Read waiting returns err, the
// bytes queued are dropped, the tab forgets the stream and, if the page
// has bytes left to send, it is told to stop.
func (s *stream) end(err error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err, s.queue = err, nil
	unsent := s.received < s.size
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	s.ss.mu.Lock()
	delete(s.ss.open, s.id)
	s.ss.mu.Unlock()
	if unsent {
		s.ss.t.Emit(eventStreamCredit, streamCredit{Stream: s.id, Closed: true})
	}
}
