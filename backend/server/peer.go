package server

import (
	"crypto/tls"
	"net"
	"runtime"
	"sync"
	"time"

	"wetalk/backend/room"
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
	released     chan struct{}  // closed by Server.run once this connection let go of its seat
	chunks       wire.ChunkPool // the server's Chunk frame buffers: serve takes, writeLoop gives back; zero: none pooled
	// Set before writeLoop starts: the connection under the TLS, counting
	// what is written (nil in tests without one), and the seat whose
	// outbox lets go of what the member's TCP acknowledged.
	tcp  *countConn
	cork *wire.Cork // between conn and tcp: a batch's TLS records leave in one write
	seat *seat

	gather *sync.Pool // of *[]byte, the write loops' gathering buffers; nil: writeBatch allocates

	acks *acks

	mu      sync.Mutex
	queue   [][]byte      // guarded by mu
	bulk    [][]byte      // guarded by mu; Chunk frames: written after queue, chunkBurst per round
	queued  int           // guarded by mu; bytes in queue, Chunk frames aside
	updates []int         // guarded by mu; indices in queue of replaceable updates, ascending
	seq     uint64        // guarded by mu; the seat's number of the last counted frame queued
	runTail bool          // guarded by mu; the queue's last entry is in a seat's run
	closing bool          // guarded by mu
	flush   bool          // guarded by mu; write the queue before closing
	within  time.Duration // guarded by mu; if set, the flush's whole time limit
	// A wake-up for presence frames, held back up to presenceDelay so that
	// a burst of joins costs a member one write, not one per join.
	lazy      *time.Timer // guarded by mu; made on first use, signals on firing
	lazyArmed bool        // guarded by mu; lazy will fire: no need to signal

	// A late joiner's history, streamed as the member reads: histHead
	// frames of the queue go before it, the rest after.
	hist     room.History // guarded by mu
	histNext int          // guarded by mu; the next frame of hist to write
	histHead int          // guarded by mu
}

// chunkBurst is how many Chunk frames writeLoop writes per round, after
// everything else queued: chat and other frames overtake the downloads'
// chunks, and wait behind at most one round of them (about 256 KiB)
// rather than behind all that the downloads' credit allows (up to
// wire.MaxWindow chunks, 4 MiB). On a link slower than about 26 MB/s a
// round is fewer, down to one (wire.Pace, in writeLoop).
const chunkBurst = 4

// histBurst is about how many bytes of history writeLoop takes per round:
// what one non-reading joiner can hold of the host's memory beyond its
// queue is this and the gathering buffer, whatever the history's length.
const histBurst = 64 << 10

// closeFlushTimeout bounds the flush of the error frame that tells a peer
// why it is being closed: a peer that broke the protocol may well not
// read, and is not waited for longer.
const closeFlushTimeout = 2 * time.Second

func newPeer(raw net.Conn, conn *tls.Conn, limit int, writeTimeout time.Duration) *peer {
	return &peer{
		raw: raw, conn: conn, limit: limit, writeTimeout: writeTimeout,
		wake:     make(chan struct{}, 1),
		released: make(chan struct{}),
		acks:     new(acks),
	}
}

// Deliver queues frames without blocking. A frame larger than the limit is
// still taken when the queue is empty (a late joiner's history), so only a
// member who stops reading ever fills it. Queued updates are dropped first
// to make room.
func (p *peer) Deliver(frames []byte) bool { return p.deliver(frames, 0, false) }

// deliverNumbered queues frames the seat numbered, seq being the number
// of the last counted frame in them (or before them). run says they are
// in the seat's run memory, which never moves: frames that follow the
// last queued run frames in memory are queued as one entry with them.
func (p *peer) deliverNumbered(frames []byte, seq uint64, run bool) bool {
	return p.deliver(frames, seq, run)
}

// deliverChunk queues a download's Chunk frame. Chunk frames do not count
// against the limit: the downloads' credit bounds them (transfers.maxCredit),
// and a window that fills a long path must not make the member look stalled.
// They queue apart, and the member's other frames overtake them (see
// chunkBurst): a transfer's chunks keep their order, and the frames about
// a transfer that may follow its chunks (abort, file_done, recalled) end
// or complete it whatever chunks are still to come.
func (p *peer) deliverChunk(frame []byte) bool {
	p.mu.Lock()
	if !p.closing {
		p.bulk = append(p.bulk, frame)
	}
	p.mu.Unlock()
	p.signal()
	return true
}

