package server

import (
	"bytes"
	"crypto/subtle"
	"maps"
	"sync"
	"time"
	"unsafe"

	"github.com/google/uuid"

	"wetalk/backend/room"
	"wetalk/backend/wire"
)

// seat is a member's place in the room as the room sees it (its
// room.Sink): it outlives the member's connection by the grace period, so
// that a member whose link dropped can resume. It numbers the counted
// frames it delivers (wire.Counted, from the first after the welcome) and
// keeps the most recent in an outbox, bounded in frames and bytes, to send
// again to a member that resumes after them.
type seat struct {
	clientID uuid.UUID            // set at join
	runs     *runs                // the server's run memory; nil: runs are allocated
	secret   []byte               // set at join; the welcome's Resume
	maxBytes int                  // most bytes the outbox keeps
	onEnd    func(m *room.Member) // called once when the seat ends (Close)

	mu      sync.Mutex
	m       *room.Member          // guarded by mu; set once joined
	peer    *peer                 // guarded by mu; nil while the seat is held
	sent    uint64                // guarded by mu; counted frames delivered so far
	box     []boxed               // guarded by mu; recent deliveries, oldest first
	whole   []boxed               // guarded by mu; box's whole array, box being its live part
	boxed   int                   // guarded by mu; bytes of frames in box
	own     int                   // guarded by mu; bytes the box itself holds: its entries and runs
	free    [][]byte              // guarded by mu; big runs acknowledged, for the next ones
	made    int                   // guarded by mu; big runs made (or taken from free), halved at each acknowledgement
	welcome bool                  // guarded by mu; the welcome went out (it is not counted)
	ended   bool                  // guarded by mu
	grace   *time.Timer           // guarded by mu; while held
	holds   uint64                // guarded by mu; how often the seat was held
	uploads map[uuid.UUID]*upload // guarded by mu; kept while held
}

// boxed is one delivery kept in the outbox, or a run of small ones: frames
// numbered from first.
type boxed struct {
	first  uint64 // number of its first counted frame
	n      uint64 // counted frames in it
	frames []byte // shared with the room (a delivery), or the seat's own (a run)
	mem    []byte // a run's memory, from its start (frames may begin later)
	run    bool
	cut    bool // a run whose oldest frames were dropped: it takes no more
	lent   bool // a run some of whose bytes were queued on the connection
}

// Outbox bounds. A delivery is kept by reference (the room encodes each
// broadcast once for everyone), which costs an entry per delivery and
// member: in a room of thousands, the join notices alone would make that
// grow with the square of the members. So deliveries of at most
// smallDelivery bytes (joined, left, presence, short messages) are copied
// into runs of the seat's own of up to runBytes, one entry per run, and a
// connected seat's outbox keeps at most liveOutbox bytes of its own (the
// frames that can be in flight when a link drops are far fewer). A held
// seat keeps everything up to maxBoxed entries and the seat's maxBytes.
const (
	maxBoxed      = 8192
	smallDelivery = 256
	smallRun      = 1 << 10
	runBytes      = 4 << 10
	liveOutbox    = 128 << 10
	entryBytes    = int(unsafe.Sizeof(boxed{}))
)

// runs is the seats' pool of small runs, shared by a server's seats: a
// small run acknowledged by one member's TCP goes back to it and is taken
// by the next seat that starts one (in a storm of joins every member
// starts one every presenceDelay). Memory still read by a queue must
// never be put.
type runs struct {
	small sync.Pool // of *[smallRun]byte
}

// get returns an empty small run. A nil pool allocates.
func (r *runs) get() []byte {
	if r != nil {
		if a, ok := r.small.Get().(*[smallRun]byte); ok {
			return a[:0]
		}
	}
	return new([smallRun]byte)[:0]
}

// put gives back a small run's memory (from its start).
func (r *runs) put(mem []byte) {
	if r != nil && cap(mem) == smallRun {
		r.small.Put((*[smallRun]byte)(mem[:smallRun]))
	}
}

func newSeat(p *peer, clientID uuid.UUID, secret []byte, maxBytes int, onEnd func(m *room.Member)) *seat {
	s := &seat{peer: p, clientID: clientID, secret: secret, maxBytes: maxBytes, onEnd: onEnd}
	p.seat = s // before p's write loop starts (Server.run)
	return s
}

