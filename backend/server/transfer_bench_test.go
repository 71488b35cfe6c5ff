package server_test

import (
	"context"
	"net"
	"os"
	"runtime"
	"sync"
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

// BenchmarkDownloadDelayed downloads a 200 MB file through a proxy that
// delays each direction by 50 ms: first with the fixed window of 16 chunks
// (about 1 MiB) that older builds always used, the baseline, then with the
// window sized from the path. It reports both rates and their ratio.
func BenchmarkDownloadDelayed(b *testing.B) {
	const size = 200e6
	addr, fp := benchHost(b, server.Config{FilesDir: b.TempDir()})
	up, err := client.Dial(context.Background(), client.Config{Addr: addr, Pin: fp, Name: "uploader"})
	if err != nil {
		b.Fatal(err)
	}
	defer up.Close()
	watch(&member{c: up}, false)
	path, sum := randomFile(b, size, 9)
	fileID, err := up.Upload(context.Background(), "", path, "delayed.bin")
	if err != nil {
		b.Fatal(err)
	}
	proxy := delayProxy(b, addr, 50*time.Millisecond)
	dir := b.TempDir()
	download := func(window int) time.Duration {
		c, err := client.Dial(context.Background(), client.Config{Addr: proxy, Pin: fp, Name: "downloader", Window: window})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		watch(&member{c: c}, false)
		start := time.Now()
		saved, err := c.Download(context.Background(), "", fileID, dir)
		if err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		if got := fileSum(b, saved); got != sum {
			b.Fatalf("downloaded SHA-256 %s, want %s", got, sum)
		}
		os.Remove(saved)
		return elapsed
	}
	var fixed, sized time.Duration
	b.ResetTimer()
	for range b.N {
		fixed += download(client.Window)
		sized += download(0)
	}
	b.StopTimer()
	mb := size / 1e6 * float64(b.N)
	b.ReportMetric(mb/fixed.Seconds(), "fixed-MB/s")
	b.ReportMetric(mb/sized.Seconds(), "sized-MB/s")
	b.ReportMetric(fixed.Seconds()/sized.Seconds(), "speedup")
	b.ReportMetric(0, "ns/op")
}

// delayProxy forwards connections on loopback to target, holding every
// byte back for delay in each direction (a long path with plenty of
// bandwidth). It returns its address; the test's cleanup stops it.
func delayProxy(tb testing.TB, target string, delay time.Duration) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn // guarded by mu; closed by the cleanup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			a, err := ln.Accept()
			if err != nil {
				return
			}
			z, err := net.Dial("tcp", target)
			if err != nil {
				a.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, a, z)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); delayLine(z, a, delay) }()
			go func() { defer wg.Done(); delayLine(a, z, delay) }()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// delayLine copies src to dst, each segment delay after it was read. The
// reader runs ahead by up to 1,024 segments (64 MiB).
func delayLine(dst, src net.Conn, delay time.Duration) {
	type segment struct {
		b  []byte
		at time.Time
	}
	q := make(chan segment, 1024)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 64<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- segment{buf[:n], time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	t := time.NewTimer(0)
	<-t.C
	for s := range q {
		if d := time.Until(s.at); d > 0 {
			t.Reset(d)
			<-t.C
		}
		if _, err := dst.Write(s.b); err != nil {
			break
		}
	}
	dst.Close()
	for range q { // let the reader end
	}
}
