package transfer

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"wetalk/backend/wire"
)

// BenchmarkLegWork measures, per GiB, the CPU time of the work a file
// transfer cannot do without, apart from TLS (BenchmarkTLSStream in
// backend/bench measures that): hashing the bytes, writing them to a file
// the way a receiver does (1 MiB batches, streamed past the page cache,
// synced at the end) and reading them back the way the host serves a
// download (chunks, dropped behind). scripts/bench files adds these up
// per leg into the fastest that leg could go with every core busy on
// nothing else (docs/performance.md). Each sub-benchmark handles b.N GiB.
func BenchmarkLegWork(b *testing.B) {
	const gib = 1 << 30
	batch := make([]byte, spoolBatch)
	for i := range batch {
		batch[i] = byte(i * 7)
	}
	path := filepath.Join(diskDir(b), "leg.bin")

	b.Run("sha256", func(b *testing.B) {
		cpu0 := startCPU(b)
		for range b.N {
			h := sha256.New()
			for n := 0; n < gib; n += len(batch) {
				h.Write(batch)
			}
			h.Sum(nil)
		}
		reportCPU(b, cpu0)
	})
	b.Run("write", func(b *testing.B) {
		cpu0 := startCPU(b)
		for range b.N {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			db := newDropBehind(f, gib)
			for n := 0; n < gib; n += len(batch) {
				if _, err := f.Write(batch); err != nil {
					b.Fatal(err)
				}
				db.wrote(len(batch))
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		reportCPU(b, cpu0)
	})
	b.Run("read", func(b *testing.B) {
		if st, err := os.Stat(path); err != nil || st.Size() != gib {
			b.Skip("needs the file the write sub-benchmark leaves")
		}
		chunk := make([]byte, wire.MaxChunk)
		cpu0 := startCPU(b)
		for range b.N {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			dropCached(f, 0, gib) // as after an upload: nothing cached
			r := streamReader{f, newDropBehind(f, gib)}
			for off := int64(0); off < gib; off += int64(len(chunk)) {
				n := min(int64(len(chunk)), gib-off)
				if _, err := r.ReadAt(chunk[:n], off); err != nil {
					b.Fatal(err)
				}
			}
			f.Close()
		}
		reportCPU(b, cpu0)
	})
	os.Remove(path)
}

// startCPU starts the benchmark's timer and returns the process's CPU
// time so far.
func startCPU(b *testing.B) time.Duration {
	b.ResetTimer()
	return processCPU()
}

// reportCPU reports the CPU time since cpu0 per GiB handled (b.N GiB).
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.StopTimer()
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/GiB")
	b.ReportMetric(0, "ns/op")
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
