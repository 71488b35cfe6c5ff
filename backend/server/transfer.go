package server

import (
	"errors"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/room"
	"wetalk/backend/transfer"
	"wetalk/backend/wire"
)

// Per-connection bounds on transfers in progress.
const (
	maxUploads   = wire.MaxUploads
	maxDownloads = 8
)

// progressEvery is how often the room hears how far an upload it may
// already download has got (file_progress), at most.
const progressEvery = 500 * time.Millisecond

// Why uploads end when their member does not finish them.
var (
	errSenderLeft      = wire.Errorf(wire.ErrUploadFailed, "the sender left the room before the upload was complete")
	errSenderCancelled = wire.Errorf(wire.ErrUploadFailed, "the sender cancelled the upload")
)

// transfers are one member's uploads and downloads in progress. They
// belong to the connection's readLoop: only it touches them, and it ends
// them all when the connection ends.
type transfers struct {
	s         *Server
	m         *room.Member
	p         *peer
	addr      netip.Addr // the member's, for the host's log
	uploads   map[uuid.UUID]*upload
	downloads map[uuid.UUID]*download
}

// upload is a file being received. Its readLoop and its idle timer share
// it: mu orders the timer's drop against the loop's writes.
type upload struct {
	s     *Server
	ref   string
	timer *time.Timer // fires after UploadIdle without progress
	file  bool        // a file (not an image): announced at its first chunk, told of progress
	told  time.Time   // the readLoop's; when the room last heard of its progress

	mu      sync.Mutex
	u       *transfer.Upload // guarded by mu
	resumed bool             // guarded by mu; kept across a dropped link: stray chunks are ignored
	last    time.Time        // guarded by mu; of the last chunk (or the begin)
	dropped bool             // guarded by mu; by the idle timer: the member was told
	// Guarded by mu, written only by the readLoop: the room was told of
	// the file (at its first chunk). An upload cancelled or failed before
	// any byte came never shows in the room.
	announced bool
}

// download is a file being sent; the client pulls it by granting credit,
// one Chunk frame per unit, so that it never fills the member's send queue.
// The readLoop serves a complete file as credit comes; a file still being
// uploaded is served by a feedLoop of its own (cut set), which owns off and
// waits for credit and for the upload's bytes to reach the disk.
type download struct {
	id     uuid.UUID
	rd     *transfer.Reader
	off    int64 // the readLoop's, or (cut set) the feedLoop's
	size   int64
	credit uint64 // the readLoop's; unused when cut is set
	cut    *cut
}

// cut is what the readLoop and a download's feedLoop share.
type cut struct {
	credit atomic.Uint64 // Chunk frames the feedLoop may still send
	poke   chan struct{} // capacity 1: credit came
	stop   chan struct{} // closed by the readLoop: cancel, connection ending
	done   chan struct{} // closed when feedLoop has ended
}

// maxCredit is the most Chunk frames one download may have in flight: a
// connection's downloads share wire.MaxWindow (at least 4 each), so the
// chunk frames a member can have queued stay near MaxWindow × 64 KiB
// however many it runs. (Chunk frames do not count against the send
// queue's limit: credit bounds them.)
func (x *transfers) maxCredit() uint64 {
	return max(4, wire.MaxWindow/uint64(max(len(x.downloads), 1)))
}

func newTransfers(s *Server, m *room.Member, p *peer, addr netip.Addr) *transfers {
	return &transfers{
		s: s, m: m, p: p, addr: addr,
		uploads:   make(map[uuid.UUID]*upload),
		downloads: make(map[uuid.UUID]*download),
	}
}

