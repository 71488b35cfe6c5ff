package transfer

import (
	"sync"
)

// feed tells the downloads of a file still being uploaded how many of its
// bytes are on disk and how the upload ended. Readers wait on the channel
// wait returns, which is closed (and replaced) at each change: no polling,
// and the bytes themselves come from the file, never from memory.
type feed struct {
	mu    sync.Mutex
	avail int64         // guarded by mu; bytes written to the file
	done  bool          // guarded by mu; the upload ended
	err   error         // guarded by mu; why it failed, nil if it completed
	wake  chan struct{} // guarded by mu; closed at the next change
}

func newFeed() *feed { return &feed{wake: make(chan struct{})} }

// state returns the bytes on disk, whether the upload ended (and why, if it
// failed), and a channel closed at the next change.
func (f *feed) state() (avail int64, done bool, err error, wake <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.avail, f.done, f.err, f.wake
}

// advance records n more bytes on disk.
func (f *feed) advance(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return
	}
	f.avail += int64(n)
	close(f.wake)
	f.wake = make(chan struct{})
}

// end records how the upload ended (err nil: complete). Only the first
// call counts.
func (f *feed) end(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return
	}
	f.done, f.err = true, err
	close(f.wake)
}
