package transfer

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

// Defaults of a Store's limits.
const (
	DefaultMaxFile  = 2 << 30
	DefaultMaxImage = 20 << 20
	DefaultQuota    = 10 << 30
	DefaultMaxFiles = 1000
)

// roomPrefix starts the name of every room folder a Store makes, so that
// stale ones can be recognised and nothing else is touched.
const roomPrefix = "room-"

// Config holds what a Store depends on. Zero limits take the defaults.
type Config struct {
	// Dir holds the room folders (<state-dir>/rooms); created if needed.
	// Stale room folders left there by earlier runs are deleted by NewStore.
	Dir string
	// MaxFile is the largest file a member may share, MaxImage the largest
	// image.
	MaxFile  int64
	MaxImage int64
	// Quota caps the bytes of all files kept and being uploaded at once.
	Quota int64
	// MaxFiles caps the files kept and being uploaded at once.
	MaxFiles int
	// Log receives the store's log lines; nil discards them.
	Log *slog.Logger
}

// File is a file in the store: complete and verified, or (SHA256 nil) a
// file still being uploaded, which downloads may read as its bytes arrive.
type File struct {
	ID     uuid.UUID
	Name   string // sanitised; for display and saving only, never a host path
	Mime   string // set for images
	Size   int64
	SHA256 []byte // nil while the file is being uploaded
}

// Store keeps one room's shared files in a temporary folder of their own,
// named by generated ids. Its methods are safe for concurrent use.
type Store struct {
	cfg Config

	mu      sync.Mutex
	dir     string                // guarded by mu; the room folder, "" until needed
	lock    *os.File              // guarded by mu; held while dir is in use
	used    int64                 // guarded by mu; bytes reserved by uploads and files
	files   map[uuid.UUID]*kept   // guarded by mu
	uploads map[uuid.UUID]*Upload // guarded by mu
	readers map[*Reader]struct{}  // guarded by mu; open downloads
	gen     uint64                // guarded by mu; counts wipes
}

// kept is a file on disk.
type kept struct {
	File
	path string
}

// NewStore returns a store whose room folders live in cfg.Dir, after
// deleting the room folders earlier runs left there (those no live
// process holds).
func NewStore(cfg Config) (*Store, error) {
	if cfg.MaxFile == 0 {
		cfg.MaxFile = DefaultMaxFile
	}
	if cfg.MaxImage == 0 {
		cfg.MaxImage = DefaultMaxImage
	}
	if cfg.Quota == 0 {
		cfg.Quota = DefaultQuota
	}
	if cfg.MaxFiles == 0 {
		cfg.MaxFiles = DefaultMaxFiles
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	s := &Store{cfg: cfg, files: make(map[uuid.UUID]*kept), uploads: make(map[uuid.UUID]*Upload), readers: make(map[*Reader]struct{})}
	s.cleanStale()
	return s, nil
}

// cleanStale deletes room folders no running process holds.
func (s *Store) cleanStale() {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), roomPrefix) {
			continue
		}
		dir := filepath.Join(s.cfg.Dir, e.Name())
		if !stale(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err == nil {
			s.cfg.Log.Info("removed stale room folder", "dir", dir)
		}
	}
}

// Dir returns the room folder, or "" when the room has none at the moment
// (no file was shared since the last wipe).
func (s *Store) Dir() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir
}

// Free returns the bytes of the quota that no file or upload holds.
func (s *Store) Free() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.Quota - s.used
}

// Limits returns the largest file, the largest image and the quota.
func (s *Store) Limits() (maxFile, maxImage, quota int64) {
	return s.cfg.MaxFile, s.cfg.MaxImage, s.cfg.Quota
}