// Deliver numbers and keeps frames, and queues them on the connection if
// there is one. It reports false (the room then disconnects the member)
// when the connection's queue is full, or while held, when the outbox
// would have to drop frames the member has not received.
func (s *seat) Deliver(frames []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return true
	}
	first, kept := s.sent+1, frames
	if t, n, ok := wire.Peek(frames); ok && t == wire.TypeWelcome && !s.welcome {
		s.welcome, kept = true, frames[n:] // not counted, never sent again
	}
	for b := kept; len(b) > 0; {
		t, n, ok := wire.Peek(b)
		if !ok {
			break
		}
		if wire.Counted(t) {
			s.sent++
		}
		b = b[n:]
	}
	out, run := frames, false
	if n := s.sent - first + 1; s.sent >= first {
		if copied := s.keep(first, n, kept); copied != nil && len(kept) == len(frames) && lazyFrame(frames) {
			// A presence frame waits in the queue (up to presenceDelay):
			// the peer writes the run's copy, and a storm of joins makes
			// one entry of its queue per run, not one per notice. Other
			// frames are written from the room's encoding: were the write
			// loop to read the run's bytes while the room appends to the
			// same cache lines, both would slow down (by a tenth of the
			// deliveries per second at saturation).
			out, run = copied, true
			s.box[len(s.box)-1].lent = true
		}
		for s.boxed > s.maxBytes || len(s.box) > maxBoxed || (s.peer != nil && s.own > liveOutbox) {
			if s.peer == nil {
				return false // held: the member would miss frames
			}
			if !s.dropOldest(n) {
				break
			}
		}
	}
	if s.peer == nil {
		return true
	}
	return s.peer.deliverNumbered(out, s.sent, run)
}

// keep adds a delivery of n counted frames, the first numbered first, to
// the outbox: a small one is copied to the end of the last run (or starts
// one), and keep returns the copy; nil for a delivery kept by reference.
// Caller holds mu.
func (s *seat) keep(first, n uint64, frames []byte) []byte {
	s.boxed += len(frames)
	if len(frames) > smallDelivery {
		s.push(boxed{first: first, n: n, frames: frames})
		s.own += entryBytes
		return nil
	}
	if last := len(s.box) - 1; last >= 0 && s.box[last].run && !s.box[last].cut && len(s.box[last].frames)+len(frames) <= cap(s.box[last].frames) {
		// Within the run's capacity: its bytes never move.
		b := &s.box[last]
		at := len(b.frames)
		b.frames = append(b.frames, frames...)
		b.n += n
		return b.frames[at:]
	}
	// A run is allocated whole, never grown. A seat that holds little (a
	// quiet member, a storm of join notices) takes a small one from the
	// server's pool. A busy one makes big ones, and reuses those its
	// member's TCP acknowledged, about as many as it makes between
	// acknowledgements: allocated afresh, runs were the most expensive step
	// of a broadcast at saturation, where an acknowledgement lets go of
	// them by the dozen.
	var mem []byte
	switch n := len(s.free); {
	case s.own < runBytes:
		mem = s.runs.get()
	case n > 0:
		mem, s.free[n-1] = s.free[n-1], nil
		s.free = s.free[:n-1]
		s.made++
	default:
		mem = make([]byte, 0, runBytes)
		s.made++
	}
	run := append(mem, frames...)
	s.push(boxed{first: first, n: n, frames: run, mem: run, run: true})
	s.own += entryBytes + cap(run)
	return run
}

// push appends an entry to the outbox. The outbox is a queue dropped from
// the front: when its array is full but mostly dropped, the entries slide
// back to its start instead of growing a new array each time. Caller
// holds mu.
func (s *seat) push(b boxed) {
	if len(s.box) == cap(s.box) {
		// cap(s.box) counts from the first live entry to the array's end.
		var all []boxed
		if front := cap(s.whole) - cap(s.box); s.whole != nil && front >= len(s.box) {
			all = s.whole[:len(s.box)]
			copy(all, s.box)
			clear(s.whole[len(s.box) : front+len(s.box)])
		} else {
			all = make([]boxed, len(s.box), 2*len(s.box)+8)
			copy(all, s.box)
			s.whole = all[:cap(all)]
		}
		s.box = all
	}
	s.box = append(s.box, b)
}

