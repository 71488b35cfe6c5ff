package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"wetalk/backend/client"
	"wetalk/backend/transfer"
	"wetalk/backend/wire"
)

// EventTransfers carries a TransferBatch: the transfers that changed since
// the last one, each as it is now.
const EventTransfers = "transfer:progress"

// imageFetches bounds the images fetched for display at once, so that the
// client's downloads stay free for the user's own.
const imageFetches = 3

// Transfer states.
const (
	StateWaiting   = "waiting"   // an upload queued behind the host's limit of uploads at once
	StateActive    = "active"    // moving to or from the host
	StateDone      = "done"      // uploaded, or downloaded and verified
	StateFailed    = "failed"    // Error says why
	StateCancelled = "cancelled" // by the user
)

// Transfer is one upload or download the user started, as the transfers
// list shows it.
type Transfer struct {
	// ID is the session's name for the transfer (Cancel takes it).
	ID string `json:"id"`
	// File is the shared file's id: known at once for a download, once
	// the host accepted it for an upload.
	File      string `json:"file,omitempty"`
	Name      string `json:"name"`
	Direction string `json:"direction"` // client.DirectionUp or DirectionDown
	Image     bool   `json:"image,omitempty"`
	Size      int64  `json:"size"`
	Done      int64  `json:"done"`
	State     string `json:"state"`
	// Path is where a finished download was saved.
	Path  string   `json:"path,omitempty"`
	Error *Failure `json:"error,omitempty"`
}

// TransferBatch is the payload of EventTransfers.
type TransferBatch struct {
	Gen       int        `json:"gen"`
	Transfers []Transfer `json:"transfers"`
}

// xfer is a Transfer and what the session needs to run it.
type xfer struct {
	Transfer
	cancel context.CancelFunc // ends an active transfer; nil otherwise
}

// fileMeta is what the session knows of a shared file or image.
type fileMeta struct {
	name  string
	size  int64
	mime  string // images only
	image bool
}

// imageFetch is one image being (or been) fetched for display.
type imageFetch struct {
	done chan struct{} // closed when path and err are set
	path string
	err  error
}

// transfers is one room's uploads, downloads and fetched images. It is
// made when the room is entered and closed when it is left.
type transfers struct {
	s      *Session
	gen    int
	cl     *client.Client
	dir    string          // fetched images; removed by close
	ctx    context.Context // ends with close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the transfers' goroutines
	sem    chan struct{}  // bounds image fetches

	// mu guards what follows; events to the UI are emitted with it held,
	// so that they leave in the order the state changed.
	mu   sync.Mutex
	next int
	byID map[string]*xfer
	// dirty holds the transfers changed since the last emit: true for a
	// change the UI is told with the next batch (a new transfer, a new
	// state), false for progress alone, which waits until ProgressEvery
	// has passed since the last emit (see paced).
	dirty  map[string]bool
	last   time.Time        // of the last emit
	now    func() time.Time // the clock in tests; nil means time.Now
	files  map[string]fileMeta
	images map[string]*imageFetch
	closed bool
}

// newTransfers makes the transfers of a room about to be entered; commit
// sets gen.
func newTransfers(s *Session, cl *client.Client) (*transfers, error) {
	dir, err := os.MkdirTemp("", "wetalk-session-")
	if err != nil {
		return nil, fmt.Errorf("cannot make a folder for transfers: %w", err)
	}
	ctx, cancel := context.WithCancel(s.ctx)
	x := &transfers{
		s: s, cl: cl, dir: dir, ctx: ctx, cancel: cancel,
		sem:    make(chan struct{}, imageFetches),
		byID:   make(map[string]*xfer),
		dirty:  make(map[string]bool),
		files:  make(map[string]fileMeta),
		images: make(map[string]*imageFetch),
	}
	for _, f := range cl.Welcome().Files {
		x.files[f.ID] = fileMeta{name: f.Name, size: f.Size}
	}
	return x, nil
}

