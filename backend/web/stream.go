package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"wetalk/backend/session"
	"wetalk/backend/wire"
)

// Streams carry the files a tab shares (dropped, picked or pasted into the
// page: File objects, no paths) into the room upload, with no base64 and no
// JSON per chunk.
//
// Protocol flow:
//
//  1. The page calls the bridge's own method ShareStream with
//     [name, size, image] over the WebSocket. The reply is
//     {"transfer":Transfer,"stream":"<32 hex digits>"}: the upload is
//     registered (its progress comes as transfer:progress events) and waits
//     for its bytes.
//  2. The page sends the file as the body of one POST to streamPrefix +
//     stream, with Content-Length size (the token and Host checks of every
//     request apply). The upload reads the request body as it sends its
//     chunks: TCP's flow control is the backpressure, nothing is buffered
//     beyond the upload's own chunk and nothing is spooled to disk.
//  3. The answer comes once the upload has read every byte (204), or ended
//     before (409, the reason in the body: cancelled, refused, failed; the
//     transfer's state says which). A stream is posted to once: an unknown
//     or used one is 404, a body whose length is not the size 400. An empty
//     file needs no POST (its upload reads nothing).
//
// Why a POST and not binary WebSocket messages: Chromium moves a request
// body from the file to the socket in its network process, several times
// faster than it carries WebSocket messages from the page (docs/files.md
// has the figures).
const (
	// methodShareStream is the bridge's own method (not the session's)
	// that opens a stream.
	methodShareStream = "ShareStream"
	// streamPrefix is the path streams are posted to.
	streamPrefix = "/stream/"
	// maxStreams bounds the streams of one tab open at once.
	maxStreams = 4
)

// Stream errors.
var (
	// errStreamEnded: the upload stopped reading the stream.
	errStreamEnded = errors.New("the upload no longer reads this file")
	// errTabClosed: the tab went before every byte was sent.
	errTabClosed = errors.New("the page closed before sending every byte of the file")
)

// opened is the reply to methodShareStream.
type opened struct {
	Transfer session.Transfer `json:"transfer"`
	Stream   string           `json:"stream"`
}

// streams are a tab's open streams.
type streams struct {
	srv *Server

	mu   sync.Mutex
	open map[*stream]bool // guarded by mu
}

// share opens a stream for a methodShareStream call and hands it to the
// session's upload.
func (ss *streams) share(owner *session.Owner, args []json.RawMessage) (opened, error) {
	var (
		name  string
		size  int64
		image bool
	)
	if len(args) != 3 {
		return opened{}, fmt.Errorf("%w: %s takes 3, got %d", errBadArgs, methodShareStream, len(args))
	}
	for i, v := range []any{&name, &size, &image} {
		if err := json.Unmarshal(args[i], v); err != nil {
			return opened{}, fmt.Errorf("%w: %s argument %d: %v", errBadArgs, methodShareStream, i+1, err)
		}
	}
	var key [16]byte
	rand.Read(key[:])
	s := &stream{ss: ss, id: hex.EncodeToString(key[:]), size: size, body: make(chan io.Reader, 1), read: make(chan struct{}), ended: make(chan struct{})}
	ss.mu.Lock()
	if len(ss.open) >= maxStreams {
		ss.mu.Unlock()
		return opened{}, wire.Errorf(wire.ErrRateLimited, "%d files are already on their way; wait for one", maxStreams)
	}
	ss.open[s] = true
	ss.mu.Unlock()
	ss.srv.addStream(s)
	t, err := owner.ShareStream(name, size, image, s) // closes s if it cannot start
	if err != nil {
		return opened{}, err
	}
	return opened{Transfer: t, Stream: s.id}, nil
}

// closeAll ends every stream: the tab has gone.
func (ss *streams) closeAll() {
	ss.mu.Lock()
	open := make([]*stream, 0, len(ss.open))
	for s := range ss.open {
		open = append(open, s)
	}
	ss.mu.Unlock()
	for _, s := range open {
		s.end(errTabClosed)
	}
}

