package wire

import (
	"time"

	"github.com/google/uuid"
)

// Limits of file transfers. They are part of the specification.
const (
	// MaxChunk is the most data one UploadChunk or Chunk frame carries. It
	// keeps a chunk frame within 64 KiB, so chunks interleave finely with
	// chat on the same connection.
	MaxChunk = 63 << 10
	// MaxFileName is the longest file name a frame carries, in bytes of
	// UTF-8. The host shortens names further when it sanitises them.
	MaxFileName = 1024
	// MaxWindow is the most Chunk frames a host lets a download have in
	// flight, whatever Window and Credit ask for.
	MaxWindow = 64
	// MaxMime is the longest media type of an image, in bytes.
	MaxMime = 64
	// HashSize is the length of a file's SHA-256, in bytes.
	HashSize = 32
	// MaxUploads is the most uploads a member may have in progress at
	// once; the host refuses another with rate_limited, and clients queue
	// theirs so as never to ask.
	MaxUploads = 4
)

// FileInfo describes one file shared with the room, as the welcome lists
// them.
type FileInfo struct {
	ID     uuid.UUID
	From   string
	Name   string
	Size   uint64
	SHA256 []byte
	Time   time.Time
}

func appendFiles(b []byte, v []FileInfo) []byte {
	b = appendUvarint(b, uint64(len(v)))
	for _, f := range v {
		b = appendID(b, f.ID)
		b = appendStr(b, f.From)
		b = appendStr(b, f.Name)
		b = appendUvarint(b, f.Size)
		b = appendBytes(b, f.SHA256)
		b = appendTime(b, f.Time)
	}
	return b
}

func (d *decoder) files(what string) []FileInfo {
	n := d.uvarint(what)
	if d.err != nil {
		return nil
	}
	// Each entry takes at least 16 bytes (its id): this bounds the
	// allocation by the body's length.
	if n > uint64(len(d.b))/16 {
		d.fail(what)
		return nil
	}
	if n == 0 {
		return nil
	}
	v := make([]FileInfo, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		v = append(v, FileInfo{
			ID:     d.id(what),
			From:   d.str(what, MaxNameBytes),
			Name:   d.str(what, MaxFileName),
			Size:   d.uvarint(what),
			SHA256: clone(d.bytes(what, HashSize)),
			Time:   d.time(what),
		})
	}
	return v
}
