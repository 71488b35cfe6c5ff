//go:build !windows

package transfer

import (
	"errors"
	"syscall"
)

// noSpace reports whether err says the disk is full.
func noSpace(err error) bool { return errors.Is(err, syscall.ENOSPC) }
