package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// proc is a command run in-process through Main with piped stdio, the way
// a script drives the binary.
type proc struct {
	t      *testing.T
	stdin  io.WriteCloser
	lines  chan map[string]any
	status chan int
	cancel context.CancelFunc
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	p := &proc{t: t, stdin: inW, lines: make(chan map[string]any, 1000), status: make(chan int, 1), cancel: cancel}
	go func() {
		code := Main(ctx, args, Env{Stdin: inR, Stdout: outW, Stderr: io.Discard, Window: func() error { return nil }})
		outW.Close()
		p.status <- code
	}()
	go p.read(outR)
	t.Cleanup(func() { cancel(); inW.Close() })
	return p
}

// read passes each JSON line of out to p.lines, until out ends.
func (p *proc) read(out io.Reader) {
	defer close(p.lines)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			p.t.Errorf("stdout line is not JSON: %q", sc.Text())
			continue
		}
		p.lines <- m
	}
}

// send writes one JSON command line.
func (p *proc) send(cmd map[string]any) {
	p.t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatalf("stdin: %v", err)
	}
}

// until returns the next event of type typ (skipping others).
func (p *proc) until(typ string) map[string]any {
	p.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("output ended waiting for %q", typ)
			}
			if m["type"] == typ {
				return m
			}
		case <-timeout:
			p.t.Fatalf("no %q event within 20s", typ)
		}
	}
}

func (p *proc) exit() int {
	p.t.Helper()
	select {
	case code := <-p.status:
		return code
	case <-time.After(20 * time.Second):
		p.t.Fatal("did not exit within 20s")
	}
	return -1
}

func serve(t *testing.T, extra ...string) (*proc, map[string]any) {
	srv := start(t, append([]string{"serve", "--listen", "127.0.0.1:0", "--state-dir", t.TempDir(), "--name-of-room", "Bots"}, extra...)...)
	l := srv.until("listening")
	for _, k := range []string{"addr", "fingerprint", "invite"} {
		if s, _ := l[k].(string); s == "" {
			t.Fatalf("listening line lacks %s: %v", k, l)
		}
	}
	if !strings.HasPrefix(l["invite"].(string), "wetalk://"+l["addr"].(string)+"/#") {
		t.Fatalf("invite %v", l["invite"])
	}
	return srv, l
}

func chat(t *testing.T, l map[string]any, name string, extra ...string) *proc {
	return start(t, append([]string{"chat", "--json", "--name", name, "--invite", l["invite"].(string), "--state-dir", t.TempDir()}, extra...)...)
}

