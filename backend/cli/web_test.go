package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestWebRefusesNonLoopback(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "localhost"} {
		var stderr bytes.Buffer
		env := Env{Stdout: io.Discard, Stderr: &stderr}
		if got := Main(t.Context(), []string{"web", "--listen", listen, "--state-dir", t.TempDir()}, env); got != ExitUsage {
			t.Errorf("--listen %s: exit %d, want %d (%s)", listen, got, ExitUsage, stderr.String())
		}
	}
}

// syncWriter hands the first line written to it to a channel.
type syncWriter struct{ lines chan string }

func (w syncWriter) Write(p []byte) (int, error) {
	w.lines <- strings.TrimSpace(string(p))
	return len(p), nil
}

func TestWebPrintsURLAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	out := syncWriter{lines: make(chan string, 1)}
	env := Env{
		Stdout: out, Stderr: io.Discard,
		Assets: fstest.MapFS{"index.html": {Data: []byte("hello")}},
	}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"web", "--listen", "127.0.0.1:0", "--state-dir", t.TempDir()}, env) }()
	var line struct{ Type, URL string }
	select {
	case l := <-out.lines:
		if err := json.Unmarshal([]byte(l), &line); err != nil || line.Type != "web" || !strings.Contains(line.URL, "?token=") {
			t.Fatalf("printed %q", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no URL printed")
	}
	resp, err := http.Get(line.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello" {
		t.Fatalf("GET %s: %d %q", line.URL, resp.StatusCode, body)
	}
	cancel()
	if got := <-done; got != ExitOK {
		t.Fatalf("exit %d after cancel", got)
	}
}
