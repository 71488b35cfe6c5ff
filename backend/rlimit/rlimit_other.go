//go:build !unix

package rlimit

import "errors"

// RaiseOpenFiles is not supported on this system.
func RaiseOpenFiles(n uint64) (uint64, error) {
	return 0, errors.New("rlimit: cannot change the open-file limit on this system")
}
