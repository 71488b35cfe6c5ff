package session

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"wetalk/backend/client"
	"wetalk/backend/profile"
	"wetalk/backend/wire"
)

// event returns the first room event of type typ, if any.
// first returns the first room event of type E.
func first[E client.Event](r *recorder) (E, bool) {
	for _, ev := range r.events {
		if ev, ok := ev.(E); ok {
			return ev, true
		}
	}
	var zero E
	return zero, false
}

func newXSession(t *testing.T, cfg Config) (*Session, *recorder) {
	t.Helper()
	prof, err := profile.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	cfg.Profile, cfg.Emitter, cfg.HostBind = prof, rec, "127.0.0.1"
	o := New(cfg)
	t.Cleanup(func() { o.Close() })
	return o.Session(), rec
}

// pair hosts a room in a and joins it from b.
func pair(t *testing.T, cfgA, cfgB Config) (a *Session, ra *recorder, b *Session, rb *recorder) {
	t.Helper()
	a, ra = newXSession(t, cfgA)
	if _, err := a.Host(HostRequest{Nickname: "Ann", RoomName: "Files"}); err != nil {
		t.Fatal(err)
	}
	inv, err := a.Invite()
	if err != nil {
		t.Fatal(err)
	}
	b, rb = newXSession(t, cfgB)
	if _, err := b.Join(JoinRequest{Nickname: "Bo", Address: inv.Link}); err != nil {
		t.Fatal(err)
	}
	return a, ra, b, rb
}

// stage shares data as the bridge does: streamed from a reader, here in
// short reads.
func stage(t *testing.T, s *Session, name string, data []byte, image bool) Transfer {
	t.Helper()
	tr, err := owner(s).ShareStream(name, int64(len(data)), image, io.NopCloser(iotest.HalfReader(bytes.NewReader(data))))
	if err != nil {
		t.Fatalf("ShareStream: %v", err)
	}
	return tr
}

func TestStagedUploadAndDownload(t *testing.T) {
	downloads := t.TempDir()
	a, ra, b, rb := pair(t, Config{}, Config{DownloadDir: downloads})
	data := make([]byte, 1<<20+12345)
	rand.Read(data)
	up := stage(t, a, "report.bin", data, false)
	ra.wait(t, "upload done", func(r *recorder) bool { return r.transfers[up.ID].State == StateDone })
	fileID := ra.transfers[up.ID].File
	if fileID == "" {
		t.Fatal("finished upload has no file id")
	}
	rb.wait(t, "file event", func(r *recorder) bool { _, ok := first[client.File](r); return ok })
	ev, _ := first[client.File](rb)
	if ev.ID != fileID || ev.Name != "report.bin" || ev.Size != int64(len(data)) {
		t.Fatalf("file event %+v, upload file %s", ev, fileID)
	}
	if _, err := os.Stat(filepath.Join(downloads, "report.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("downloaded before asked: %v", err)
	}

	down, err := b.Download(fileID)
	if err != nil {
		t.Fatal(err)
	}
	rb.wait(t, "download done", func(r *recorder) bool { return r.transfers[down.ID].State == StateDone })
	got, err := os.ReadFile(rb.transfers[down.ID].Path)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("downloaded file differs (%v)", err)
	}
	if filepath.Dir(rb.transfers[down.ID].Path) != downloads {
		t.Fatalf("saved to %s, want in %s", rb.transfers[down.ID].Path, downloads)
	}
	// Progress went forward and ended at the size.
	var last int64 = -1
	for _, tr := range rb.history {
		if tr.ID == down.ID {
			if tr.Done < last {
				t.Fatalf("progress went back: %d after %d", tr.Done, last)
			}
			last = tr.Done
		}
	}
	if last != int64(len(data)) {
		t.Fatalf("last progress %d, want %d", last, len(data))
	}
	if _, err := a.Recall(fileID); err != nil {
		t.Fatal(err)
	}
	rb.wait(t, "recalled", func(r *recorder) bool { _, ok := first[client.Recalled](r); return ok })
	if _, err := b.Download(fileID); !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("Download of a recalled file: %v", err)
	}
}

// png is a 1x1 PNG.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

