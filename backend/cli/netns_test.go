package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"wetalk/backend/netlab"
	"wetalk/backend/secure"
)

// asWetalk, set in the environment, makes this test binary run as the
// wetalk command (its arguments are the command's), so that tests can run
// commands inside network namespaces.
const asWetalk = "WETALK_TEST_AS_WETALK"

func TestMain(m *testing.M) {
	if os.Getenv(asWetalk) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, os.Args[1:], Env{
			Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
			Window: func() error { return errors.New("no window in tests") },
		})
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// lockedBuffer collects a process's stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer // guarded by mu
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startIn runs the wetalk command args inside node's network namespace, as
// a process of its own (this test binary, run as wetalk). The process gets
// SIGTERM at the end of the test; its stderr is logged if the test failed.
func startIn(t *testing.T, node *netlab.Node, args ...string) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := node.Command(ctx, exe, args...)
	cmd.Env = append(os.Environ(), asWetalk+"=1")
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = outW, &stderr
	inW, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, stdin: inW, lines: make(chan map[string]any, 1000), status: make(chan int, 1), cancel: cancel}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() {
		defer close(waited)
		cmd.Wait()
		outW.Close()
		p.status <- cmd.ProcessState.ExitCode()
	}()
	go p.read(outR)
	t.Cleanup(func() {
		cancel()
		inW.Close()
		<-waited
		if t.Failed() {
			t.Logf("stderr of wetalk %v in %s:\n%s", args, node.Name, stderr.String())
		}
	})
	return p
}

// serveIn hosts a room in node's namespace on all its addresses and returns
// the process and its listening line.
func serveIn(t *testing.T, node *netlab.Node, room string, extra ...string) (*proc, map[string]any) {
	t.Helper()
	srv := startIn(t, node, append([]string{"serve", "--listen", "0.0.0.0:0", "--state-dir", t.TempDir(), "--name-of-room", room}, extra...)...)
	return srv, srv.until("listening")
}

// discoverIn runs `wetalk discover --json` in node until a run's rooms
// satisfy ok, and returns those rooms.
func discoverIn(t *testing.T, node *netlab.Node, what string, ok func(rooms []map[string]any) bool) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var rooms []map[string]any
	for time.Now().Before(deadline) {
		p := startIn(t, node, "discover", "--json", "--timeout", "3s")
		rooms = nil
		for m := range p.lines {
			rooms = append(rooms, m)
		}
		if code := p.exit(); code != ExitOK {
			t.Fatalf("discover exited %d", code)
		}
		if ok(rooms) {
			return rooms
		}
	}
	t.Fatalf("discover in %s never showed %s; last run: %v", node.Name, what, rooms)
	return nil
}

// roomWith returns the discovered room whose fingerprint is fp.
func roomWith(rooms []map[string]any, fp string) (map[string]any, bool) {
	for _, r := range rooms {
		if r["fingerprint"] == fp {
			return r, true
		}
	}
	return nil, false
}

// TestDiscoverAcrossNamespaces hosts one announced and one unannounced room
// in two network namespaces; `wetalk discover` in a third lists the first
// with its address and fingerprint, never the second, and a member who
// joins through the discovered invite shows in the member count. Serving on
// 0.0.0.0 prints invites naming the namespace's address.
func TestDiscoverAcrossNamespaces(t *testing.T) {
	lab := netlab.New(t, 3)
	hostN, hiddenN, lookN := lab.Node(0), lab.Node(1), lab.Node(2)

	_, l := serveIn(t, hostN, "Kitchen")
	fp := l["fingerprint"].(string)
	_, port, _ := net.SplitHostPort(l["addr"].(string))
	addr := net.JoinHostPort(hostN.Addr.String(), port)
	invite := secure.FormatInvite(addr, fp)
	if l["invite"] != invite {
		t.Fatalf("listening line %v; want invite %s", l, invite)
	}
	if got, _ := l["invites"].([]any); !slices.Equal(got, []any{invite}) {
		t.Fatalf("invites %v; want [%s]", l["invites"], invite)
	}

	_, hl := serveIn(t, hiddenN, "Hidden", "--no-announce")
	hiddenFP := hl["fingerprint"].(string)

	rooms := discoverIn(t, lookN, "the Kitchen room", func(rooms []map[string]any) bool {
		_, ok := roomWith(rooms, fp)
		return ok
	})
	got, _ := roomWith(rooms, fp)
	want := map[string]any{
		"type": "room", "name": "Kitchen", "addr": addr, "fingerprint": fp,
		"password": false, "members": float64(0), "invite": invite,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("discovered %s = %v; want %v (room %v)", k, got[k], v, got)
		}
	}
	if r, ok := roomWith(rooms, hiddenFP); ok {
		t.Fatalf("the room served with --no-announce was discovered: %v", r)
	}

	m := startIn(t, lookN, "chat", "--json", "--name", "Finder", "--invite", got["invite"].(string), "--state-dir", t.TempDir())
	m.until("welcome")
	discoverIn(t, lookN, "one member in Kitchen", func(rooms []map[string]any) bool {
		r, _ := roomWith(rooms, fp)
		return r["members"] == float64(1)
	})
}

// TestBanHoldsAcrossIdentities bans a member joined from one namespace; a
// new identity from the same address is refused "banned", while a newcomer
// from another address still gets in.
func TestBanHoldsAcrossIdentities(t *testing.T) {
	lab := netlab.New(t, 3)
	hostN, leadN, badN := lab.Node(0), lab.Node(1), lab.Node(2)
	_, l := serveIn(t, hostN, "Club", "--no-announce")
	invite := l["invite"].(string)
	join := func(node *netlab.Node, name string) *proc {
		return startIn(t, node, "chat", "--json", "--name", name, "--invite", invite, "--state-dir", t.TempDir())
	}

	lead := join(leadN, "Lead")
	if w := lead.until("welcome"); w["leader"] != "Lead" {
		t.Fatalf("welcome %v; want Lead to lead", w)
	}
	bad := join(badN, "Bad")
	bad.until("welcome")
	lead.until("joined")
	lead.send(map[string]any{"cmd": "kick", "name": "Bad", "reason": "spam", "ban": true})
	bad.until("kicked")
	if code := bad.exit(); code != ExitKicked {
		t.Fatalf("kicked member exited %d; want %d", code, ExitKicked)
	}

	again := join(badN, "Innocent") // a fresh state dir: a new client identity
	if e := again.until("error"); e["code"] != "banned" {
		t.Fatalf("new identity from the banned address: %v; want code banned", e)
	}
	if code := again.exit(); code == ExitOK {
		t.Fatal("refused member exited 0")
	}

	friend := join(leadN, "Friend")
	if w := friend.until("welcome"); w["name"] != "Friend" {
		t.Fatalf("welcome %v", w)
	}
}
