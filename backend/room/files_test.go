package room

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

func TestShareFilesAndImages(t *testing.T) {
	var recalled []uuid.UUID
	r := New(Config{MaxHistory: 2, OnRecallFile: func(id uuid.UUID) { recalled = append(recalled, id) }})
	a, b := join(t, r, "A"), join(t, r, "B")
	a.s.take()
	b.s.take()
	sum := make([]byte, 32)
	file := Shared{ID: uuid.New(), Name: "report.pdf", Size: 10, SHA256: sum}
	img := Shared{ID: uuid.New(), Mime: "image/png", Size: 20, SHA256: sum, Image: true}
	if err := r.Share(a.m, "f1", file); err != nil {
		t.Fatal(err)
	}
	if err := r.Share(a.m, "i1", img); err != nil {
		t.Fatal(err)
	}
	got := a.s.take()
	if ack, ok := got[0].(*wire.Ack); !ok || ack.Ref != "f1" || ack.ID != file.ID {
		t.Fatalf("first frame to the sender %#v, want its ack", got[0])
	}
	fb, _ := find[*wire.File](b.s.take())
	if fb == nil || fb.ID != file.ID || fb.From != "A" || fb.Name != "report.pdf" || fb.History {
		t.Fatalf("file event %#v", fb)
	}

	// Messages push the file out of the short history; the welcome still
	// lists it, and it can still be recalled.
	r.Send(a.m, "", "one")
	r.Send(a.m, "", "two")
	late := join(t, r, "Late")
	if len(late.w.Files) != 1 || late.w.Files[0].ID != file.ID || late.w.History != 2 {
		t.Fatalf("welcome %+v", late.w)
	}
	if err := r.Recall(b.m, "", file.ID); !errors.Is(err, wire.ErrNotLeader) {
		t.Fatalf("B recalling A's file: %v", err)
	}
	if err := r.Recall(a.m, "", file.ID); err != nil {
		t.Fatal(err)
	}
	if len(recalled) != 1 || recalled[0] != file.ID {
		t.Fatalf("recall hook got %v", recalled)
	}
	if again := join(t, r, "Later"); len(again.w.Files) != 0 {
		t.Fatalf("a recalled file in the welcome: %+v", again.w.Files)
	}
	if err := r.Recall(a.m, "", img.ID); err != nil || len(recalled) != 2 {
		t.Fatalf("recalling the image: %v %v", err, recalled)
	}
	r.Leave(a.m, ReasonLeft)
	if err := r.Share(a.m, "", file); !errors.Is(err, wire.ErrClosed) {
		t.Fatalf("sharing after leaving: %v", err)
	}
}