func TestImageFetchedForDisplay(t *testing.T) {
	a, ra, b, rb := pair(t, Config{}, Config{})
	up := stage(t, a, "paste.png", png, true)
	ra.wait(t, "image sent", func(r *recorder) bool { return r.transfers[up.ID].State == StateDone })
	rb.wait(t, "image event", func(r *recorder) bool { _, ok := first[client.Image](r); return ok })
	ev, _ := first[client.Image](rb)
	if _, _, ok := owner(b).ImageFile(ev.ID); ok {
		t.Fatal("ImageFile before FetchImage")
	}
	var wg sync.WaitGroup
	urls := make([]string, 3)
	for i := range urls {
		wg.Go(func() {
			u, err := b.FetchImage(ev.ID)
			if err != nil {
				t.Error(err)
			}
			urls[i] = u
		})
	}
	wg.Wait()
	if want := MediaPrefix + ev.ID; urls[0] != want || urls[1] != want || urls[2] != want {
		t.Fatalf("FetchImage URLs %q, want %q", urls, want)
	}
	path, mime, ok := owner(b).ImageFile(ev.ID)
	if !ok || mime != "image/png" {
		t.Fatalf("ImageFile = %q %q %v", path, mime, ok)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, png) {
		t.Fatal("fetched image differs")
	}
	if len(rb.transfers) != 0 {
		t.Fatalf("fetching for display showed transfers: %+v", rb.transfers)
	}
	// A zip is no image: refused by the host, shown as failed.
	bad := stage(t, a, "x.png", []byte("PK\x03\x04 not an image at all"), true)
	ra.wait(t, "bad image refused", func(r *recorder) bool { return r.transfers[bad.ID].State == StateFailed })
	if c := ra.transfers[bad.ID].Error.Code; c != "bad_image" {
		t.Fatalf("code %q, want bad_image", c)
	}
	b.Leave()
	if _, _, ok := owner(b).ImageFile(ev.ID); ok {
		t.Fatal("ImageFile after leaving")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("fetched image kept after leaving: %v", err)
	}
}

// closer is a stream source that records its Close, which ends a Read
// waiting for bytes that will not come (as the bridge's streams do).
type closer struct {
	*io.PipeReader
	closed chan struct{}
}

func newCloser() (*closer, *io.PipeWriter) {
	r, w := io.Pipe()
	return &closer{PipeReader: r, closed: make(chan struct{})}, w
}

func (c *closer) Close() error {
	select {
	case <-c.closed:
	default:
		close(c.closed)
	}
	return c.PipeReader.Close()
}

// waitClosed fails the test if c is not closed soon (it is closed by a
// goroutine of the session).
func (c *closer) waitClosed(t *testing.T, what string) {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s was not closed", what)
	}
}

// isClosed reports whether c was closed.
func (c *closer) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func TestStreamRefusalsAndCancel(t *testing.T) {
	a, ra := newXSession(t, Config{MaxUpload: 1000})
	refused := func(what string, size int64, image bool, want error) {
		t.Helper()
		r, _ := newCloser()
		if _, err := owner(a).ShareStream(what, size, image, r); !errors.Is(err, want) || !r.isClosed() {
			t.Fatalf("%s: %v (source closed: %v), want %v", what, err, r.isClosed(), want)
		}
	}
	refused("outside a room", 10, false, ErrNotInRoom)
	if _, err := a.Host(HostRequest{Nickname: "Ann"}); err != nil {
		t.Fatal(err)
	}
	refused("over the host's limit", 1001, false, wire.ErrTooLarge)
	refused("an image over 20 MiB", 20<<20+1, true, wire.ErrTooLarge)
	refused("negative", -1, false, wire.ErrBadCommand)

	// Cancelled while the upload waits for bytes the page has not sent.
	r, w := newCloser()
	tr, err := owner(a).ShareStream("half", 100, false, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 50)); err != nil {
		t.Fatal(err)
	}
	if err := a.CancelTransfer(tr.ID); err != nil {
		t.Fatal(err)
	}
	ra.wait(t, "cancelled", func(r *recorder) bool { return r.transfers[tr.ID].State == StateCancelled })
	r.waitClosed(t, "the source of a cancelled upload")
	if _, err := w.Write(make([]byte, 5)); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("write after cancel: %v", err)
	}

	// An upload queued behind the host's limit of uploads at once (taken
	// by uploads whose bytes do not come) is cancelled at once.
	for range wire.MaxUploads {
		r, _ := newCloser()
		if _, err := owner(a).ShareStream("slow", 100, false, r); err != nil {
			t.Fatal(err)
		}
	}
	r, _ = newCloser()
	queued, err := owner(a).ShareStream("queued", 100, false, r)
	if err != nil || queued.State != StateWaiting {
		t.Fatalf("queued upload: %+v, %v", queued, err)
	}
	if err := a.CancelTransfer(queued.ID); err != nil {
		t.Fatal(err)
	}
	ra.mu.Lock()
	state := ra.transfers[queued.ID].State
	ra.mu.Unlock()
	if state != StateCancelled {
		t.Fatalf("a queued upload cancelled is %s", state)
	}
	r.waitClosed(t, "the source of a cancelled queued upload")

	// Left while the upload waits for bytes: leaving does not hang, and
	// the source is closed.
	r, _ = newCloser()
	if _, err := owner(a).ShareStream("stuck", 100, false, r); err != nil {
		t.Fatal(err)
	}
	a.Leave()
	if !r.isClosed() {
		t.Fatal("the source of an upload cut by leaving was not closed")
	}
	if _, err := a.Download("00000000-0000-4000-8000-000000000000"); !errors.Is(err, ErrNotInRoom) {
		t.Fatalf("Download after leaving: %v", err)
	}
}

