package transfer

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestSpool writes chunks of odd sizes across batch boundaries and checks
// the bytes and the hash that come out.
func TestSpool(t *testing.T) {
	data := make([]byte, 3*spoolBatch+12345)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	var out bytes.Buffer
	sp := newSpool(&out, sha256.New(), nil)
	for p := data; len(p) > 0; {
		n := min(len(p), 1+rand.IntN(100<<10))
		if err := sp.write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	sum, err := sp.close()
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	if !bytes.Equal(out.Bytes(), data) || !bytes.Equal(sum, want[:]) {
		t.Fatalf("spooled %d bytes, hash %x; want %d bytes, hash %x", out.Len(), sum, len(data), want)
	}
	if _, err := sp.close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

// TestSpoolErrors: a write error sticks and is returned by later writes and
// by close; abort writes nothing more.
func TestSpoolErrors(t *testing.T) {
	boom := errors.New("boom")
	sp := newSpool(failWriter{boom}, sha256.New(), nil)
	var err error
	for range 4 {
		err = sp.write(make([]byte, spoolBatch))
	}
	if _, cerr := sp.close(); !errors.Is(cerr, boom) || !errors.Is(err, boom) {
		t.Fatalf("write error %v, close error %v; want %v", err, cerr, boom)
	}

	var out bytes.Buffer
	sp = newSpool(&out, sha256.New(), nil)
	sp.write([]byte("not yet written"))
	sp.abort()
	if out.Len() != 0 {
		t.Fatalf("abort wrote %q", out.Bytes())
	}
}
