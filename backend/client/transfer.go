package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/transfer"
	"wetalk/backend/wire"
)

// Transfer tuning. A download starts with Window chunks in flight (about
// 1 MiB) and grows its window to twice the path's bandwidth-delay product,
// or to what arrives in stallCover at the measured rate if that is more
// (wire.MaxWindow at most); credit goes back to the host every creditBatch
// chunks.
const (
	Window      = 16
	creditBatch = 4
	stallCover  = 10 * time.Millisecond
)

// window sizes a download's window from the round trip of its Download
// command and the rate its chunks arrive at: twice the bandwidth-delay
// product, between Window and wire.MaxWindow chunks. A window that fits
// the path keeps a 50 ms link from being capped at one window per round
// trip. On a short, fast path (loopback, a fast LAN) it also covers
// stallCover of the rate: the receiver's disk stalls for milliseconds at
// a time (its writer waits for write-back), and a window of one
// round trip's worth then left the host idle until the credit came. On a
// slow path it stays small: the host's queue to the member, which chat
// waits behind, holds at most stallCover's worth or Window chunks.
type window struct {
	fixed bool          // Config.Window: never resized
	size  int           // chunks the host may have in flight
	rtt   time.Duration // of the Download command
	start time.Time     // when the first chunk could come
	got   int64         // bytes since start
}

// grant returns the credit to give back for n chunks written: n, plus
// what the window grows by.
func (w *window) grant(n int, got int64, now time.Time) uint64 {
	w.got += got
	if w.fixed || w.size >= wire.MaxWindow {
		return uint64(n)
	}
	elapsed := now.Sub(w.start)
	if elapsed <= 0 {
		return uint64(n)
	}
	rate := float64(w.got) / elapsed.Seconds()
	ahead := max(2*rate*w.rtt.Seconds(), rate*stallCover.Seconds())
	want := min(max(int(ahead/wire.MaxChunk)+1, Window), wire.MaxWindow)
	grow := max(want-w.size, 0)
	w.size += grow
	return uint64(n + grow)
}

// Directions of a progress event.
const (
	DirectionUp   = "up"
	DirectionDown = "down"
)

// transfers is the client's side of uploads and downloads: the transfers
// waiting for the host, by the internal ref of their command and by id, and
// the files the room has shared. Its zero value is ready.
type transfers struct {
	mu     sync.Mutex
	byRef  map[string]*xfer       // guarded by mu
	byID   map[uuid.UUID]*xfer    // guarded by mu
	files  map[uuid.UUID]FileInfo // guarded by mu; shared files and images, from events
	gone   map[uuid.UUID]bool     // guarded by mu; recalled
	active map[string]bool        // guarded by mu; downloads in progress, by file and folder
	emitMu sync.RWMutex           // held for reading while emitting, for writing to close events
	closed bool                   // guarded by emitMu
}

// xfer is one upload or download waiting on the host.
type xfer struct {
	ref     string          // the caller's ref, echoed on events
	file    uuid.UUID       // a download's file: FileDone, FileFailed and Recalled of it are replies too
	replies chan wire.Frame // UploadReady, DownloadReady, Ack, ErrorFrame, Abort, FileDone
	chunks  chan *wire.Chunk
	// A download's chunks: allowed is how many the host may send in all
	// (the window plus the credit given back), received how many came.
	allowed  atomic.Uint64
	received uint64 // guarded by transfers.mu
}

// FileInfo describes a shared file, as the welcome lists them.
// Its fields are in the order of their JSON names, as the contract shows
// them.
type FileInfo struct {
	From   string    `json:"from"`
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	SHA256 string    `json:"sha256"` // empty while Uploading
	Size   int64     `json:"size"`
	Time   time.Time `json:"time"`
	// Uploading is set for a file still being uploaded: it may be
	// downloaded already (see Client.Download); a file_done or file_failed
	// event tells how its upload ended.
	Uploading bool `json:"uploading,omitempty"`
	mime      string
}