// close cancels every transfer, waits for them and removes the folder of
// fetched images.
func (x *transfers) close() {
	x.mu.Lock()
	x.closed = true
	x.mu.Unlock()
	x.cancel()
	x.wg.Wait()
	os.RemoveAll(x.dir)
}

// learn records what a room event says about shared files.
func (x *transfers) learn(ev client.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch ev := ev.(type) {
	case client.File:
		x.files[ev.ID] = fileMeta{name: ev.Name, size: ev.Size}
	case client.Image:
		x.files[ev.ID] = fileMeta{name: imageName(ev.ID, ev.Mime), size: ev.Size, mime: ev.Mime, image: true}
	case client.Recalled:
		delete(x.files, ev.ID)
	case client.FileFailed:
		delete(x.files, ev.ID)
	}
}

// imageName names an image for the transfers list.
func imageName(id, mime string) string {
	ext := map[string]string{transfer.MimePNG: ".png", transfer.MimeJPEG: ".jpg", transfer.MimeGIF: ".gif", transfer.MimeWebP: ".webp"}[mime]
	if len(id) > 8 {
		id = id[:8]
	}
	return "image-" + id + ext
}

// progress applies a client progress event to the transfer whose ref it
// carries (each transfer's ref is its id); an upload's first event (done 0)
// says it has left the client's queue, so a waiting upload turns active: a
// new state, which the UI is told with the next batch. Progress alone is
// paced (see flush). Events of transfers the user did not start (image
// fetches, with no ref) are ignored; progress never goes back.
func (x *transfers) progress(ev client.Progress) {
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.byID[ev.Ref]
	if t == nil || (t.State != StateActive && t.State != StateWaiting) || t.Direction != ev.Direction || ev.Done < t.Done {
		return
	}
	news := t.State != StateActive || t.File != ev.Transfer
	t.State, t.File, t.Done = StateActive, ev.Transfer, ev.Done
	x.dirty[t.ID] = x.dirty[t.ID] || news
}

// flush emits the transfers changed since the last emit, unless all they
// did was progress and ProgressEvery has not passed since the last emit.
//
// Progress is paced because every batch makes the UI lay out and paint
// again: a client reports each percent, so a 200 MB upload at 200 MB/s
// made a batch every 25 ms, and the page's renderer spent about as much
// CPU on showing the upload as on sending it (docs/performance.md,
// "Showing an upload cost as much as sending it"). Ten a second still
// moves a bar smoothly.
func (x *transfers) flush() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.emitLocked()
}

// paced reports whether transfers wait to be emitted, and how long flush
// may wait for them: FlushAfter for news, until ProgressEvery has passed
// since the last emit for progress alone.
func (x *transfers) paced() (later time.Duration, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.dirty) == 0 || x.closed {
		return 0, false
	}
	if x.newsLocked() {
		return x.s.cfg.FlushAfter, true
	}
	return x.untilDueLocked(x.clock()), true
}

// untilDueLocked says how long after at the dirty transfers may be
// emitted: 0 if one has news or ProgressEvery has passed since the last
// emit. Called with mu held.
func (x *transfers) untilDueLocked(at time.Time) time.Duration {
	if x.newsLocked() {
		return 0
	}
	return max(x.last.Add(x.s.cfg.ProgressEvery).Sub(at), 0)
}

// newsLocked reports whether a dirty transfer has more than progress.
func (x *transfers) newsLocked() bool {
	for _, news := range x.dirty {
		if news {
			return true
		}
	}
	return false
}

// clock returns the time.
func (x *transfers) clock() time.Time {
	if x.now != nil {
		return x.now()
	}
	return time.Now()
}

