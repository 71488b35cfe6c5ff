package transfer

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/sys/unix"

	"wetalk/backend/wire"
)

// smallDisk mounts a file system of mib MiB (a tmpfs, which reserves
// blocks as disks do) on a temporary folder, for as long as the test runs.
// Mounting needs root; the test is skipped, saying so, where it cannot.
func smallDisk(t *testing.T, mib int) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size="+strconv.Itoa(mib)+"m,mode=0700"); err != nil {
		t.Skipf("cannot mount a %d MiB tmpfs to fill (needs root): %v", mib, err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// free returns the bytes free on dir's file system.
func free(t *testing.T, dir string) int64 {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

func wantDiskFull(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil || wire.AsError(err).Code != wire.CodeDiskFull {
		t.Fatalf("%s: %v, want disk_full", what, err)
	}
	t.Logf("%s: %v", what, wire.AsError(err).Message)
}

// An upload the host's disk has no room for is refused before any byte
// moves, and costs nothing: no file left, no quota held. One that fits
// holds its room while it uploads (counted, not reserved on the disk), so
// a second cannot take it and fail the first midway; it gives the room
// back if it fails.
func TestUploadRefusedWhenTheHostsDiskHasNoRoom(t *testing.T) {
	disk := smallDisk(t, 8)
	s := newStore(t, Config{Dir: disk, Quota: 1 << 30})
	before := s.Free()

	_, err := s.Begin("big.iso", 16<<20, false)
	wantDiskFull(t, "16 MiB on an 8 MiB disk", err)
	if s.Free() != before {
		t.Errorf("the refused upload holds %d bytes of quota", before-s.Free())
	}
	if dir := s.Dir(); dir != "" {
		if names := entries(t, dir); len(names) != 0 {
			t.Errorf("the refused upload left %v", names)
		}
	}

	stalled, err := s.Begin("stalled.bin", 5<<20, false)
	if err != nil {
		t.Fatalf("5 MiB on an 8 MiB disk: %v", err)
	}
	_, err = s.Begin("second.bin", 5<<20, false)
	wantDiskFull(t, "a second 5 MiB while the first holds its room", err)
	stalled.Fail(wire.Errorf(wire.ErrStalled, "test"))

	first, err := s.Begin("first.bin", 5<<20, false)
	if err != nil {
		t.Fatalf("5 MiB once the stalled upload gave its room back: %v", err)
	}
	data := randomBytes(5 << 20)
	asked := false
	for off := 0; off < len(data); off += wire.MaxChunk {
		if off >= 3<<20 && !asked {
			_, err = s.Begin("second.bin", 5<<20, false)
			wantDiskFull(t, "a second 5 MiB while the first has 2 MiB to write", err)
			asked = true
		}
		if err := first.Write(int64(off), data[off:min(off+wire.MaxChunk, len(data))]); err != nil {
			t.Fatalf("writing the first upload into its room: %v", err)
		}
	}
	sum := sha256.Sum256(data)
	if _, err := first.Finish(sum[:]); err != nil {
		t.Fatalf("the first upload: %v", err)
	}
}

// A download the folder's disk has no room for fails at once, leaving no
// part file; one that fits holds its room; one cut short keeps its bytes
// and gives back the room reserved for the rest.
func TestDownloadRefusedWhenTheFolderHasNoRoom(t *testing.T) {
	disk := smallDisk(t, 8)
	data := randomBytes(5 << 20)
	sum := sha256.Sum256(data)

	_, err := OpenPart(disk, "big.iso", 16<<20, nil, uuid.New())
	wantDiskFull(t, "16 MiB into an 8 MiB disk", err)
	if names := entries(t, disk); len(names) != 0 {
		t.Errorf("the refused download left %v", names)
	}

	p, err := OpenPart(disk, "data.bin", int64(len(data)), sum[:], uuid.New())
	if err != nil {
		t.Fatalf("5 MiB into an 8 MiB disk: %v", err)
	}
	_, err = OpenPart(disk, "other.bin", 5<<20, nil, uuid.New())
	wantDiskFull(t, "a second 5 MiB while the first holds its room", err)

	// Cut short after 1 MiB: the part keeps it, and the 4 MiB reserved for
	// the rest are free again for another download.
	if err := p.Write(0, data[:1<<20]); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := free(t, disk); got < 6<<20 {
		t.Errorf("after the download was cut short at 1 of 5 MiB, %d KiB of 8 MiB are free", got>>10)
	}
	o, err := OpenPart(disk, "other.bin", 5<<20, nil, uuid.New())
	if err != nil {
		t.Fatalf("5 MiB into the room the cut download gave back: %v", err)
	}
	o.Discard()

	// The first resumes where it stopped, with the room for the rest.
	p, err = OpenPart(disk, "data.bin", int64(len(data)), sum[:], uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	if p.Offset() != 1<<20 {
		t.Fatalf("resumed at %d, want %d", p.Offset(), 1<<20)
	}
	if err := p.Write(p.Offset(), data[1<<20:]); err != nil {
		t.Fatal(err)
	}
	path, err := p.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || sha256.Sum256(got) != sum {
		t.Fatalf("the resumed download: %v", err)
	}
	if filepath.Dir(path) != disk {
		t.Fatalf("saved as %s", path)
	}
}

// A resumed download that no longer fits fails at once and keeps what it
// had.
func TestResumeWithoutRoomKeepsThePart(t *testing.T) {
	disk := smallDisk(t, 8)
	data := randomBytes(6 << 20)
	sum := sha256.Sum256(data)
	p, err := OpenPart(disk, "data.bin", int64(len(data)), sum[:], uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(0, data[:2<<20]); err != nil {
		t.Fatal(err)
	}
	p.Close()
	// Something else takes the room meanwhile.
	if err := os.WriteFile(filepath.Join(disk, "filler"), make([]byte, 4<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = OpenPart(disk, "data.bin", int64(len(data)), sum[:], uuid.New())
	wantDiskFull(t, "resuming 4 more MiB with 2 free", err)
	st, err := os.Stat(p.Path())
	if err != nil || st.Size() != 2<<20 {
		t.Fatalf("the part file after the refused resume: %v, %v", st, err)
	}
}

// Where the file system reserves nothing, a disk that fills during a
// download is still named.
func TestPartWriteErrorNamesAFullDisk(t *testing.T) {
	p := &Part{dir: "/somewhere", path: "/somewhere/x.part"}
	err := p.writeError(&os.PathError{Op: "write", Path: p.path, Err: unix.ENOSPC})
	wantDiskFull(t, "ENOSPC", err)
	if err := p.writeError(os.ErrPermission); wire.AsError(err).Code == wire.CodeDiskFull || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("another error: %v", err)
	}
}
