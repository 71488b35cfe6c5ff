//go:build !unix

package transfer

import (
	"os"
	"path/filepath"
)

const lockName = ".lock"

// holdLock marks dir as in use for as long as the returned file stays
// open: on Windows an open file cannot be deleted, so removing a live
// room folder fails.
func holdLock(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
}

func releaseLock(f *os.File) {
	if f != nil {
		f.Close()
	}
}

// stale reports whether dir may be deleted; a live one resists deletion.
func stale(dir string) bool { return true }