// bulk handles the frames that carry or pace bytes (chunks, credit,
// cancel): they are not commands and do not count against the rate limit.
// It reports whether f was one of them, and returns an error only when
// the connection cannot go on.
func (x *transfers) bulk(f wire.Frame) (bool, error) {
	switch f := f.(type) {
	case *wire.UploadChunk:
		up := x.uploads[f.Upload]
		if up == nil {
			return true, nil // cancelled or aborted: chunks still in flight
		}
		up.mu.Lock()
		dropped := up.dropped
		var err error
		switch {
		case dropped:
		case up.resumed && int64(f.Offset) != up.u.Written():
			// Sent before the link dropped, or after a gap it made: the
			// member sends again from what upload_ready tells it.
		default:
			err = up.u.Write(int64(f.Offset), f.Data)
			up.last = time.Now()
		}
		written := up.u.Written()
		first := up.file && !dropped && err == nil && !up.announced
		if first {
			up.announced = true
		}
		up.mu.Unlock()
		switch {
		case dropped:
			x.forget(f.Upload)
		case err != nil:
			x.abortUpload(f.Upload, err)
		case first:
			// Cut-through: the room learns of the file at its first bytes,
			// and may download it while it uploads; Complete or FailUpload
			// tells how it ended. (Images are announced once complete.)
			if err := x.s.room.Announce(x.m, room.Shared{ID: f.Upload, Name: up.u.Name(), Size: uint64(up.u.Size())}); err != nil {
				x.abortUpload(f.Upload, err)
			}
		case up.file && time.Since(up.told) >= progressEvery:
			up.told = time.Now()
			x.s.room.UploadProgress(f.Upload, uint64(written))
		}
		return true, nil
	case *wire.Credit:
		d := x.downloads[f.Transfer]
		if d == nil {
			return true, nil // finished, cancelled or recalled
		}
		if d.cut != nil {
			d.cut.give(f.Chunks, x.maxCredit())
			return true, nil
		}
		d.credit = min(d.credit+f.Chunks, x.maxCredit())
		return true, x.serve(d)
	case *wire.Cancel:
		if up := x.uploads[f.Transfer]; up != nil {
			x.fail(f.Transfer, up, errSenderCancelled)
			x.forget(f.Transfer)
		}
		if d := x.downloads[f.Transfer]; d != nil {
			x.endDownload(d)
		}
		return true, nil
	}
	return false, nil
}

// beginUpload checks the limits (before any byte moves) and accepts the
// upload.
//
// One member may not reserve more than its fair share of the room's free
// quota: with uploads of its own in progress, a new one must leave it
// holding at most half of what is free (its own reservations counted as
// free). A single upload that fits is always allowed, so a second member
// finds at least half of the free space, a third a quarter, and uploads
// that make no progress are dropped after UploadIdle anyway.
func (x *transfers) beginUpload(f *wire.UploadBegin) error {
	var reserved int64
	for id, up := range x.uploads {
		up.mu.Lock()
		dropped := up.dropped
		up.mu.Unlock()
		if dropped {
			x.forget(id)
			continue
		}
		reserved += up.u.Size()
	}
	if len(x.uploads) >= maxUploads {
		return wire.Errorf(wire.ErrRateLimited, "at most %d uploads at once", maxUploads)
	}
	if f.Size > 1<<62 {
		return wire.Errorf(wire.ErrTooLarge, "%d bytes is too large", f.Size)
	}
	if free := x.s.files.Free(); reserved > 0 && reserved+int64(f.Size) > (free+reserved)/2 {
		x.s.def.note(DefenceUploadShare, x.addr, "member over its share of the free quota", "reserved", reserved, "asked", f.Size)
		return wire.Errorf(wire.ErrQuotaExceeded, "you are uploading %s already; one member may hold at most half of the room's free space (%s) at once: wait for your uploads to finish",
			transfer.Size(reserved), transfer.Size(free+reserved))
	}
	u, err := x.s.files.Begin(f.Name, int64(f.Size), f.Image)
	if err != nil {
		return err
	}
	id := u.ID()
	up := &upload{s: x.s, u: u, ref: f.Ref, last: time.Now(), file: !f.Image, told: time.Now()}
	up.timer = time.AfterFunc(x.s.cfg.UploadIdle, func() { x.idle(id, up) })
	x.uploads[id] = up
	x.deliver(&wire.UploadReady{Ref: f.Ref, Upload: id})
	return nil
}

