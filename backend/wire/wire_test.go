package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func sampleFrames() []Frame {
	id := uuid.MustParse("0b9c2b1e-1d0e-4f57-9a3e-0f3c2a1b4c5d")
	at := time.Date(2026, 11, 26, 8, 0, 0, 123, time.UTC)
	sum := bytes.Repeat([]byte{0xab}, 32)
	return []Frame{
		&Hello{Magic: Magic, Version: Version, Name: "River", ClientID: id, Password: []byte("pw"),
			ResumeMember: id, ResumeSecret: sum, ResumeAfter: 1000},
		&Send{Ref: "r1", Text: "你好, world 👋"},
		&DM{Ref: "r2", To: "河", Text: "psst"},
		&Send{Ref: "r9", Text: "me too", ReplyTo: id},
		&DM{Ref: "r10", To: "河", Text: "and privately", ReplyTo: id},
		&Typing{},
		&Typing{To: "河"},
		&Recall{Ref: "r3", ID: id},
		&Kick{Ref: "r4", Name: "Troll", Reason: "spam", Ban: true},
		&Unban{Ref: "r5", Name: "Troll"},
		&Handover{Ref: "r6", Name: "River#2"},
		&Leave{},
		&Welcome{Room: "LAN party", RoomID: id, Seq: 42, Name: "River#2", MemberID: id, Leader: "River", Members: []string{"River", "River#2"}, History: 3,
			Files: []FileInfo{{ID: id, From: "River", Name: "report.pdf", Size: 1 << 40, SHA256: sum, Time: at}}, Resume: sum},
		&Message{Seq: 7, ID: id, From: "River", To: "", Text: "hi", Time: at, History: true},
		&Message{Seq: 8, ID: id, From: "Sea", To: "River", Text: "re", Time: at, ReplyTo: id},
		&PeerTyping{From: "Sea"},
		&PeerTyping{From: "Sea", To: "River"},
		&Joined{Seq: 1, Name: "Sea"},
		&Left{Seq: 2, Name: "Sea", Reason: "kicked"},
		&Leader{Seq: 3, Name: "Sea"},
		&Recalled{Seq: 4, ID: id, By: "Sea"},
		&Kicked{By: "River", Reason: "bye", Banned: true},
		&Ack{Ref: "r7", ID: id},
		&Closed{Reason: "host closed the room"},
		&Bans{Names: []string{"Troll"}},
		&UploadResume{Ref: "r9", Upload: id},
		&Presence{Seq: 5, Name: "Sea", State: PresenceReconnecting},
		&Resumed{Missed: 12},
		&ErrorFrame{Ref: "r8", Code: CodeNotLeader, Message: "only the leader"},
		&UploadBegin{Ref: "u1", Name: "../../etc/passwd", Size: 200 << 20, Image: false},
		&UploadChunk{Upload: id, Offset: 63 << 10, Data: []byte{0, 1, 2, 0xff}},
		&UploadEnd{Upload: id, SHA256: sum},
		&Cancel{Transfer: id},
		&Download{Ref: "d1", Transfer: id, File: id, Offset: 100 << 20, Window: 16},
		&Credit{Transfer: id, Chunks: 8},
		&File{Seq: 9, ID: id, From: "River", Name: "report (1).pdf", Size: 12345, SHA256: sum, Time: at, History: true},
		&Image{Seq: 10, ID: id, From: "河", Mime: "image/png", Size: 4096, SHA256: sum, Time: at},
		&UploadReady{Ref: "u1", Upload: id, Offset: 0},
		&DownloadReady{Ref: "d1", Transfer: id, File: id, Name: "a.png", Mime: "image/png", Size: 4096, SHA256: sum, Offset: 1024},
		&Chunk{Transfer: id, Offset: 1024, Data: bytes.Repeat([]byte{7}, MaxChunk)},
		&Abort{Transfer: id, Code: CodeNoSuchFile, Message: "the file was recalled"},
	}
}