// presenceDelay is how long a member's presence frames (joined, left,
// presence) may wait to be written with whatever comes next: in a room of
// thousands, a storm of joins would otherwise cost every member one write
// (a TLS record and a system call) per join. Any other frame is written at
// once and takes the waiting ones along; the order never changes.
const presenceDelay = 200 * time.Millisecond

// lazyFrame reports whether frames is one presence frame, which may wait
// up to presenceDelay.
func lazyFrame(frames []byte) bool {
	t, n, ok := wire.Peek(frames)
	return ok && n == len(frames) && (t == wire.TypeJoined || t == wire.TypeLeft || t == wire.TypePresence)
}

func (p *peer) deliver(frames []byte, seq uint64, run bool) bool {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return true
	}
	if p.queued > 0 && p.queued+len(frames) > p.limit {
		p.dropUpdates()
	}
	if p.queued > 0 && p.queued+len(frames) > p.limit {
		p.mu.Unlock()
		return false
	}
	if n := len(p.queue); run && p.runTail && follows(p.queue[n-1], frames) {
		p.queue[n-1] = p.queue[n-1][:len(p.queue[n-1])+len(frames)]
	} else {
		p.queue = append(p.queue, frames)
	}
	p.runTail = run
	p.queued += len(frames)
	p.seq = max(p.seq, seq)
	if lazyFrame(frames) {
		if !p.lazyArmed {
			p.lazyArmed = true
			if p.lazy == nil {
				p.lazy = time.AfterFunc(presenceDelay, p.signal)
			} else {
				p.lazy.Reset(presenceDelay)
			}
		}
		p.mu.Unlock()
		return true
	}
	p.mu.Unlock()
	p.signal()
	return true
}

// follows reports whether b starts in memory right where a ends.
func follows(a, b []byte) bool {
	return len(b) > 0 && len(a) < cap(a) && &a[:len(a)+1][len(a)] == &b[0]
}

// DeliverHistory queues h after what is queued; writeLoop streams it
// without copying, a burst at a time, and writes what is queued later
// after it.
func (p *peer) DeliverHistory(h room.History) {
	if h.Len() == 0 {
		return
	}
	p.mu.Lock()
	p.hist, p.histNext, p.histHead = h, 0, len(p.queue)
	p.runTail = false // what comes next goes after the history
	p.mu.Unlock()
	p.signal()
}

// Update queues a replaceable update unless it does not fit: an update
// never makes a member count as stalled.
func (p *peer) Update(frame []byte) {
	p.mu.Lock()
	if p.closing || p.queued+len(frame) > p.limit {
		p.mu.Unlock()
		return
	}
	p.updates = append(p.updates, len(p.queue))
	p.queue = append(p.queue, frame)
	p.runTail = false
	p.queued += len(frame)
	p.mu.Unlock()
	p.signal()
}

// dropUpdates removes the queued updates. Caller holds mu.
func (p *peer) dropUpdates() {
	if len(p.updates) == 0 {
		return
	}
	kept, next, head := p.queue[:0], 0, p.histHead
	for i, b := range p.queue {
		if next < len(p.updates) && p.updates[next] == i {
			next++
			p.queued -= len(b)
			if i < head { // it was to go before a streamed history
				p.histHead--
			}
			continue
		}
		kept = append(kept, b)
	}
	clear(p.queue[len(kept):])
	p.queue, p.updates = kept, p.updates[:0]
	p.runTail = false
}

// Close ends the connection, after writing what is queued if flush is set.
// A flush already asked for is not cut short by a later Close(false): the
// room disconnects a member whose read loop ended on a protocol error, and
// the error frame must still go out (the flush is bounded in time).
func (p *peer) Close(flush bool) {
	p.mu.Lock()
	if !p.closing {
		p.closing, p.flush = true, flush
	}
	flush = p.flush
	p.mu.Unlock()
	if !flush {
		p.raw.Close()
	}
	p.signal()
}