// emit queues an event from a goroutine other than readLoop (a transfer's
// progress, its end). It drops the event once nobody reads events.
func (c *Client) emit(ev Event) {
	c.xf.emitMu.RLock()
	defer c.xf.emitMu.RUnlock()
	if c.xf.closed {
		return
	}
	select {
	case c.events <- ev:
	case <-c.gone:
	case <-c.done:
	}
}

// closeEvents closes the events channel once no transfer can emit.
func (c *Client) closeEvents() {
	c.xf.emitMu.Lock()
	defer c.xf.emitMu.Unlock()
	c.xf.closed = true
	close(c.events)
}

// lostRef marks the note lost sends; no command of the host's carries it.
const lostRef = "\x00lost"

// lost fails every transfer waiting on the host: the link they used is
// gone (a resumed seat does not carry transfers over).
func (x *transfers) lost() {
	x.mu.Lock()
	defer x.mu.Unlock()
	f := &wire.ErrorFrame{Ref: lostRef, Code: wire.CodeUnreachable, Message: "connection lost"}
	told := make(map[*xfer]bool)
	for _, t := range x.byRef {
		told[t] = true
	}
	for _, t := range x.byID {
		told[t] = true
	}
	for t := range told {
		select {
		case t.replies <- f:
		default:
		}
	}
}

// register records a transfer waiting for the host's answer to the command
// sent with the returned internal ref.
func (c *Client) register(ref string, window int) (string, *xfer) {
	x := &xfer{ref: ref, replies: make(chan wire.Frame, 4)}
	if window > 0 {
		x.chunks = make(chan *wire.Chunk, window)
	}
	iref := "xfer:" + uuid.NewString()
	c.xf.mu.Lock()
	if c.xf.byRef == nil {
		c.xf.byRef = make(map[string]*xfer)
		c.xf.byID = make(map[uuid.UUID]*xfer)
	}
	c.xf.byRef[iref] = x
	c.xf.mu.Unlock()
	return iref, x
}

func (c *Client) bind(id uuid.UUID, x *xfer) {
	c.xf.mu.Lock()
	c.xf.byID[id] = x
	c.xf.mu.Unlock()
}

func (c *Client) unregister(iref string, id uuid.UUID) {
	c.xf.mu.Lock()
	delete(c.xf.byRef, iref)
	delete(c.xf.byID, id)
	c.xf.mu.Unlock()
}