func TestRoundTrip(t *testing.T) {
	var stream []byte
	for _, f := range sampleFrames() {
		b, err := Encode(f)
		if err != nil {
			t.Fatalf("%v: %v", f.Type(), err)
		}
		got, n, err := DecodeFrame(b)
		if err != nil || n != len(b) {
			t.Fatalf("%v: decode: %v (n=%d of %d)", f.Type(), err, n, len(b))
		}
		if !reflect.DeepEqual(got, f) {
			t.Errorf("%v: round trip\n got %#v\nwant %#v", f.Type(), got, f)
		}
		stream = append(stream, b...)
	}
	r := NewReader(bytes.NewReader(stream))
	for _, want := range sampleFrames() {
		got, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("reader: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("reader: got %#v want %#v", got, want)
		}
	}
	if _, err := r.ReadMessage(); err != io.EOF {
		t.Errorf("after last frame: %v, want io.EOF", err)
	}
}

// frameOfLen returns a header announcing a frame of length n followed by
// n-1 body bytes of a Send whose text pads it out.
func header(n uint32, t Type) []byte {
	return []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n), byte(t)}
}

func TestFrameLimits(t *testing.T) {
	for _, tc := range []struct {
		n    uint32
		want error
	}{
		{MaxFrame - 1, nil},
		{MaxFrame, nil},
		{MaxFrame + 1, ErrFrameTooLarge},
		{1 << 31, ErrFrameTooLarge},
		{0, ErrMalformed},
	} {
		in := header(tc.n, TypeLeave) // over the limit nothing else is sent: must not be read or allocated
		if tc.n <= MaxFrame {
			in = append(in, make([]byte, max(int(tc.n)-1, 0))...)
		}
		_, _, err := NewReader(bytes.NewReader(in)).ReadFrame()
		if !errors.Is(err, tc.want) {
			t.Errorf("length %d: err %v, want %v", tc.n, err, tc.want)
		}
	}
}

func TestEncodeLimit(t *testing.T) {
	// A Bans list is unbounded by field limits, so it shows the encoder's
	// own check at MaxFrame-1, MaxFrame and MaxFrame+1.
	base, _ := Encode(&Bans{Names: []string{""}})
	overhead := len(base) - 4 // type, count, one empty string's length
	for _, tc := range []struct {
		size int
		ok   bool
	}{{MaxFrame - 1, true}, {MaxFrame, true}, {MaxFrame + 1, false}} {
		// One string of length L costs L plus its varint length (3 bytes here).
		l := tc.size - overhead - 2
		b, err := Encode(&Bans{Names: []string{strings.Repeat("x", l)}})
		if got := len(b) - 4; tc.ok && got != tc.size {
			t.Fatalf("test setup: frame is %d bytes, want %d", got, tc.size)
		}
		if (err == nil) != tc.ok || (!tc.ok && !errors.Is(err, ErrFrameTooLarge)) {
			t.Errorf("size %d: err %v", tc.size, err)
		}
	}
}

func TestTextLimit(t *testing.T) {
	for _, tc := range []struct {
		n  int
		ok bool
	}{{MaxText - 1, true}, {MaxText, true}, {MaxText + 1, false}} {
		b, _ := Encode(&Send{Text: strings.Repeat("a", tc.n)})
		_, _, err := DecodeFrame(b)
		if (err == nil) != tc.ok {
			t.Errorf("text of %d bytes: err %v", tc.n, err)
		}
	}
}

