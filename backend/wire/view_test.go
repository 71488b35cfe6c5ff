package wire

import (
	"bytes"
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
