package wire

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
)

// corkMax is the most bytes a Cork holds before it writes them anyway,
// and the most it reads ahead in one system call.
const corkMax = 256 << 10

// corkLent is how many buffers a CorkBuffers lends at once. A buffer is
// lent while a Cork holds bytes, which can last as long as a write to a
// member that does not read: without a bound, a room of such members (or
// a flood of commands read ahead) would each keep one (up to 273 KiB).
// Past the bound, writes and reads go straight to the socket.
const corkLent = 64

// CorkBuffers lends Corks their buffers while they hold bytes, so an idle
// connection holds none, and at most corkLent at once. Connections may
// share one.
type CorkBuffers struct {
	pool sync.Pool // of *[]byte
	lent atomic.Int32
}

// NewCorkBuffers returns an empty CorkBuffers.
func NewCorkBuffers() *CorkBuffers {
	return &CorkBuffers{pool: sync.Pool{New: func() any {
		b := make([]byte, 0, corkMax+GatherSize+1<<10)
		return &b
	}}}
}

// get lends a buffer, or returns nil when corkLent are out.
func (b *CorkBuffers) get() *[]byte {
	if b.lent.Add(1) > corkLent {
		b.lent.Add(-1)
		return nil
	}
	return b.pool.Get().(*[]byte)
}

// put takes a buffer back.
func (b *CorkBuffers) put(p *[]byte) {
	*p = (*p)[:0]
	b.pool.Put(p)
	b.lent.Add(-1)
}

// Cork sits between a TLS connection and its socket and batches the
// system calls TLS makes, which go a record (16 KiB at most) at a time.
//
// Writes: a write loop sends what it wrote in one go. Without a Cork a
// 63 KiB chunk costs four system calls, and each wakes the reader at the
// other end. Between Cork and Flush, the records are gathered (copied) and
// written together; otherwise writes go straight through.
//
// Reads: TLS asks for little more than the record it needs, so a stream
// of chunks cost a read system call per 30 KiB. Where the socket allows
// (see readAhead), a Cork reads whatever is waiting, up to corkMax bytes,
// into a buffer from bufs and serves TLS from it; the buffer is taken only
// once bytes are there and goes back once they are read, so a connection
// waiting for bytes holds none.
//
// Its methods are safe for concurrent use (TLS may write an alert or a key
// update from another goroutine); the bytes keep the order in which they
// were written.
type Cork struct {
	net.Conn
	bufs   *CorkBuffers
	mu     sync.Mutex
	corked bool    // guarded by mu
	buf    *[]byte // guarded by mu; from bufs while it holds bytes

	rc    syscall.RawConn // the socket's, to read ahead; nil: reads go straight through
	rmu   sync.Mutex
	ahead *[]byte // guarded by rmu; bytes read ahead, from bufs while it holds any
	off   int     // guarded by rmu; how many of ahead were read
}

// NewCork wraps conn; its buffers come from bufs (see NewCorkBuffers),
// which connections may share.
func NewCork(conn net.Conn, bufs *CorkBuffers) *Cork {
	c := &Cork{Conn: conn, bufs: bufs}
	if sc, ok := conn.(syscall.Conn); ok && canReadAhead {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
		}
	}
	return c
}

// Read reads into p: from the bytes read ahead, if any are left, else from
// the socket, reading ahead where it can.
func (c *Cork) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.ahead == nil {
		if c.rc == nil || len(p) == 0 || len(p) >= corkMax {
			return c.Conn.Read(p)
		}
		if n, err := c.readAhead(p); err != nil || c.ahead == nil {
			return n, err
		}
	}
	n := copy(p, (*c.ahead)[c.off:])
	if c.off += n; c.off == len(*c.ahead) {
		c.bufs.put(c.ahead)
		c.ahead, c.off = nil, 0
	}
	return n, nil
}

// Write writes p, or gathers it while corked.
func (c *Cork) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	if c.buf == nil {
		if c.buf = c.bufs.get(); c.buf == nil {
			return c.Conn.Write(p) // every buffer is lent: unbatched, still in order
		}
	}
	*c.buf = append(*c.buf, p...)
	if len(*c.buf) >= corkMax {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Corked runs write (a batch's writes through TLS) corked and flushes
// what it wrote: it returns write's error, or else Flush's.
func (c *Cork) Corked(write func() error) error {
	c.Cork()
	err := write()
	if ferr := c.Flush(); err == nil {
		err = ferr
	}
	return err
}

// Cork gathers writes until Flush.
func (c *Cork) Cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// Flush writes what was gathered and lets writes go straight through
// again.
func (c *Cork) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	return c.flushLocked()
}

func (c *Cork) flushLocked() error {
	if c.buf == nil {
		return nil
	}
	b := c.buf
	c.buf = nil
	_, err := c.Conn.Write(*b)
	c.bufs.put(b)
	return err
}
