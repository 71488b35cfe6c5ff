package wire

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// benchMessage is a chat message of the benchmarks' usual shape: 100 bytes
// of text.
func benchMessage() *Message {
	return &Message{
		Seq: 123456, ID: uuid.New(), From: "bench42", Text: strings.Repeat("x", 100),
		Time: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC),
	}
}

func BenchmarkEncodeMessage(b *testing.B) {
	m := benchMessage()
	buf, _ := Append(nil, m)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(buf[:0], m)
	}
}

func BenchmarkDecodeMessage(b *testing.B) {
	frame, _ := Encode(benchMessage())
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeFrame(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadMessage reads a long stream of messages through a Reader, as
// a member does.
func BenchmarkReadMessage(b *testing.B) {
	frame, _ := Encode(benchMessage())
	stream := bytes.Repeat(frame, 1024)
	src := bytes.NewReader(stream)
	r := NewReader(src)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n == 1024 {
			src.Reset(stream)
			n = 0
		}
		if _, err := r.ReadMessage(); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkReadFrame is the host's read path before decoding: no copy of
// the body, no allocation.
func BenchmarkReadFrame(b *testing.B) {
	frame, _ := Encode(&Send{Text: strings.Repeat("x", 100)})
	stream := bytes.Repeat(frame, 1024)
	src := bytes.NewReader(stream)
	r := NewReader(src)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n == 1024 {
			src.Reset(stream)
			n = 0
		}
		if _, _, err := r.ReadFrame(); err != nil {
			b.Fatal(err)
		}
		n++
	}
}
