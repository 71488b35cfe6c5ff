//go:build !unix

package bench

import (
	"errors"
	"time"
)

func processCPU() (time.Duration, bool) { return 0, false }

// RaiseOpenFiles is not supported on this system.
func RaiseOpenFiles(n uint64) (uint64, error) {
	return 0, errors.New("bench: cannot change the open-file limit on this system")
}