// dropOldest drops the oldest frame of a run, or the oldest delivery, but
// never any of the newest delivery's newest counted frames; false if
// nothing else is left. Caller holds mu.
func (s *seat) dropOldest(newest uint64) bool {
	if len(s.box) == 0 || s.sent-s.box[0].first+1 <= newest {
		return false
	}
	b := &s.box[0]
	if b.run {
		// A run behind the newest delivery goes whole (frame by frame, the
		// drops cost as much as the keeping); the newest's own run is cut.
		t, n, ok := wire.Peek(b.frames)
		if ok && n < len(b.frames) && len(s.box) == 1 {
			b.frames, b.cut = b.frames[n:], true
			s.boxed -= n
			s.own -= n // the view's capacity; the run's memory goes with its last frame
			if wire.Counted(t) {
				b.first++
				b.n--
			}
			return true
		}
	} else if len(s.box) == 1 {
		return false
	}
	// A run lent to the connection's queue is reused only once the
	// connection wrote it all (its frames may still wait in the queue).
	s.dropFirst(!b.lent || (s.peer != nil && b.first+b.n-1 <= s.peer.acks.written.Load()))
	return true
}

// dropFirst drops the oldest entry of the outbox whole. With reuse (its
// frames were written: no queue holds any of the run's bytes) a run's
// memory goes back to the pool or the seat's free runs. Caller holds mu.
func (s *seat) dropFirst(reuse bool) {
	b := &s.box[0]
	if b.run {
		s.own -= cap(b.frames)
		switch {
		case !reuse || b.mem == nil:
		case cap(b.mem) == smallRun:
			s.runs.put(b.mem)
		case cap(b.mem) == runBytes && len(s.free) < s.made:
			s.free = append(s.free, b.mem[:0])
		}
	}
	s.boxed -= len(b.frames)
	s.own -= entryBytes
	s.box[0] = boxed{}
	s.box = s.box[1:]
}

// acked lets go of the counted frames up to seq, which the member's TCP
// has acknowledged on p: they are on the member's machine. Only the
// seat's connection does so; a held seat keeps everything (what was
// acknowledged went before the link dropped). An entry that also holds
// later frames stays whole. quiet (nothing more is waiting for an
// acknowledgement) frees the array of the outbox's entries as well once
// it is empty: an idle member keeps nothing of it.
func (s *seat) acked(p *peer, seq uint64, quiet bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peer != p || s.ended {
		return
	}
	for len(s.box) > 0 && s.box[0].first+s.box[0].n-1 <= seq {
		s.dropFirst(true)
	}
	s.made /= 2 // a rate that lasts, not one burst
	if quiet && len(s.box) == 0 {
		s.box, s.whole, s.free, s.made = nil, nil, nil, 0
	}
}

// DeliverHistory numbers a late joiner's history frames and passes the
// history to the connection, which streams it. They are not kept in the
// outbox (that would be a copy of the history per joiner): a member whose
// link drops before it has them all cannot resume, and joins again.
func (s *seat) DeliverHistory(h room.History) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.sent += uint64(h.Len()) // message, file and image frames: all counted
	if s.peer != nil {
		s.peer.DeliverHistory(h)
	}
}

// Update passes a replaceable update (typing) to the connection, if there
// is one; it is not counted, kept or sent again.
func (s *seat) Update(frame []byte) {
	s.mu.Lock()
	p := s.peer
	s.mu.Unlock()
	if p != nil {
		p.Update(frame)
	}
}

// Close ends the seat: the member left or was removed. No resume is
// possible after it.
func (s *seat) Close(flush bool) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	p, m := s.peer, s.m
	if s.grace != nil {
		s.grace.Stop()
	}
	s.box, s.whole, s.free, s.boxed, s.own = nil, nil, nil, 0, 0
	ups := s.uploads
	s.uploads = nil
	s.mu.Unlock()
	abortAll(ups)
	if p != nil {
		p.Close(flush)
	}
	if m != nil {
		s.onEnd(m)
	}
}

