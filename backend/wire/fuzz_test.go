package wire

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecodeFrame checks that no input makes the decoder panic or allocate
// past the limits, and that whatever decodes re-encodes to a frame that
// decodes to the same message.
func FuzzDecodeFrame(f *testing.F) {
	for _, m := range sampleFrames() {
		b, _ := Encode(m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, n, err := DecodeFrame(in)
		if err != nil {
			return
		}
		if n > len(in) {
			t.Fatalf("used %d of %d bytes", n, len(in))
		}
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, _, err := DecodeFrame(b)
		if err != nil {
			t.Fatalf("decode of re-encoded: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the message:\n%#v\n%#v", m, m2)
		}
		// The streaming reader agrees with DecodeFrame.
		m3, err := NewReader(bytes.NewReader(in)).ReadMessage()
		if err != nil || !reflect.DeepEqual(m, m3) {
			t.Fatalf("reader disagrees: %v", err)
		}
	})
}
