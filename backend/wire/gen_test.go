package wire

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestMessagesGenerated checks that messages.go is what gen_messages.go
// makes of its table, so that a hand edit or a merge of two branches that
// each added a frame is caught: run `go generate ./backend/wire`.
func TestMessagesGenerated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "messages.go")
	cmd := exec.Command("go", "run", "gen_messages.go", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_messages.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("messages.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("messages.go is not what gen_messages.go generates: run `go generate ./backend/wire`")
	}
}

// TestTypeNames checks that every frame type has its protocol name.
func TestTypeNames(t *testing.T) {
	for _, f := range sampleFrames() {
		if name, ok := typeNames[f.Type()]; !ok || name == "" || f.Type().String() != name {
			t.Errorf("type 0x%02x has no name", uint8(f.Type()))
		}
	}
	if got := Type(0x3e).String(); got != "type(0x3e)" {
		t.Errorf("unknown type named %q", got)
	}
}
