package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestChatTransfers(t *testing.T) {
	_, l := serve(t, "--max-upload", "1MiB", "--room-quota", "3MiB")
	a := chat(t, l, "Ann")
	a.until("welcome")
	b := chat(t, l, "Bob")
	b.until("welcome")

	src := filepath.Join(t.TempDir(), "report.pdf")
	content := bytes.Repeat([]byte("wetalk "), 100000) // 700 kB
	os.WriteFile(src, content, 0o600)
	sum := sha256.Sum256(content)
	a.send(map[string]any{"cmd": "upload", "path": src, "name": "../quarterly report.pdf", "ref": "u1"})
	// Progress carries the command's ref: the file id is not known yet.
	if p := a.until("progress"); p["ref"] != "u1" || p["direction"] != "up" || p["total"] != float64(len(content)) {
		t.Fatalf("upload progress %v", p)
	}
	if ack := a.until("ack"); ack["ref"] != "u1" || ack["id"] == "" {
		t.Fatalf("ack %v", ack)
	}
	up := a.until("uploaded")
	// Announced when the upload began (uploading, no SHA-256 yet), then done.
	f := b.until("file")
	if f["id"] != up["file"] || up["ref"] != "u1" || f["name"] != "_quarterly report.pdf" || f["size"] != float64(len(content)) ||
		f["sha256"] != "" || f["uploading"] != true || f["from"] != "Ann" || f["history"] != false {
		t.Fatalf("file %v, uploaded %v", f, up)
	}
	if done := b.until("file_done"); done["id"] != f["id"] || done["sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("file_done %v", done)
	}
	f["sha256"] = hex.EncodeToString(sum[:])

	dir := t.TempDir()
	b.send(map[string]any{"cmd": "download", "file": f["id"], "dir": dir, "ref": "d1"})
	p := b.until("progress")
	if p["transfer"] != f["id"] || p["direction"] != "down" || p["total"] != f["size"] || p["ref"] != "d1" {
		t.Fatalf("progress %v", p)
	}
	d := b.until("downloaded")
	if d["file"] != f["id"] || d["sha256"] != f["sha256"] || d["path"] != filepath.Join(dir, "_quarterly report.pdf") || d["ref"] != "d1" {
		t.Fatalf("downloaded %v", d)
	}
	if got, _ := os.ReadFile(d["path"].(string)); !bytes.Equal(got, content) {
		t.Fatal("downloaded bytes differ")
	}

	// Refusals carry the command's ref.
	big := filepath.Join(t.TempDir(), "big")
	os.WriteFile(big, make([]byte, 2<<20), 0o600)
	a.send(map[string]any{"cmd": "upload", "path": big, "ref": "u2"})
	if e := a.until("error"); e["code"] != "too_large" || e["ref"] != "u2" {
		t.Fatalf("error %v", e)
	}
	a.send(map[string]any{"cmd": "image", "path": src, "ref": "i1"})
	if e := a.until("error"); e["code"] != "bad_image" || e["ref"] != "i1" {
		t.Fatalf("error %v", e)
	}
	b.send(map[string]any{"cmd": "download", "file": "0b9c2b1e-1d0e-4f57-9a3e-0f3c2a1b4c5d", "dir": dir, "ref": "d2"})
	if e := b.until("error"); e["code"] != "no_such_file" || e["ref"] != "d2" {
		t.Fatalf("error %v", e)
	}

	// An image, then end of input: the upload finishes before leaving.
	png := filepath.Join(t.TempDir(), "dot.png")
	os.WriteFile(png, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...), 0o600)
	a.send(map[string]any{"cmd": "image", "path": png, "ref": "i2"})
	a.stdin.Close()
	if img := b.until("image"); img["mime"] != "image/png" || img["size"] != float64(108) || img["from"] != "Ann" {
		t.Fatalf("image %v", img)
	}
	if code := a.exit(); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
}

// TestChatSixUploadsAtOnce writes six upload commands at once, more than
// the host takes at once: the client queues the rest, and all six are
// shared, none refused.
func TestChatSixUploadsAtOnce(t *testing.T) {
	_, l := serve(t)
	a := chat(t, l, "Ann")
	a.until("welcome")
	dir := t.TempDir()
	for i := range 6 {
		path := filepath.Join(dir, fmt.Sprintf("part%d.bin", i))
		os.WriteFile(path, bytes.Repeat([]byte{byte('a' + i)}, 3<<20), 0o600)
		a.send(map[string]any{"cmd": "upload", "path": path, "ref": fmt.Sprintf("u%d", i)})
	}
	refs := map[any]bool{}
	for len(refs) < 6 {
		select {
		case m, ok := <-a.lines:
			if !ok {
				t.Fatal("output ended before six uploads")
			}
			switch m["type"] {
			case "error":
				t.Fatalf("an upload was refused: %v", m)
			case "uploaded":
				refs[m["ref"]] = true
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("only %d of six uploads finished within 60s", len(refs))
		}
	}
}
