//go:build unix

package bench

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// BenchmarkTLSStream is the yardstick of file transfers: one TLS 1.3
// stream over loopback, with the host's configuration, 64 KiB writes and
// nothing else, b.N × 256 MiB. It reports MB/s and the CPU-seconds per GiB
// both ends spent together (they share the process). scripts/bench files
// runs it with -benchtime 4x, 1 GiB.
func BenchmarkTLSStream(b *testing.B) { tlsStream(b, false) }

// BenchmarkTLSStreamReadAhead is the same stream with its reading end on a
// wire.Cork, which reads ahead under TLS, then plain again, so that the
// two are measured side by side in one run (docs/performance.md).
func BenchmarkTLSStreamReadAhead(b *testing.B) {
	b.Run("cork", func(b *testing.B) { tlsStream(b, true) })
	b.Run("plain", func(b *testing.B) { tlsStream(b, false) })
}

// tlsStream runs the stream; with cork, the receiving end's socket is
// wrapped in a wire.Cork.
func tlsStream(b *testing.B, cork bool) {
	const size = 256 << 20
	id, err := secure.LoadOrCreateIdentity(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- -1
			return
		}
		if cork {
			c = wire.NewCork(c, wire.NewCorkBuffers())
		}
		tc := tls.Server(c, secure.ServerConfig(id))
		defer tc.Close()
		n, _ := io.CopyBuffer(io.Discard, tc, make([]byte, 64<<10))
		got <- n
	}()
	cfg, err := secure.ClientConfig(secure.ClientOptions{Pin: id.Fingerprint})
	if err != nil {
		b.Fatal(err)
	}
	conn, err := tls.Dial("tcp", ln.Addr().String(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	cpu0, _ := processCPU()
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		for sent := 0; sent < size; sent += len(buf) {
			if _, err := conn.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
	}
	conn.Close()
	n := <-got
	elapsed := time.Since(start)
	b.StopTimer()
	if n != int64(size)*int64(b.N) {
		b.Fatalf("received %d bytes, want %d", n, int64(size)*int64(b.N))
	}
	gib := float64(n) / (1 << 30)
	b.ReportMetric(float64(n)/1e6/elapsed.Seconds(), "MB/s")
	cpu1, _ := processCPU()
	b.ReportMetric((cpu1-cpu0).Seconds()/gib, "cpu-s/GiB")
	b.ReportMetric(0, "ns/op")
}
