package wire

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestPaceMeasuresTheLink: the rate is measured only over backlogged
// rounds spanning at least paceSpan, and sizes rounds and unsent bytes to
// PaceDelay of it, within their bounds; until measured, the largest.
func TestPaceMeasuresTheLink(t *testing.T) {
	var p Pace
	if got := p.Round(256 << 10); got != 256<<10 {
		t.Fatalf("round before any measurement %d, want the largest", got)
	}
	if got := p.Unsent(); got != UnsentLimit {
		t.Fatalf("unsent before any measurement %d, want %d", got, UnsentLimit)
	}
	t0 := time.Unix(1000, 0)
	// 1 MB/s: rounds of 10,000 bytes every 10 ms, always backlogged.
	p.Wrote(10_000, true, t0) // starts the measurement
	for i := 1; i <= 5; i++ {
		p.Wrote(10_000, true, t0.Add(time.Duration(i)*10*time.Millisecond))
	}
	if p.Rate() != 0 {
		t.Fatalf("rate %v after 50 ms; none before %v", p.Rate(), paceSpan)
	}
	for i := 6; i <= 10; i++ {
		p.Wrote(10_000, true, t0.Add(time.Duration(i)*10*time.Millisecond))
	}
	if r := p.Rate(); r < 0.99e6 || r > 1.01e6 {
		t.Fatalf("rate %v, want 1e6", r)
	}
	if got := p.Round(256 << 10); got < 9_900 || got > 10_100 {
		t.Fatalf("round %d at 1 MB/s, want 10,000 (10 ms)", got)
	}
	if got := p.Unsent(); got != MinUnsent {
		t.Fatalf("unsent %d at 1 MB/s, want the least, %d", got, MinUnsent)
	}
	// A pause with nothing waiting is not the link's doing: not measured.
	p.Wrote(10_000, false, t0.Add(5*time.Second))
	p.Wrote(10_000, true, t0.Add(6*time.Second))
	if r := p.Rate(); r < 0.99e6 || r > 1.01e6 {
		t.Fatalf("rate %v after an idle pause, want 1e6 still", r)
	}
	// The link gets fast: the estimate follows, and the sizes reach their
	// largest.
	for i := 1; i <= 40; i++ {
		p.Wrote(4<<20, true, t0.Add(6*time.Second+time.Duration(i)*10*time.Millisecond))
	}
	if got := p.Round(256 << 10); got != 256<<10 {
		t.Fatalf("round %d on a fast link, want the largest", got)
	}
	if got := p.Unsent(); got != UnsentLimit {
		t.Fatalf("unsent %d on a fast link, want %d", got, UnsentLimit)
	}
}

// TestSplitChunk: the pieces carry the chunk's bytes in order, at their
// offsets, in frames of the same type, none longer than asked and none
// much shorter than the others.
func TestSplitChunk(t *testing.T) {
	id := uuid.New()
	data := make([]byte, MaxChunk)
	for i := range data {
		data[i] = byte(i % 251)
	}
	for _, tc := range []struct {
		t    Type
		n    int
		want int // pieces
	}{
		{TypeUploadChunk, 10_000, 7},
		{TypeChunk, 4096, 16},
		{TypeUploadChunk, MaxChunk, 1},
		{TypeUploadChunk, 1 << 20, 1},
	} {
		frame, body := ChunkFrame(make([]byte, ChunkFrameSize), tc.t, id, 5000, len(data))
		copy(body, data)
		pieces, err := SplitChunk(frame, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if len(pieces) != tc.want {
			t.Fatalf("%v into %d: %d pieces, want %d", tc.t, tc.n, len(pieces), tc.want)
		}
		var got []byte
		for _, p := range pieces {
			pid, off, d := pieceOf(t, p)
			if Type(p[4]) != tc.t || pid != id || off != 5000+uint64(len(got)) || len(d) > tc.n || len(d) < len(data)/tc.want-1 {
				t.Fatalf("%v into %d: piece %v at %d of %d bytes", tc.t, tc.n, Type(p[4]), off, len(d))
			}
			got = append(got, d...)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%v into %d: the pieces do not make up the chunk", tc.t, tc.n)
		}
	}
	if _, err := SplitChunk([]byte{0, 0, 0, 1, byte(TypeSend)}, 10); err == nil {
		t.Fatal("split a send frame")
	}
}

// FuzzSplitChunk: whatever the bytes and the size asked, SplitChunk either
// refuses them or returns frames of the same type that decode, each at
// most n bytes of data, at consecutive offsets, making up the chunk's data.
func FuzzSplitChunk(f *testing.F) {
	frame, body := ChunkFrame(make([]byte, ChunkFrameSize), TypeUploadChunk, uuid.New(), 77, 1000)
	copy(body, bytes.Repeat([]byte("wetalk"), 200))
	f.Add(frame, 300)
	f.Add(frame[:40], 1)
	f.Add([]byte{0, 0, 0, 1, byte(TypeChunk)}, 5)
	f.Fuzz(func(t *testing.T, in []byte, n int) {
		if n > 1<<20 || n < -1 {
			return // the sizes a writer asks for
		}
		pieces, err := SplitChunk(in, n)
		if err != nil {
			return
		}
		var id uuid.UUID
		var off uint64
		var data []byte
		if err := decodeChunkView(Type(in[4]), in[headerLen:], &id, &off, &data); err != nil {
			t.Fatalf("split a chunk that does not decode: %v", err)
		}
		var got []byte
		for _, p := range pieces {
			pid, poff, d := pieceOf(t, p)
			if Type(p[4]) != Type(in[4]) || pid != id || poff != off+uint64(len(got)) || len(d) > max(n, 1) {
				t.Fatalf("piece %v at %d of %d bytes (asked %d)", Type(p[4]), poff, len(d), n)
			}
			got = append(got, d...)
		}
		if !bytes.Equal(got, data) {
			t.Fatal("the pieces do not make up the chunk")
		}
	})
}

// pieceOf decodes a piece SplitChunk made: its transfer, offset and data.
func pieceOf(t *testing.T, p []byte) (uuid.UUID, uint64, []byte) {
	t.Helper()
	f, used, err := DecodeFrame(p)
	if err != nil || used != len(p) {
		t.Fatalf("piece does not decode: %v", err)
	}
	switch f := f.(type) {
	case *UploadChunk:
		return f.Upload, f.Offset, f.Data
	case *Chunk:
		return f.Transfer, f.Offset, f.Data
	}
	t.Fatalf("piece of type %T", f)
	return uuid.Nil, 0, nil
}
