package client

import "sync"

// refill makes the uploads fill the bulk queue (Client.bulk) in bursts.
// An upload reads its file into chunk frames and queues them; once the
// queue was full, each frame writeLoop took woke the upload for one more,
// on the other core: a context switch per 63 KiB chunk. With refill, an
// upload that finds the queue full waits until writeLoop has taken it
// down to a quarter, then fills it again in one go: on loopback the
// uploader spends 5-8% less CPU per GiB, with a third fewer context
// switches (docs/performance.md, "The uploader refills its queue in
// bursts").
//
// Every upload waiting is woken at once, and they queue in turn as before.
type refill struct {
	mu  sync.Mutex
	low chan struct{} // guarded by mu; closed when the queue is down to a quarter; nil: nobody waits
}

// wait returns a channel that is closed once the queue q is down to a
// quarter of its capacity, or nil if it already is.
func (r *refill) wait(q chan []byte) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Under mu: a took that sees the queue low after this closes what is
	// returned, so no wake-up is lost.
	if len(q) <= cap(q)/4 {
		return nil
	}
	if r.low == nil {
		r.low = make(chan struct{})
	}
	return r.low
}

// took is called by the queue's reader after it takes a frame from q: it
// wakes the uploads waiting once q is down to a quarter.
func (r *refill) took(q chan []byte) {
	if len(q) > cap(q)/4 {
		return
	}
	r.mu.Lock()
	if r.low != nil {
		close(r.low)
		r.low = nil
	}
	r.mu.Unlock()
}
