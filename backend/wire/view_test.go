package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
)

// checkView says whether MessageView and Decode agree on a body.
func checkView(t *testing.T, body []byte) {
	t.Helper()
	var v MessageView
	verr := v.Decode(body)
	f, err := Decode(TypeMessage, body)
	if (err == nil) != (verr == nil) {
		t.Fatalf("Decode: %v, MessageView.Decode: %v", err, verr)
	}
	if err != nil {
		return
	}
	m := f.(*Message)
	var ns int64
	if !m.Time.IsZero() {
		ns = m.Time.UnixNano()
	}
	if v.Seq != m.Seq || v.ID != m.ID || string(v.From) != m.From || string(v.To) != m.To ||
		string(v.Text) != m.Text || v.Time != ns || v.History != m.History || v.ReplyTo != m.ReplyTo {
		t.Fatalf("view %+v, message %+v", v, m)
	}
}

func TestMessageView(t *testing.T) {
	for _, m := range []*Message{
		{Seq: 7, ID: uuid.New(), From: "River", Text: "你好 👋", Time: time.Unix(1, 2), History: true, ReplyTo: uuid.New()},
		{Seq: 1 << 60, From: "a", To: "b", Text: string(bytes.Repeat([]byte("x"), MaxText))},
		{},
	} {
		frame, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		checkView(t, frame[headerLen:])
		for i := range len(frame) - headerLen {
			checkView(t, frame[headerLen:headerLen+i]) // every truncation fails alike
		}
		checkView(t, append(frame[headerLen:], 0)) // trailing byte
	}
	bad, _ := Encode(&Message{Text: "ok"})
	bad[len(bad)-3-16] = 0xff // "k" becomes invalid UTF-8 (time, history and reply_to follow)
	checkView(t, bad[headerLen:])
}

func FuzzMessageView(f *testing.F) {
	frame, _ := Encode(&Message{Seq: 3, ID: uuid.New(), From: "x", Text: "hello", Time: time.Unix(5, 0)})
	f.Add(frame[headerLen:])
	f.Fuzz(func(t *testing.T, body []byte) { checkView(t, body) })
}

func BenchmarkDecodeMessageView(b *testing.B) {
	frame, _ := Encode(benchMessage())
	var v MessageView
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Decode(frame[headerLen:]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestChunkViews: a chunk frame laid out by ChunkFrame decodes, by Decode
// and by DecodeView, to the same chunk, and DecodeView refuses what Decode
// refuses.
func TestChunkViews(t *testing.T) {
	id := uuid.New()
	for _, tc := range []struct {
		t Type
		n int
	}{{TypeUploadChunk, 0}, {TypeUploadChunk, 1}, {TypeChunk, MaxChunk}, {TypeChunk, 1000}} {
		frame, data := ChunkFrame(make([]byte, ChunkFrameSize), tc.t, id, 1<<40, tc.n)
		for i := range data {
			data[i] = byte(i)
		}
		f, n, err := DecodeFrame(frame)
		if err != nil || n != len(frame) {
			t.Fatalf("%v of %d bytes: %v (%d of %d bytes used)", tc.t, tc.n, err, n, len(frame))
		}
		var gotID uuid.UUID
		var gotOff uint64
		var gotData []byte
		switch f := f.(type) {
		case *UploadChunk:
			var v UploadChunk
			if err := v.DecodeView(frame[headerLen:]); err != nil {
				t.Fatal(err)
			}
			if v.Upload != f.Upload || v.Offset != f.Offset || !bytes.Equal(v.Data, f.Data) {
				t.Fatalf("view %+v, decoded %+v", v, f)
			}
			gotID, gotOff, gotData = f.Upload, f.Offset, f.Data
		case *Chunk:
			var v Chunk
			if err := v.DecodeView(frame[headerLen:]); err != nil {
				t.Fatal(err)
			}
			if v.Transfer != f.Transfer || v.Offset != f.Offset || !bytes.Equal(v.Data, f.Data) {
				t.Fatalf("view %+v, decoded %+v", v, f)
			}
			gotID, gotOff, gotData = f.Transfer, f.Offset, f.Data
		}
		if gotID != id || gotOff != 1<<40 || !bytes.Equal(gotData, data) {
			t.Fatalf("%v: got %v %d %d bytes", tc.t, gotID, gotOff, len(gotData))
		}
		// Too long, cut short, trailing bytes: both decoders refuse.
		body := frame[headerLen:]
		for _, bad := range [][]byte{body[:len(body)-1], append(append([]byte{}, body...), 0)} {
			var v Chunk
			_, derr := Decode(TypeChunk, bad)
			if verr := v.DecodeView(bad); (verr == nil) != (derr == nil) || verr == nil {
				t.Fatalf("bad body: view %v, decode %v", verr, derr)
			}
		}
	}
	over := append([]byte{}, make([]byte, 16)...)
	over = binary.AppendUvarint(over, 0)
	over = binary.AppendUvarint(over, MaxChunk+1)
	over = append(over, make([]byte, MaxChunk+1)...)
	var v UploadChunk
	if err := v.DecodeView(over); !errors.Is(err, ErrMalformed) {
		t.Fatalf("MaxChunk+1 bytes: %v", err)
	}
}
