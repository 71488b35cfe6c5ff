//go:build linux || darwin

package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"wetalk/backend/client"
	"wetalk/backend/server"
	"wetalk/backend/wire"
)

// TestNonReaderIsSentLittleHistory: a joiner that never reads is handed
// a bounded part of a 5 MB history, its receive window plus the host's
// unsent limit, before its write loop blocks; without TCP_NOTSENT_LOWAT
// the kernel took about 4 MB (its send buffer's growth), all of it
// encrypted on the cores that deliver the members' messages. Counted in
// bytes: the host drops the joiner when its write times out, and then the
// joiner reads everything the host ever handed its socket.
func TestNonReaderIsSentLittleHistory(t *testing.T) {
	h := startHost(t, server.Config{NoRateLimit: true, WriteTimeout: time.Second})
	a := h.join(t, "A")
	text := strings.Repeat("h", 8000)
	const rounds, perRound = 16, 40 // 640 messages, 5.1 MB
	for i := range rounds {
		for j := range perRound {
			if err := a.c.Send(fmt.Sprint(i, j), text); err != nil {
				t.Fatal(err)
			}
		}
		a.texts(perRound)
	}

	hello := wire.NewHello()
	hello.Name = "Sink"
	f, conn, r := helloFrom(t, h, hello) // and then reads nothing
	w, ok := f.(*wire.Welcome)
	if !ok || w.History != rounds*perRound {
		t.Fatalf("welcome %+v", f)
	}
	if left := until[client.Left](a); left.Name != "Sink" {
		t.Fatalf("left %+v", left)
	}
	// The host has let go of the socket; what it handed the kernel is
	// still delivered, and nothing more.
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	history := 0
	for {
		f, err := r.ReadMessage()
		if err != nil {
			break
		}
		if m, ok := f.(*wire.Message); ok && m.History {
			history += len(m.Text)
		}
	}
	t.Logf("a non-reading joiner was sent %d KiB of %d KiB of history", history>>10, rounds*perRound*len(text)>>10)
	if history == 0 || history > 1<<20 {
		t.Fatalf("a non-reading joiner was sent %d bytes of history, want 1 to 1 MiB", history)
	}
}
