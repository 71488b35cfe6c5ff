package transfer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

// Part is a download being written into dir as "<name>.<tag>.part", where
// tag is taken from the announced SHA-256 (or, for a file still being
// uploaded, whose SHA-256 is not known yet, from its id): an attempt cut
// short leaves the part file, and the next attempt for the same file
// resumes from its size.
type Part struct {
	dir  string
	name string // sanitised final name
	path string
	size int64
	sum  []byte
	f    *os.File // nil once finished or closed
	sp   *spool   // writes f in batches and hashes the bytes
	fl   *flusher // makes a large file durable as it is written
	done int64
}

// OpenPart opens (or resumes) the download of the file id, of size bytes
// whose SHA-256 is sum, to be saved in dir under a sanitised form of name.
// The bytes already in the part file are hashed again, so a resumed
// download is verified as a whole. sum is nil for a file still being
// uploaded: SetSum gives it before Finish.
func OpenPart(dir, name string, size int64, sum []byte, id uuid.UUID) (*Part, error) {
	if sum != nil && len(sum) != sha256.Size {
		return nil, wire.Errorf(wire.ErrBadCommand, "the file has no SHA-256 to check it against")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, wire.Errorf(wire.ErrBadCommand, "%s is not a folder", dir)
	}
	name = SafeName(name)
	p := &Part{dir: dir, name: name, size: size, sum: sum}
	early := filepath.Join(dir, fmt.Sprintf("%s.%s.part", name, hex.EncodeToString(id[:4])))
	p.path = early
	if sum != nil {
		p.path = filepath.Join(dir, fmt.Sprintf("%s.%s.part", name, hex.EncodeToString(sum[:4])))
		if _, err := os.Stat(p.path); errors.Is(err, os.ErrNotExist) {
			// An attempt made while the file was uploading: carry it on.
			os.Rename(early, p.path)
		}
	}
	f, err := os.OpenFile(p.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	h, db := sha256.New(), newDropBehind(f, size)
	n, err := io.Copy(h, io.NewSectionReader(streamReader{f, db}, 0, size))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("transfer: reading %s: %w", p.path, err)
	}
	// Whatever lies past size cannot belong to this file.
	if err := f.Truncate(n); err != nil {
		f.Close()
		return nil, fmt.Errorf("transfer: %w", err)
	}
	if _, err := f.Seek(n, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("transfer: %w", err)
	}
	if err := reserve(f, n, size-n); err != nil {
		f.Close()
		if n == 0 {
			os.Remove(p.path)
		}
		return nil, noRoom(err, dir, size)
	}
	db.from(n)
	fl := startFlusher(f, size)
	p.f, p.done, p.fl = f, n, fl
	p.sp = newSpool(f, h, func(n int) {
		db.wrote(n)
		fl.wrote(n)
	})
	return p, nil
}

// Offset is how many bytes are already there: where to resume.
func (p *Part) Offset() int64 { return p.done }

// Size is the file's full size.
func (p *Part) Size() int64 { return p.size }

// Path is the part file's path.
func (p *Part) Path() string { return p.path }

// Write appends the bytes at off, which must be where the last write ended.
func (p *Part) Write(off int64, b []byte) error {
	if p.f == nil {
		return os.ErrClosed
	}
	if off != p.done || int64(len(b)) > p.size-p.done {
		return wire.Errorf(wire.ErrProtocol, "the host sent %d bytes at offset %d; expected offset %d of %d", len(b), off, p.done, p.size)
	}
	if err := p.sp.write(b); err != nil {
		return p.writeError(err)
	}
	p.done += int64(len(b))
	return nil
}

// Finish checks the whole file against the announced SHA-256 and gives it
// its final name, never replacing a file already there ("report (1).pdf").
// If the bytes do not match, the part file is deleted (the next attempt
// starts afresh) and the error is wire.ErrBadHash.
func (p *Part) Finish() (string, error) {
	if p.f == nil {
		return "", os.ErrClosed
	}
	if p.done != p.size {
		return "", wire.Errorf(wire.ErrProtocol, "the download ended after %d of %d bytes", p.done, p.size)
	}
	if p.sum == nil {
		return "", wire.Errorf(wire.ErrProtocol, "the file's SHA-256 never came")
	}
	got, err := p.sp.close()
	p.fl.stop(true)
	if err == nil {
		err = p.f.Sync()
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	p.f = nil
	if err != nil {
		return "", p.writeError(err)
	}
	if !bytes.Equal(got, p.sum) {
		os.Remove(p.path)
		return "", wire.Errorf(wire.ErrBadHash, "the downloaded bytes do not match the file's SHA-256; the partial download was deleted")
	}
	return place(p.path, p.dir, p.name)
}

// noRoom names what reserve found for a download of size bytes into the
// folder dir: no room for it on its disk (ENOSPC), or a file system that
// cannot hold a file that large (EFBIG).
func noRoom(err error, dir string, size int64) error {
	disk := "the disk of " + dir
	if errors.Is(err, syscall.EFBIG) {
		return diskFull(err, "%s cannot hold a file of %s (its file system limits the size of a file)", disk, Size(size))
	}
	return diskFull(err, "there is no room for a file of %s on %s", Size(size), disk)
}

// writeError names a failure to write the part file: a full disk as
// disk_full (where the file system reserves nothing ahead, see reserve).
func (p *Part) writeError(err error) error {
	if noSpace(err) {
		return diskFull(err, "the disk of %s filled up; what was downloaded is kept for a later attempt", p.dir)
	}
	return fmt.Errorf("transfer: writing %s: %w", p.path, err)
}

// Close stops writing and keeps the part file (with every byte written)
// for a later attempt, giving back the room reserved for the rest.
func (p *Part) Close() error {
	if p.f == nil {
		return nil
	}
	_, err := p.sp.close()
	p.fl.stop(false)
	if st, serr := p.f.Stat(); serr == nil {
		unreserve(p.f, st.Size(), p.size-st.Size())
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	p.f = nil
	return err
}

// Discard stops writing and deletes the part file.
func (p *Part) Discard() {
	if p.f != nil {
		p.sp.abort()
	}
	p.Close()
	os.Remove(p.path)
}

// Sum returns the announced SHA-256; nil while the file uploads.
func (p *Part) Sum() []byte { return p.sum }

// SetSum gives the SHA-256 of a file that was still being uploaded when
// the Part was opened, once the host has verified it.
func (p *Part) SetSum(sum []byte) error {
	if len(sum) != sha256.Size {
		return wire.Errorf(wire.ErrProtocol, "a SHA-256 of %d bytes", len(sum))
	}
	if p.sum != nil && !bytes.Equal(p.sum, sum) {
		return wire.Errorf(wire.ErrProtocol, "the host gave two SHA-256s for one file")
	}
	p.sum = sum
	return nil
}
