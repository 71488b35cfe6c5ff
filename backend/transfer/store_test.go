package transfer

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	s, err := NewStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Wipe)
	return s
}

// put uploads data in chunks and returns the kept file or the error.
func put(s *Store, name string, data []byte, image bool) (File, error) {
	u, err := s.Begin(name, int64(len(data)), image)
	if err != nil {
		return File{}, err
	}
	for off := 0; off < len(data); off += wire.MaxChunk {
		if err := u.Write(int64(off), data[off:min(off+wire.MaxChunk, len(data))]); err != nil {
			u.Abort()
			return File{}, err
		}
	}
	sum := sha256.Sum256(data)
	return u.Finish(sum[:])
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		if e.Name() != lockName {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestStoreKeepsFilesUnderIDs(t *testing.T) {
	s := newStore(t, Config{})
	data := bytes.Repeat([]byte("x"), 3*wire.MaxChunk+5)
	f, err := put(s, "../../evil name.txt", data, false)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "_._evil name.txt" || f.Size != int64(len(data)) {
		t.Fatalf("file %+v", f)
	}
	if got := entries(t, s.Dir()); len(got) != 1 || got[0] != f.ID.String() {
		t.Fatalf("room folder holds %v", got)
	}
	r, err := s.Open(f.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	r.Read(func(ra io.ReaderAt) error {
		_, err := io.Copy(&back, io.NewSectionReader(ra, 0, f.Size))
		return err
	})
	r.Close()
	if !bytes.Equal(back.Bytes(), data) {
		t.Fatal("read back differs")
	}
}

func TestStoreRefusals(t *testing.T) {
	s := newStore(t, Config{MaxFile: 100, MaxImage: 50, Quota: 150, MaxFiles: 3})
	for _, tc := range []struct {
		size  int64
		image bool
		want  error
	}{
		{101, false, wire.ErrTooLarge},
		{51, true, wire.ErrTooLarge},
		{-1, false, wire.ErrTooLarge},
		{8, true, wire.ErrBadImage},
	} {
		if _, err := s.Begin("x", tc.size, tc.image); !errors.Is(err, tc.want) {
			t.Errorf("size %d image %v: %v, want %v", tc.size, tc.image, err, tc.want)
		}
	}
	if s.Dir() != "" {
		t.Error("refused uploads made a room folder")
	}
	a, err := s.Begin("a", 100, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin("b", 51, false); !errors.Is(err, wire.ErrQuotaExceeded) {
		t.Errorf("over quota: %v", err)
	}
	a.Abort()
	if _, err := s.Begin("b", 100, false); err != nil {
		t.Errorf("after an abort the quota is free again: %v", err)
	}
	s.Begin("c", 0, false)
	s.Begin("d", 0, false)
	if _, err := s.Begin("e", 0, false); !errors.Is(err, wire.ErrQuotaExceeded) {
		t.Errorf("too many files: %v", err)
	}
}

func TestStoreChecksBytes(t *testing.T) {
	s := newStore(t, Config{})
	zip := append([]byte("PK\x03\x04"), make([]byte, 100)...)
	if _, err := put(s, "cat.png", zip, true); !errors.Is(err, wire.ErrBadImage) {
		t.Fatalf("zip as image: %v", err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	f, err := put(s, "cat.png", png, true)
	if err != nil || f.Mime != MimePNG {
		t.Fatalf("png: %+v %v", f, err)
	}
	u, _ := s.Begin("x", 4, false)
	u.Write(0, []byte("abcd"))
	if _, err := u.Finish(make([]byte, 32)); !errors.Is(err, wire.ErrBadHash) {
		t.Fatalf("wrong hash: %v", err)
	}
	u, _ = s.Begin("y", 4, false)
	if err := u.Write(1, []byte("a")); !errors.Is(err, wire.ErrBadCommand) {
		t.Fatalf("gap: %v", err)
	}
	if err := u.Write(0, []byte("abcde")); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("more than announced: %v", err)
	}
	u.Write(0, []byte("ab"))
	sum := sha256.Sum256([]byte("ab"))
	if _, err := u.Finish(sum[:]); !errors.Is(err, wire.ErrBadCommand) {
		t.Fatalf("short upload: %v", err)
	}
	// Only the PNG is left; no temporary file of the failed ones.
	if got := entries(t, s.Dir()); len(got) != 1 || got[0] != f.ID.String() {
		t.Fatalf("room folder holds %v", got)
	}
}

func TestStoreRemoveAndWipe(t *testing.T) {
	s := newStore(t, Config{})
	f, _ := put(s, "a", []byte("hello"), false)
	ended := make(chan error, 1)
	r, err := s.Open(f.ID, func(why error) { ended <- why })
	if err != nil {
		t.Fatal(err)
	}
	if !s.Remove(f.ID) {
		t.Fatal("not removed")
	}
	if why := <-ended; !errors.Is(why, wire.ErrNoSuchFile) {
		t.Fatalf("reader ended with %v", why)
	}
	if err := r.Read(func(io.ReaderAt) error { return nil }); !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("read after remove: %v", err)
	}
	r.Close()
	if _, err := s.Open(f.ID, nil); !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("open after remove: %v", err)
	}

	put(s, "b", []byte("b"), false)
	u, _ := s.Begin("c", 10, false)
	u.Write(0, []byte("12345"))
	dir := s.Dir()
	s.Wipe()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("room folder after the wipe: %v", err)
	}
	if err := u.Write(5, []byte("6")); !errors.Is(err, wire.ErrClosed) {
		t.Fatalf("upload after the wipe: %v", err)
	}
	if _, err := put(s, "d", []byte("d"), false); err != nil || s.Dir() == dir || s.Dir() == "" {
		t.Fatalf("after the wipe: %v, folder %q", err, s.Dir())
	}
}

func TestStaleFoldersCleaned(t *testing.T) {
	parent := t.TempDir()
	live := newStore(t, Config{Dir: parent})
	put(live, "keep", []byte("keep"), false)
	stale := filepath.Join(parent, "room-123456")
	os.MkdirAll(stale, 0o700)
	os.WriteFile(filepath.Join(stale, lockName), nil, 0o600)
	os.WriteFile(filepath.Join(stale, "0b9c2b1e-1d0e-4f57-9a3e-0f3c2a1b4c5d"), []byte("old"), 0o600)
	other := filepath.Join(parent, "not-ours")
	os.MkdirAll(other, 0o700)

	newStore(t, Config{Dir: parent})
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale room folder: %v", err)
	}
	if _, err := os.Stat(live.Dir()); err != nil {
		t.Errorf("a live room folder was removed: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a folder that is not a room's was removed: %v", err)
	}
}

func TestDiskFullIsNamed(t *testing.T) {
	err := storageError(&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC})
	if !errors.Is(err, wire.ErrDiskFull) || wire.AsError(err).Code != wire.CodeDiskFull {
		t.Fatalf("ENOSPC: %v", err)
	}
	if wire.AsError(storageError(os.ErrPermission)).Code != wire.CodeInternal {
		t.Fatal("other errors are internal")
	}
}