// stream is one file on its way from the page to the room's upload: an
// io.ReadCloser over the body of the POST that carries it.
type stream struct {
	ss    *streams
	id    string
	size  int64
	body  chan io.Reader // the POST's body, handed over once (capacity 1)
	read  chan struct{}  // closed by Read once every byte was read
	ended chan struct{}  // closed by end

	readOnce, endOnce sync.Once
	err               error // set by end, before ended is closed

	mu   sync.Mutex // held while the body is read
	gone bool       // guarded by mu; the POST was answered: its body is not to be read

	r   io.Reader // the body; owned by Read
	got int64     // bytes read; owned by Read
}

// Read reads the POST's body, waiting for the POST to come.
func (s *stream) Read(p []byte) (int, error) {
	if s.r == nil {
		select {
		case b := <-s.body:
			s.r = io.LimitReader(b, s.size)
		case <-s.ended:
			return 0, s.err
		}
	}
	s.mu.Lock()
	if s.gone {
		s.mu.Unlock()
		return 0, errStreamEnded
	}
	n, err := s.r.Read(p)
	s.mu.Unlock()
	s.got += int64(n)
	switch {
	case s.got == s.size:
		s.readOnce.Do(func() { close(s.read) })
		if errors.Is(err, io.EOF) {
			err = nil
		}
	case err == nil:
	case s.isEnded():
		err = s.err // the read was cut short by end
	case errors.Is(err, io.EOF):
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// isEnded reports whether end has run.
func (s *stream) isEnded() bool {
	select {
	case <-s.ended:
		return true
	default:
		return false
	}
}

// Close ends the stream: the upload reads no more of it (it has ended).
func (s *stream) Close() error {
	s.end(errStreamEnded)
	return nil
}

// end ends the stream with err: a Read waiting for the POST returns err,
// the POST is answered (a read of its body in progress cut short), and the
// tab and the server forget the stream.
func (s *stream) end(err error) {
	s.endOnce.Do(func() {
		s.err = err
		close(s.ended)
	})
	s.ss.mu.Lock()
	delete(s.ss.open, s)
	s.ss.mu.Unlock()
	s.ss.srv.takeStream(s.id)
}

// answered says the POST is being answered: its body is not to be read
// any more. It waits for a read in progress.
func (s *stream) answered() {
	s.mu.Lock()
	s.gone = true
	s.mu.Unlock()
}

// addStream makes s reachable by its id.
func (srv *Server) addStream(s *stream) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.streams[s.id] = s
}

// takeStream returns the stream with id and forgets it (a stream is posted
// to once).
func (srv *Server) takeStream(id string) *stream {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	s := srv.streams[id]
	delete(srv.streams, id)
	return s
}

// serveStream takes the POST that carries a stream's bytes and answers it
// once the upload has read them all, or has ended.
func (srv *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "a stream's bytes come as a POST", http.StatusMethodNotAllowed)
		return
	}
	s := srv.takeStream(strings.TrimPrefix(r.URL.Path, streamPrefix))
	if s == nil {
		http.Error(w, "no such stream (ended, or posted to already)", http.StatusNotFound)
		return
	}
	if r.ContentLength != s.size {
		s.end(fmt.Errorf("the page sent %d bytes for a file of %d", r.ContentLength, s.size))
		http.Error(w, fmt.Sprintf("the body must be the file's %d bytes", s.size), http.StatusBadRequest)
		return
	}
	s.body <- r.Body
	select {
	case <-s.read:
		s.answered()
		w.WriteHeader(http.StatusNoContent)
	case <-s.ended:
		http.NewResponseController(w).SetReadDeadline(time.Now()) // cuts short a read of the body in progress
		s.answered()
		http.Error(w, s.err.Error(), http.StatusConflict)
	}
}
