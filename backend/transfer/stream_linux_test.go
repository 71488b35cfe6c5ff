package transfer

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"
	"golang.org/x/sys/unix"

	"wetalk/backend/wire"
)

// diskDir is a temporary folder on a disk: in tmpfs, files live in the
// page cache, and nothing can be handed back.
func diskDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil && st.Type == unix.TMPFS_MAGIC {
		d, err := os.MkdirTemp(".", "disk-test-")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { os.RemoveAll(d) })
		dir, _ = filepath.Abs(d)
	}
	return dir
}

// cached returns how many bytes of the file at path are in the page cache.
func cached(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() == 0 {
		return 0
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	page := os.Getpagesize()
	vec := make([]byte, (len(m)+page-1)/page)
	// x/sys has no wrapper for mincore(2).
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	var n int64
	for _, v := range vec {
		n += int64(v & 1)
	}
	return n * int64(page)
}

// The most a large stream may leave cached: the lag, the batch being
// written and a step of slack.
const streamLeft = streamLag + 2*spoolBatch + streamStep

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{7})
	r.Read(b)
	return b
}

func TestLargeFilesStreamPastTheCache(t *testing.T) {
	dir := diskDir(t)
	s := newStore(t, Config{Dir: dir, MaxFile: 1 << 30, Quota: 1 << 30, MaxFiles: 10})
	big, small := randomBytes(streamMin+32<<20), randomBytes(4<<20)

	kept, err := put(s, "big.bin", big, false)
	if err != nil {
		t.Fatal(err)
	}
	path := s.files[kept.ID].path
	if n := cached(t, path); n > streamLeft {
		t.Errorf("a kept upload of %d MiB left %d MiB in the page cache, want at most %d", len(big)>>20, n>>20, streamLeft>>20)
	}

	// A download reads the whole file and leaves little of it cached.
	if f, err := os.Open(path); err == nil {
		io.Copy(io.Discard, f) // the whole file in the cache first
		f.Close()
	}
	r, err := s.Open(kept.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, buf := sha256.New(), make([]byte, wire.MaxChunk)
	for off := int64(0); off < kept.Size; off += int64(len(buf)) {
		n := min(int64(len(buf)), kept.Size-off)
		if err := r.Read(func(ra io.ReaderAt) error { _, err := ra.ReadAt(buf[:n], off); return err }); err != nil {
			t.Fatal(err)
		}
		h.Write(buf[:n])
	}
	r.Close()
	if want := sha256.Sum256(big); string(h.Sum(nil)) != string(want[:]) {
		t.Fatal("the download read other bytes than were uploaded")
	}
	if n := cached(t, path); n > streamLeft {
		t.Errorf("a download of %d MiB left %d MiB in the page cache, want at most %d", len(big)>>20, n>>20, streamLeft>>20)
	}

	// A small file stays cached for the next member who downloads it.
	k, err := put(s, "small.bin", small, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := cached(t, s.files[k.ID].path); n < int64(len(small)) {
		t.Errorf("a small upload has %d of its %d bytes cached", n, len(small))
	}

	// A large download saved by a member streams past the cache too,
	// resumed or not.
	sum := sha256.Sum256(big)
	p, err := OpenPart(dir, "saved.bin", int64(len(big)), sum[:], kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	half := int64(len(big) / 2)
	for off := int64(0); off < half; off += wire.MaxChunk {
		if err := p.Write(off, big[off:min(off+wire.MaxChunk, half)]); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if p, err = OpenPart(dir, "saved.bin", int64(len(big)), sum[:], kept.ID); err != nil || p.Offset() != half {
		t.Fatalf("resuming: %v at %d", err, p.Offset())
	}
	for off := half; off < int64(len(big)); off += wire.MaxChunk {
		if err := p.Write(off, big[off:min(off+wire.MaxChunk, int64(len(big)))]); err != nil {
			t.Fatal(err)
		}
	}
	saved, err := p.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if n := cached(t, saved); n > streamLeft {
		t.Errorf("a saved download of %d MiB left %d MiB in the page cache, want at most %d", len(big)>>20, n>>20, streamLeft>>20)
	}
}

// A large download is made durable as it is written, on the flusher's
// goroutine, so that the Sync ending it has little left to do; a small one
// only at the end. A download cut short stops its flusher.
func TestLargeDownloadsFlushAsTheyGo(t *testing.T) {
	oldEvery, oldFlush := flushEvery, flushData
	t.Cleanup(func() { flushEvery, flushData = oldEvery, oldFlush })
	flushEvery = 4 << 20
	var flushes atomic.Int64
	flushData = func(f *os.File) error {
		flushes.Add(1)
		return oldFlush(f)
	}
	dir := diskDir(t)
	save := func(name string, data []byte, cut int) (*Part, string) {
		t.Helper()
		sum := sha256.Sum256(data)
		p, err := OpenPart(dir, name, int64(len(data)), sum[:], uuid.New())
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < cut; off += wire.MaxChunk {
			if err := p.Write(int64(off), data[off:min(off+wire.MaxChunk, cut)]); err != nil {
				t.Fatal(err)
			}
		}
		if cut < len(data) {
			return p, ""
		}
		path, err := p.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("the saved file differs from what was sent (%v)", err)
		}
		return p, path
	}

	big := randomBytes(streamMin + 16<<20)
	save("big.bin", big, len(big))
	// 80 MiB in 4 MiB steps: a flush may take several steps' worth.
	if n := flushes.Load(); n < 2 {
		t.Errorf("a download of %d MiB was flushed %d times while written, want at least 2", len(big)>>20, n)
	}

	flushes.Store(0)
	save("small.bin", randomBytes(8<<20), 8<<20)
	if n := flushes.Load(); n != 0 {
		t.Errorf("a download of 8 MiB was flushed %d times while written; only its last Sync is needed", n)
	}

	p, _ := save("cut.bin", big, len(big)/2)
	fl := p.fl
	if fl == nil {
		t.Fatal("a large download has no flusher")
	}
	p.Close()
	select {
	case <-fl.done:
	case <-time.After(time.Minute): // a hang guard
		t.Error("closing a download cut short left its flusher running")
	}
}
