package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestServeRefusesBadRoomName checks that a room name no member could be
// welcomed with is refused at start, before anything listens.
func TestServeRefusesBadRoomName(t *testing.T) {
	for name, want := range map[string]string{
		strings.Repeat("room ", 120): "599 characters long; at most 64", // trimmed
		"":                           "empty",
		"Tea\u202eroom":              "U+202E",
	} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--state-dir", t.TempDir(), "--name-of-room", name}, Env{
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Window: func() error { return nil },
		})
		if code != ExitUsage {
			t.Errorf("%.20q: exit status %d, want %d", name, code, ExitUsage)
		}
		if msg := errOut.String(); !strings.Contains(msg, "--name-of-room") || !strings.Contains(msg, want) {
			t.Errorf("%.20q: stderr %q, want it to name the flag and say %q", name, msg, want)
		}
		if out.Len() != 0 {
			t.Errorf("%.20q: printed %q: it listened", name, out.String())
		}
	}
}

// TestServeHistoryBytes: --history-bytes takes a size and refuses anything
// else before listening.
func TestServeHistoryBytes(t *testing.T) {
	for _, v := range []string{"0", "lots", "-1MiB"} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--state-dir", t.TempDir(), "--history-bytes", v}, Env{
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Window: func() error { return nil },
		})
		if code != ExitUsage || !strings.Contains(errOut.String(), "--history-bytes") || out.Len() != 0 {
			t.Errorf("--history-bytes %s: status %d, stderr %q, stdout %q", v, code, errOut.String(), out.String())
		}
	}
}

// TestServeMaxMembers: --max-members takes a count from 1 to the room's
// largest and refuses anything else before listening.
func TestServeMaxMembers(t *testing.T) {
	for _, v := range []string{"0", "-3", "5001", "many"} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--state-dir", t.TempDir(), "--max-members", v}, Env{
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Window: func() error { return nil },
		})
		if code != ExitUsage || !strings.Contains(errOut.String(), "max-members") || out.Len() != 0 {
			t.Errorf("--max-members %s: exit %d, stderr %q, stdout %q", v, code, errOut.String(), out.String())
		}
	}
}
