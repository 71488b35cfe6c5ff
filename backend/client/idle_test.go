package client_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"wetalk/backend/client"
	"wetalk/backend/secure"
	"wetalk/backend/server"
)

// hostEnv, when set, makes the test binary a room host for
// BenchmarkIdleClients instead of running tests: the host then lives in
// another process, so that the benchmark's heap holds the clients only.
const hostEnv = "WETALK_IDLE_HOST"

func TestMain(m *testing.M) {
	if os.Getenv(hostEnv) != "" {
		os.Exit(runHost())
	}
	os.Exit(m.Run())
}

// runHost serves a room on loopback, prints "ADDR FINGERPRINT", and stops
// when its standard input ends.
func runHost() int {
	dir, err := os.MkdirTemp("", "wetalk-idle-host-")
	if err != nil {
		return 1
	}
	defer os.RemoveAll(dir)
	id, err := secure.LoadOrCreateIdentity(dir)
	if err != nil {
		return 1
	}
	srv, err := server.New(server.Config{RoomName: "idle", Identity: id, NoRateLimit: true, FilesDir: dir})
	if err != nil {
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1
	}
	go srv.Serve(ln)
	fmt.Println(ln.Addr().String(), id.Fingerprint)
	bufio.NewReader(os.Stdin).ReadString(0) // until stdin ends
	srv.Close("done")
	return 0
}

// idleBudget is the most an idle client may cost (issue 9).
const idleBudget = 64 << 10

// BenchmarkIdleClients joins 1,000 clients to a room hosted by another
// process, reads what they were sent until they are idle, and reports the
// heap each one holds (B/client) and, apart, the stacks of its two loops
// (stack-B/client). It fails when the two together exceed idleBudget.
//
//	go test ./backend/client -run '^$' -bench IdleClients -benchtime 1x
func BenchmarkIdleClients(b *testing.B) {
	const n = 1000
	for b.Loop() {
		heap, stack := idleCost(b, n)
		b.ReportMetric(heap, "B/client")
		b.ReportMetric(stack, "stack-B/client")
		b.Logf("%d idle clients: %.1f KiB of heap and %.1f KiB of stack each", n, heap/1024, stack/1024)
		if heap+stack > idleBudget {
			b.Fatalf("an idle client holds %.0f bytes, over the %d budget", heap+stack, idleBudget)
		}
	}
}

func idleCost(b *testing.B, n int) (heap, stack float64) {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), hostEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, fp, ok := strings.Cut(strings.TrimSpace(line), " ")
	if err != nil || !ok {
		b.Fatalf("host: %q %v", line, err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	clients := make([]*client.Client, n)
	for i := range clients {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		c, err := client.Dial(ctx, client.Config{Addr: addr, Pin: fp, Name: fmt.Sprintf("bot%d", i)})
		cancel()
		if err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
		clients[i] = c
	}
	// Idle: each has read its welcome and one joined per later member.
	for i, c := range clients {
		for want := n - i; want > 0; {
			select {
			case _, ok := <-c.Events():
				if !ok {
					b.Fatalf("client %d: %v", i, c.Err())
				}
				want--
			case <-time.After(60 * time.Second):
				b.Fatalf("client %d: %d events missing", i, want)
			}
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for _, c := range clients {
		c.Close()
	}
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n), float64(after.StackInuse-before.StackInuse) / float64(n)
}
