package wire

import (
	"bytes"
	"errors"
	"testing"
)

// TestGather: small frames are copied together up to GatherSize, a lone
// frame and a large one are written as they are (the very same bytes, not
// a copy), the order is kept, and the first error stops the writes.
func TestGather(t *testing.T) {
	small := func(c byte, n int) []byte { return bytes.Repeat([]byte{c}, n) }
	big := small('B', GatherSize)
	batch := [][]byte{small('a', 100), small('b', GatherSize-100), small('c', 1), big, small('d', 10)}
	var writes [][]byte
	var all []byte
	buf, err := Gather(batch, nil, func(b []byte) error {
		writes = append(writes, b)
		all = append(all, b...)
		return nil
	})
	if err != nil || len(buf) != 0 {
		t.Fatalf("Gather: %v, buf %d bytes", err, len(buf))
	}
	want := bytes.Join(batch, nil)
	if !bytes.Equal(all, want) {
		t.Fatal("the bytes written differ from the frames, in order")
	}
	// a+b fill one record; c alone (the big frame follows); big as is; d.
	if len(writes) != 4 || len(writes[0]) != GatherSize || len(writes[1]) != 1 || len(writes[3]) != 10 {
		t.Fatalf("writes of %v bytes", lens(writes))
	}
	if &writes[2][0] != &big[0] {
		t.Error("the large frame was copied")
	}

	lone := small('x', 10)
	Gather([][]byte{lone}, buf, func(b []byte) error {
		if &b[0] != &lone[0] {
			t.Error("a lone frame was copied")
		}
		return nil
	})

	boom := errors.New("boom")
	n := 0
	_, err = Gather([][]byte{big, big, big}, nil, func([]byte) error { n++; return boom })
	if !errors.Is(err, boom) || n != 1 {
		t.Fatalf("after an error: %v, %d writes", err, n)
	}
}

func lens(bs [][]byte) []int {
	var n []int
	for _, b := range bs {
		n = append(n, len(b))
	}
	return n
}
