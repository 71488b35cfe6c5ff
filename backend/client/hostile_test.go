package client_test

// A member's side of issue 10: a fake host that goes silent, or that sends
// what a malicious host would, and the client must cope without hanging,
// over-allocating or writing outside its download folder.

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// scriptedHost accepts one member over TLS, reads its hello and hands the
// connection to script, which plays the host.
type scriptedHost struct {
	addr, fp string
	done     chan struct{}
}

func startFakeHost(t *testing.T, script func(conn *tls.Conn, r *wire.Reader)) *scriptedHost {
	t.Helper()
	id, err := secure.LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", secure.ServerConfig(id))
	if err != nil {
		t.Fatal(err)
	}
	h := &scriptedHost{addr: ln.Addr().String(), fp: id.Fingerprint, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		conn := c.(*tls.Conn)
		r := wire.NewReader(conn)
		if f, err := r.ReadMessage(); err != nil || f.Type() != wire.TypeHello {
			return
		}
		script(conn, r)
	}()
	t.Cleanup(func() { ln.Close(); <-h.done })
	return h
}

func send(conn net.Conn, frames ...wire.Frame) error {
	var b []byte
	for _, f := range frames {
		var err error
		if b, err = wire.Append(b, f); err != nil {
			return err
		}
	}
	_, err := conn.Write(b)
	return err
}

func welcome(name string) *wire.Welcome {
	return &wire.Welcome{Room: "r", RoomID: uuid.New(), Seq: 1, Name: name, MemberID: uuid.New(), Leader: name, Members: []string{name}}
}

// drain waits (with a generous guard) for the client's events to end and
// returns the events seen.
func drain(t *testing.T, c *client.Client) []client.Event {
	t.Helper()
	var evs []client.Event
	guard := time.After(60 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-guard:
			t.Fatal("the client's events did not end")
		}
	}
}

// TestHostGoesSilent is row 12 from the member's side: the client pings,
// and when the host stops answering (a pulled cable: no FIN) it reports
// ErrConnectionLost instead of waiting forever.
func TestHostGoesSilent(t *testing.T) {
	pings := make(chan struct{}, 100)
	h := startFakeHost(t, func(conn *tls.Conn, r *wire.Reader) {
		send(conn, welcome("A"))
		for { // read, never answer
			f, err := r.ReadMessage()
			if err != nil {
				return
			}
			if f.Type() == wire.TypePing {
				select {
				case pings <- struct{}{}:
				default:
				}
			}
		}
	})
	c, err := client.Dial(context.Background(), client.Config{
		Addr: h.addr, Pin: h.fp, Name: "A", PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	drain(t, c)
	if !errors.Is(c.Err(), client.ErrConnectionLost) {
		t.Fatalf("Err() = %v, want ErrConnectionLost", c.Err())
	}
	if len(pings) == 0 {
		t.Fatal("the client sent no ping")
	}
}

// TestPongsKeepTheConnection: a host that answers pings keeps a member that
// has nothing to say connected well past PingTimeout.
func TestPongsKeepTheConnection(t *testing.T) {
	h := startFakeHost(t, func(conn *tls.Conn, r *wire.Reader) {
		send(conn, welcome("A"))
		n := 0
		for {
			f, err := r.ReadMessage()
			if err != nil {
				return
			}
			if f.Type() == wire.TypePing {
				send(conn, &wire.Pong{})
				if n++; n == 20 { // 20 × 50 ms: twice the timeout
					send(conn, &wire.Message{Seq: 2, ID: uuid.New(), From: "B", Text: "still there?"})
				}
			}
		}
	})
	c, err := client.Dial(context.Background(), client.Config{
		Addr: h.addr, Pin: h.fp, Name: "A", PingInterval: 50 * time.Millisecond, PingTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection ended: %v", c.Err())
			}
			if m, ok := ev.(client.Message); ok && m.Text == "still there?" {
				return
			}
		case <-time.After(60 * time.Second):
			t.Fatal("no message")
		}
	}
}