// closeWith queues a last frame (the error that says why) and closes the
// connection once it is written, or after within at most.
func (p *peer) closeWith(frame []byte, within time.Duration) {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return
	}
	p.queue = append(p.queue, frame)
	p.queued += len(frame)
	p.runTail = false
	p.closing, p.flush, p.within = true, true, within
	p.mu.Unlock()
	p.signal()
}

func (p *peer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// writeLoop is the only writer of the connection. Each wake-up takes the
// whole queue and writes it gathered in chunks of up to wire.GatherSize bytes,
// so a burst costs one TLS record per 16 KiB rather than one per frame. It
// returns when the peer is closed or a write fails, and closes the
// connection either way.
func (p *peer) writeLoop() error {
	defer p.stopLazy()
	var batch [][]byte
	var deadline time.Time // of the connection's writes, as last set
	var wrote uint64       // the seat's number of the last counted frame written
	// The downloads' rounds and the kernel's unsent bytes are sized to the
	// member's link (wire.Pace), so that its chat waits behind about as
	// much of a download on a slow link as on a fast one. (Chunks are not
	// split, as the member counts each against its credit: a round is at
	// least one.)
	var pace wire.Pace
	unsent := wire.UnsentLimit
	for range p.wake {
		burst := min(max(pace.Round(chunkBurst*wire.ChunkFrameSize)/wire.ChunkFrameSize, 1), chunkBurst)
		p.mu.Lock()
		closing, flush, within := p.closing, p.flush, p.within
		more, chunks := false, false
		seq := uint64(0) // a history's burst: its frames' numbers are not known here
		if p.histNext < p.hist.Len() && !closing {
			batch, more = p.takeHistory(batch[:0])
		} else {
			seq = p.seq
			// Closing drops what is left of a history: the last frames
			// (kicked, closed, an error) are what matter.
			p.hist = room.History{}
			batch, p.queue = p.queue, batch[:0]
			p.queued, p.updates, p.runTail = 0, p.updates[:0], false
			p.lazyArmed = false // what waited goes now; the timer's wake-up finds less
		}
		others := len(batch) // frames other than chunks
		if closing {
			p.bulk = nil // a download's chunks are of no use to a member leaving
		} else if !more {
			batch, chunks = p.takeChunks(batch, burst)
		}
		p.mu.Unlock()

		// A batch of frames none counted (a pong: a heartbeat) is a
		// quiet moment to look at what earlier batches had acknowledged,
		// and to let go of the arrays a burst grew
		// (the acknowledgement timer does so while batches come; asking
		// the kernel before each batch cost 7% of the host's time at
		// saturation).
		quiet := seq == wrote && others > 0
		if quiet {
			p.letGo()
		}
		wrote = max(wrote, seq)
		bulk := 0 // bytes of chunks in batch
		for _, b := range batch[others:] {
			bulk += len(b)
		}
		if u := pace.Unsent(); bulk > 0 && u != unsent && p.tcp != nil {
			wire.SetUnsent(p.tcp.Conn, u)
			unsent = u
		}
		if !closing || flush {
			dl := &deadline
			if within > 0 {
				p.conn.SetWriteDeadline(time.Now().Add(within))
				dl = nil // the whole flush has that long
			}
			var err error
			if err = p.writeBatch(batch, dl); err != nil {
				p.abort()
				return err
			}
		}
		if bulk > 0 {
			pace.Wrote(bulk, chunks, time.Now())
		}
		for _, b := range batch {
			if wire.IsChunkFrame(b, wire.TypeChunk) {
				p.chunks.Put(b)
			}
		}
		clear(batch)
		if !closing || flush {
			// Only now: once written (and acknowledged), the runs the
			// batch was written from are reused.
			if seq > p.acks.written.Load() {
				p.acks.written.Store(seq)
			}
			p.marked(seq)
		}
		if quiet {
			p.shrink()
			batch = nil
		}
		if more {
			p.signal()
			// The history is bulk: before its next burst, let what is
			// runnable run first (write loops woken with live frames,
			// read loops), so a member's delivery waits behind about a
			// burst per core rather than behind whole histories.
			runtime.Gosched()
		} else if chunks {
			p.signal() // the next round takes what was queued meanwhile first
		}
		if closing {
			if flush {
				if within == 0 {
					p.conn.SetWriteDeadline(time.Now().Add(p.writeTimeout))
				}
				p.conn.Close() // sends close_notify
			}
			p.raw.Close()
			return nil
		}
	}
	return nil
}

// shrink lets go of the queue's array at a quiet moment (a batch of
// uncounted frames: a heartbeat), if it is empty; writeLoop drops its
// batch's. A burst grows them to hundreds of frames, which an idle member
// would otherwise keep for good (dropped after every batch instead, they
// were regrown by append under the lock the room delivers under, and
// saturation lost a tenth of its deliveries per second).
func (p *peer) shrink() {
	p.mu.Lock()
	if len(p.queue) == 0 {
		p.queue = nil
	}
	if len(p.updates) == 0 {
		p.updates = nil
	}
	p.mu.Unlock()
}

// stopLazy stops the presence timer once nothing is written any more.
func (p *peer) stopLazy() {
	p.mu.Lock()
	if p.lazy != nil {
		p.lazy.Stop()
	}
	p.lazyArmed = true // nothing arms it again
	p.mu.Unlock()
	p.stopAcks()
}

// takeChunks appends to batch the first burst Chunk frames queued (at
// most chunkBurst), and reports whether more are left. Caller holds mu.
func (p *peer) takeChunks(batch [][]byte, burst int) ([][]byte, bool) {
	n := min(len(p.bulk), burst)
	batch = append(batch, p.bulk[:n]...)
	m := copy(p.bulk, p.bulk[n:])
	clear(p.bulk[m:])
	p.bulk = p.bulk[:m]
	return batch, m > 0
}

// takeHistory appends to batch the frames queued before the history and
// the next burst of the history, and reports whether anything is left to
// write (more of the history, or frames queued behind it: their wake-up
// may have been taken by the history's). Caller holds mu.
func (p *peer) takeHistory(batch [][]byte) ([][]byte, bool) {
	for _, f := range p.queue[:p.histHead] {
		batch = append(batch, f)
		p.queued -= len(f)
	}
	n := copy(p.queue, p.queue[p.histHead:])
	clear(p.queue[n:])
	p.queue = p.queue[:n]
	p.runTail = p.runTail && n > 0
	// Updates queued behind the history move with their frames.
	kept := p.updates[:0]
	for _, i := range p.updates {
		if i >= p.histHead {
			kept = append(kept, i-p.histHead)
		}
	}
	p.updates = kept
	p.histHead = 0
	for size := 0; size < histBurst && p.histNext < p.hist.Len(); p.histNext++ {
		f := p.hist.Frame(p.histNext)
		batch = append(batch, f)
		size += len(f)
	}
	if p.histNext < p.hist.Len() {
		return batch, true
	}
	p.hist, p.histNext = room.History{}, 0
	return batch, len(p.queue) > 0
}

// writeBatch writes the frames of batch with wire.Gather, in a gathering
// buffer of the server's pool: a member keeps none between batches.
// Corked, the batch's TLS records (four for a chunk) leave in one write to
// the socket, not one each; all of it is written when writeBatch returns.
func (p *peer) writeBatch(batch [][]byte, deadline *time.Time) error {
	if p.cork == nil { // tests without a connection
		return p.gatherBatch(batch, deadline)
	}
	return p.cork.Corked(func() error { return p.gatherBatch(batch, deadline) })
}

func (p *peer) gatherBatch(batch [][]byte, deadline *time.Time) error {
	write := func(b []byte) error { return p.write(b, deadline) }
	if len(batch) < 2 || p.gather == nil {
		_, err := wire.Gather(batch, nil, write)
		return err
	}
	bp := p.gather.Get().(*[]byte)
	buf, err := wire.Gather(batch, (*bp)[:0], write)
	*bp = buf[:0]
	p.gather.Put(bp)
	return err
}

// write writes b to the connection. Moving the write deadline costs a timer
// update, so it is moved only when less than 7/8 of WriteTimeout is left:
// each write still gets at least that long. A nil deadline leaves the
// connection's as it is.
func (p *peer) write(b []byte, deadline *time.Time) error {
	if now := time.Now(); deadline != nil && deadline.Sub(now) < p.writeTimeout-p.writeTimeout/8 {
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
	p.queue, p.queued, p.bulk = nil, 0, nil
	p.mu.Unlock()
	p.raw.Close()
}
