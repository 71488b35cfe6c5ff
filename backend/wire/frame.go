package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the protocol version this build speaks. A peer with another
// version is refused with CodeVersionMismatch.
const Version = 1

// Magic opens every Hello so that a stray connection (an HTTP client, an old
// build of the Python prototype) is told apart from a WeTalk peer.
var Magic = [4]byte{'W', 'T', 'L', 'K'}

// Limits of the protocol. They are part of the specification.
const (
	// MaxFrame is the largest frame length (type byte plus body) accepted.
	MaxFrame = 1 << 20
	// MaxText is the largest chat message, in bytes of UTF-8.
	MaxText = 8 << 10
	// MaxName is the longest nickname, in characters after normalisation.
	MaxName = 32
	// MaxRef is the longest command reference a client may attach.
	MaxRef = 128
	// MaxReason is the longest kick reason or close reason, in bytes.
	MaxReason = 512
	// MaxHello is the largest hello frame a host reads: its fields at their
	// limits take about 1.2 KiB. A host reads the first frame with this
	// limit, so a stranger cannot make it allocate more.
	MaxHello = 2 << 10
	// headerLen is the length prefix plus the type byte.
	headerLen = 5
)

// Errors of framing and decoding.
var (
	ErrFrameTooLarge = errors.New("wire: frame too large")
	ErrMalformed     = errors.New("wire: malformed frame")
	ErrUnknownType   = errors.New("wire: unknown frame type")
)

// Type identifies a frame's message.
type Type uint8

// Frame types. Commands go from client to host, events from host to client.
// TypeError keeps its number and layout in every version so that a version
// mismatch can always be reported.
const (
	TypeHello    Type = 0x01
	TypeSend     Type = 0x02
	TypeDM       Type = 0x03
	TypeRecall   Type = 0x04
	TypeKick     Type = 0x05
	TypeUnban    Type = 0x06
	TypeHandover Type = 0x07
	TypeLeave    Type = 0x08

	TypeUploadBegin Type = 0x10
	TypeUploadChunk Type = 0x11
	TypeUploadEnd   Type = 0x12
	TypeCancel      Type = 0x13
	TypeDownload    Type = 0x14
	TypeCredit      Type = 0x15

	TypeWelcome  Type = 0x40
	TypeMessage  Type = 0x41
	TypeJoined   Type = 0x42
	TypeLeft     Type = 0x43
	TypeLeader   Type = 0x44
	TypeRecalled Type = 0x45
	TypeKicked   Type = 0x46
	TypeAck      Type = 0x47
	TypeClosed   Type = 0x48
	TypeBans     Type = 0x49

	TypeFile          Type = 0x50
	TypeImage         Type = 0x51
	TypeUploadReady   Type = 0x52
	TypeDownloadReady Type = 0x53
	TypeChunk         Type = 0x54
	TypeAbort         Type = 0x55

	TypeError Type = 0x7f
)

// Frame is one frame's content. Every message type in this package
// implements it.
type Frame interface {
	// Type is the frame type that carries the message.
	Type() Type
	// appendBody appends the encoded body.
	appendBody(b []byte) []byte
	// decodeBody fills the message from a body; it reports ErrMalformed
	// for anything that is not exactly one well-formed body.
	decodeBody(d *decoder) error
}

// Append appends m as one complete frame to dst.
func Append(dst []byte, m Frame) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, byte(m.Type()))
	dst = m.appendBody(dst)
	n := len(dst) - start - 4
	if n > MaxFrame {
		return dst[:start], fmt.Errorf("%w: %d bytes for %v", ErrFrameTooLarge, n, m.Type())
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(n))
	return dst, nil
}

// Encode returns m as one complete frame.
func Encode(m Frame) ([]byte, error) { return Append(nil, m) }

// Decode decodes a frame's body of the given type.
func Decode(t Type, body []byte) (Frame, error) {
	m := newMessage(t)
	if m == nil {
		return nil, fmt.Errorf("%w: 0x%02x", ErrUnknownType, uint8(t))
	}
	d := decoder{b: body}
	if err := m.decodeBody(&d); err != nil {
		return nil, fmt.Errorf("%v: %w", t, err)
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%v: %w: %d trailing bytes", t, ErrMalformed, len(d.b))
	}
	return m, nil
}

