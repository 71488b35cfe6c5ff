package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"
)

// MessageView is a Message decoded without copying or allocating: its
// byte slices alias the frame body and are valid only as long as the body
// is (for a Reader, until the next ReadFrame). It is for readers of many
// messages that look at few of them closely, such as a load generator;
// Decode gives a Message that owns its fields.
type MessageView struct {
	Seq      uint64
	ID       uuid.UUID
	From, To []byte
	Text     []byte
	Time     int64 // Unix nanoseconds; 0 when the frame has no time
	History  bool
	ReplyTo  uuid.UUID
}

// Decode fills v from the body of a TypeMessage frame. It accepts and
// refuses exactly the bodies that Decode does.
func (v *MessageView) Decode(body []byte) error {
	d := decoder{b: body}
	v.Seq = d.uvarint("seq")
	v.ID = d.id("id")
	v.From = d.utf8("from", MaxNameBytes)
	v.To = d.utf8("to", MaxNameBytes)
	v.Text = d.utf8("text", MaxText)
	v.Time = d.varint("time")
	v.History = d.boolean("history")
	v.ReplyTo = d.id("reply to")
	if d.err != nil {
		return fmt.Errorf("%v: %w", TypeMessage, d.err)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%v: %w: %d trailing bytes", TypeMessage, ErrMalformed, len(d.b))
	}
	return nil
}

// utf8 reads a length-prefixed UTF-8 string, like str, without copying it.
func (d *decoder) utf8(what string, max int) []byte {
	v := d.bytes(what, max)
	if d.err == nil && !utf8.Valid(v) {
		d.fail(what)
		return nil
	}
	return v
}

// DecodeView fills m from the body of a TypeUploadChunk frame without
// copying: m.Data aliases the body and is valid only as long as the body
// is. It accepts and refuses exactly the bodies that Decode does.
func (m *UploadChunk) DecodeView(body []byte) error {
	return decodeChunkView(TypeUploadChunk, body, &m.Upload, &m.Offset, &m.Data)
}

// DecodeView fills m from the body of a TypeChunk frame like
// UploadChunk.DecodeView: m.Data aliases the body.
func (m *Chunk) DecodeView(body []byte) error {
	return decodeChunkView(TypeChunk, body, &m.Transfer, &m.Offset, &m.Data)
}

func decodeChunkView(t Type, body []byte, id *uuid.UUID, off *uint64, data *[]byte) error {
	d := decoder{b: body}
	*id = d.id("id")
	*off = d.uvarint("offset")
	*data = d.bytes("data", MaxChunk)
	if d.err != nil {
		return fmt.Errorf("%v: %w", t, d.err)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%v: %w: %d trailing bytes", t, ErrMalformed, len(d.b))
	}
	return nil
}

// ChunkFrameSize is the most bytes one chunk frame (UploadChunk or
// Chunk) takes: a buffer of this size holds any of them.
const ChunkFrameSize = headerLen + 16 + binary.MaxVarintLen64 + binary.MaxVarintLen32 + MaxChunk

// ChunkFrame lays out in buf (of at least ChunkFrameSize bytes) a frame of
// type t (TypeUploadChunk or TypeChunk) for n bytes at off of transfer id,
// and returns the frame and the part of it the n bytes go into: the caller
// reads them straight into data, and the frame is ready to send, with no
// copy and no allocation.
func ChunkFrame(buf []byte, t Type, id uuid.UUID, off uint64, n int) (frame, data []byte) {
	if (t != TypeUploadChunk && t != TypeChunk) || n < 0 || n > MaxChunk || len(buf) < ChunkFrameSize {
		panic("wire: ChunkFrame misused")
	}
	b := append(buf[:0], 0, 0, 0, 0, byte(t))
	b = appendID(b, id)
	b = appendUvarint(b, off)
	b = appendUvarint(b, uint64(n))
	start := len(b)
	b = b[:start+n]
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b, b[start:]
}

// ChunkPool keeps free buffers of ChunkFrameSize bytes for chunk frames
// and chunk data, so that a transfer allocates none per chunk. Make one with
// NewChunkPool; it is safe for concurrent use.
type ChunkPool struct{ free chan []byte }

// NewChunkPool returns a pool that keeps at most n free buffers.
func NewChunkPool(n int) ChunkPool { return ChunkPool{free: make(chan []byte, n)} }

// Get returns a buffer of ChunkFrameSize bytes, from the pool if it has one.
func (p ChunkPool) Get() []byte {
	select {
	case b := <-p.free:
		return b[:cap(b)]
	default:
		return make([]byte, ChunkFrameSize)
	}
}

// Put gives back a buffer from Get (or a frame built in one) if the pool
// has room; buffers of another size are left to the garbage collector.
func (p ChunkPool) Put(b []byte) {
	if cap(b) != ChunkFrameSize {
		return
	}
	select {
	case p.free <- b[:0]:
	default:
	}
}

// IsChunkFrame reports whether frame is a complete frame of type t built
// in a ChunkPool buffer.
func IsChunkFrame(frame []byte, t Type) bool {
	return len(frame) >= headerLen && Type(frame[4]) == t && cap(frame) == ChunkFrameSize
}

// SplitChunk returns the frames that carry the data of frame (a complete
// TypeUploadChunk or TypeChunk frame) in pieces of at most n bytes, of
// about the same size, in order, each at its own offset: a writer pacing a
// slow link sends them with other frames between them. They hold copies:
// frame may be reused at once.
func SplitChunk(frame []byte, n int) ([][]byte, error) {
	if len(frame) < headerLen || n < 1 {
		return nil, fmt.Errorf("wire: SplitChunk of %d bytes into %d: %w", len(frame), n, ErrMalformed)
	}
	t := Type(frame[4])
	var id uuid.UUID
	var off uint64
	var data []byte
	if t != TypeUploadChunk && t != TypeChunk {
		return nil, fmt.Errorf("wire: SplitChunk of a %v: %w", t, ErrMalformed)
	}
	if err := decodeChunkView(t, frame[headerLen:], &id, &off, &data); err != nil {
		return nil, err
	}
	// Pieces of even size: no short one at the end.
	count := max((len(data)+n-1)/n, 1)
	n = (len(data) + count - 1) / count
	var out [][]byte
	for k := 0; k < len(data) || k == 0; k += max(n, 1) {
		piece := data[k:min(k+n, len(data))]
		var f Frame = &UploadChunk{Upload: id, Offset: off + uint64(k), Data: piece}
		if t == TypeChunk {
			f = &Chunk{Transfer: id, Offset: off + uint64(k), Data: piece}
		}
		b, err := Encode(f)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
