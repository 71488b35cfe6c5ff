package server

import (
	"crypto/tls"
	"net"
	"sync"
	"time"

	"wetalk/backend/wire"
)

// peer is a member's connection as the room sees it: a room.Sink whose
// queue is bounded in bytes and drained by writeLoop.
type peer struct {
	raw          net.Conn // the TCP connection; closing it unblocks everything
	conn         *tls.Conn
	limit        int            // most bytes queued before the member counts as stalled
	writeTimeout time.Duration  // for each write to the socket
	wake         chan struct{}  // capacity 1: "the queue changed"
	chunks       wire.ChunkPool // Chunk frames' buffers: serve takes, writeLoop gives back

	mu      sync.Mutex
	queue   [][]byte // guarded by mu
	queued  int      // guarded by mu; bytes in queue, Chunk frames aside
	closing bool     // guarded by mu
	flush   bool     // guarded by mu; write the queue before closing
}

func newPeer(raw net.Conn, conn *tls.Conn, limit int, writeTimeout time.Duration) *peer {
	return &peer{
		raw: raw, conn: conn, limit: limit, writeTimeout: writeTimeout,
		wake:   make(chan struct{}, 1),
		chunks: wire.NewChunkPool(wire.MaxWindow),
	}
}

// Deliver queues frames without blocking. A frame larger than the limit is
// still taken when the queue is empty (a late joiner's history), so only a
// member who stops reading ever fills it.
func (p *peer) Deliver(frames []byte) bool { return p.deliver(frames, false) }

// deliverChunk queues a download's Chunk frame. Chunk frames do not count
// against the limit: the downloads' credit bounds them (transfers.maxCredit),
// and a window that fills a long path must not make the member look stalled.
func (p *peer) deliverChunk(frame []byte) bool { return p.deliver(frame, true) }

func (p *peer) deliver(frames []byte, chunk bool) bool {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return true
	}
	if !chunk && p.queued > 0 && p.queued+len(frames) > p.limit {
		p.mu.Unlock()
		return false
	}
	p.queue = append(p.queue, frames)
	if !chunk {
		p.queued += len(frames)
	}
	p.mu.Unlock()
	p.signal()
	return true
}

// Close ends the connection, after writing what is queued if flush is set.
func (p *peer) Close(flush bool) {
	p.mu.Lock()
	if !p.closing {
		p.closing, p.flush = true, flush
	}
	p.mu.Unlock()
	if !flush {
		p.raw.Close()
	}
	p.signal()
}

func (p *peer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// writeChunk is the most bytes writeLoop gathers for one write: a TLS
// record's payload, since each record is a write to the socket of its own
// anyway. The gathering buffer thus never grows past it.
const writeChunk = 16 << 10

// writeLoop is the only writer of the connection. Each wake-up takes the
// whole queue and writes it gathered in chunks of up to writeChunk bytes,
// so a burst costs one TLS record per 16 KiB rather than one per frame. It
// returns when the peer is closed or a write fails, and closes the
// connection either way.
func (p *peer) writeLoop() error {
	var out []byte
	var batch [][]byte
	var deadline time.Time // of the connection's writes, as last set
	for range p.wake {
		p.mu.Lock()
		batch, p.queue = p.queue, batch[:0]
		p.queued = 0
		closing, flush := p.closing, p.flush
		p.mu.Unlock()

		if !closing || flush {
			var err error
			if out, err = p.writeBatch(batch, out[:0], &deadline); err != nil {
				p.abort()
				return err
			}
		}
		for _, b := range batch {
			if wire.IsChunkFrame(b, wire.TypeChunk) {
				p.chunks.Put(b)
			}
		}
		clear(batch)
		if closing {
			if flush {
				p.conn.SetWriteDeadline(time.Now().Add(p.writeTimeout))
				p.conn.Close() // sends close_notify
			}
			p.raw.Close()
			return nil
		}
	}
	return nil
}

// writeBatch writes the frames of batch, gathered in buf up to writeChunk
// bytes at a time; a lone frame, or one of writeChunk bytes or more, is
// written as it is, without a copy (frames are never modified). It returns
// buf for reuse.
func (p *peer) writeBatch(batch [][]byte, buf []byte, deadline *time.Time) ([]byte, error) {
	for _, b := range batch {
		if len(buf) > 0 && len(buf)+len(b) > writeChunk {
			if err := p.write(buf, deadline); err != nil {
				return buf, err
			}
			buf = buf[:0]
		}
		if len(batch) == 1 || len(b) >= writeChunk {
			if err := p.write(b, deadline); err != nil {
				return buf, err
			}
			continue
		}
		buf = append(buf, b...)
	}
	if len(buf) > 0 {
		return buf[:0], p.write(buf, deadline)
	}
	return buf, nil
}

// write writes b to the connection. Moving the write deadline costs a timer
// update, so it is moved only when less than 7/8 of WriteTimeout is left:
// each write still gets at least that long.
func (p *peer) write(b []byte, deadline *time.Time) error {
	if now := time.Now(); deadline.Sub(now) < p.writeTimeout-p.writeTimeout/8 {
		*deadline = now.Add(p.writeTimeout)
		p.conn.SetWriteDeadline(*deadline)
	}
	_, err := p.conn.Write(b)
	return err
}

// abort marks the peer closed after a failed write and drops the socket.
func (p *peer) abort() {
	p.mu.Lock()
	p.closing = true
	p.queue, p.queued = nil, 0
	p.mu.Unlock()
	p.raw.Close()
}