// TestSharePathsChecksEveryPath: a folder, a missing file, a device, or
// (as a user whom permissions bind) an unreadable file is refused with
// no_such_file naming it, and then no path at all is shared.
func TestSharePathsChecksEveryPath(t *testing.T) {
	a, ra := newXSession(t, Config{})
	if _, err := a.Host(HostRequest{Nickname: "Ann"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, []byte("fine"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"folder":  dir,
		"missing": filepath.Join(dir, "missing.txt"),
		"device":  os.DevNull,
	}
	if os.Geteuid() != 0 {
		locked := filepath.Join(dir, "locked.txt")
		if err := os.WriteFile(locked, []byte("secret"), 0o000); err != nil {
			t.Fatal(err)
		}
		bad["unreadable"] = locked
	} else {
		t.Log("running as root: file permissions do not bind, the unreadable case is not tried")
	}
	for what, p := range bad {
		list, err := owner(a).SharePaths([]string{good, p})
		if !errors.Is(err, wire.ErrNoSuchFile) || len(list) != 0 || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, %v; want no_such_file naming %s and nothing shared", what, list, err, p)
		}
	}
	ra.mu.Lock()
	n := len(ra.history)
	ra.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d transfers started for refused paths", n)
	}
	list, err := owner(a).SharePaths([]string{good})
	if err != nil || len(list) != 1 || list[0].Name != "good.txt" || list[0].Size != 4 {
		t.Fatalf("SharePaths(good) = %+v, %v", list, err)
	}
	ra.wait(t, "shared", func(r *recorder) bool { return r.transfers[list[0].ID].State == StateDone })
}

func TestDownloadDirSetting(t *testing.T) {
	s, _ := newXSession(t, Config{DownloadDir: "/nowhere/default"})
	if d, err := s.DownloadDir(); err != nil || d != "/nowhere/default" {
		t.Fatalf("DownloadDir = %q, %v", d, err)
	}
	if _, err := s.SetDownloadDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing folder was accepted")
	}
	dir := t.TempDir()
	if d, err := s.SetDownloadDir(dir); err != nil || d != dir {
		t.Fatalf("SetDownloadDir = %q, %v", d, err)
	}
	if d, _ := s.DownloadDir(); d != dir {
		t.Fatalf("DownloadDir after setting = %q", d)
	}
	if d, _ := s.SetDownloadDir(""); d != "/nowhere/default" {
		t.Fatalf("reset to %q", d)
	}
	t.Setenv("XDG_DOWNLOAD_DIR", "$HOME/Fetched")
	t.Setenv("HOME", "/home/x")
	if d, err := SystemDownloads(); err != nil || d != "/home/x/Fetched" {
		t.Fatalf("SystemDownloads = %q, %v", d, err)
	}
}

func TestShareFileFromPath(t *testing.T) {
	a, ra, _, rb := pair(t, Config{}, Config{})
	path := filepath.Join(t.TempDir(), "notes.txt")
	data := bytes.Repeat([]byte("茶 tea\n"), 200_000)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := owner(a).ShareFile(filepath.Join(t.TempDir(), "missing"), ""); !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("ShareFile of a missing file: %v", err)
	}
	up, err := owner(a).ShareFile(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "notes.txt" || up.State != StateWaiting || up.Size != int64(len(data)) {
		t.Fatalf("ShareFile = %+v", up)
	}
	ra.wait(t, "upload done", func(r *recorder) bool { return r.transfers[up.ID].State == StateDone })
	if ra.transfers[up.ID].File == "" {
		t.Fatal("the finished upload has no file id")
	}
	rb.wait(t, "file event", func(r *recorder) bool { ev, ok := first[client.File](r); return ok && ev.Name == "notes.txt" })
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the shared file itself was touched: %v", err)
	}
}