func TestMalformed(t *testing.T) {
	good, _ := Encode(&Send{Ref: "r", Text: "hi"})
	for name, in := range map[string][]byte{
		"truncated body":   good[:len(good)-1],
		"trailing byte":    append(append(header(uint32(len(good)-4+1), TypeSend), good[5:]...), 0),
		"unknown type":     header(1, 0x3f),
		"bad utf8":         append(header(5, TypeSend), 0, 2, 0xff, 0xfe),
		"bool not 0 or 1":  append(header(2+16+1, TypeKicked), 0, 0, 2),
		"huge string list": append(header(6, TypeBans), 0xff, 0xff, 0xff, 0xff, 0x0f),
		"short header":     {0, 0, 0},
	} {
		if _, _, err := DecodeFrame(in); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestCheckHello(t *testing.T) {
	enc := func(h *Hello) (Type, []byte) {
		b, _ := Encode(h)
		return Type(b[4]), b[5:]
	}
	if err := CheckHello(enc(NewHello())); err != nil {
		t.Fatalf("own hello: %v", err)
	}
	h := NewHello()
	h.Version = Version + 1
	err := CheckHello(enc(h))
	if !errors.Is(err, ErrVersionMismatch) || !strings.Contains(err.Error(), "version") {
		t.Errorf("other version: %v", err)
	}
	h = NewHello()
	h.Magic = [4]byte{'G', 'E', 'T', ' '}
	if err := CheckHello(enc(h)); !errors.Is(err, ErrProtocol) {
		t.Errorf("bad magic: %v", err)
	}
	if err := CheckHello(TypeSend, []byte{}); !errors.Is(err, ErrProtocol) {
		t.Errorf("send first: %v", err)
	}
}

func TestErrorIs(t *testing.T) {
	received := &Error{Code: CodeNotLeader, Message: "as sent by the host"}
	if !errors.Is(received, ErrNotLeader) || errors.Is(received, ErrTooLarge) {
		t.Error("codes do not match as sentinels")
	}
	if AsError(io.EOF).Code != CodeInternal {
		t.Error("a plain error must not leak as its text")
	}
}

func TestChunkLimit(t *testing.T) {
	for _, tc := range []struct {
		n  int
		ok bool
	}{{MaxChunk - 1, true}, {MaxChunk, true}, {MaxChunk + 1, false}} {
		b, _ := Encode(&Chunk{Data: make([]byte, tc.n)})
		if _, _, err := DecodeFrame(b); (err == nil) != tc.ok {
			t.Errorf("chunk of %d bytes: err %v", tc.n, err)
		}
		if tc.ok && len(b) > 64<<10 {
			t.Errorf("a chunk frame of %d bytes is larger than 64 KiB", len(b))
		}
	}
}

func TestRefOf(t *testing.T) {
	if RefOf(&Send{Ref: "s"}) != "s" || RefOf(&UploadBegin{Ref: "u"}) != "u" || RefOf(&Leave{}) != "" || RefOf(&Message{}) != "" {
		t.Fatal("RefOf does not find command references")
	}
}

func TestReadFrameMax(t *testing.T) {
	// A hello with every field at its limit fits MaxHello.
	full := NewHello()
	full.Name = strings.Repeat("é", MaxName*2)
	full.Password = bytes.Repeat([]byte{'p'}, 1024)
	b, _ := Encode(full)
	if len(b)-4 > MaxHello {
		t.Fatalf("a full hello is %d bytes, over MaxHello %d", len(b)-4, MaxHello)
	}
	for _, tc := range []struct {
		n  int // frame length: type byte plus body
		ok bool
	}{{MaxHello - 1, true}, {MaxHello, true}, {MaxHello + 1, false}, {MaxFrame, false}} {
		frame := make([]byte, 4+tc.n)
		binary.BigEndian.PutUint32(frame, uint32(tc.n))
		frame[4] = byte(TypeHello)
		// Only the header is there: an over-long frame must be refused
		// from its prefix, without waiting for the body.
		src := io.MultiReader(bytes.NewReader(frame[:headerLen]), bytes.NewReader(frame[headerLen:]))
		r := NewReader(src)
		_, body, err := r.ReadFrameMax(MaxHello)
		if tc.ok && (err != nil || len(body) != tc.n-1) {
			t.Errorf("%d bytes: body %d, err %v", tc.n, len(body), err)
		}
		if !tc.ok && !errors.Is(err, ErrFrameTooLarge) {
			t.Errorf("%d bytes: err %v, want ErrFrameTooLarge", tc.n, err)
		}
		if !tc.ok && cap(r.buf) != 0 {
			t.Errorf("%d bytes: allocated %d before refusing", tc.n, cap(r.buf))
		}
	}
}
