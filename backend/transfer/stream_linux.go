package transfer

import (
	"os"

	"golang.org/x/sys/unix"
)

// The page-cache advice is only advice: a failure (a file system without
// it, say) changes nothing about the bytes, so its errors are ignored.

// startWriteback starts writing [off, off+n) of f to the disk, without
// waiting for it.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// dropWritten waits until [off, off+n) of f is on the disk, then hands its
// pages back to the kernel (dirty pages cannot be dropped).
func dropWritten(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n,
		unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
	dropCached(f, off, n)
}

// dropCached hands the clean pages of [off, off+n) of f back to the kernel.
func dropCached(f *os.File, off, n int64) {
	unix.Fadvise(int(f.Fd()), off, n, unix.FADV_DONTNEED)
}

// reserve asks the file system for the blocks of [off, off+n) of f before
// they are written, leaving the file's size as it is (a part file's size
// is where its download resumes). A download then finds out at its start,
// not gigabytes in, that the disk has no room for it (ENOSPC) or that the
// file system cannot hold a file that large (EFBIG), and no other write
// can take the room it was promised. (The host does not reserve for
// uploads, whose size a member announces: it counts, see roomFor.)
// Writing into reserved blocks also spares the file system allocating
// them batch by batch. A file system without preallocation (EOPNOTSUPP)
// reserves nothing; the writes then find a full disk as they go.
func reserve(f *os.File, off, n int64) error {
	if n <= 0 {
		return nil
	}
	err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_KEEP_SIZE, off, n)
	if err == unix.ENOSPC || err == unix.EFBIG {
		unreserve(f, off, n) // some file systems keep what they got
		return err
	}
	return nil
}

// unreserve gives the file system back the blocks reserved past what was
// written: [off, off+n) of f, past its end.
func unreserve(f *os.File, off, n int64) {
	if n > 0 {
		unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n)
	}
}