// idle runs on the upload's timer: it drops the upload if no chunk came
// for UploadIdle (freeing its reservation and telling the member), or
// waits for the rest of that time.
func (x *transfers) idle(id uuid.UUID, up *upload) {
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.dropped {
		return
	}
	if wait := x.s.cfg.UploadIdle - time.Since(up.last); wait > 0 {
		up.timer.Reset(wait)
		return
	}
	up.dropped = true
	why := wire.Errorf(wire.ErrStalled, "the upload made no progress for %v; it was dropped and its space freed", x.s.cfg.UploadIdle)
	x.fail(id, up, why)
	x.s.def.note(DefenceUploadIdle, x.addr, "upload made no progress; dropped", "idle", x.s.cfg.UploadIdle)
	x.tellAbort(id, why)
}

// keepUploads hands over the uploads in progress, for the seat to keep
// while its member reconnects; close then leaves them alone.
func (x *transfers) keepUploads() map[uuid.UUID]*upload {
	kept := x.uploads
	x.uploads = make(map[uuid.UUID]*upload)
	return kept
}

// adopt takes over the uploads a dropped connection of the same seat
// began. Their idle timers still run: an upload the member does not carry
// on with is dropped after UploadIdle.
func (x *transfers) adopt(ups map[uuid.UUID]*upload) {
	for id, up := range ups {
		up.mu.Lock()
		up.resumed = true
		up.mu.Unlock()
		x.uploads[id] = up
	}
}

// resumeUpload answers an upload_resume: where to carry on from.
func (x *transfers) resumeUpload(f *wire.UploadResume) error {
	up := x.uploads[f.Upload]
	if up == nil {
		return wire.Errorf(wire.ErrNoSuchFile, "no upload %s in progress (dropped?)", f.Upload)
	}
	up.mu.Lock()
	dropped, off := up.dropped, up.u.Written()
	up.mu.Unlock()
	if dropped {
		x.forget(f.Upload)
		return wire.Errorf(wire.ErrStalled, "the upload was dropped meanwhile")
	}
	x.deliver(&wire.UploadReady{Ref: f.Ref, Upload: f.Upload, Offset: uint64(off)})
	return nil
}

// fail ends an upload that cannot go on (why), and, for a file the room
// was told of, tells the room it failed. The readLoop calls it, or the
// idle timer holding up.mu.
func (x *transfers) fail(id uuid.UUID, up *upload, why error) {
	up.u.Fail(why)
	if up.announced {
		x.s.room.FailUpload(id, why)
	}
}

// abortAll abandons uploads kept for a seat that ended. Its caller may
// hold the room's lock: the room hears of the files that failed later.
func abortAll(ups map[uuid.UUID]*upload) {
	for id, up := range ups {
		up.timer.Stop()
		up.mu.Lock()
		up.dropped = true
		up.u.Fail(errSenderLeft)
		announced := up.announced
		up.mu.Unlock()
		if announced {
			up.s.uploadFailed(id, errSenderLeft)
		}
	}
}

// forget removes an upload that ended, and stops its timer.
func (x *transfers) forget(id uuid.UUID) {
	if up := x.uploads[id]; up != nil {
		up.timer.Stop()
		delete(x.uploads, id)
	}
}