func TestPartResumeAndVerify(t *testing.T) {
	dir := t.TempDir()
	data := []byte("0123456789")
	sum := sha256.Sum256(data)
	p, err := OpenPart(dir, "../num.txt", int64(len(data)), sum[:], uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	p.Write(0, data[:4])
	p.Close()
	p, err = OpenPart(dir, "../num.txt", int64(len(data)), sum[:], uuid.New())
	if err != nil || p.Offset() != 4 {
		t.Fatalf("resume at %d: %v", p.Offset(), err)
	}
	if err := p.Write(5, data[5:]); !errors.Is(err, wire.ErrProtocol) {
		t.Fatalf("gap: %v", err)
	}
	p.Write(4, data[4:])
	path, err := p.Finish()
	if err != nil || path != filepath.Join(dir, "_num.txt") {
		t.Fatalf("finish: %q %v", path, err)
	}
	// Damaged bytes are caught and the part file removed.
	bad := sha256.Sum256([]byte("other"))
	p, _ = OpenPart(dir, "num.txt", int64(len(data)), bad[:], uuid.New())
	p.Write(0, data)
	if _, err := p.Finish(); !errors.Is(err, wire.ErrBadHash) {
		t.Fatalf("bad hash: %v", err)
	}
	if got := entries(t, dir); len(got) != 1 || got[0] != "_num.txt" {
		t.Fatalf("folder holds %v", got)
	}
}

// TestReaderFollowsUpload: a Reader opened on a file still uploading
// offers the bytes as each batch reaches the disk (its wake channel closes
// then), never past what is written, and once the upload ends says so with
// no channel left to wait on; a failed upload ends the Reader with
// upload_failed.
func TestReaderFollowsUpload(t *testing.T) {
	s := newStore(t, Config{})
	data := bytes.Repeat([]byte("cut"), spoolBatch)
	for _, fail := range []bool{false, true} {
		u, err := s.Begin("cut.bin", int64(len(data)), false)
		if err != nil {
			t.Fatal(err)
		}
		ended := make(chan error, 1)
		r, err := s.Open(u.ID(), func(why error) { ended <- why })
		if err != nil {
			t.Fatal(err)
		}
		if f := r.File(); f.SHA256 != nil || f.Size != int64(len(data)) {
			t.Fatalf("file while uploading %+v", f)
		}
		n, final, wake := r.Avail()
		if n != 0 || final || wake == nil {
			t.Fatalf("before any byte: %d %v %v", n, final, wake)
		}
		if err := u.Write(0, data[:spoolBatch+10]); err != nil {
			t.Fatal(err)
		}
		select {
		case <-wake:
		case <-time.After(60 * time.Second):
			t.Fatal("a batch on disk woke nobody")
		}
		if n, final, _ = r.Avail(); n != spoolBatch || final {
			t.Fatalf("after one batch: %d %v", n, final)
		}
		got := make([]byte, n)
		if err := r.Read(func(ra io.ReaderAt) error { _, err := ra.ReadAt(got, 0); return err }); err != nil || !bytes.Equal(got, data[:n]) {
			t.Fatalf("reading the first batch: %v", err)
		}
		if fail {
			u.Fail(wire.Errorf(wire.ErrStalled, "no progress"))
			if why := <-ended; !errors.Is(why, wire.ErrUploadFailed) {
				t.Fatalf("reader ended with %v", why)
			}
			if _, final, wake := r.Avail(); !final || wake != nil {
				t.Fatalf("after the failure: final %v, wake %v", final, wake)
			}
			r.Close()
			continue
		}
		if err := u.Write(int64(spoolBatch+10), data[spoolBatch+10:]); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if _, err := u.Finish(sum[:]); err != nil {
			t.Fatal(err)
		}
		if n, final, wake := r.Avail(); n != int64(len(data)) || !final || wake != nil {
			t.Fatalf("after the upload: %d %v %v", n, final, wake)
		}
		r.Close()
	}
}