// release detaches p, the seat's connection that just ended. With grace
// above 0 the seat is held that long, keeping ups (p's uploads in
// progress; abandoned otherwise), and expire is called unless the
// member resumed or left by then; held says so. ours is false when the
// seat is not p's any more (a resume took it over): then nothing is to be
// done for p's end, and ups are kept for the connection that resumed.
func (s *seat) release(p *peer, grace time.Duration, expire func(), ups map[uuid.UUID]*upload) (ours, held bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peer != p {
		// A resume took the seat over while p was still reading: its
		// uploads go to the new connection (Server.resume waits for this).
		if s.ended {
			abortAll(ups)
		} else if len(ups) > 0 {
			if s.uploads == nil {
				s.uploads = make(map[uuid.UUID]*upload, len(ups))
			}
			maps.Copy(s.uploads, ups)
		}
		return false, false
	}
	if s.ended || grace <= 0 || s.secret == nil {
		abortAll(ups)
		return true, false
	}
	s.uploads = ups
	s.peer = nil
	s.holds++
	hold := s.holds
	s.grace = time.AfterFunc(grace, func() {
		s.mu.Lock()
		still := !s.ended && s.peer == nil && s.holds == hold
		s.mu.Unlock()
		if still {
			expire()
		}
	})
	return true, true
}

// joined records the member the seat is for; false if the seat already
// ended (the room removed the member at once).
func (s *seat) joined(m *room.Member) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = m
	return !s.ended
}

// resume checks the proof and gives the seat to p: it queues on p a
// Resumed frame and every counted frame after the first after, then live
// frames follow. A connection that still held the seat (half-open) is
// closed. Errors: ErrBadResume for another client or a wrong secret,
// ErrResumeExpired when the seat ended or the outbox no longer has every
// frame after after.
func (s *seat) resume(p *peer, clientID uuid.UUID, secret []byte, after uint64) (*room.Member, *peer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	okID := subtle.ConstantTimeCompare(s.clientID[:], clientID[:]) == 1
	okSecret := subtle.ConstantTimeCompare(s.secret, secret) == 1
	if !okID || !okSecret {
		return nil, nil, wire.Errorf(wire.ErrBadResume, "the resume secret or client identity does not match that seat")
	}
	if s.ended || s.m == nil {
		return nil, nil, wire.ErrResumeExpired
	}
	if after > s.sent {
		return nil, nil, wire.Errorf(wire.ErrBadResume, "frame %d was never sent (only %d were)", after, s.sent)
	}
	var replay [][]byte
	var last []uint64 // the number of each replayed entry's last frame
	if after < s.sent {
		if len(s.box) == 0 || s.box[0].first > after+1 {
			return nil, nil, wire.Errorf(wire.ErrResumeExpired, "the frames after %d are no longer kept", after)
		}
		for _, b := range s.box {
			if b.first+b.n-1 <= after {
				continue
			}
			frames := b.frames
			// Skip the frames of this delivery the member has.
			for skip := after + 1 - min(after+1, b.first); skip > 0; {
				t, n, _ := wire.Peek(frames)
				if wire.Counted(t) {
					skip--
				}
				frames = frames[n:]
			}
			if b.run {
				// A run's memory is reused once it leaves the outbox.
				frames = bytes.Clone(frames)
			}
			replay = append(replay, frames)
			last = append(last, b.first+b.n-1)
		}
	}
	// The connection that held the seat may still be writing from the
	// runs' memory: none of it is reused.
	for i := range s.box {
		s.box[i].mem = nil
	}
	old := s.peer
	s.peer = p
	if s.grace != nil {
		s.grace.Stop()
		s.grace = nil
	}
	resumed, _ := wire.Encode(&wire.Resumed{Missed: s.sent - after})
	p.deliverNumbered(resumed, after, false)
	for i, b := range replay {
		p.deliverNumbered(b, last[i], false)
	}
	p.seat = s // before p's write loop starts (Server.run)
	return s.m, old, nil
}

// missed is how many counted frames a member that had after is sent again.
func (s *seat) missed(after uint64) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent - min(after, s.sent)
}

// unpark returns the uploads kept for the seat, if any.
func (s *seat) unpark() map[uuid.UUID]*upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	ups := s.uploads
	s.uploads = nil
	return ups
}