// endUpload verifies the upload and announces it to the room.
func (x *transfers) endUpload(f *wire.UploadEnd) error {
	up := x.uploads[f.Upload]
	if up == nil {
		return nil // already aborted: the client was told
	}
	up.mu.Lock()
	if up.resumed && !up.dropped && up.u.Written() < up.u.Size() {
		// Sent before the member learned its link had dropped: chunks
		// before it were ignored as strays, and it asks upload_resume next.
		up.mu.Unlock()
		return nil
	}
	up.mu.Unlock()
	x.forget(f.Upload)
	up.mu.Lock()
	dropped := up.dropped
	up.dropped = true // the timer must not drop it now
	up.mu.Unlock()
	if dropped {
		return nil // the member was told
	}
	file, err := up.u.Finish(f.SHA256)
	if err != nil {
		if up.announced {
			x.s.room.FailUpload(f.Upload, err)
		}
		x.tellAbort(f.Upload, err)
		return nil
	}
	if up.announced {
		err = x.s.room.Complete(x.m, up.ref, file.ID, file.SHA256)
	} else {
		// An image, or an empty file (no chunk announced it): shared
		// complete at once.
		err = x.s.room.Share(x.m, up.ref, room.Shared{
			ID: file.ID, Name: file.Name, Mime: file.Mime, Size: uint64(file.Size), SHA256: file.SHA256,
			Image: !up.file,
		})
	}
	if err != nil {
		x.s.files.Remove(file.ID)
		return err
	}
	x.s.log.Info("file shared", "id", file.ID, "size", file.Size, "image", file.Mime != "")
	return nil
}

// abortUpload drops an upload the host cannot carry on and tells why.
func (x *transfers) abortUpload(id uuid.UUID, err error) {
	if up := x.uploads[id]; up != nil {
		x.fail(id, up, err)
		x.forget(id)
	}
	x.tellAbort(id, err)
}

func (x *transfers) tellAbort(id uuid.UUID, err error) {
	e := wire.AsError(err)
	if e.Code == wire.CodeInternal {
		x.s.log.Error("transfer failed", "id", id, "err", err)
	}
	x.deliver(&wire.Abort{Transfer: id, Code: e.Code, Message: e.Message})
}

