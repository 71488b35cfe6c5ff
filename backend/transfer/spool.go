package transfer

import (
	"errors"
	"hash"
	"io"
	"sync/atomic"
)

// spoolBatch is how many bytes a spool gathers before it writes: one
// write system call per MiB instead of one per chunk. spoolBatches batches
// take turns: one fills while one is written and one is hashed.
const (
	spoolBatch   = 1 << 20
	spoolBatches = 3
)

var errSpoolAborted = errors.New("transfer: aborted")

// spool writes a stream of chunks to a file in batches of spoolBatch bytes
// and hashes them, on goroutines of its own (writeLoop, then hashLoop), so
// that the caller's loop (a connection's read loop) only copies each chunk
// once, and writing a batch (which may wait for the disk, see dropBehind)
// and hashing the one before run side by side. Write and close belong to
// one goroutine, the owner.
type spool struct {
	w      io.Writer
	h      hash.Hash     // owned by hashLoop until done is closed
	buf    []byte        // the batch being filled; owned by the owner
	full   chan []byte   // batches to write; closed by close
	hashed chan []byte   // batches written, to hash; closed by writeLoop
	free   chan []byte   // batches written and hashed, for reuse
	done   chan struct{} // closed when hashLoop has ended
	err    atomic.Pointer[error]
	shut   bool // owner's: close was called
	// wrote, if set, is told by writeLoop how many bytes each batch put in
	// the file, once they are there (a cut-through download may read them).
	wrote func(n int)
}

// newSpool starts a spool writing to w and hashing into h; wrote (if not
// nil) is called after each batch is written.
func newSpool(w io.Writer, h hash.Hash, wrote func(int)) *spool {
	s := &spool{
		w: w, h: h, wrote: wrote,
		buf:    make([]byte, 0, spoolBatch),
		full:   make(chan []byte, spoolBatches),
		hashed: make(chan []byte, spoolBatches),
		free:   make(chan []byte, spoolBatches),
		done:   make(chan struct{}),
	}
	for range spoolBatches - 1 {
		s.free <- make([]byte, 0, spoolBatch)
	}
	go s.writeLoop()
	go s.hashLoop()
	return s
}

// writeLoop writes each full batch, until the first error, and passes it
// on to hashLoop.
func (s *spool) writeLoop() {
	defer close(s.hashed)
	for b := range s.full {
		if s.err.Load() == nil {
			if _, err := s.w.Write(b); err != nil {
				s.err.Store(&err)
			} else if s.wrote != nil {
				s.wrote(len(b))
			}
		}
		s.hashed <- b
	}
}

// hashLoop hashes each written batch, in order, and hands it back.
func (s *spool) hashLoop() {
	defer close(s.done)
	for b := range s.hashed {
		if s.err.Load() == nil {
			s.h.Write(b)
		}
		s.free <- b[:0]
	}
}

// failed returns the first write error, if any.
func (s *spool) failed() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

// write copies p into the batch, handing full batches to writeLoop. It
// returns an earlier write's error, if any.
func (s *spool) write(p []byte) error {
	for len(p) > 0 {
		n := copy(s.buf[len(s.buf):cap(s.buf)], p)
		s.buf, p = s.buf[:len(s.buf)+n], p[n:]
		if len(s.buf) == cap(s.buf) {
			s.flush()
		}
	}
	return s.failed()
}

func (s *spool) flush() {
	if len(s.buf) == 0 {
		return
	}
	s.full <- s.buf
	s.buf = <-s.free
}

// close writes what is left, waits for writeLoop and hashLoop and returns the hash of
// everything written, or the first error. It may be called more than
// once; later calls return the first error only.
func (s *spool) close() ([]byte, error) {
	if s.shut {
		return nil, s.failed()
	}
	s.shut = true
	s.flush()
	close(s.full)
	<-s.done
	if err := s.failed(); err != nil {
		return nil, err
	}
	return s.h.Sum(nil), nil
}

// abort stops the spool without writing what is left.
func (s *spool) abort() {
	if !s.shut {
		err := errSpoolAborted
		s.err.CompareAndSwap(nil, &err)
	}
	s.close()
}
