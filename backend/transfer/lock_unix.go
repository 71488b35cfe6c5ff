//go:build unix

package transfer

import (
	"os"
	"path/filepath"
	"syscall"
	"time"
)

const lockName = ".lock"

// holdLock marks dir as in use by this process for as long as the returned
// file stays open (an advisory flock, released by the kernel if the
// process dies).
func holdLock(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func releaseLock(f *os.File) {
	if f != nil {
		f.Close()
	}
}

// stale reports whether no live process holds dir.
func stale(dir string) bool {
	f, err := os.Open(filepath.Join(dir, lockName))
	if err != nil {
		// A folder just made has no lock yet: leave it a minute.
		st, serr := os.Stat(dir)
		return serr == nil && time.Since(st.ModTime()) > time.Minute
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