// emitLocked emits the dirty transfers: at once if one has news, else
// once ProgressEvery has passed since the last emit. Called with mu held.
func (x *transfers) emitLocked() {
	if len(x.dirty) == 0 || x.closed {
		return
	}
	at := x.clock()
	if x.untilDueLocked(at) > 0 {
		return
	}
	b := TransferBatch{Gen: x.gen}
	for id := range x.dirty {
		if t, ok := x.byID[id]; ok {
			b.Transfers = append(b.Transfers, t.Transfer)
		}
	}
	clear(x.dirty)
	x.last = at
	x.s.cfg.Emitter.Emit(EventTransfers, b)
}

// add registers a new transfer and emits it. Called with mu held.
func (x *transfers) addLocked(t *xfer) {
	x.next++
	t.ID = "t" + strconv.Itoa(x.next)
	x.byID[t.ID] = t
	x.dirty[t.ID] = true
	x.emitLocked()
}

// run starts t's goroutine: do moves the bytes; its result ends t.
func (x *transfers) run(t *xfer, do func(ctx context.Context) (file, path string, err error)) {
	ctx, cancel := context.WithCancel(x.ctx)
	t.cancel, t.State = cancel, StateActive
	x.dirty[t.ID] = true
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		defer cancel()
		file, path, err := do(ctx)
		x.mu.Lock()
		defer x.mu.Unlock()
		t.cancel = nil
		switch {
		case err == nil:
			t.State, t.Done, t.Path = StateDone, t.Size, path
			if file != "" {
				t.File = file
			}
		case ctx.Err() != nil && x.ctx.Err() == nil:
			t.State = StateCancelled
		default:
			f := Describe(err)
			t.State, t.Error = StateFailed, &f
		}
		x.dirty[t.ID] = true
		x.emitLocked()
	}()
}

// limit refuses an upload the host would refuse anyway, before any byte
// is handed over: an image over the image limit, or (in a room this app
// hosts) a file over the host's limit.
func (x *transfers) limit(size int64, image bool) error {
	if size < 0 {
		return wire.Errorf(wire.ErrBadCommand, "negative size")
	}
	if image && size > transfer.DefaultMaxImage {
		return wire.Errorf(wire.ErrTooLarge, "the image is %d bytes; images may be at most %d", size, transfer.DefaultMaxImage)
	}
	if max := x.s.maxUpload(); !image && max > 0 && size > max {
		return wire.Errorf(wire.ErrTooLarge, "the file is %d bytes; this room takes files of at most %d", size, max)
	}
	return nil
}

// room returns the current room's transfers.
func (s *Session) room() (*transfers, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.xf == nil {
		return nil, ErrNotInRoom
	}
	return s.xf, nil
}

// ShareFile shares the file at path with the room under name (its base name
// if empty). It returns at once; the transfer's progress and end come as
// EventTransfers.
func (o *Owner) ShareFile(path, name string) (Transfer, error) {
	x, err := o.s.room()
	if err != nil {
		return Transfer{}, err
	}
	size, err := readable(path)
	if err != nil {
		return Transfer{}, err
	}
	if err := x.limit(size, false); err != nil {
		return Transfer{}, err
	}
	if name == "" {
		name = filepath.Base(path)
	}
	return x.start(Transfer{Name: name, Size: size}, func(ctx context.Context, ref string) (string, error) {
		return x.cl.Upload(ctx, ref, path, name)
	})
}

// SharePaths shares the files at paths (the window's dropped or picked
// files), each under its base name. Every path is checked first: if one is
// not a regular file this process can read, none is shared and the error
// names it.
func (o *Owner) SharePaths(paths []string) ([]Transfer, error) {
	for _, p := range paths {
		if _, err := readable(p); err != nil {
			return nil, err
		}
	}
	list := []Transfer{}
	for _, p := range paths {
		t, err := o.ShareFile(p, "")
		if err != nil {
			return list, err
		}
		list = append(list, t)
	}
	return list, nil
}

