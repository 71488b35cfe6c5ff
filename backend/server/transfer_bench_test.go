package server_test

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"wetalk/backend/client"
	"wetalk/backend/server"
)

// BenchmarkTransfer256MiB uploads a 256 MiB file to a host on loopback and
// downloads it again, and reports each direction's throughput and the peak
// heap in use (host and client share the process) during the transfers.
func BenchmarkTransfer256MiB(b *testing.B) {
	const size = 256 << 20
	addr, fp := benchHost(b, server.Config{FilesDir: b.TempDir()})
	c, err := client.Dial(context.Background(), client.Config{Addr: addr, Pin: fp, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	w := watch(&member{c: c}, false)
	path, sum := randomFile(b, size, 7)
	dir := b.TempDir()
	runtime.GC()

	var up, down time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		fileID, err := c.Upload(context.Background(), "", path, "bench.bin")
		if err != nil {
			b.Fatal(err)
		}
		up += time.Since(start)
		start = time.Now()
		saved, err := c.Download(context.Background(), "", fileID, dir)
		if err != nil {
			b.Fatal(err)
		}
		down += time.Since(start)
		b.StopTimer()
		if got := fileSum(b, saved); got != sum {
			b.Fatalf("downloaded SHA-256 %s, want %s", got, sum)
		}
		os.Remove(saved)
		c.Recall("", fileID)
		awaitEvent[client.Recalled](b, w)
		b.StartTimer()
	}
	b.StopTimer()
	mb := float64(size) / 1e6 * float64(b.N)
	b.ReportMetric(mb/up.Seconds(), "up-MB/s")
	b.ReportMetric(mb/down.Seconds(), "down-MB/s")
	b.ReportMetric(float64(w.peakHeap())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(0, "ns/op")
}
