//go:build !unix

package wire

// canReadAhead is false: reads go straight to the socket (the read-ahead
// needs a socket's non-blocking reads, see cork_unix.go).
const canReadAhead = false

func (c *Cork) readAhead([]byte) (int, error) { panic("wire: readAhead without a socket") }
