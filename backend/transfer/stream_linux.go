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
