package server

import (
	"errors"
	"io"
	"net/netip"
	"sync"
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
	ref   string
	timer *time.Timer // fires after UploadIdle without progress

	mu      sync.Mutex
	u       *transfer.Upload // guarded by mu
	resumed bool             // guarded by mu; kept across a dropped link: stray chunks are ignored
	last    time.Time        // guarded by mu; of the last chunk (or the begin)
	dropped bool             // guarded by mu; by the idle timer: the member was told
}

// download is a file being sent; the client pulls it by granting credit,
// one Chunk frame per unit, so that it never fills the member's send queue.
type download struct {
	id     uuid.UUID
	rd     *transfer.Reader
	off    int64
	size   int64
	credit uint64
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
		up.mu.Unlock()
		switch {
		case dropped:
			x.forget(f.Upload)
		case err != nil:
			x.abortUpload(f.Upload, err)
		}
		return true, nil
	case *wire.Credit:
		d := x.downloads[f.Transfer]
		if d == nil {
			return true, nil // finished, cancelled or recalled
		}
		d.credit = min(d.credit+f.Chunks, x.maxCredit())
		return true, x.serve(d)
	case *wire.Cancel:
		if up := x.uploads[f.Transfer]; up != nil {
			up.u.Abort()
			x.forget(f.Transfer)
		}
		if d := x.downloads[f.Transfer]; d != nil {
			d.rd.Close()
			delete(x.downloads, f.Transfer)
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
	up := &upload{u: u, ref: f.Ref, last: time.Now()}
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
	up.u.Abort()
	x.s.def.note(DefenceUploadIdle, x.addr, "upload made no progress; dropped", "idle", x.s.cfg.UploadIdle)
	x.tellAbort(id, wire.Errorf(wire.ErrStalled, "the upload made no progress for %v; it was dropped and its space freed", x.s.cfg.UploadIdle))
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

// abortAll abandons uploads kept for a seat that ended.
func abortAll(ups map[uuid.UUID]*upload) {
	for _, up := range ups {
		up.timer.Stop()
		up.mu.Lock()
		up.dropped = true
		up.u.Abort()
		up.mu.Unlock()
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
		x.tellAbort(f.Upload, err)
		return nil
	}
	err = x.s.room.Share(x.m, up.ref, room.Shared{
		ID: file.ID, Name: file.Name, Mime: file.Mime, Size: uint64(file.Size), SHA256: file.SHA256,
		Image: file.Mime != "",
	})
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
		up.u.Abort()
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
	x.serve(d) // a stalled member's connection is closed by serve
	return nil
}

// serve sends chunks while the download has credit. It fails only for a
// member whose send queue is full, after closing its connection.
func (x *transfers) serve(d *download) error {
	for d.credit > 0 && d.off < d.size {
		n := int(min(int64(wire.MaxChunk), d.size-d.off))
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
			return errStalled
		}
		if err != nil {
			var we *wire.Error
			if !errors.As(err, &we) {
				// An I/O error reading our own file: tell the member.
				x.tellAbort(d.id, err)
			} // else the recall or wipe already told the member
			d.rd.Close()
			delete(x.downloads, d.id)
			return nil
		}
		d.off += int64(n)
		d.credit--
	}
	if d.off >= d.size {
		d.rd.Close()
		delete(x.downloads, d.id)
	}
	return nil
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
		up.u.Abort()
		x.forget(id)
	}
	for id, d := range x.downloads {
		d.rd.Close()
		delete(x.downloads, id)
	}
}
