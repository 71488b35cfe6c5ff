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
// the socket is readable, and given back if it was not after all; when
// every buffer is lent, it reads into p instead and returns how many bytes
// it put there. Deadlines and Close apply as to any read of the connection.
func (c *Cork) readAhead(p []byte) (int, error) {
	var (
		direct int
		rerr   error
	)
	err := c.rc.Read(func(fd uintptr) bool {
		b := c.bufs.get()
		buf := p
		if b != nil {
			buf = (*b)[:cap(*b)]
		}
		n, err := syscall.Read(int(fd), buf)
		for errors.Is(err, syscall.EINTR) {
			n, err = syscall.Read(int(fd), buf)
		}
		switch {
		case errors.Is(err, syscall.EAGAIN):
			if b != nil {
				c.bufs.put(b)
			}
			return false // wait until readable
		case err != nil:
			rerr = os.NewSyscallError("read", err)
		case n == 0:
			rerr = io.EOF
		case b == nil:
			direct = n
			return true
		default:
			*b = buf[:n]
			c.ahead, c.off = b, 0
			return true
		}
		if b != nil {
			c.bufs.put(b)
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	return direct, rerr
}
