package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFileClockAddsTheDurationInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	now := fileClock(path)
	if d := time.Since(now()); d < -time.Hour || d > time.Hour {
		t.Fatalf("without a file the clock is off by %v", d)
	}
	if err := os.WriteFile(path, []byte("-48h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(now()); d < 47*time.Hour || d > 49*time.Hour {
		t.Fatalf("with -48h the clock is %v behind, want about 48h", d)
	}
	if err := os.WriteFile(path, []byte("soon"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(now()); d < -time.Hour || d > time.Hour {
		t.Fatalf("with a bad duration the clock is off by %v", d)
	}
}