// TestProgressMatchesTransfers feeds client progress events to a room's
// transfers: each goes to the transfer whose ref it carries, so two uploads
// of the same size started together each show their own progress (the
// second one moving first included); an upload's first event turns it from
// waiting (queued behind the host's limit) to active; events without a ref
// (image fetches) go nowhere; progress never goes back.
func TestProgressMatchesTransfers(t *testing.T) {
	rec := newRecorder()
	x := &transfers{s: &Session{cfg: Config{Emitter: rec}}, byID: map[string]*xfer{}, dirty: map[string]bool{}}
	add := func(tr Transfer) string {
		x.mu.Lock()
		defer x.mu.Unlock()
		t := &xfer{Transfer: tr}
		x.addLocked(t)
		return t.ID
	}
	ended := add(Transfer{Direction: client.DirectionUp, Size: 100, State: StateFailed})
	up1 := add(Transfer{Direction: client.DirectionUp, Size: 100, State: StateWaiting})
	up2 := add(Transfer{Direction: client.DirectionUp, Size: 100, State: StateWaiting})
	queued := add(Transfer{Direction: client.DirectionUp, Size: 100, State: StateWaiting})
	other := add(Transfer{Direction: client.DirectionUp, Size: 50, State: StateActive})
	down := add(Transfer{Direction: client.DirectionDown, File: "F", Size: 100, State: StateActive})
	feed := func(ref, dir, id string, done, total int64) {
		x.progress(client.Progress{Ref: ref, Direction: dir, Transfer: id, Done: done, Total: total})
		x.flush()
	}
	feed(up2, client.DirectionUp, "B", 0, 100)     // the younger of two same-sized uploads starts first
	feed(up2, client.DirectionUp, "B", 20, 100)    // and moves
	feed(up1, client.DirectionUp, "A", 0, 100)     // then the older one starts
	feed(up1, client.DirectionUp, "A", 30, 100)    // and on
	feed(other, client.DirectionUp, "C", 5, 50)    // another size
	feed(down, client.DirectionDown, "F", 40, 100) // a download
	feed("", client.DirectionDown, "F", 99, 100)   // an image fetch of the same file: nobody's
	feed(ended, client.DirectionUp, "S", 1, 100)   // a transfer that has ended: not moving again
	feed(up1, client.DirectionUp, "A", 25, 100)    // late and behind: ignored
	feed(up2, client.DirectionDown, "B", 50, 100)  // the wrong direction: ignored
	feed("t99", client.DirectionUp, "Z", 5, 100)   // no such transfer
	want := map[string]Transfer{
		ended:  {File: "", Done: 0, State: StateFailed},
		up1:    {File: "A", Done: 30, State: StateActive},
		up2:    {File: "B", Done: 20, State: StateActive},
		queued: {File: "", Done: 0, State: StateWaiting},
		other:  {File: "C", Done: 5, State: StateActive},
		down:   {File: "F", Done: 40, State: StateActive},
	}
	for id, w := range want {
		got := x.byID[id]
		if got.File != w.File || got.Done != w.Done || got.State != w.State {
			t.Errorf("%s: file %q done %d %s, want %q %d %s", id, got.File, got.Done, got.State, w.File, w.Done, w.State)
		}
	}
}

