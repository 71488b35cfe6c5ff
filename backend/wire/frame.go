package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Version is the protocol version this build speaks. A peer with another
// version is refused with CodeVersionMismatch.
const Version = 2

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
	// MaxNameBytes is the longest name a frame carries, in bytes: MaxName
	// characters of up to 4 bytes of UTF-8 each.
	MaxNameBytes = MaxName * 4
	// MaxRoom is the longest room name, in characters after normalisation.
	MaxRoom = 64
	// MaxRoomBytes is the longest room name a frame carries, in bytes.
	MaxRoomBytes = MaxRoom * 4
	// MaxRef is the longest command reference a client may attach.
	MaxRef = 128
	// MaxReason is the longest kick reason or close reason, in bytes.
	MaxReason = 512
	// MaxHello is the largest hello frame a host reads: its fields at their
	// limits take about 1.2 KiB. A host reads the first frame with this
	// limit, so a stranger cannot make it allocate more.
	MaxHello = 2 << 10
	// MaxErrorText is the longest message of an error or abort, in bytes.
	MaxErrorText = MaxReason * 4
	// MaxCode is the longest error code, in bytes.
	MaxCode = 64
	// MaxPassword is the longest room password, in bytes.
	MaxPassword = 1024
	// MaxListLen is the most names a list of names (members, bans) holds.
	MaxListLen = 1 << 16
	// PingInterval is how often a client sends its heartbeat (ping); the
	// host answers each with a pong.
	PingInterval = 15 * time.Second
	// PingTimeout is how long either side waits without receiving any
	// frame before it counts the connection as lost: three heartbeats.
	PingTimeout = 3 * PingInterval
	// headerLen is the length prefix plus the type byte.
	headerLen = 5
)

// Errors of framing and decoding.
var (
	ErrFrameTooLarge = errors.New("wire: frame too large")
	ErrMalformed     = errors.New("wire: malformed frame")
	ErrUnknownType   = errors.New("wire: unknown frame type")
)

// Type identifies a frame's message. The types, their numbers and their
// names are generated with the messages (messages.go).
type Type uint8

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

// RefOf returns the command reference a frame carries, or "" if its type has
// none. Replies to a command (ack, error) echo it.
func RefOf(f Frame) string {
	if r, ok := f.(interface{ CommandRef() string }); ok {
		return r.CommandRef()
	}
	return ""
}

// ResumeSecretSize is the length of a resume secret, in bytes.
const ResumeSecretSize = 32

// Presence states.
const (
	PresenceReconnecting = "reconnecting"
	PresenceBack         = "back"
)

// Counted reports whether a host-to-client frame of type t is counted for
// resuming: every frame the room sends a member is, from the first frame
// after the welcome, so that a member who resumes gets exactly those it
// missed. Frames of the connection itself are not (pong, resumed, and a
// transfer's frames, which belong to a connection and end with it), nor
// replaceable updates (peer_typing, file_progress), which are never sent again.
func Counted(t Type) bool {
	switch t {
	case TypePong, TypeResumed, TypePeerTyping, TypeFileProgress, TypeUploadReady, TypeDownloadReady, TypeChunk, TypeAbort:
		return false
	}
	return t >= 0x40
}

// Peek returns the type and whole length (prefix included) of the first
// frame in b, a buffer of complete frames encoded by this package (the
// host's own, not a peer's: it is not checked against MaxFrame). ok is
// false when b does not start with a complete frame.
func Peek(b []byte) (t Type, n int, ok bool) {
	if len(b) < headerLen {
		return 0, 0, false
	}
	l := binary.BigEndian.Uint32(b)
	if l == 0 || uint64(len(b)-4) < uint64(l) {
		return 0, 0, false
	}
	return Type(b[4]), 4 + int(l), true
}