// readable returns the size of the regular file at path, or a
// no_such_file error that says why it cannot be shared (a folder, a
// device, no permission).
func readable(path string) (int64, error) {
	st, err := os.Stat(path) // before opening: opening a FIFO would block
	switch {
	case err != nil:
		return 0, wire.Errorf(wire.ErrNoSuchFile, "cannot read %s: %v", path, errors.Unwrap(err)) // the *fs.PathError's cause: its path is in the message
	case st.IsDir():
		return 0, wire.Errorf(wire.ErrNoSuchFile, "%s is a folder; share the files in it", path)
	case !st.Mode().IsRegular():
		return 0, wire.Errorf(wire.ErrNoSuchFile, "%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, wire.Errorf(wire.ErrNoSuchFile, "cannot read %s: %v", path, errors.Unwrap(err))
	}
	f.Close()
	return st.Size(), nil
}

// ShareStream shares size bytes read from r under name (as an image if
// image): the bytes of a file the browser page streams over the bridge,
// or pasted into the window, which have no path. It returns at once; the
// upload reads r as it sends (nothing is spooled to disk) and closes r
// when it ends (done, failed or cancelled). Close must make a Read blocked
// in r return. If the transfer cannot start, r is closed before ShareStream
// returns.
func (o *Owner) ShareStream(name string, size int64, image bool, r io.ReadCloser) (Transfer, error) {
	x, err := o.s.room()
	if err == nil {
		err = x.limit(size, image)
	}
	if err != nil {
		r.Close()
		return Transfer{}, err
	}
	if name == "" {
		name = "file"
	}
	t, err := x.start(Transfer{Name: name, Size: size, Image: image}, func(ctx context.Context, ref string) (string, error) {
		stop := context.AfterFunc(ctx, func() { r.Close() }) // unblocks a Read waiting on the page
		defer stop()
		defer r.Close()
		return x.cl.UploadReader(ctx, ref, name, size, r, image)
	})
	if err != nil {
		r.Close()
	}
	return t, err
}

// maxPasted bounds what SharePasted takes: the image limit.
const maxPasted = transfer.DefaultMaxImage

// SharePasted shares data pasted into the desktop window, which has no
// path (a screenshot, an image copied from a page), under name, as an
// image if image. In the window its bytes pass through the bindings, as one
// base64 string; larger files are to be dropped or picked. (A browser
// streams what is pasted, as it does files: see backend/web.)
func (s *Session) SharePasted(name string, data []byte, image bool) (Transfer, error) {
	if len(data) > maxPasted {
		return Transfer{}, wire.Errorf(wire.ErrTooLarge, "pasted content is %d bytes; drop or pick files over %d", len(data), maxPasted)
	}
	return (&Owner{s: s}).ShareStream(name, int64(len(data)), image, io.NopCloser(bytes.NewReader(data)))
}

// start registers an upload and runs it: it waits (StateWaiting) while the
// host's limit of uploads at once is taken. upload moves the bytes; its
// ref is the transfer's id, which progress events carry back.
func (x *transfers) start(t Transfer, upload func(ctx context.Context, ref string) (string, error)) (Transfer, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return Transfer{}, ErrNotInRoom
	}
	t.Direction, t.State = client.DirectionUp, StateActive
	xt := &xfer{Transfer: t}
	x.addLocked(xt)
	ref := xt.ID
	x.run(xt, func(ctx context.Context) (string, string, error) {
		id, err := upload(ctx, ref)
		return id, "", err
	})
	xt.State = StateWaiting // until the client's first progress event
	x.emitLocked()
	return xt.Transfer, nil
}

