package wire

import (
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"
)

// MessageView is a Message decoded without copying or allocating: its
// byte slices alias the frame body and are valid only as long as the body
// is (for a Reader, until the next ReadFrame). It is for readers of many
// messages that look at few of them closely, such as a load generator;
// Decode gives a Message that owns its fields.
type MessageView struct {
	Seq      uint64
	ID       uuid.UUID
	From, To []byte
	Text     []byte
	Time     int64 // Unix nanoseconds; 0 when the frame has no time
	History  bool
	ReplyTo  uuid.UUID
}

// Decode fills v from the body of a TypeMessage frame. It accepts and
// refuses exactly the bodies that Decode does.
func (v *MessageView) Decode(body []byte) error {
	d := decoder{b: body}
	v.Seq = d.uvarint("seq")
	v.ID = d.id("id")
	v.From = d.utf8("from", MaxNameBytes)
	v.To = d.utf8("to", MaxNameBytes)
	v.Text = d.utf8("text", MaxText)
	v.Time = d.varint("time")
	v.History = d.boolean("history")
	v.ReplyTo = d.id("reply to")
	if d.err != nil {
		return fmt.Errorf("%v: %w", TypeMessage, d.err)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%v: %w: %d trailing bytes", TypeMessage, ErrMalformed, len(d.b))
	}
	return nil
}

// utf8 reads a length-prefixed UTF-8 string, like str, without copying it.
func (d *decoder) utf8(what string, max int) []byte {
	v := d.bytes(what, max)
	if d.err == nil && !utf8.Valid(v) {
		d.fail(what)
		return nil
	}
	return v
}
