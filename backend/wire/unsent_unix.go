//go:build linux || darwin

package wire

import (
	"net"

	"golang.org/x/sys/unix"
)

// LimitUnsent sets TCP_NOTSENT_LOWAT on c (a *net.TCPConn; other
// connections are left alone): the kernel then takes at most UnsentLimit
// bytes beyond what the network has in flight.
func LimitUnsent(c net.Conn) { SetUnsent(c, UnsentLimit) }

// SetUnsent sets c's limit on unsent bytes to n (see LimitUnsent): a
// writer that paces itself to its link (Pace) lowers it on a slow one.
func SetUnsent(c net.Conn, n int) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		// Best effort: without it the connection works as before, with
		// the kernel's own (megabytes) buffering.
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, n)
	})
}