// CancelTransfer stops a transfer: a running one is abandoned (the host
// announces nothing; a download keeps its part file, so that downloading
// again resumes it). An upload still waiting is cancelled at once.
func (s *Session) CancelTransfer(id string) error {
	x, err := s.room()
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	t, ok := x.byID[id]
	if !ok {
		return wire.Errorf(wire.ErrNoSuchFile, "no transfer %q", id)
	}
	if t.cancel != nil {
		t.cancel() // the goroutine reports it cancelled
		if t.State == StateWaiting {
			// Not started on the host (its answer may be slow to come):
			// cancelled now for the user; the client cancels it there.
			t.State = StateCancelled
			x.dirty[t.ID] = true
			x.emitLocked()
		}
	}
	return nil
}

// Download fetches a shared file or image into the download folder.
func (s *Session) Download(fileID string) (Transfer, error) {
	x, err := s.room()
	if err != nil {
		return Transfer{}, err
	}
	dir, err := s.DownloadDir()
	if err != nil {
		return Transfer{}, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	meta, ok := x.files[fileID]
	if !ok {
		return Transfer{}, wire.Errorf(wire.ErrNoSuchFile, "no file %s in this room (recalled?)", fileID)
	}
	if x.closed {
		return Transfer{}, ErrNotInRoom
	}
	for _, t := range x.byID {
		if t.Direction == client.DirectionDown && t.File == fileID && t.State == StateActive {
			return t.Transfer, nil // already on its way
		}
	}
	t := &xfer{Transfer: Transfer{File: fileID, Name: meta.name, Direction: client.DirectionDown, Image: meta.image, Size: meta.size, State: StateActive}}
	x.addLocked(t)
	x.run(t, func(ctx context.Context) (string, string, error) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", fmt.Errorf("cannot make the download folder: %w", err)
		}
		path, err := x.cl.Download(ctx, t.ID, fileID, dir)
		return "", path, err
	})
	x.emitLocked()
	return t.Transfer, nil
}

// FetchImage fetches a shared image for display (once per image and room;
// at most a few at a time) and returns the path the page loads it from
// (under MediaPrefix). It blocks until the verified bytes are there.
func (s *Session) FetchImage(fileID string) (string, error) {
	x, err := s.room()
	if err != nil {
		return "", err
	}
	x.mu.Lock()
	meta, ok := x.files[fileID]
	f := x.images[fileID]
	switch {
	case x.closed:
		x.mu.Unlock()
		return "", ErrNotInRoom
	case f == nil && (!ok || !meta.image):
		x.mu.Unlock()
		return "", wire.Errorf(wire.ErrNoSuchFile, "no image %s in this room (recalled?)", fileID)
	case f == nil:
		f = &imageFetch{done: make(chan struct{})}
		x.images[fileID] = f
		x.wg.Add(1)
		go x.fetchImage(fileID, f)
	}
	x.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return "", f.err
		}
		return mediaPath(fileID), nil
	case <-x.ctx.Done():
		return "", ErrNotInRoom
	}
}

// fetchImage downloads one image into the room's folder.
func (x *transfers) fetchImage(fileID string, f *imageFetch) {
	defer x.wg.Done()
	defer close(f.done)
	select {
	case x.sem <- struct{}{}:
		defer func() { <-x.sem }()
	case <-x.ctx.Done():
		f.err = ErrNotInRoom
		return
	}
	dir := filepath.Join(x.dir, "images")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		f.err = err
		return
	}
	f.path, f.err = x.cl.Download(x.ctx, "", fileID, dir)
	if f.err != nil {
		x.mu.Lock()
		delete(x.images, fileID) // a later look may try again
		x.mu.Unlock()
	}
}

// ImageFile returns the path and type of an image FetchImage has fetched in
// the current room, for the window or the bridge to serve to the page.
func (o *Owner) ImageFile(fileID string) (path, mime string, ok bool) {
	x, err := o.s.room()
	if err != nil {
		return "", "", false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	f := x.images[fileID]
	if f == nil {
		return "", "", false
	}
	select {
	case <-f.done:
	default:
		return "", "", false
	}
	if f.err != nil {
		return "", "", false
	}
	return f.path, x.files[fileID].mime, x.files[fileID].image
}