// route hands transfer frames to the transfer they belong to and keeps
// track of shared files. It reports whether readLoop should skip the frame,
// and gives the events to emit in its place.
func (c *Client) route(f wire.Frame) (evs []Event, handled bool) {
	c.xf.mu.Lock()
	defer c.xf.mu.Unlock()
	reply := func(x *xfer, f wire.Frame) {
		select {
		case x.replies <- f:
		default: // a host answering twice: ignored
		}
	}
	switch f := f.(type) {
	case *wire.UploadReady:
		if x := c.xf.byRef[f.Ref]; x != nil {
			reply(x, f)
		}
		return nil, true
	case *wire.DownloadReady:
		if x := c.xf.byRef[f.Ref]; x != nil {
			reply(x, f)
		}
		return nil, true
	case *wire.Ack:
		x := c.xf.byRef[f.Ref]
		if x == nil {
			return nil, false
		}
		reply(x, f)
		id := f.ID.String()
		return []Event{Ack{Ref: x.ref, ID: id}, Uploaded{File: id, Ref: x.ref}}, true
	case *wire.ErrorFrame:
		if x := c.xf.byRef[f.Ref]; x != nil {
			reply(x, f)
			return nil, true
		}
	case *wire.Abort:
		if x := c.xf.byID[f.Transfer]; x != nil {
			reply(x, f)
		}
		return nil, true
	case *wire.Chunk:
		x := c.xf.byID[f.Transfer]
		if x == nil || x.chunks == nil {
			// A transfer that ended: the host's abort or the room's
			// news about the file may overtake its last chunks.
			c.chunks.Put(f.Data)
			return nil, true
		}
		x.received++
		over := x.received > x.allowed.Load()
		if !over {
			select {
			case x.chunks <- f:
			default:
				over = true
			}
		}
		if over {
			// More than the credit given: the transfer fails.
			c.chunks.Put(f.Data)
			reply(x, &wire.Abort{Transfer: f.Transfer, Code: wire.CodeProtocol, Message: "the host sent more chunks than the window allows"})
		}
		return nil, true
	case *wire.File:
		c.knowLocked(f.ID, FileInfo{ID: f.ID.String(), From: f.From, Name: f.Name, Size: int64(f.Size), SHA256: hex.EncodeToString(f.SHA256), Uploading: len(f.SHA256) == 0})
	case *wire.FileDone:
		if fi, ok := c.fileLocked(f.ID); ok {
			fi.SHA256, fi.Uploading = hex.EncodeToString(f.SHA256), false
			c.knowLocked(f.ID, fi)
		}
		c.replyFile(f.ID, f)
	case *wire.FileFailed:
		c.forgetLocked(f.ID)
		c.replyFile(f.ID, &wire.Abort{Code: wire.CodeUploadFailed, Message: fmt.Sprintf("the upload of the file failed (%s): %s", f.Code, f.Message)})
	case *wire.Image:
		c.knowLocked(f.ID, FileInfo{ID: f.ID.String(), From: f.From, Name: imageName(f.ID, f.Mime), Size: int64(f.Size), SHA256: hex.EncodeToString(f.SHA256), mime: f.Mime})
	case *wire.Recalled:
		c.forgetLocked(f.ID)
		c.replyFile(f.ID, &wire.Abort{Code: wire.CodeNoSuchFile, Message: "the file was recalled"})
	}
	return nil, false
}

// forgetLocked forgets a file that left the room. Caller holds xf.mu.
func (c *Client) forgetLocked(id uuid.UUID) {
	if c.xf.gone == nil || len(c.xf.gone) >= maxKnownFiles {
		// A host recalling more than a room can hold: forget the
		// old recalls (a download of one is then refused by the host).
		c.xf.gone = make(map[uuid.UUID]bool)
	}
	c.xf.gone[id] = true
	delete(c.xf.files, id)
}

// replyFile hands f to the downloads of the file id: how the upload of a
// file they fetch while it uploads ended. Caller holds xf.mu.
func (c *Client) replyFile(id uuid.UUID, f wire.Frame) {
	for _, x := range c.xf.byID {
		if x.file == id {
			select {
			case x.replies <- f:
			default:
			}
		}
	}
}

// maxKnownFiles bounds the shared files and recalls a client remembers, so
// that a malicious host announcing files without end cannot grow its
// memory: a room holds at most 1,000 files, and this is four times that.
const maxKnownFiles = 4096

func (c *Client) knowLocked(id uuid.UUID, fi FileInfo) {
	if c.xf.files == nil {
		c.xf.files = make(map[uuid.UUID]FileInfo)
	}
	if _, ok := c.xf.files[id]; !ok && len(c.xf.files) >= maxKnownFiles {
		for old := range c.xf.files { // any one: a host past the limit is not a room
			delete(c.xf.files, old)
			break
		}
	}
	c.xf.files[id] = fi
}

// file returns what the room said about a shared file or image.
func (c *Client) file(id uuid.UUID) (FileInfo, bool) {
	c.xf.mu.Lock()
	defer c.xf.mu.Unlock()
	return c.fileLocked(id)
}

// fileLocked is file, for a caller holding xf.mu.
func (c *Client) fileLocked(id uuid.UUID) (FileInfo, bool) {
	if c.xf.gone[id] {
		return FileInfo{}, false
	}
	if fi, ok := c.xf.files[id]; ok {
		return fi, true
	}
	for _, fi := range c.welcome.Files {
		if fi.ID == id.String() {
			return fi, true
		}
	}
	return FileInfo{}, false
}