// roomDir returns the room folder, making it if needed. Caller holds mu.
func (s *Store) roomDir() (string, error) {
	if s.dir != "" {
		return s.dir, nil
	}
	dir, err := os.MkdirTemp(s.cfg.Dir, roomPrefix+"*")
	if err != nil {
		return "", err
	}
	lock, err := holdLock(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	s.dir, s.lock = dir, lock
	return dir, nil
}

// Begin starts an upload of size bytes named name (sanitised here). It
// refuses before any byte moves what is over the size limit (too_large),
// the room's quota (quota_exceeded) or what the host's disk has room for
// (disk_full; see roomFor).
func (s *Store) Begin(name string, size int64, image bool) (*Upload, error) {
	limit, what := s.cfg.MaxFile, "file"
	if image {
		limit, what = s.cfg.MaxImage, "image"
	}
	if size < 0 || size > limit {
		return nil, wire.Errorf(wire.ErrTooLarge, "the %s is %s; this room takes %ss of at most %s", what, Size(size), what, Size(limit))
	}
	if image && size < SniffLen {
		return nil, wire.Errorf(wire.ErrBadImage, "%d bytes are too few for an image", size)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used+size > s.cfg.Quota {
		return nil, wire.Errorf(wire.ErrQuotaExceeded, "the room's files may take %s in all; %s are left", Size(s.cfg.Quota), Size(s.cfg.Quota-s.used))
	}
	if len(s.files)+len(s.uploads) >= s.cfg.MaxFiles {
		return nil, wire.Errorf(wire.ErrQuotaExceeded, "the room holds at most %d files", s.cfg.MaxFiles)
	}
	dir, err := s.roomDir()
	if err != nil {
		return nil, storageError(err)
	}
	if err := s.roomFor(dir, size); err != nil {
		return nil, err
	}
	id := uuid.New()
	path := filepath.Join(dir, id.String()+".part")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, storageError(err)
	}
	fd, db := newFeed(), newDropBehind(f, size)
	wrote := func(n int) {
		fd.advance(n)
		db.wrote(n)
	}
	u := &Upload{s: s, id: id, gen: s.gen, name: SafeName(name), size: size, image: image, f: f, path: path, sp: newSpool(f, sha256.New(), wrote), feed: fd}
	s.used += size
	s.uploads[id] = u
	return u, nil
}

// roomFor refuses an upload of size bytes that the disk holding dir has no
// room for, counting what the uploads in progress have still to write.
// The room is only counted, not reserved on the disk (as a download
// reserves it, see reserve): a member who announces a file and sends
// nothing then holds the room's quota, not the host's disk, and loses it
// when the upload stalls. Caller holds mu.
func (s *Store) roomFor(dir string, size int64) error {
	free, ok := diskFree(dir)
	if !ok {
		return nil // the writes will tell
	}
	for _, u := range s.uploads {
		avail, _, _, _ := u.feed.state()
		free -= u.size - avail
	}
	if size > free {
		return wire.Errorf(wire.ErrDiskFull, "there is no room for a file of %s on the host's disk (%s free)", Size(size), Size(max(free, 0)))
	}
	return nil
}

// Upload is a file being received. Its methods are called by one
// goroutine (the uploader's connection), except Abort, which may also
// come from the store's Wipe.
type Upload struct {
	s     *Store
	id    uuid.UUID
	gen   uint64 // the store's gen at Begin
	name  string
	size  int64
	image bool
	path  string      // the temporary file
	f     *os.File    // nil once finished or aborted
	sp    *spool      // writes f in batches and hashes the bytes
	feed  *feed       // tells downloads of the file what is on disk
	wiped atomic.Bool // set by the store's Wipe, or Remove
	// recalled is set (before wiped) by Remove: why the upload ended.
	recalled atomic.Pointer[wire.Error]
	written  int64
	head     []byte // first bytes of an image, for sniffing
	mime     string
}

// ID is the upload's id; the file keeps it once complete.
func (u *Upload) ID() uuid.UUID { return u.id }

// Name is the sanitised name of the file.
func (u *Upload) Name() string { return u.name }

// Written is how many bytes have arrived.
func (u *Upload) Written() int64 { return u.written }

// Size is the announced size.
func (u *Upload) Size() int64 { return u.size }

// Write appends the bytes at off, which must be where the last write
// ended.
func (u *Upload) Write(off int64, p []byte) error {
	if u.f == nil {
		return wire.Errorf(wire.ErrNoSuchFile, "the upload was abandoned")
	}
	if off != u.written {
		return wire.Errorf(wire.ErrBadCommand, "a chunk at offset %d; the upload is at %d", off, u.written)
	}
	if int64(len(p)) > u.size-u.written {
		return wire.Errorf(wire.ErrTooLarge, "more bytes than the %d announced", u.size)
	}
	if u.image && u.mime == "" {
		u.head = append(u.head, p[:min(len(p), SniffLen-len(u.head))]...)
		if len(u.head) >= SniffLen {
			mime, ok := SniffImage(u.head)
			if !ok {
				return wire.Errorf(wire.ErrBadImage, "the bytes are not a PNG, JPEG, GIF or WebP image")
			}
			u.mime = mime
		}
	}
	if u.wiped.Load() {
		if e := u.recalled.Load(); e != nil {
			return e
		}
		return storageError(os.ErrClosed)
	}
	if err := u.sp.write(p); err != nil {
		return storageError(err)
	}
	u.written += int64(len(p))
	return nil
}

// Finish checks that every byte arrived and, if sum is not empty, that
// their SHA-256 is sum, then keeps the file. On error the upload fails
// (see Fail).
func (u *Upload) Finish(sum []byte) (File, error) {
	f, err := u.finish(sum)
	if err != nil {
		u.Fail(err)
	}
	return f, err
}

func (u *Upload) finish(sum []byte) (File, error) {
	if u.f == nil {
		return File{}, wire.Errorf(wire.ErrNoSuchFile, "the upload was abandoned")
	}
	if u.written != u.size {
		return File{}, wire.Errorf(wire.ErrBadCommand, "the upload ended after %d of %d bytes", u.written, u.size)
	}
	got, err := u.sp.close()
	if err != nil {
		s := u.s
		s.mu.Lock()
		wiped := s.gen != u.gen
		s.mu.Unlock()
		if e := u.recalled.Load(); e != nil {
			return File{}, e
		}
		if wiped {
			return File{}, wire.Errorf(wire.ErrClosed, "the room was wiped during the upload")
		}
		return File{}, storageError(err)
	}
	if len(sum) > 0 && !bytes.Equal(got, sum) {
		return File{}, wire.Errorf(wire.ErrBadHash, "the bytes received do not match the SHA-256 given: the file changed or was damaged on the way")
	}
	if u.image && u.mime == "" {
		return File{}, wire.Errorf(wire.ErrBadImage, "the bytes are not a PNG, JPEG, GIF or WebP image")
	}
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := u.recalled.Load(); e != nil {
		return File{}, e
	}
	if s.uploads[u.id] != u || s.gen != u.gen {
		return File{}, wire.Errorf(wire.ErrClosed, "the room was wiped during the upload")
	}
	err = u.f.Close()
	u.f = nil
	if err != nil {
		return File{}, storageError(err)
	}
	final := strings.TrimSuffix(u.path, ".part")
	if err := os.Rename(u.path, final); err != nil {
		return File{}, storageError(err)
	}
	delete(s.uploads, u.id)
	k := &kept{File: File{ID: u.id, Name: u.name, Mime: u.mime, Size: u.size, SHA256: got}, path: final}
	s.files[u.id] = k
	u.feed.end(nil)
	return k.File, nil
}

// errAbandoned is why an upload ended by Abort failed.
var errAbandoned = wire.Errorf(wire.ErrUploadFailed, "the sender abandoned the upload")

// Abort abandons the upload: Fail, for no reason the uploader is told.
func (u *Upload) Abort() { u.Fail(errAbandoned) }

// Fail abandons the upload because of why: the temporary file is deleted,
// its quota released, the downloads reading it (a file's, while it
// uploads) end with upload_failed. It is safe to call more than once, and
// after Finish.
func (u *Upload) Fail(why error) {
	u.sp.abort()
	s := u.s
	s.mu.Lock()
	if u.f != nil {
		u.f.Close()
		u.f = nil
	}
	if s.uploads[u.id] == u {
		delete(s.uploads, u.id)
		s.used -= u.size
		os.Remove(u.path)
		e := wire.AsError(why)
		s.endReaders(u.id, wire.Errorf(wire.ErrUploadFailed, "the upload of %q failed (%s): %s", u.name, e.Code, e.Message))
	}
	u.feed.end(why)
	s.mu.Unlock()
}

// endReaders ends the downloads of file id with why. Caller holds mu.
func (s *Store) endReaders(id uuid.UUID, why error) {
	for r := range s.readers {
		if r.file.ID == id {
			r.end(why)
			delete(s.readers, r)
		}
	}
}

// Remove deletes a file (it was recalled), kept or still being uploaded:
// its downloads in progress end with no_such_file and its quota is
// released; an upload's next write or Finish fails with no_such_file. It
// reports whether the file was there.
func (s *Store) Remove(id uuid.UUID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.uploads[id]; u != nil {
		why := wire.Errorf(wire.ErrNoSuchFile, "%q was recalled", u.name)
		u.recalled.Store(why)
		if u.f != nil {
			// As in Wipe: only the uploader's spool writes u.f.
			u.wiped.Store(true)
			u.f.Close()
		}
		delete(s.uploads, id)
		s.used -= u.size
		os.Remove(u.path)
		s.endReaders(id, why)
		u.feed.end(why)
		return true
	}
	k := s.files[id]
	if k == nil {
		return false
	}
	delete(s.files, id)
	s.used -= k.Size
	s.endReaders(id, wire.Errorf(wire.ErrNoSuchFile, "%q was recalled", k.Name))
	if err := os.Remove(k.path); err != nil {
		s.cfg.Log.Warn("could not delete a recalled file", "err", err)
	}
	return true
}

// Wipe deletes every file and the room folder, ending uploads and downloads
// in progress. The store can be used again afterwards (with a new folder).
func (s *Store) Wipe() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	for id, u := range s.uploads {
		if u.f != nil {
			// Only the uploader's spool writes u.f; closing it makes its
			// next write fail, and finish sees the new gen.
			u.wiped.Store(true)
			u.f.Close()
		}
		delete(s.uploads, id)
		u.feed.end(wire.Errorf(wire.ErrClosed, "the room was wiped"))
	}
	for r := range s.readers {
		r.end(wire.Errorf(wire.ErrClosed, "the room was wiped"))
		delete(s.readers, r)
	}
	s.files = make(map[uuid.UUID]*kept)
	s.used = 0
	if s.dir != "" {
		releaseLock(s.lock)
		if err := os.RemoveAll(s.dir); err != nil {
			s.cfg.Log.Warn("could not delete the room folder", "dir", s.dir, "err", err)
		} else {
			s.cfg.Log.Info("room folder deleted", "dir", s.dir)
		}
		s.dir, s.lock = "", nil
	}
}

