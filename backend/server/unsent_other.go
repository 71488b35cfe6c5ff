//go:build !linux && !darwin

package server

import "net"

// limitUnsent does nothing here: the system has no TCP_NOTSENT_LOWAT, and
// the kernel buffers what its send buffer holds.
func limitUnsent(net.Conn) {}
