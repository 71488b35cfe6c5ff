//go:build !unix

package transfer

import (
	"errors"
	"os"
	"path/filepath"
)

const lockName = ".lock"

// holdLock marks dir as in use for as long as the returned file stays
// open: on Windows an open file cannot be deleted.
func holdLock(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
}

func releaseLock(f *os.File) {
	if f != nil {
		f.Close()
	}
}

// stale reports whether no live process holds dir: its lock file can be
// deleted (or there is none).
func stale(dir string) bool {
	err := os.Remove(filepath.Join(dir, lockName))
	return err == nil || errors.Is(err, os.ErrNotExist)
}
