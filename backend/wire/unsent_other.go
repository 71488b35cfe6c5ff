//go:build !linux && !darwin

package wire

import "net"

// LimitUnsent does nothing here: the system has no TCP_NOTSENT_LOWAT, and
// the kernel buffers what its send buffer holds.
func LimitUnsent(net.Conn) {}

// SetUnsent does nothing here (see LimitUnsent).
func SetUnsent(net.Conn, int) {}