// startDownload opens a file and sends what the window allows.
func (x *transfers) startDownload(f *wire.Download) error {
	for _, d := range x.downloads {
		if d.cut != nil && d.cut.ended() {
			x.endDownload(d)
		}
	}
	if len(x.downloads) >= maxDownloads {
		return wire.Errorf(wire.ErrRateLimited, "at most %d downloads at once", maxDownloads)
	}
	if x.downloads[f.Transfer] != nil || f.Transfer == uuid.Nil {
		return wire.Errorf(wire.ErrBadCommand, "transfer id %s is already in use", f.Transfer)
	}
	p, id := x.p, f.Transfer
	rd, err := x.s.files.Open(f.File, func(why error) {
		e := wire.AsError(why)
		frame, _ := wire.Encode(&wire.Abort{Transfer: id, Code: e.Code, Message: e.Message})
		p.Deliver(frame)
	})
	if err != nil {
		return err
	}
	file := rd.File()
	if f.Offset > uint64(file.Size) {
		rd.Close()
		return wire.Errorf(wire.ErrBadCommand, "offset %d is past the end of the file (%d bytes)", f.Offset, file.Size)
	}
	d := &download{id: id, rd: rd, off: int64(f.Offset), size: file.Size, credit: min(f.Window, x.maxCredit())}
	x.downloads[id] = d
	x.deliver(&wire.DownloadReady{
		Ref: f.Ref, Transfer: id, File: file.ID, Name: file.Name, Mime: file.Mime,
		Size: uint64(file.Size), SHA256: file.SHA256, Offset: f.Offset,
	})
	if file.SHA256 == nil {
		// Still uploading: the bytes are served as they reach the disk.
		d.cut = &cut{poke: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
		d.cut.credit.Store(d.credit)
		go x.feedLoop(d)
		return nil
	}
	x.serve(d) // a stalled member's connection is closed by serve
	return nil
}

// give adds credit, up to most, and wakes the feedLoop.
func (c *cut) give(n, most uint64) {
	for {
		old := c.credit.Load()
		if c.credit.CompareAndSwap(old, min(old+n, most)) {
			break
		}
	}
	select {
	case c.poke <- struct{}{}:
	default:
	}
}

// ended reports whether the feedLoop has ended.
func (c *cut) ended() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// feedLoop serves a download of a file still being uploaded: the bytes on
// disk as credit allows, then waits for more bytes or credit, until every
// byte is sent and the upload complete, or the upload fails (the store
// then told the member, abort upload_failed), or the readLoop stops it.
// A hostile uploader cannot make it read past the announced size, nor
// wait forever: an upload without progress is dropped after UploadIdle.
func (x *transfers) feedLoop(d *download) {
	c := d.cut
	defer close(c.done)
	defer d.rd.Close()
	for {
		avail, final, wake := d.rd.Avail()
		for d.off < avail && c.credit.Load() > 0 {
			ok, err := x.sendChunk(d, avail)
			if !ok || err != nil {
				return
			}
			c.credit.Add(^uint64(0))
		}
		if final && (d.off >= d.size || d.off >= avail) {
			// Complete and all sent; or failed, and the member was told.
			return
		}
		select {
		case <-wake:
		case <-c.poke:
		case <-c.stop:
			return
		}
	}
}

// endDownload ends a download the readLoop holds: it stops a feedLoop
// and waits for it.
func (x *transfers) endDownload(d *download) {
	if d.cut != nil {
		if !d.cut.ended() {
			close(d.cut.stop)
		}
		<-d.cut.done
	}
	d.rd.Close()
	delete(x.downloads, d.id)
}

// serve sends chunks while the download has credit. It fails only for a
// member whose send queue is full, after closing its connection.
func (x *transfers) serve(d *download) error {
	for d.credit > 0 && d.off < d.size {
		ok, err := x.sendChunk(d, d.size)
		if err != nil {
			return err
		}
		if !ok {
			d.rd.Close()
			delete(x.downloads, d.id)
			return nil
		}
		d.credit--
	}
	if d.off >= d.size {
		d.rd.Close()
		delete(x.downloads, d.id)
	}
	return nil
}

// sendChunk sends the chunk of d at d.off, up to end, and moves d.off on.
// It reports false when the download cannot go on (the member was told
// why), and an error for a member whose send queue is full, after closing
// its connection.
func (x *transfers) sendChunk(d *download, end int64) (bool, error) {
	n := int(min(int64(wire.MaxChunk), end-d.off))
	// The frame is laid out in a buffer of the peer's and the file
	// read straight into it: no copy, no allocation per chunk.
	frame, data := wire.ChunkFrame(x.p.chunks.Get(), wire.TypeChunk, d.id, uint64(d.off), n)
	var stalled bool
	err := d.rd.Read(func(ra io.ReaderAt) error {
		if _, err := ra.ReadAt(data, d.off); err != nil {
			return err
		}
		stalled = !x.p.deliverChunk(frame)
		return nil
	})
	if err != nil || stalled {
		x.p.chunks.Put(frame)
	}
	if stalled {
		// Like the room with a member that cannot keep up: drop the
		// connection; the read loop then ends.
		x.p.Close(false)
		return false, errStalled
	}
	if err != nil {
		var we *wire.Error
		if !errors.As(err, &we) {
			// An I/O error reading our own file: tell the member.
			x.tellAbort(d.id, err)
		} // else the recall, failed upload or wipe already told the member
		return false, nil
	}
	d.off += int64(n)
	return true, nil
}

var errStalled = errors.New("server: send queue full")

func (x *transfers) deliver(f wire.Frame) {
	frame, err := wire.Encode(f)
	if err != nil {
		x.s.log.Error("encoding own frame", "type", f.Type(), "err", err)
		return
	}
	x.p.Deliver(frame)
}

// close ends every transfer of the connection: uploads are abandoned
// (their temporary files deleted), downloads closed.
func (x *transfers) close() {
	for id, up := range x.uploads {
		x.fail(id, up, errSenderLeft)
		x.forget(id)
	}
	for _, d := range x.downloads {
		x.endDownload(d)
	}
}
