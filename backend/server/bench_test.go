package server_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"wetalk/backend/client"
	"wetalk/backend/secure"
	"wetalk/backend/server"
)

// BenchmarkRoundTrip is one message over TLS on loopback: a member sends
// it and waits for its own copy from the host (the ack comes first).
func BenchmarkRoundTrip(b *testing.B) {
	addr, fp := benchHost(b, server.Config{})
	c, err := client.Dial(context.Background(), client.Config{Addr: addr, Pin: fp, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	<-c.Events() // the welcome
	text := strings.Repeat("x", 100)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Send("", text); err != nil {
			b.Fatal(err)
		}
		for ev := range c.Events() {
			if _, ok := ev.(client.Message); ok {
				break
			}
			if ev, ok := ev.(client.ErrorEvent); ok {
				b.Fatalf("error event: %s", ev.Message)
			}
		}
	}
}

// benchHost starts a host without a rate limit on loopback for one
// benchmark and returns its address and fingerprint; it is closed when the
// benchmark ends.
func benchHost(b *testing.B, cfg server.Config) (addr, fp string) {
	b.Helper()
	id, err := secure.LoadOrCreateIdentity(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cfg.Identity, cfg.NoRateLimit = id, true
	srv, err := server.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	b.Cleanup(func() {
		srv.Close("benchmark over")
		if err := <-served; !errors.Is(err, server.ErrServerClosed) {
			b.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), id.Fingerprint
}
