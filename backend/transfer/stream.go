package transfer

import "os"

// Files of streamMin bytes or more are streamed past the page cache: the
// bytes a large upload or download wrote, and those a download read, are
// handed back to the kernel streamLag behind the stream's position. A
// shared 4 GiB file then does not push the host's own work out of memory,
// and the pages the stream gives back are the next ones it takes: the
// kernel does not have to find (and, in a virtual machine, have the
// hypervisor back) fresh memory for every byte. Smaller files stay in the
// cache, where the members who download them next find them.
//
// Pages are handed back in aligned steps of streamStep: the kernel keeps
// a file's bytes in folios of up to 2 MiB, each aligned to its size, and
// skips any folio that straddles an end of the range it is told to drop.
//
// The shorter the lag, the sooner a page comes back to be written again,
// and the likelier the CPU's cache still holds it: 4 MiB instead of 8
// made both legs 2–3% faster, with about 0.05 CPU-s/GiB less of the
// writer's system time (docs/performance.md, "The drop-behind's lag
// halved"). What it drops was written four 1 MiB batches or more before,
// so its wait for the disk is short.
const (
	streamMin  = 64 << 20
	streamLag  = 4 << 20
	streamStep = 2 << 20
)

// stepDown rounds off down to a multiple of streamStep.
func stepDown(off int64) int64 { return off &^ (streamStep - 1) }

// dropBehind hands a large file's pages back to the kernel behind a
// stream through it. Its methods do nothing on a nil dropBehind (a small
// file) or where the system has no such advice (see stream_other.go). It
// is used by one goroutine at a time.
type dropBehind struct {
	f       *os.File
	pos     int64 // where the stream is
	dropped int64 // the pages before this offset were handed back
}

// newDropBehind returns a dropBehind for a stream through f from its
// start (see from), or nil when the file (size bytes) is small enough to
// stay cached.
func newDropBehind(f *os.File, size int64) *dropBehind {
	if size < streamMin {
		return nil
	}
	return &dropBehind{f: f}
}

// from moves the stream to off, keeping what was handed back.
func (d *dropBehind) from(off int64) {
	if d != nil {
		d.pos, d.dropped = off, min(d.dropped, stepDown(off))
	}
}

// wrote records that n more bytes were written at the stream's position:
// it starts writing them to the disk, and hands back the pages of those
// written streamLag before, once they are on the disk.
func (d *dropBehind) wrote(n int) {
	if d == nil {
		return
	}
	startWriteback(d.f, d.pos, int64(n))
	d.pos += int64(n)
	if end := stepDown(d.pos - streamLag); end > d.dropped {
		dropWritten(d.f, d.dropped, end-d.dropped)
		d.dropped = end
	}
}

// read records that the stream read up to end, and hands back the pages
// streamLag before it. A read behind what was handed back (a resumed
// download) starts the count again from there.
func (d *dropBehind) read(end int64) {
	if d == nil {
		return
	}
	if end < d.dropped {
		d.dropped = stepDown(max(end-streamLag, 0))
	}
	if to := stepDown(end - streamLag); to > d.dropped {
		dropCached(d.f, d.dropped, to-d.dropped)
		d.dropped = to
	}
}

// streamReader reads a file and hands back the pages it read (a large
// file's; see dropBehind). Its reads are to come in order, one at a time.
type streamReader struct {
	f  *os.File
	db *dropBehind
}

func (s streamReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.f.ReadAt(p, off)
	s.db.read(off + int64(n))
	return n, err
}

// flushEvery is how many bytes of a large download a flusher lets be
// written before it asks for them to be made durable.
var flushEvery int64 = 64 << 20

// flushData makes what was written to f durable. (*os.File).Sync holds
// the file open while it runs, so a Close meanwhile cannot hand its
// descriptor to another file. A variable, for tests to count its calls.
var flushData = (*os.File).Sync

// flusher makes a large download durable as it arrives. A download ends
// with a Sync before the file takes its final name, so that a file the
// user was told is complete is on the disk; for a file written at a few
// hundred MB/s, the disk (or, in a virtual machine, the host's cache
// behind it) may then still hold a GiB to write, and that Sync took up
// to a quarter of the download (docs/performance.md). A flusher asks
// for every flushEvery bytes to be made durable, on a goroutine of its
// own while the writes go on, so the last Sync finds little left. Its
// methods do nothing on a nil flusher (a small file).
type flusher struct {
	f     *os.File
	kick  chan struct{} // capacity 1: flush what was written
	done  chan struct{} // closed when loop has ended
	since int64         // bytes written since the last kick; the writer's
}

// startFlusher returns a flusher for a download of size bytes into f, or
// nil for a file small enough to be synced at once at the end.
func startFlusher(f *os.File, size int64) *flusher {
	if size < streamMin {
		return nil
	}
	fl := &flusher{f: f, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go fl.loop()
	return fl
}

func (fl *flusher) loop() {
	defer close(fl.done)
	for range fl.kick {
		// An error here is found again by the Sync that ends the
		// download, which reports it.
		flushData(fl.f)
	}
}

// wrote records that n more bytes were written.
func (fl *flusher) wrote(n int) {
	if fl == nil {
		return
	}
	if fl.since += int64(n); fl.since >= flushEvery {
		fl.since = 0
		select {
		case fl.kick <- struct{}{}:
		default: // a flush is under way; the next one takes these too
		}
	}
}

// stop ends the flusher once a flush under way is done, and with wait
// waits for that. It is called once, after the last wrote: with wait
// before the Sync that ends a download, without before closing one cut
// short (a cancel does not wait for a disk).
func (fl *flusher) stop(wait bool) {
	if fl != nil {
		close(fl.kick)
		if wait {
			<-fl.done
		}
	}
}
