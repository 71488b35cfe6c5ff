//go:build unix

package wire

import (
	"errors"
	"io"
	"os"
	"syscall"
)

const canReadAhead = true

// readAhead waits until the socket has bytes and reads them, as many as a
// buffer from the pool holds, into c.ahead. The buffer is taken only once
// the socket is readable, and given back if it was not after all. Deadlines
// and Close apply as to any read of the connection.
func (c *Cork) readAhead() error {
	var rerr error
	err := c.rc.Read(func(fd uintptr) bool {
		b := c.bufs.Get().(*[]byte)
		buf := (*b)[:cap(*b)]
		n, err := syscall.Read(int(fd), buf)
		for errors.Is(err, syscall.EINTR) {
			n, err = syscall.Read(int(fd), buf)
		}
		switch {
		case errors.Is(err, syscall.EAGAIN):
			c.bufs.Put(b)
			return false // wait until readable
		case err != nil:
			rerr = os.NewSyscallError("read", err)
		case n == 0:
			rerr = io.EOF
		default:
			*b = buf[:n]
			c.ahead, c.off = b, 0
			return true
		}
		c.bufs.Put(b)
		return true
	})
	if err != nil {
		return err
	}
	return rerr
}