// imageName is the name an image is saved under: its id and the extension
// of its type.
func imageName(id uuid.UUID, mime string) string {
	ext := map[string]string{transfer.MimePNG: ".png", transfer.MimeJPEG: ".jpg", transfer.MimeGIF: ".gif", transfer.MimeWebP: ".webp"}[mime]
	return "image-" + id.String()[:8] + ext
}

// sendCtx queues a frame unless ctx ends first.
func (c *Client) sendCtx(ctx context.Context, f wire.Frame) error {
	frame, err := wire.Encode(f)
	if err != nil {
		return wire.Errorf(wire.ErrTooLarge, "%v", err)
	}
	return c.queue(ctx, frame)
}

// queue queues an encoded frame unless ctx ends first.
func (c *Client) queue(ctx context.Context, frame []byte) error {
	return c.queueOn(ctx, c.out, frame)
}

// queueBulk queues an upload's frame (a chunk, its upload_end) unless ctx
// ends first: the member's other frames overtake it (see Client.take).
// Once the queue is full, it waits until the queue is down to a quarter
// (see refill).
func (c *Client) queueBulk(ctx context.Context, frame []byte) error {
	if len(c.bulk) == cap(c.bulk) {
		if low := c.refill.wait(c.bulk); low != nil {
			if err := c.await(ctx, low); err != nil {
				return err
			}
		}
	}
	return c.queueOn(ctx, c.bulk, frame)
}

// await waits until ch is closed (or yields), unless the connection or ctx
// ends first.
func (c *Client) await(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-c.done:
		return c.lost()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) queueOn(ctx context.Context, q chan<- []byte, frame []byte) error {
	select {
	case q <- frame:
		return nil
	case <-c.done:
		return c.lost()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lost is the error for a transfer whose connection ended.
func (c *Client) lost() error {
	if err := c.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return ErrClosed
}

// replyError turns an ErrorFrame or Abort into the error it carries.
func replyError(f wire.Frame) error {
	switch f := f.(type) {
	case *wire.ErrorFrame:
		return &wire.Error{Code: f.Code, Message: f.Message}
	case *wire.Abort:
		return &wire.Error{Code: f.Code, Message: f.Message}
	}
	return wire.Errorf(wire.ErrProtocol, "the host answered with %v", f.Type())
}

// Upload shares the file at path with the room under name (its base name
// if empty; the host sanitises it). The file is streamed in chunks;
// progress events follow it. Should the file change on the way (its size
// or modification time, as browsers check), the upload is cancelled with
// bad_hash. When the host has every byte (and has hashed them), the ack
// and uploaded events carry ref and the new file's id, which Upload also
// returns, and every member receives a file event.
// Cancelling ctx abandons the upload: nothing is announced and the host
// keeps nothing. Refusals are *wire.Error (too_large, quota_exceeded, ...).
// An upload cut by a lost connection carries on from where the host's
// copy ends once the seat is resumed, if the file is unchanged.
//
// The host takes wire.MaxUploads uploads at once; beyond that, Upload waits
// (first come, first served) until one ends. Its first progress event
// (done 0) says it has started; the upload's progress events carry ref.
func (c *Client) Upload(ctx context.Context, ref, path, name string) (string, error) {
	if name == "" {
		name = filepath.Base(path)
	}
	return c.uploadPath(ctx, ref, path, name, false)
}

// UploadImage shares an image (PNG, JPEG, GIF or WebP, by its bytes) like
// Upload; members receive an image event.
func (c *Client) UploadImage(ctx context.Context, ref, path string) (string, error) {
	return c.uploadPath(ctx, ref, path, filepath.Base(path), true)
}

// UploadReader shares size bytes read from r under name, like Upload (or
// UploadImage if image is set), for bytes that are not in a file of their
// own, such as a file streamed from a browser tab. r must yield exactly
// size bytes.
//
// If r is an io.ReaderAt too (an *os.File, a *bytes.Reader, an
// *io.SectionReader), the upload reads it with ReadAt from offset 0
// (whatever its read position) and carries on after a lost connection like
// Upload; an *os.File is checked for changes like Upload's file. A plain
// io.Reader is read once; an upload from one fails with unreachable when
// the connection is lost, unless the host already had every byte sent (it
// cannot be read again).
func (c *Client) UploadReader(ctx context.Context, ref, name string, size int64, r io.Reader, image bool) (string, error) {
	if size < 0 {
		return "", wire.Errorf(wire.ErrBadCommand, "size %d is negative", size)
	}
	if err := c.takeSlot(ctx); err != nil {
		return "", err
	}
	defer c.giveSlot()
	src := source{r: r, size: size, what: name}
	src.ra, _ = r.(io.ReaderAt)
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			src.unchanged = fileUnchanged(f, st)
		}
	}
	return c.upload(ctx, ref, name, image, &src)
}