func TestBotSession(t *testing.T) {
	srv, l := serve(t)
	a := chat(t, l, "Ann")
	w := a.until("welcome")
	if w["name"] != "Ann" || w["leader"] != "Ann" || w["room"] != "Bots" {
		t.Fatalf("welcome %v", w)
	}
	if _, ok := w["files"].([]any); !ok {
		t.Fatalf("welcome without files list: %v", w)
	}
	b := chat(t, l, "ann") // same name, other case
	if got := b.until("welcome")["name"]; got != "ann#2" {
		t.Fatalf("second Ann got %v", got)
	}
	a.until("joined")

	a.send(map[string]any{"cmd": "send", "text": "你好 bots", "ref": "r1"})
	ack := a.until("ack")
	if ack["ref"] != "r1" || ack["id"] == "" {
		t.Fatalf("ack %v", ack)
	}
	m := a.until("message")
	if m["id"] != ack["id"] || m["text"] != "你好 bots" || m["history"] != false {
		t.Fatalf("own echo %v (ack %v)", m, ack)
	}
	if _, err := time.Parse(time.RFC3339, m["time"].(string)); err != nil {
		t.Fatalf("time %v: %v", m["time"], err)
	}
	if got := b.until("message"); got["from"] != "Ann" || got["text"] != "你好 bots" {
		t.Fatalf("b got %v", got)
	}

	a.send(map[string]any{"cmd": "dm", "to": "ann#2", "text": "psst", "ref": "d"})
	if got := b.until("message"); got["to"] != "ann#2" || got["text"] != "psst" {
		t.Fatalf("dm %v", got)
	}
	for _, bad := range []struct {
		line string
		code string
	}{
		{`{"cmd":"send","text":"` + strings.Repeat("x", 8193) + `","ref":"big"}`, "too_large"},
		{`{"cmd":"fly","ref":"f"}`, "bad_command"},
		{`not json`, "bad_command"},
		{`{"cmd":"kick","name":"Ann","ref":"k"}`, "not_leader"},
		{`{"cmd":"download","file":"no-such-file","dir":"/tmp","ref":"u"}`, ""},
	} {
		b.stdin.Write([]byte(bad.line + "\n"))
		e := b.until("error")
		if bad.code != "" && e["code"] != bad.code {
			t.Errorf("%.40s: error %v, want %s", bad.line, e, bad.code)
		}
		if msg, _ := e["message"].(string); msg == "" {
			t.Errorf("%.40s: error without a message", bad.line)
		}
	}

	// A late joiner gets the history, flagged, without the private message.
	c := chat(t, l, "Cy")
	c.until("welcome")
	if h := c.until("message"); h["history"] != true || h["text"] != "你好 bots" {
		t.Fatalf("history %v", h)
	}

	// The leader kicks Cy: Cy gets the kicked event and exits non-zero.
	a.send(map[string]any{"cmd": "kick", "name": "Cy", "reason": "testing", "ref": "k"})
	if k := c.until("kicked"); k["by"] != "Ann" || k["reason"] != "testing" {
		t.Fatalf("kicked %v", k)
	}
	if code := c.exit(); code != ExitKicked {
		t.Fatalf("kicked client exit %d", code)
	}
	if left := b.until("left"); left["name"] != "Cy" || left["reason"] != "kicked" {
		t.Fatalf("left %v", left)
	}

	// End of input: leave cleanly, exit 0; the other member is told.
	a.stdin.Close()
	if code := a.exit(); code != ExitOK {
		t.Fatalf("exit after end of input: %d", code)
	}
	if left := b.until("left"); left["name"] != "Ann" || left["reason"] != "left" {
		t.Fatalf("left %v", left)
	}
	if ld := b.until("leader"); ld["name"] != "ann#2" {
		t.Fatalf("leader %v", ld)
	}

	// The host stops: members get closed, serve exits 0.
	srv.cancel()
	if cl := b.until("closed"); cl["reason"] == "" {
		t.Fatalf("closed %v", cl)
	}
	if code := b.exit(); code != ExitClosed {
		t.Fatalf("member exit after close: %d", code)
	}
	if code := srv.exit(); code != ExitOK {
		t.Fatalf("serve exit %d", code)
	}
}

func TestChatRefusals(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("open sesame\n"), 0o600)
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("nope\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)

	_, l := serve(t, "--password-file", pw)
	addr := l["addr"].(string)

	for _, tc := range []struct {
		name string
		args []string
		code string
	}{
		{"wrong password", []string{"--invite", l["invite"].(string), "--password-file", wrong}, "bad_password"},
		{"no password", []string{"--invite", l["invite"].(string)}, "bad_password"},
		{"unknown host", []string{"--addr", addr}, "unknown_host"},
		{"wrong pin", []string{"--addr", addr, "--pin", strings.Repeat("a", 26)}, "host_key_mismatch"},
		{"unreachable", []string{"--addr", "127.0.0.1:1", "--trust-new"}, "unreachable"},
	} {
		p := start(t, append([]string{"chat", "--json", "--name", "X", "--state-dir", t.TempDir()}, tc.args...)...)
		if e := p.until("error"); e["code"] != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, e, tc.code)
		}
		if code := p.exit(); code == ExitOK {
			t.Errorf("%s: exit 0", tc.name)
		}
	}
	p := start(t, "chat", "--json", "--name", "X", "--invite", l["invite"].(string), "--password-file", empty, "--state-dir", t.TempDir())
	if code := p.exit(); code != ExitUsage {
		t.Errorf("empty password file: exit %d", code)
	}
	// Right password, and --trust-new remembers the host for next time.
	state := t.TempDir()
	p = start(t, "chat", "--json", "--name", "X", "--addr", addr, "--trust-new", "--password-file", pw, "--state-dir", state)
	p.until("welcome")
	p.stdin.Close()
	if code := p.exit(); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	p = start(t, "chat", "--json", "--name", "X", "--addr", addr, "--password-file", pw, "--state-dir", state)
	p.until("welcome")
	p.stdin.Close()
	p.exit()
}