// TestShareSixFilesAtOnce shares six files in one go, more than the host
// takes at once (wire.MaxUploads): the ones beyond wait their turn, every
// one of the six is shared, and the other member receives six files.
func TestShareSixFilesAtOnce(t *testing.T) {
	a, ra, _, rb := pair(t, Config{}, Config{})
	dir := t.TempDir()
	var ids []string
	for i := range 6 {
		path := filepath.Join(dir, fmt.Sprintf("part%d.bin", i))
		// Big enough that the first uploads are still running when the
		// last ones are asked for.
		if err := os.WriteFile(path, bytes.Repeat([]byte{byte('a' + i)}, 3<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		up, err := owner(a).ShareFile(path, "")
		if err != nil {
			t.Fatalf("ShareFile %d: %v", i, err)
		}
		ids = append(ids, up.ID)
	}
	ra.wait(t, "six uploads ended", func(r *recorder) bool {
		for _, id := range ids {
			if s := r.transfers[id].State; s != StateDone && s != StateFailed && s != StateCancelled {
				return false
			}
		}
		return true
	})
	// Every one is done: the host refused none (a fifth upload_begin
	// while four run is refused with rate_limited, and the upload would
	// have failed). The emitted states are not counted: an upload turns
	// active when the client has its slot, and the first one turns done
	// when its goroutine has returned, which may come a moment after its
	// slot was given back (once in twenty runs, a fifth showed active).
	ra.mu.Lock()
	for _, id := range ids {
		if tr := ra.transfers[id]; tr.State != StateDone {
			t.Errorf("%s: %s %+v; want done", id, tr.State, tr.Error)
		}
	}
	ra.mu.Unlock()
	rb.wait(t, "six files", func(r *recorder) bool {
		n := 0
		for _, ev := range r.events {
			if _, ok := ev.(client.File); ok {
				n++
			}
		}
		return n == 6
	})
}

// TestSameSizedUploadsKeepTheirProgress runs two uploads of the same size at
// once in a real room: every progress the UI is shown for each names that
// upload's own file (no swapped bars), and never goes back.
func TestSameSizedUploadsKeepTheirProgress(t *testing.T) {
	a, ra, _, _ := pair(t, Config{}, Config{})
	one, two := bytes.Repeat([]byte("1"), 3<<20), bytes.Repeat([]byte("2"), 3<<20)
	var wg sync.WaitGroup
	var up1, up2 Transfer
	wg.Go(func() { up1 = stage(t, a, "one.bin", one, false) })
	wg.Go(func() { up2 = stage(t, a, "two.bin", two, false) })
	wg.Wait()
	ra.wait(t, "both uploads done", func(r *recorder) bool {
		return r.transfers[up1.ID].State == StateDone && r.transfers[up2.ID].State == StateDone
	})
	ra.mu.Lock()
	defer ra.mu.Unlock()
	final := map[string]string{up1.ID: ra.transfers[up1.ID].File, up2.ID: ra.transfers[up2.ID].File}
	if final[up1.ID] == "" || final[up1.ID] == final[up2.ID] {
		t.Fatalf("file ids %v", final)
	}
	done := map[string]int64{}
	moving := 0
	for _, tr := range ra.history {
		if tr.State != StateActive {
			continue
		}
		if tr.File != "" && tr.File != final[tr.ID] {
			t.Errorf("%s shown with the other upload's file %s", tr.ID, tr.File)
		}
		if tr.Done < done[tr.ID] {
			t.Errorf("%s went back from %d to %d", tr.ID, done[tr.ID], tr.Done)
		}
		if tr.File != "" {
			moving++
		}
		done[tr.ID] = tr.Done
	}
	if moving == 0 {
		t.Fatal("no progress was shown while uploading")
	}
}

// TestProgressIsPaced: progress alone reaches the UI at most every
// ProgressEvery; a new transfer and a new state go out with the next batch.
func TestProgressIsPaced(t *testing.T) {
	rec := newRecorder()
	clock := time.Unix(1000, 0)
	x := &transfers{s: &Session{cfg: Config{Emitter: rec, FlushAfter: 25 * time.Millisecond, ProgressEvery: 100 * time.Millisecond}}, byID: map[string]*xfer{}, dirty: map[string]bool{},
		now: func() time.Time { return clock }}
	x.mu.Lock()
	up := &xfer{Transfer: Transfer{Direction: client.DirectionUp, Size: 100, State: StateWaiting}}
	x.addLocked(up) // emitted at once
	x.mu.Unlock()
	states := func() int { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.history) }
	shown := func() Transfer { rec.mu.Lock(); defer rec.mu.Unlock(); return rec.transfers[up.ID] }
	feed := func(done int64) (later time.Duration, ok bool) {
		x.progress(client.Progress{Ref: up.ID, Direction: client.DirectionUp, Transfer: "F", Done: done, Total: 100})
		x.flush()
		return x.paced()
	}
	if n := states(); n != 1 {
		t.Fatalf("a new transfer: %d states shown, want 1", n)
	}
	clock = clock.Add(10 * time.Millisecond)
	if _, ok := feed(0); ok || states() != 2 || shown().State != StateActive {
		t.Fatalf("waiting → active: pending %v, %d states shown, shown %+v; want it shown at once", ok, states(), shown())
	}
	for i, done := range []int64{10, 20, 30} {
		clock = clock.Add(20 * time.Millisecond)
		later, ok := feed(done)
		if want := time.Duration(80-20*i) * time.Millisecond; !ok || later != want {
			t.Fatalf("progress %d, 20 ms after the last: pending %v in %v, want pending in %v", done, ok, later, want)
		}
	}
	if states() != 2 || shown().Done != 0 {
		t.Fatalf("progress within 100 ms of the last emit was shown: %d states shown, done %d", states(), shown().Done)
	}
	if later, ok := x.paced(); !ok || later != 40*time.Millisecond {
		t.Fatalf("paced: %v %v, want pending in 40ms", later, ok)
	}
	clock = clock.Add(40 * time.Millisecond)
	if x.flush(); states() != 3 || shown().Done != 30 {
		t.Fatalf("100 ms on: %d states shown, done %d; want the latest progress (30) shown", states(), shown().Done)
	}
	// Progress, then the upload ends before it is due: the end goes out at
	// once, with its state and size.
	clock = clock.Add(time.Millisecond)
	if _, ok := feed(60); !ok || states() != 3 {
		t.Fatalf("progress 1 ms after an emit: pending %v, %d states shown", ok, states())
	}
	// Another upload leaves the queue meanwhile: news, due with the next
	// batch, which takes the progress along.
	x.mu.Lock()
	up2 := &xfer{Transfer: Transfer{Direction: client.DirectionUp, Size: 100, State: StateWaiting}}
	x.addLocked(up2)
	x.mu.Unlock()
	if states() != 5 || shown().Done != 60 {
		t.Fatalf("a new transfer takes the progress along: %d states shown, done %d", states(), shown().Done)
	}
	clock = clock.Add(time.Millisecond)
	feed(70)
	x.progress(client.Progress{Ref: up2.ID, Direction: client.DirectionUp, Transfer: "G", Done: 0, Total: 100})
	if later, ok := x.paced(); !ok || later != 25*time.Millisecond {
		t.Fatalf("news waiting: paced %v %v, want FlushAfter (25ms)", later, ok)
	}
	x.mu.Lock()
	up.State, up.Done = StateDone, 100
	x.dirty[up.ID] = true
	x.emitLocked()
	x.mu.Unlock()
	if states() != 7 || shown().State != StateDone || shown().Done != 100 {
		t.Fatalf("the end: %d states shown, shown %+v", states(), shown())
	}
	if _, ok := x.paced(); ok {
		t.Fatal("nothing should be left to show")
	}
}

// TestPacedProgressIsShownWhenDue: progress held back by the pacing is
// shown once it is due, with nothing else happening in the room (an image
// upload has no file_progress events to carry it). The upload's reader
// stops at half, then at three quarters, until the UI has been shown that
// far: the first stop needs the timer the pump sets again after a flush
// that left progress waiting, the second the one a progress event sets
// when no flush is coming.
func TestPacedProgressIsShownWhenDue(t *testing.T) {
	a, ra := newXSession(t, Config{ProgressEvery: 300 * time.Millisecond})
	if _, err := a.Host(HostRequest{Nickname: "Ann", RoomName: "Paced"}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 2<<20)
	rand.Read(data)
	copy(data, png)
	stops := []int{len(data) / 2, len(data) * 3 / 4}
	release, gone := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(gone) }) // before the session closes, should the test fail
	stop := readerFunc(func(p []byte) (int, error) {
		select {
		case <-release:
			return 0, io.EOF
		case <-gone:
			return 0, errors.New("the test has ended")
		}
	})
	r := io.MultiReader(bytes.NewReader(data[:stops[0]]), stop, bytes.NewReader(data[stops[0]:stops[1]]), stop, bytes.NewReader(data[stops[1]:]))
	tr, err := owner(a).ShareStream("big.png", int64(len(data)), true, io.NopCloser(r))
	if err != nil {
		t.Fatal(err)
	}
	// The client reports each percent of the chunks it has sent (all but
	// the one the stop cuts): each stretch goes in far less than 300 ms, so
	// its last progress waits for the pacing. Slower, it is shown sooner.
	for _, at := range stops {
		ra.wait(t, fmt.Sprintf("progress near %d shown", at), func(r *recorder) bool { return r.transfers[tr.ID].Done >= int64(at)*8/10 })
		select {
		case release <- struct{}{}:
		case <-time.After(time.Minute):
			t.Fatal("the upload never read on") // a hang guard
		}
	}
	ra.wait(t, "upload done", func(r *recorder) bool { return r.transfers[tr.ID].State == StateDone })
}

// readerFunc is an io.Reader made of a function.
type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