// Open opens a file for a download: a kept one, or a file (not an image)
// still being uploaded, whose bytes the Reader offers as they reach the
// disk (see Avail). onEnd is called (once, with the store locked, so it
// must not block) if the file is recalled, its upload fails or the room is
// wiped before the Reader is closed.
func (s *Store) Open(id uuid.UUID, onEnd func(error)) (*Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path, file, fd := "", File{}, (*feed)(nil)
	if k := s.files[id]; k != nil {
		path, file = k.path, k.File
	} else if u := s.uploads[id]; u != nil && !u.image && u.f != nil {
		path, file, fd = u.path, File{ID: u.id, Name: u.name, Size: u.size}, u.feed
	} else {
		return nil, wire.Errorf(wire.ErrNoSuchFile, "no file %s in this room (recalled?)", id)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, storageError(err)
	}
	r := &Reader{s: s, file: file, f: f, onEnd: onEnd, feed: fd, db: newDropBehind(f, file.Size)}
	s.readers[r] = struct{}{}
	return r, nil
}

// Reader reads a file for one download.
type Reader struct {
	s     *Store
	file  File
	onEnd func(error)
	feed  *feed // set for a file that was being uploaded when opened

	mu    sync.Mutex
	f     *os.File    // guarded by mu; nil once ended
	ended error       // guarded by mu
	db    *dropBehind // guarded by mu; nil for a small file
}