// TestOverlongInputLine: a line too long to be a command is refused with
// too_large, and the client goes on reading: the next command runs, and
// the member stays in the room.
func TestOverlongInputLine(t *testing.T) {
	_, l := serve(t)
	p := chat(t, l, "Ann")
	p.until("welcome")
	huge := `{"cmd":"send","ref":"big","text":"` + strings.Repeat("x", 2*maxCommandLine) + `"}` + "\n"
	if _, err := io.WriteString(p.stdin, huge); err != nil {
		t.Fatal(err)
	}
	if e := p.until("error"); e["code"] != "too_large" || !strings.Contains(e["message"].(string), "skipped") {
		t.Fatalf("overlong line: %v", e)
	}
	// The longest message, every byte of it escaped, still fits a line.
	text := strings.Repeat("é", 4096) // 8 KiB of UTF-8, 24 KiB escaped
	b, _ := json.Marshal(map[string]any{"cmd": "send", "ref": "after", "text": text})
	b = []byte(strings.ReplaceAll(string(b), "é", `\u00e9`))
	p.stdin.Write(append(b, '\n'))
	if a := p.until("ack"); a["ref"] != "after" {
		t.Fatalf("after the long line: %v", a)
	}
	if m := p.until("message"); m["text"] != text {
		t.Fatalf("message of %d bytes came back as %d", len(text), len(m["text"].(string)))
	}
	p.stdin.Close()
	if code := p.exit(); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
}

// TestReadLines: lines across the reader's buffer, CRLF endings, a last
// line without its end, and a line over the limit in the middle, reported
// once and skipped.
func TestReadLines(t *testing.T) {
	in := "one\r\ntwo\n\n" + strings.Repeat("x", 100) + "\nthree\n" + strings.Repeat("y", 32) + "\n" + strings.Repeat("z", 33) + "\nfour"
	var got []string
	err := readLines(strings.NewReader(in), 32, func(line []byte, tooLong bool) bool {
		if tooLong {
			got = append(got, "<too long>")
		} else {
			got = append(got, string(line))
		}
		return true
	})
	want := []string{"one", "two", "", "<too long>", "three", strings.Repeat("y", 32), "<too long>", "four"}
	if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q %v, want %q", got, err, want)
	}
	// fn returning false stops the reading.
	n := 0
	readLines(strings.NewReader("a\nb\nc\n"), 32, func([]byte, bool) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("read %d lines after a stop", n)
	}
}

// TestPlainChat: without --json, each input line is a message to the room,
// as typed (spaces kept), and an overlong one is refused without ending
// the session.
func TestPlainChat(t *testing.T) {
	_, l := serve(t)
	ann := chat(t, l, "Ann")
	ann.until("welcome")
	inR, inW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(context.Background(), []string{"chat", "--name", "Bo", "--invite", l["invite"].(string), "--state-dir", t.TempDir()},
			Env{Stdin: inR, Stdout: io.Discard, Stderr: io.Discard, Window: func() error { return nil }})
	}()
	t.Cleanup(func() { inW.Close() })
	ann.until("joined")
	io.WriteString(inW, "  hello there  \n"+strings.Repeat("x", 2*maxCommandLine)+"\n你好\n")
	for _, want := range []string{"  hello there  ", "你好"} {
		if m := ann.until("message"); m["from"] != "Bo" || m["text"] != want {
			t.Fatalf("message %v, want %q from Bo", m, want)
		}
	}
	inW.Close()
	bo := &proc{t: t, status: done} // its output is for people: only its exit is watched
	if code := bo.exit(); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
}