// takeSlot waits for one of the host's wire.MaxUploads upload slots: the
// slot is given back when the upload has ended on the host's side too (its
// end, cancel or abort precedes the next begin on the connection).
func (c *Client) takeSlot(ctx context.Context) error {
	select {
	case c.uploads <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.lost()
	}
}

func (c *Client) giveSlot() { <-c.uploads }

func (c *Client) uploadPath(ctx context.Context, ref, path, name string, image bool) (string, error) {
	// Wait for a slot first, so that queued uploads hold no open file.
	if err := c.takeSlot(ctx); err != nil {
		return "", err
	}
	defer c.giveSlot()
	f, err := os.Open(path)
	if err != nil {
		return "", wire.Errorf(wire.ErrNoSuchFile, "cannot read %s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return "", wire.Errorf(wire.ErrNoSuchFile, "%s is not a regular file", path)
	}
	src := &source{r: f, ra: f, size: st.Size(), what: path, unchanged: fileUnchanged(f, st)}
	return c.upload(ctx, ref, name, image, src)
}

// fileUnchanged says whether f still has the size and modification time
// it had when st was taken: how an upload tells a file that was changed
// while it was read (or while the connection was lost) from one that was
// not, as browsers do, without reading it twice.
func fileUnchanged(f *os.File, st os.FileInfo) func() bool {
	return func() bool {
		now, err := f.Stat()
		return err == nil && now.Size() == st.Size() && now.ModTime().Equal(st.ModTime())
	}
}

// source is what an upload reads: size bytes, at an offset if ra is set,
// else in order from r.
type source struct {
	r    io.Reader
	ra   io.ReaderAt // nil for a plain reader
	size int64
	what string // the path or name, for errors
	// unchanged, if set, says whether the bytes are still those the
	// upload began with (a file's size and time): before it ends, and
	// before it resumes.
	unchanged func() bool
	read      int64 // a plain reader's bytes consumed
}

// readAt fills p with the bytes at off; a plain reader must be at off.
func (s *source) readAt(p []byte, off int64) error {
	if s.ra != nil {
		n, err := s.ra.ReadAt(p, off)
		if n == len(p) {
			return nil
		}
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if off != s.read {
		return fmt.Errorf("cannot read the stream again from %d (at %d)", off, s.read)
	}
	n, err := io.ReadFull(s.r, p)
	s.read += int64(n)
	return err
}

// sniff checks that the source starts like an image; a plain reader's
// head is kept and read again.
func (s *source) sniff() bool {
	head := make([]byte, min(transfer.SniffLen, s.size))
	if s.ra != nil {
		n, _ := s.ra.ReadAt(head, 0)
		head = head[:n]
	} else {
		n, _ := io.ReadFull(s.r, head)
		head = head[:n]
		s.r = io.MultiReader(bytes.NewReader(head), s.r)
	}
	_, ok := transfer.SniffImage(head)
	return ok
}

func (c *Client) upload(ctx context.Context, ref, name string, image bool, src *source) (string, error) {
	size := src.size
	if image && !src.sniff() {
		return "", wire.Errorf(wire.ErrBadImage, "%s is not a PNG, JPEG, GIF or WebP image", filepath.Base(src.what))
	}
	iref, x := c.register(ref, 0)
	var id uuid.UUID
	defer func() { c.unregister(iref, id) }()
	if err := c.send(&wire.UploadBegin{Ref: iref, Name: name, Size: uint64(size), Image: image}); err != nil {
		return "", c.lost()
	}
	// The host answers at once; ctx is looked at after, so that an upload
	// it accepted is always cancelled rather than left open.
	var r wire.Frame
	select {
	case r = <-x.replies:
	case <-c.done:
		return "", c.lost()
	}
	ready, ok := r.(*wire.UploadReady)
	if !ok {
		return "", replyError(r)
	}
	id = ready.Upload
	c.bind(id, x)
	cancel := func(err error) (string, error) {
		c.send(&wire.Cancel{Transfer: id})
		return "", err
	}
	// The client does not hash what it sends: TLS keeps the bytes intact
	// on the way, so its hash could only repeat the host's of what it
	// received, which stands (wire.UploadEnd). A file that changes on the
	// way is told by its size and modification time instead.
	prog := progress{c: c, ev: Progress{Transfer: id.String(), Direction: DirectionUp, Total: size, Ref: ref}}
	prog.start()
	// carryOn is the answer to a reply that says the link was lost: once
	// the seat is resumed, ask the host where the upload stands, check the
	// source is unchanged and carry on from there.
	var off int64
	carryOn := func(r wire.Frame) error {
		if !linkLost(r) {
			return replyError(r)
		}
		c.mu.Lock()
		relinked := c.relinked
		c.mu.Unlock()
		if err := c.await(ctx, relinked); err != nil {
			return err
		}
		if err := c.send(&wire.UploadResume{Ref: iref, Upload: id}); err != nil {
			return c.lost()
		}
		var ready *wire.UploadReady
		for ready == nil {
			select {
			case r := <-x.replies:
				if linkLost(r) {
					return replyError(r) // lost again before the answer: give up
				}
				var ok bool
				if ready, ok = r.(*wire.UploadReady); !ok {
					return replyError(r)
				}
			case <-c.done:
				return c.lost()
			}
		}
		at := int64(ready.Offset)
		if at > size || (src.unchanged != nil && !src.unchanged()) {
			return wire.Errorf(wire.ErrNoSuchFile, "%s changed while the connection was lost; share it again", src.what)
		}
		if src.ra == nil && at != off {
			return &wire.Error{Code: wire.CodeUnreachable, Message: fmt.Sprintf("the connection was lost and %s cannot be read again from byte %d; share it again", src.what, at)}
		}
		off = at
		return nil
	}
	for {
		var r wire.Frame
		for off < size {
			select {
			case r = <-x.replies:
			case <-ctx.Done():
				return cancel(ctx.Err())
			default:
			}
			if r != nil {
				break
			}
			// The bytes are read straight into a pooled frame, which
			// writeLoop sends as it is and gives back.
			n := int(min(int64(wire.MaxChunk), size-off))
			frame, data := wire.ChunkFrame(c.chunks.Get(), wire.TypeUploadChunk, id, uint64(off), n)
			if err := src.readAt(data, off); err != nil {
				c.chunks.Put(frame)
				return cancel(wire.Errorf(wire.ErrNoSuchFile, "reading %s failed after %d bytes (was it changed or removed?): %v", src.what, off, unwrapPath(err)))
			}
			if err := c.queueBulk(ctx, frame); err != nil {
				c.chunks.Put(frame)
				if ctx.Err() != nil {
					return cancel(err)
				}
				return "", err
			}
			off += int64(n)
			prog.at(off)
		}
		if r == nil {
			if src.unchanged != nil && !src.unchanged() {
				return cancel(wire.Errorf(wire.ErrBadHash, "%s changed while it was being shared; share it again", src.what))
			}
			// Behind its chunks, in the same queue.
			end, _ := wire.Encode(&wire.UploadEnd{Upload: id})
			if err := c.queueBulk(ctx, end); err != nil {
				if ctx.Err() != nil {
					return cancel(err)
				}
				return "", err
			}
			select {
			case r = <-x.replies:
			case <-c.done:
				return "", c.lost()
			case <-ctx.Done():
				return cancel(ctx.Err())
			}
			if ack, ok := r.(*wire.Ack); ok {
				return ack.ID.String(), nil
			}
		}
		if err := carryOn(r); err != nil {
			if ctx.Err() != nil {
				return cancel(err)
			}
			return "", err
		}
	}
}

// linkLost reports whether a transfer's reply is the client's own note that
// the connection was lost (see transfers.lost).
func linkLost(r wire.Frame) bool {
	e, ok := r.(*wire.ErrorFrame)
	return ok && e.Code == wire.CodeUnreachable && e.Ref == lostRef
}

// Download fetches a shared file or image into dir and returns the path it
// was saved under. The bytes go into "<name>.<tag>.part" in dir; a download
// cut short (ctx cancelled, connection lost) leaves it, and the next
// Download of the same file into the same folder resumes from its size.
// The whole file is checked against the announced SHA-256 before it gets
// its final name: the sanitised name, never replacing a file already there
// ("report (1).pdf"). Progress events follow it and a downloaded event ends
// it. Progress events carry ref. A recalled file ends with no_such_file.
//
// A file still being uploaded (FileInfo.Uploading) is downloaded as its
// bytes reach the host, and checked against the SHA-256 the host verified
// when the upload completes (file_done). If the upload fails, the download
// ends with upload_failed and leaves nothing in dir, not even a part file.
func (c *Client) Download(ctx context.Context, ref, fileID, dir string) (string, error) {
	id, err := uuid.Parse(fileID)
	if err != nil {
		return "", wire.Errorf(wire.ErrBadCommand, "%q is not a file id", fileID)
	}
	fi, ok := c.file(id)
	if !ok {
		return "", wire.Errorf(wire.ErrNoSuchFile, "no file %s in this room (recalled?)", fileID)
	}
	sum, err := hex.DecodeString(fi.SHA256)
	if err != nil {
		return "", wire.Errorf(wire.ErrProtocol, "the file's SHA-256 is malformed")
	}
	if fi.Uploading {
		sum = nil
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return "", wire.Errorf(wire.ErrBadCommand, "bad folder: %v", err)
	}
	key := fileID + "\x00" + dir
	c.xf.mu.Lock()
	if c.xf.active[key] {
		c.xf.mu.Unlock()
		return "", wire.Errorf(wire.ErrBadCommand, "%s is already being downloaded into %s", fi.Name, dir)
	}
	if c.xf.active == nil {
		c.xf.active = make(map[string]bool)
	}
	c.xf.active[key] = true
	c.xf.mu.Unlock()
	defer func() {
		c.xf.mu.Lock()
		delete(c.xf.active, key)
		c.xf.mu.Unlock()
	}()

	part, err := transfer.OpenPart(dir, fi.Name, fi.Size, sum, id)
	if err != nil {
		return "", err
	}
	keep := true // keep the part file for a later attempt
	defer func() {
		if keep {
			part.Close()
		} else {
			part.Discard()
		}
	}()
	prog := progress{c: c, ev: Progress{Transfer: fileID, Direction: DirectionDown, Total: fi.Size, Ref: ref}}
	if part.Offset() < fi.Size || part.Sum() == nil {
		if err := c.fetch(ctx, id, part, &prog); err != nil {
			if errors.Is(err, wire.ErrNoSuchFile) || errors.Is(err, wire.ErrUploadFailed) {
				keep = false
			}
			return "", err
		}
	}
	path, err := part.Finish()
	if err != nil {
		return "", err
	}
	c.emit(Downloaded{File: fileID, Path: path, SHA256: hex.EncodeToString(part.Sum()), Ref: ref})
	return path, nil
}

// fetch asks the host for the rest of the file and writes it into part,
// granting credit as chunks are written.
func (c *Client) fetch(ctx context.Context, id uuid.UUID, part *transfer.Part, prog *progress) error {
	tid := uuid.New()
	iref, x := c.register("", wire.MaxWindow)
	x.file = id
	c.bind(tid, x)
	defer c.unregister(iref, tid)
	win := window{size: Window}
	if c.cfg.Window > 0 {
		win = window{size: min(c.cfg.Window, wire.MaxWindow), fixed: true}
	}
	x.allowed.Store(uint64(win.size))
	sent := time.Now()
	if err := c.sendCtx(ctx, &wire.Download{Ref: iref, Transfer: tid, File: id, Offset: uint64(part.Offset()), Window: uint64(win.size)}); err != nil {
		return err
	}
	cancel := func(err error) error {
		c.send(&wire.Cancel{Transfer: tid})
		return err
	}
	var r wire.Frame
	for r == nil {
		select {
		case r = <-x.replies:
		case <-c.done:
			return c.lost()
		case <-ctx.Done():
			return cancel(ctx.Err())
		}
		if done, ok := r.(*wire.FileDone); ok {
			// The upload completed before the host answered: the answer follows.
			if err := part.SetSum(done.SHA256); err != nil {
				return cancel(err)
			}
			r = nil
		}
	}
	ready, ok := r.(*wire.DownloadReady)
	if !ok {
		return replyError(r)
	}
	if len(ready.SHA256) > 0 {
		if err := part.SetSum(ready.SHA256); err != nil {
			return cancel(wire.Errorf(wire.ErrProtocol, "the host describes the file differently from its announcement"))
		}
	}
	if int64(ready.Size) != part.Size() || int64(ready.Offset) != part.Offset() {
		return cancel(wire.Errorf(wire.ErrProtocol, "the host describes the file differently from its announcement"))
	}
	win.start = time.Now()
	win.rtt = win.start.Sub(sent)
	unacked, got := 0, int64(0)
	// A file still uploading ends when its bytes are all here and the
	// host has verified its SHA-256 (file_done), or with upload_failed.
	for part.Offset() < part.Size() || part.Sum() == nil {
		select {
		case ch := <-x.chunks:
			got += int64(len(ch.Data))
			err := part.Write(int64(ch.Offset), ch.Data)
			c.chunks.Put(ch.Data) // from readLink's pool
			if err != nil {
				return cancel(err)
			}
			prog.at(part.Offset())
			if unacked++; unacked == creditBatch && part.Offset() < part.Size() {
				credit := win.grant(unacked, got, time.Now())
				unacked, got = 0, 0
				x.allowed.Add(credit) // before the host can use it
				if err := c.sendCtx(ctx, &wire.Credit{Transfer: tid, Chunks: credit}); err != nil {
					return cancel(err)
				}
			}
		case r := <-x.replies:
			if done, ok := r.(*wire.FileDone); ok {
				if err := part.SetSum(done.SHA256); err != nil {
					return cancel(err)
				}
				continue
			}
			return replyError(r)
		case <-c.done:
			return c.lost()
		case <-ctx.Done():
			return cancel(ctx.Err())
		}
	}
	return nil
}

// progress emits a transfer's progress events, one per percent.
type progress struct {
	c    *Client
	ev   Progress
	last int64 // percent last emitted; 0 before any
}

// start emits the transfer's first progress event (nothing done yet): it
// has left the queue and the host has accepted it.
func (p *progress) start() { p.c.emit(p.ev) }

func (p *progress) at(done int64) {
	pct := int64(100)
	if p.ev.Total > 0 {
		pct = done * 100 / p.ev.Total
	}
	if pct <= p.last && done < p.ev.Total {
		return
	}
	p.last = pct
	ev := p.ev
	ev.Done = done
	p.c.emit(ev)
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