// DecodeFrame decodes one complete frame (length prefix included) and returns
// the message and the number of bytes it used.
func DecodeFrame(b []byte) (Frame, int, error) {
	if len(b) < headerLen {
		return nil, 0, fmt.Errorf("%w: short header", ErrMalformed)
	}
	n := binary.BigEndian.Uint32(b)
	if n > MaxFrame {
		return nil, 0, fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, n)
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	if uint64(len(b)-4) < uint64(n) {
		return nil, 0, fmt.Errorf("%w: short frame", ErrMalformed)
	}
	m, err := Decode(Type(b[4]), b[headerLen:4+n])
	return m, 4 + int(n), err
}

// Reader reads frames from a stream. It allocates at most MaxFrame bytes,
// and only after the length prefix said so.
type Reader struct {
	r   *bufio.Reader
	hdr [headerLen]byte // the frame header being read; a field, so it is not allocated per frame
	buf []byte          // reused body buffer; owned by the Reader
}

// NewReader returns a Reader reading from r with a 4 KiB buffer.
func NewReader(r io.Reader) *Reader { return NewReaderSize(r, 4<<10) }

// NewReaderSize returns a Reader reading from r with a buffer of size bytes.
// A small buffer suits a source that buffers itself (a *tls.Conn holds a
// whole record) and a peer that sends little, such as a host's member: it
// costs more Read calls, not more copies, since large frames are read past
// the buffer.
func NewReaderSize(r io.Reader, size int) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, size)}
}

// ReadFrame reads the next frame and returns its type and body. The body is
// valid only until the next call.
func (r *Reader) ReadFrame() (Type, []byte, error) { return r.ReadFrameMax(MaxFrame) }

// ReadFrameMax is ReadFrame with a caller-chosen limit (at most MaxFrame)
// on the frame's length: a longer frame is ErrFrameTooLarge, reported from
// its length prefix, before anything is allocated or read past it.
func (r *Reader) ReadFrameMax(max int) (Type, []byte, error) {
	hdr := r.hdr[:]
	if _, err := io.ReadFull(r.r, hdr); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr)
	if n > uint32(min(max, MaxFrame)) {
		return 0, nil, fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, n)
	}
	if n == 0 {
		return 0, nil, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	size := int(n) - 1
	if cap(r.buf) < size {
		r.buf = make([]byte, size)
	}
	body := r.buf[:size]
	if _, err := io.ReadFull(r.r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	if cap(r.buf) > 64<<10 {
		// Do not keep a large buffer alive for an idle peer.
		r.buf = nil
	}
	return Type(hdr[4]), body, nil
}

// ReadMessage reads and decodes the next frame.
func (r *Reader) ReadMessage() (Frame, error) {
	t, body, err := r.ReadFrame()
	if err != nil {
		return nil, err
	}
	return Decode(t, body)
}

// String names the type as the protocol document does.
func (t Type) String() string {
	if name, ok := typeNames[t]; ok {
		return name
	}
	return fmt.Sprintf("type(0x%02x)", uint8(t))
}

var typeNames = map[Type]string{
	TypeHello: "hello", TypeSend: "send", TypeDM: "dm", TypeRecall: "recall",
	TypeKick: "kick", TypeUnban: "unban", TypeHandover: "handover", TypeLeave: "leave",
	TypeWelcome: "welcome", TypeMessage: "message", TypeJoined: "joined",
	TypeLeft: "left", TypeLeader: "leader", TypeRecalled: "recalled",
	TypeKicked: "kicked", TypeAck: "ack", TypeClosed: "closed", TypeBans: "bans",
	TypeError:       "error",
	TypeUploadBegin: "upload_begin", TypeUploadChunk: "upload_chunk", TypeUploadEnd: "upload_end",
	TypeCancel: "cancel", TypeDownload: "download", TypeCredit: "credit",
	TypeFile: "file", TypeImage: "image", TypeUploadReady: "upload_ready",
	TypeDownloadReady: "download_ready", TypeChunk: "chunk", TypeAbort: "abort",
}

// RefOf returns the command reference a frame carries, or "" if its type has
// none. Replies to a command (ack, error) echo it.
func RefOf(f Frame) string {
	if r, ok := f.(interface{ CommandRef() string }); ok {
		return r.CommandRef()
	}
	return ""
}