// File describes the file being read (SHA256 nil: it was being uploaded
// when opened).
func (r *Reader) File() File { return r.file }

// Avail returns how many bytes of the file may be read now, whether that is
// all there will be (the file is complete, or its upload failed: the
// Reader's next Read says why), and a channel closed when that may have
// changed (nil once final: nothing will change). A complete file's bytes
// are all available at once.
func (r *Reader) Avail() (n int64, final bool, wake <-chan struct{}) {
	if r.feed == nil {
		return r.file.Size, true, nil
	}
	n, done, err, wake := r.feed.state()
	if done {
		wake = nil
		if err == nil {
			n = r.file.Size
		}
	}
	return min(n, r.file.Size), done, wake
}

// Read runs fn with the file, unless the download has ended (then it
// returns why). fn runs with r locked: a recall waits for it, so nothing
// fn delivers can follow the recall's notice.
func (r *Reader) Read(fn func(io.ReaderAt) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return r.ended
	}
	return fn(streamReader{r.f, r.db})
}

// end closes the file and tells the downloader why. Caller holds s.mu.
func (r *Reader) end(why error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return
	}
	r.f.Close()
	r.f, r.ended = nil, why
	if r.onEnd != nil {
		r.onEnd(why)
	}
}

// Close ends the download quietly.
func (r *Reader) Close() {
	r.s.mu.Lock()
	delete(r.s.readers, r)
	r.s.mu.Unlock()
	r.mu.Lock()
	if r.f != nil {
		r.f.Close()
		r.f, r.ended = nil, wire.Errorf(wire.ErrClosed, "download closed")
	}
	r.mu.Unlock()
}

// storageError turns a file system error into what to tell a member: a
// full disk is named; anything else is internal (logged by the caller).
func storageError(err error) error {
	switch {
	case noSpace(err):
		return diskFull(err, "the host's disk is full; nothing was kept")
	case errors.Is(err, os.ErrClosed):
		return fmt.Errorf("%w: %v", wire.Errorf(wire.ErrClosed, "the host ended the transfer (the room was wiped)"), err)
	}
	return fmt.Errorf("transfer: %w", err)
}

// diskFull is a disk_full error saying format's words to whoever is told,
// with the system's err after them (for the log).
func diskFull(err error, format string, args ...any) error {
	return fmt.Errorf("%w: %v", wire.Errorf(wire.ErrDiskFull, format, args...), err)
}

// Size formats a byte count for people: 2 GiB, 512 KiB, 17 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
