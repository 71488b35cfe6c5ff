package wire

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// decoder consumes a body field by field. The first error sticks: later
// reads return zero values, so a message's decodeBody can read every field
// and check d.err once.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s", ErrMalformed, what)
	}
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes reads a length-prefixed byte string of at most max bytes. The result
// aliases the body.
func (d *decoder) bytes(what string, max int) []byte {
	n := d.uvarint(what)
	if d.err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(d.b)) {
		d.fail(what)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// str reads a length-prefixed UTF-8 string of at most max bytes.
func (d *decoder) str(what string, max int) string {
	v := d.bytes(what, max)
	if d.err != nil {
		return ""
	}
	if !utf8.Valid(v) {
		d.fail(what)
		return ""
	}
	return string(v)
}

func (d *decoder) boolean(what string) bool {
	if d.err != nil {
		return false
	}
	if len(d.b) < 1 || d.b[0] > 1 {
		d.fail(what)
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *decoder) id(what string) uuid.UUID {
	var u uuid.UUID
	if d.err != nil {
		return u
	}
	if len(d.b) < len(u) {
		d.fail(what)
		return u
	}
	copy(u[:], d.b)
	d.b = d.b[len(u):]
	return u
}

func (d *decoder) time(what string) time.Time {
	ns := d.varint(what)
	if d.err != nil || ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

func (d *decoder) strs(what string, max, maxEach int) []string {
	n := d.uvarint(what)
	if d.err != nil {
		return nil
	}
	// Each string takes at least one byte, so a count larger than the
	// remaining body is malformed: this bounds the allocation.
	if n > uint64(max) || n > uint64(len(d.b)) {
		d.fail(what)
		return nil
	}
	v := make([]string, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		v = append(v, d.str(what, maxEach))
	}
	return v
}

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendID(b []byte, u uuid.UUID) []byte { return append(b, u[:]...) }

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

func appendStrs(b []byte, v []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	for _, s := range v {
		b = appendStr(b, s)
	}
	return b
}

func (d *decoder) bounded(what string, max uint64) uint64 {
	v := d.uvarint(what)
	if v > max {
		d.fail(what)
		return 0
	}
	return v
}

func (d *decoder) magic() [4]byte {
	var m [4]byte
	if d.err != nil {
		return m
	}
	if len(d.b) < len(m) {
		d.fail("magic")
		return m
	}
	copy(m[:], d.b)
	d.b = d.b[len(m):]
	return m
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
