package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/secure"
	"wetalk/backend/server"
	"wetalk/backend/wire"
)

// randomFile writes size pseudo-random bytes to a new file in a temporary
// folder, streaming (never the whole file in memory), and returns its path
// and SHA-256 in hex.
func randomFile(t testing.TB, size int64, seed uint64) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "random.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(int64(len(buf)), left)
		rng.Read(buf[:n])
		h.Write(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			t.Fatal(err)
		}
		left -= n
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

func fileSum(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// watcher reads a member's events in the background so that transfers'
// progress events never back up, keeps the peak heap seen at each progress
// event, and passes on the other events.
type watcher struct {
	events   chan client.Event    // everything but progress
	progress chan client.Progress // progress, when asked for with watch
	mu       sync.Mutex
	peak     uint64 // guarded by mu; largest HeapInuse seen
	done     chan struct{}
}

func watch(m *member, wantProgress bool) *watcher {
	w := &watcher{events: make(chan client.Event, 4096), done: make(chan struct{})}
	if wantProgress {
		w.progress = make(chan client.Progress, 1024)
	}
	go func() {
		defer close(w.done)
		var ms runtime.MemStats
		for ev := range m.c.Events() {
			p, ok := ev.(client.Progress)
			if !ok {
				w.events <- ev
				continue
			}
			runtime.ReadMemStats(&ms)
			w.mu.Lock()
			w.peak = max(w.peak, ms.HeapInuse)
			w.mu.Unlock()
			if w.progress != nil {
				select {
				case w.progress <- p:
				default:
				}
			}
		}
	}()
	return w
}

func (w *watcher) peakHeap() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}

// awaitEvent returns w's next event of type E.
func awaitEvent[E client.Event](t testing.TB, w *watcher) E {
	t.Helper()
	for {
		select {
		case ev := <-w.events:
			if ev, ok := ev.(E); ok {
				return ev
			}
		case <-time.After(60 * time.Second):
			var e E
			t.Fatalf("no %s event within 60s", e.Kind())
		}
	}
}

// filesHost starts a host whose room folders live in a fresh folder, and
// returns a channel told of each wipe.
func filesHost(t *testing.T, cfg server.Config) (*host, chan struct{}) {
	wiped := make(chan struct{}, 16)
	cfg.FilesDir = t.TempDir()
	cfg.NoRateLimit = true
	cfg.OnWipe = func() { wiped <- struct{}{} }
	return startHost(t, cfg), wiped
}

// chatDuring has b send messages to c while running is open. With strict
// it fails unless all of them arrive before running is closed: only for a
// transfer big enough (hundreds of MiB) that ten chat round trips cannot
// outlast it on any machine; a small transfer may finish first. It returns
// c's other events meanwhile (a small upload's file_done may be among
// them), in order.
func chatDuring(t *testing.T, b, c *member, running <-chan struct{}, what string, strict bool) []client.Event {
	t.Helper()
	const n = 10
	start := time.Now()
	var worst time.Duration
	var others []client.Event
	for i := range n {
		sent := time.Now()
		text := what + " chat " + string(rune('a'+i))
		b.c.Send("", text)
		for {
			ev := c.next()
			if m, ok := ev.(client.Message); ok {
				if m.Text == text {
					break
				}
				continue
			}
			others = append(others, ev)
		}
		worst = max(worst, time.Since(sent))
	}
	select {
	case <-running:
		if strict {
			t.Fatalf("the %s ended before the chat messages sent during it arrived", what)
		}
	default:
	}
	t.Logf("during the %s, %d messages arrived in %v (slowest %v)", what, n, time.Since(start), worst)
	return others
}

func testUpDown(t *testing.T, size int64) {
	strict := size >= 100<<20
	h, wiped := filesHost(t, server.Config{MaxUpload: 1 << 30})
	a, b, c := h.join(t, "A"), h.join(t, "B"), h.join(t, "C")
	path, sum := randomFile(t, size, 1)
	runtime.GC()
	aw := watch(a, true)

	// Upload, with chat between B and C while it runs.
	up := make(chan struct{})
	var id string
	var upErr error
	upStart := time.Now()
	go func() {
		defer close(up)
		id, upErr = a.c.Upload(context.Background(), "up1", path, "big.bin")
	}()
	<-aw.progress // the upload is under way
	seen := chatDuring(t, b, c, up, "upload", strict)
	<-up
	upTime := time.Since(upStart)
	if upErr != nil {
		t.Fatalf("upload: %v", upErr)
	}
	if ev := awaitEvent[client.Ack](t, aw); ev.Ref != "up1" || ev.ID != id {
		t.Fatalf("ack %+v", ev)
	}
	if ev := awaitEvent[client.Uploaded](t, aw); ev.Ref != "up1" || ev.File != id {
		t.Fatalf("uploaded %+v", ev)
	}
	// C was told of the file when the upload began (among the chat), and
	// now that it is complete.
	var done client.FileDone
	found := false
	for _, ev := range seen {
		if done, found = ev.(client.FileDone); found {
			break
		}
	}
	if !found {
		done = until[client.FileDone](c)
	}
	if done.ID != id || done.SHA256 != sum {
		t.Fatalf("file_done event %+v", done)
	}
	late := h.join(t, "Late")
	if fs := late.c.Welcome().Files; len(fs) != 1 || fs[0].ID != id || fs[0].SHA256 != sum || fs[0].Size != size || fs[0].Name != "big.bin" || fs[0].From != "A" || fs[0].Uploading {
		t.Fatalf("the welcome lists %+v", fs)
	}
	// The host keeps it under its id, never under the name given.
	roomDir := h.srv.Files().Dir()
	if _, err := os.Stat(filepath.Join(roomDir, id)); err != nil {
		t.Fatalf("stored file: %v", err)
	}

	// Download, again with chat.
	dir := t.TempDir()
	down := make(chan struct{})
	var saved string
	var downErr error
	downStart := time.Now()
	go func() {
		defer close(down)
		saved, downErr = a.c.Download(context.Background(), "", id, dir)
	}()
	<-aw.progress
	chatDuring(t, b, c, down, "download", strict)
	<-down
	downTime := time.Since(downStart)
	if downErr != nil {
		t.Fatalf("download: %v", downErr)
	}
	if ev := awaitEvent[client.Downloaded](t, aw); ev.File != id || ev.Path != saved || ev.SHA256 != sum {
		t.Fatalf("downloaded %+v", ev)
	}
	if filepath.Base(saved) != "big.bin" || fileSum(t, saved) != sum {
		t.Fatalf("saved %s: wrong name or hash", saved)
	}
	peak := aw.peakHeap()
	t.Logf("%d MiB: up %.0f MB/s, down %.0f MB/s, peak heap in use %.1f MiB",
		size>>20, float64(size)/1e6/upTime.Seconds(), float64(size)/1e6/downTime.Seconds(), float64(peak)/(1<<20))
	if peak == 0 || peak > 64<<20 {
		t.Errorf("peak heap in use %d MiB during the transfers; want below 64 MiB", peak>>20)
	}

	// When the last member leaves, the room's folder goes.
	for _, m := range []*member{late, b, c, a} {
		m.c.Leave()
	}
	<-wiped
	if _, err := os.Stat(roomDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("room folder after the wipe: %v", err)
	}
	<-aw.done
}

func TestTransfer200MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MiB transfer skipped in -short mode; TestTransferSmall still runs")
	}
	testUpDown(t, 200<<20)
}

func TestTransferSmall(t *testing.T) { testUpDown(t, 8<<20+12345) }

func TestDownloadResumes(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a := h.join(t, "A")
	const size = 24<<20 + 7
	path, sum := randomFile(t, size, 2)
	id, err := a.c.Upload(context.Background(), "", path, "resume.bin")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	// B's connection dies half way through.
	b := h.join(t, "B")
	bw := watch(b, true)
	got := make(chan error, 1)
	go func() {
		_, err := b.c.Download(context.Background(), "", id, dir)
		got <- err
	}()
	for ev := range bw.progress {
		if ev.Done >= size/2 {
			b.c.Close()
			break
		}
	}
	if err := <-got; err == nil {
		t.Fatal("download survived its connection")
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "*.part"))
	if len(parts) != 1 {
		t.Fatalf("part files: %v", parts)
	}
	st, _ := os.Stat(parts[0])
	if st.Size() < size/2 || st.Size() >= size {
		t.Fatalf("part file has %d of %d bytes", st.Size(), size)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "resume*")); len(files) != 1 {
		t.Fatalf("something besides the part file: %v", files)
	}

	// B comes back and resumes from the part file.
	b2 := h.join(t, "B")
	b2w := watch(b2, true)
	saved, err := b2.c.Download(context.Background(), "", id, dir)
	if err != nil {
		t.Fatal(err)
	}
	first := <-b2w.progress
	if first.Done <= st.Size() {
		t.Errorf("first progress after resuming at %d: %d", st.Size(), first.Done)
	}
	if fileSum(t, saved) != sum || filepath.Base(saved) != "resume.bin" {
		t.Fatalf("saved %s", saved)
	}
	if parts, _ := filepath.Glob(filepath.Join(dir, "*.part")); len(parts) != 0 {
		t.Fatalf("part files left: %v", parts)
	}
}

// roomFiles lists the room folder, lock file aside.
func roomFiles(t *testing.T, h *host) []string {
	dir := h.srv.Files().Dir()
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != ".lock" {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestCancelledUploadLeavesNothing(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a, b := h.join(t, "A"), h.join(t, "B")
	path, _ := randomFile(t, 48<<20, 3)
	aw := watch(a, true)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := a.c.Upload(ctx, "c1", path, "never.bin")
		got <- err
	}()
	<-aw.progress
	if len(roomFiles(t, h)) != 1 {
		t.Errorf("during the upload the room folder holds %v", roomFiles(t, h))
	}
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled upload: %v", err)
	}
	// The host handles A's frames in order: once B sees this message the
	// cancel has been handled.
	a.c.Send("", "after the cancel")
	expectFailed(t, b, "after the cancel", wire.CodeUploadFailed)
	if left := roomFiles(t, h); len(left) != 0 {
		t.Fatalf("left in the room folder: %v", left)
	}
}

func TestVanishedSourceFile(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a := h.join(t, "A")
	watch(a, false)
	_, err := a.c.Upload(context.Background(), "", filepath.Join(t.TempDir(), "gone"), "")
	if !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("upload of a missing file: %v", err)
	}
}

func TestSavedNamesAreSafe(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a := h.join(t, "A")
	aw := watch(a, false)
	src := filepath.Join(t.TempDir(), "src")
	os.WriteFile(src, []byte("payload"), 0o600)
	dir := t.TempDir()
	for _, name := range []string{
		"../../etc/passwd", `..\..\windows\win.ini`, "con.txt", "NUL", "com1.log", "a\x00b.txt",
		"line\nbreak.txt", "evil\u202Etxt.exe", "\u2066hidden\u2069.sh", "..", ".", " ", ".bashrc",
		strings.Repeat("長", 300) + ".pdf", "report.pdf", "report.pdf",
	} {
		id, err := a.c.Upload(context.Background(), "", src, name)
		if err != nil {
			t.Fatalf("upload %q: %v", name, err)
		}
		shown := awaitEvent[client.File](t, aw).Name
		saved, err := a.c.Download(context.Background(), "", id, dir)
		if err != nil {
			t.Fatalf("download %q: %v", name, err)
		}
		base := filepath.Base(saved)
		if filepath.Dir(saved) != dir {
			t.Errorf("%q saved outside the folder: %s", name, saved)
		}
		for _, s := range []string{shown, base} {
			if strings.ContainsAny(s, "/\\\x00\n") || strings.Contains(s, "..") || len(s) > 255 ||
				strings.HasPrefix(s, ".") || strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }) >= 0 {
				t.Errorf("%q shown or saved as %q", name, s)
			}
			stem, _, _ := strings.Cut(strings.ToLower(s), ".")
			if stem == "con" || stem == "nul" || stem == "com1" {
				t.Errorf("%q shown or saved as a reserved name %q", name, s)
			}
		}
		t.Logf("%q -> %q", name, base)
	}
	// The second report.pdf did not overwrite the first.
	for _, n := range []string{"report.pdf", "report (1).pdf"} {
		if b, err := os.ReadFile(filepath.Join(dir, n)); err != nil || string(b) != "payload" {
			t.Errorf("%s: %v", n, err)
		}
	}
	// Nothing was written outside the folder.
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "etc")); err == nil {
		t.Error("a folder was created next to the download folder")
	}
}

func TestLimitsRefusedBeforeTransfer(t *testing.T) {
	h, _ := filesHost(t, server.Config{MaxUpload: 1 << 20, RoomQuota: 5 << 19, MaxImage: 64 << 10})
	a, b := h.join(t, "A"), h.join(t, "B")
	watch(a, false)
	big, _ := randomFile(t, 1<<20+1, 4)
	if _, err := a.c.Upload(context.Background(), "", big, ""); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("over the size limit: %v", err)
	}
	if left := roomFiles(t, h); len(left) != 0 {
		t.Fatalf("a refused upload left %v", left)
	}
	one, _ := randomFile(t, 1<<20, 5)
	var ids []string
	for range 2 {
		id, err := a.c.Upload(context.Background(), "", one, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := a.c.Upload(context.Background(), "", one, ""); !errors.Is(err, wire.ErrQuotaExceeded) {
		t.Fatalf("over the quota: %v", err)
	}
	if n := len(roomFiles(t, h)); n != 2 {
		t.Fatalf("room folder holds %d files, want 2", n)
	}
	// Recalling a file deletes it and frees its share of the quota.
	a.c.Recall("", ids[0])
	until[client.Recalled](b)
	if n := len(roomFiles(t, h)); n != 1 {
		t.Fatalf("after a recall the room folder holds %d files, want 1", n)
	}
	if _, err := a.c.Upload(context.Background(), "", one, ""); err != nil {
		t.Fatalf("after a recall: %v", err)
	}
	img := pngFile(t, 300)
	if _, err := a.c.UploadImage(context.Background(), "", img); !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("image over its limit: %v", err)
	}
}

// pngFile writes a real PNG image of side×side pixels of noise.
func pngFile(t *testing.T, side int) string {
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	img.Set(0, 0, color.Black)
	path := filepath.Join(t.TempDir(), "picture.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func TestImages(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a, b := h.join(t, "A"), h.join(t, "B")
	aw := watch(a, false)
	path := pngFile(t, 64)
	id, err := a.c.UploadImage(context.Background(), "i1", path)
	if err != nil {
		t.Fatal(err)
	}
	ev := until[client.Image](b)
	if ev.ID != id || ev.Mime != "image/png" || ev.SHA256 != fileSum(t, path) || ev.From != "A" {
		t.Fatalf("image event %+v", ev)
	}
	awaitEvent[client.Image](t, aw)

	// A late joiner gets the image in its history and fetches it on demand.
	late := h.join(t, "Late")
	if ev := until[client.Image](late); !ev.History || ev.ID != id {
		t.Fatalf("history %+v", ev)
	}
	watch(late, false)
	saved, err := late.c.Download(context.Background(), "", id, t.TempDir())
	if err != nil || fileSum(t, saved) != ev.SHA256 || filepath.Ext(saved) != ".png" {
		t.Fatalf("fetching the image: %v %s", err, saved)
	}

	// A zip named .png is not an image.
	zipPath := filepath.Join(t.TempDir(), "cat.png")
	zf, _ := os.Create(zipPath)
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("payload.exe")
	w.Write(bytes.Repeat([]byte("MZ"), 1000))
	zw.Close()
	zf.Close()
	if _, err := a.c.UploadImage(context.Background(), "", zipPath); !errors.Is(err, wire.ErrBadImage) {
		t.Fatalf("zip as image: %v", err)
	}
}

func TestRecallStopsDownloads(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a, b := h.join(t, "A"), h.join(t, "B")
	path, _ := randomFile(t, 64<<20, 6)
	aw := watch(a, false)
	id, err := a.c.Upload(context.Background(), "", path, "doomed.bin")
	if err != nil {
		t.Fatal(err)
	}
	awaitEvent[client.File](t, aw)
	bw := watch(b, true)
	awaitEvent[client.File](t, bw) // B knows the file before asking for it
	dir := t.TempDir()
	got := make(chan error, 1)
	go func() {
		_, err := b.c.Download(context.Background(), "", id, dir)
		got <- err
	}()
	<-bw.progress
	a.c.Recall("r", id)
	if err := <-got; !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("download of a recalled file: %v", err)
	}
	if ev := awaitEvent[client.Recalled](t, bw); ev.ID != id {
		t.Fatalf("recalled %+v", ev)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left in the download folder: %v", left)
	}
	if left := roomFiles(t, h); len(left) != 0 {
		t.Fatalf("left in the room folder: %v", left)
	}
	if _, err := b.c.Download(context.Background(), "", id, dir); !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("download after the recall: %v", err)
	}
}

func TestWelcomeListsFiles(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a := h.join(t, "A")
	watch(a, false)
	src := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(src, []byte("hello"), 0o600)
	id, err := a.c.Upload(context.Background(), "", src, "")
	if err != nil {
		t.Fatal(err)
	}
	late := h.join(t, "Late")
	w := late.c.Welcome()
	if len(w.Files) != 1 || w.Files[0].ID != id || w.Files[0].Name != "notes.txt" || w.Files[0].Size != 5 || w.Files[0].From != "A" {
		t.Fatalf("welcome files %+v", w.Files)
	}
	if ev := until[client.File](late); !ev.History || ev.ID != id {
		t.Fatalf("history %+v", ev)
	}
}

// TestDownloadPacedByCredit drives the protocol by hand: the host sends no
// more chunks than the credit given, so a member that stops pulling a big
// download is neither flooded nor dropped, and chat still reaches it. The
// member's own messages mark where it is: the host handles its frames in
// order.
func TestDownloadPacedByCredit(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a := h.join(t, "A")
	watch(a, false)
	path, _ := randomFile(t, 8<<20, 8)
	id, err := a.c.Upload(context.Background(), "", path, "paced.bin")
	if err != nil {
		t.Fatal(err)
	}
	small, _ := randomFile(t, 1000, 9)
	barrier, err := a.c.Upload(context.Background(), "", small, "barrier.bin")
	if err != nil {
		t.Fatal(err)
	}
	write, r := rawMember(t, h, "Raw")
	fid := uuid.MustParse(id)
	tid := uuid.New()
	write(&wire.Download{Ref: "d", Transfer: tid, File: fid, Window: 3})
	sent := 0 // chunks counted so far
	// chunksUntilBarrier downloads the one-chunk barrier file and counts
	// the chunks of tid that come before its chunk. Chunk frames queue in
	// order apart from the member's other frames (which overtake them), so
	// its chunk comes after every chunk the host queued before.
	chunksUntilBarrier := func() int {
		bid := uuid.New()
		write(&wire.Download{Ref: "b", Transfer: bid, File: uuid.MustParse(barrier), Window: 1})
		return chunksUntil(t, r, func(f wire.Frame) bool {
			ch, ok := f.(*wire.Chunk)
			return ok && ch.Transfer == bid
		}, func(n int, ch *wire.Chunk) {
			if ch.Transfer != tid || ch.Offset != uint64(n+sent)*wire.MaxChunk {
				t.Fatalf("chunk %+v", ch)
			}
		})
	}
	if n := chunksUntilBarrier(); n != 3 {
		t.Fatalf("%d chunks at first, want the window of 3", n)
	}
	sent = 3
	if n := chunksUntilBarrier(); n != 0 {
		t.Fatalf("%d chunks without credit", n)
	}
	write(&wire.Credit{Transfer: tid, Chunks: 2})
	if n := chunksUntilBarrier(); n != 2 {
		t.Fatalf("%d chunks after a credit of 2", n)
	}
}

// A member's chat does not wait behind its downloads: the host writes a
// few chunks per round, after the member's other frames. A member that
// asks for a whole window (4 MiB) and a message at once, and reads
// nothing until the message was queued for it (with a 32 KiB receive
// buffer the kernels take a few chunks; the rest waits in the host's
// queue), gets the message before the window's last chunk: it waited
// behind all 64 before.
func TestChatOvertakesChunks(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a := h.join(t, "A")
	aw := watch(a, false)
	path, _ := randomFile(t, 8<<20, 10)
	id, err := a.c.Upload(context.Background(), "", path, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	write, r := rawMemberWith(t, h, "Raw", 32<<10)
	tid := uuid.New()
	write(&wire.Download{Ref: "d", Transfer: tid, File: uuid.MustParse(id), Window: wire.MaxWindow})
	write(&wire.Send{Text: "hi"})
	// Once A has it, the host has queued it for Raw too, behind the
	// window's chunks; only then does Raw start reading.
	for heard := false; !heard; {
		select {
		case ev := <-aw.events:
			m, ok := ev.(client.Message)
			heard = ok && m.Text == "hi"
		case <-time.After(60 * time.Second):
			t.Fatal("A never got the message (hang guard)")
		}
	}
	n := chunksUntil(t, r, func(f wire.Frame) bool {
		m, ok := f.(*wire.Message)
		return ok && m.Text == "hi"
	}, nil)
	t.Logf("%d of the window's %d chunks came before the message", n, wire.MaxWindow)
	if n >= wire.MaxWindow {
		t.Fatalf("the message waited behind the whole window (%d chunks)", n)
	}
}

func TestSourceFileShrinksMidUpload(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a, b := h.join(t, "A"), h.join(t, "B")
	path, _ := randomFile(t, 48<<20, 9)
	aw := watch(a, true)
	got := make(chan error, 1)
	go func() {
		_, err := a.c.Upload(context.Background(), "", path, "shrinking.bin")
		got <- err
	}()
	<-aw.progress
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("upload of a file cut short: %v", err)
	}
	a.c.Send("", "after")
	expectFailed(t, b, "after", wire.CodeUploadFailed)
	if left := roomFiles(t, h); len(left) != 0 {
		t.Fatalf("left in the room folder: %v", left)
	}
}

// rawMember joins with a bare TLS connection and returns a function that
// sends frames and the reader of what the host sends (the welcome first).
// chunksUntil reads r until a frame that stop accepts, and returns how many
// Chunk frames came before it, handing each to check (if not nil) with
// the count so far. An error or abort frame fails the test.
func chunksUntil(t *testing.T, r *wire.Reader, stop func(wire.Frame) bool, check func(n int, ch *wire.Chunk)) int {
	t.Helper()
	n := 0
	for {
		f, err := r.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case stop(f):
			return n
		case f.Type() == wire.TypeChunk:
			if check != nil {
				check(n, f.(*wire.Chunk))
			}
			n++
		case f.Type() == wire.TypeError || f.Type() == wire.TypeAbort:
			t.Fatalf("%#v", f)
		}
	}
}

func rawMember(t *testing.T, h *host, name string) (func(wire.Frame), *wire.Reader) {
	return rawMemberWith(t, h, name, 0)
}

// rawMemberWith is rawMember with a receive buffer of rcvbuf bytes (0: the
// system's, which grows): a member that does not read then holds little
// of what the host sends, and the rest waits in the host's queue.
func rawMemberWith(t *testing.T, h *host, name string, rcvbuf int) (func(wire.Frame), *wire.Reader) {
	conf, _ := secure.ClientConfig(secure.ClientOptions{Addr: h.addr, Pin: h.fp})
	raw, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	if rcvbuf > 0 {
		if err := raw.(*net.TCPConn).SetReadBuffer(rcvbuf); err != nil {
			t.Fatal(err)
		}
	}
	conn := tls.Client(raw, conf)
	t.Cleanup(func() { conn.Close() })
	write := func(f wire.Frame) {
		b, _ := wire.Encode(f)
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	hello := wire.NewHello()
	hello.Name = name
	write(hello)
	return write, wire.NewReader(conn)
}

// TestHostSniffsImages bypasses the client's own check: the host refuses a
// zip sent as an image once it sees the first bytes, and keeps nothing.
func TestHostSniffsImages(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	write, r := rawMember(t, h, "Raw")
	zip := append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), make([]byte, 1000)...)
	write(&wire.UploadBegin{Ref: "i", Name: "cat.png", Size: uint64(len(zip)), Image: true})
	var upload uuid.UUID
	for upload == uuid.Nil {
		f, err := r.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if ready, ok := f.(*wire.UploadReady); ok {
			upload = ready.Upload
		}
	}
	write(&wire.UploadChunk{Upload: upload, Data: zip})
	sum := sha256.Sum256(zip)
	write(&wire.UploadEnd{Upload: upload, SHA256: sum[:]})
	for {
		f, err := r.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		switch f := f.(type) {
		case *wire.Image, *wire.File, *wire.Ack:
			t.Fatalf("a zip was accepted as an image: %#v", f)
		case *wire.Abort:
			if f.Transfer != upload || f.Code != wire.CodeBadImage {
				t.Fatalf("abort %+v", f)
			}
			if left := roomFiles(t, h); len(left) != 0 {
				t.Fatalf("left in the room folder: %v", left)
			}
			return
		}
	}
}

// expectFailed reads m's events until the message text: a file announced
// while uploading must have failed with code by then, and none completed.
// (A file whose upload ended before its first byte reached the host was
// never announced: that is fine too.)
func expectFailed(t *testing.T, m *member, text string, code wire.Code) {
	t.Helper()
	var announced string
	failed := false
	for {
		switch ev := m.next().(type) {
		case client.File:
			if !ev.Uploading {
				t.Fatalf("a broken upload was announced complete: %+v", ev)
			}
			announced = ev.ID
		case client.FileDone:
			t.Fatalf("a broken upload completed: %+v", ev)
		case client.FileFailed:
			if ev.ID != announced || ev.Code != code {
				t.Fatalf("file_failed %+v; announced %s, want code %s", ev, announced, code)
			}
			failed = true
		case client.Message:
			if ev.Text == text {
				if announced != "" && !failed {
					t.Fatalf("no file_failed before %q (announced %q)", text, announced)
				}
				return
			}
		}
	}
}

// onlyReader hides every method of its reader but Read: a stream that
// cannot be read twice, such as a file coming from a browser tab.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestUploadReader: UploadReader shares bytes that are not in a file,
// from a plain stream (read once) and from an io.ReaderAt, images too
// (the host's hash of what it received is the file's); a stream shorter than its
// announced size ends the upload with no_such_file and leaves nothing.
func TestUploadReader(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	a, b := h.join(t, "A"), h.join(t, "B")
	watch(a, false)
	data := make([]byte, 3*wire.MaxChunk+12345)
	rand.NewChaCha8([32]byte{5}).Read(data)
	want := fmt.Sprintf("%x", sha256.Sum256(data))
	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"stream.bin", onlyReader{bytes.NewReader(data)}},
		{"readerat.bin", bytes.NewReader(data)},
	} {
		id, err := a.c.UploadReader(context.Background(), "r1", tc.name, int64(len(data)), tc.r, false)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ev := until[client.File](b)
		if ev.ID != id || ev.Name != tc.name || !ev.Uploading || ev.Size != int64(len(data)) {
			t.Fatalf("%s: file event %+v", tc.name, ev)
		}
		if ev := until[client.FileDone](b); ev.ID != id || ev.SHA256 != want {
			t.Fatalf("%s: file_done %+v, want SHA-256 %s", tc.name, ev, want)
		}
	}

	pic, err := os.ReadFile(pngFile(t, 32))
	if err != nil {
		t.Fatal(err)
	}
	id, err := a.c.UploadReader(context.Background(), "", "cat.png", int64(len(pic)), onlyReader{bytes.NewReader(pic)}, true)
	if err != nil {
		t.Fatal(err)
	}
	if ev := until[client.Image](b); ev.ID != id || ev.SHA256 != fmt.Sprintf("%x", sha256.Sum256(pic)) {
		t.Fatalf("image event %+v", ev)
	}
	if _, err := a.c.UploadReader(context.Background(), "", "cat.png", int64(len(data)), onlyReader{bytes.NewReader(data)}, true); !errors.Is(err, wire.ErrBadImage) {
		t.Fatalf("random bytes as an image: %v", err)
	}

	_, err = a.c.UploadReader(context.Background(), "", "short.bin", int64(len(data))+1, onlyReader{bytes.NewReader(data)}, false)
	if !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("a stream one byte short: %v", err)
	}
	// The host handles A's frames in order: once B sees this message the
	// cancel has been handled.
	a.c.Send("", "after the short one")
	expectFailed(t, b, "after the short one", wire.CodeUploadFailed)
	if left := roomFiles(t, h); len(left) != 3 {
		t.Fatalf("room folder holds %v; want the three files shared", left)
	}
}

// TestDownloadPacedToSlowLink: the host sizes a member's download rounds
// and the kernel's unsent bytes to that member's link (wire.Pace): on a
// slow one (a member that reads at most 1 MB/s through a 64 KiB receive
// buffer, granting credit as it reads) a round is one chunk and the
// kernel holds 16 KiB unsent, so another member's messages reach it
// behind about what the kernels and its TLS hold, not behind rounds of
// four chunks and 128 KiB unsent as on a fast link (about 400 KiB, 0.4 s
// at this rate, before the change). The download's bytes come whole and
// in order.
func TestDownloadPacedToSlowLink(t *testing.T) {
	const rate = 1 << 20 // bytes per second the member reads, at most
	h, _ := filesHost(t, server.Config{})
	a := h.join(t, "A")
	const size = 6 << 20
	path, sum := randomFile(t, size, 11)
	id, err := a.c.Upload(context.Background(), "", path, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	write, r := rawMemberWith(t, h, "Slow", 64<<10)
	var mu sync.Mutex
	write(&wire.Download{Ref: "d", Transfer: uuid.New(), File: uuid.MustParse(id), Window: wire.MaxWindow})
	var got []byte
	sentAt := map[string]int{} // bytes of the download read when each message was sent
	behind := map[string]int{} // bytes of the download read before it came
	texts := []string{"one", "two", "three", "four", "five"}
	done := make(chan error, 1)
	go func() {
		for len(behind) < len(texts) || len(got) < size {
			f, err := r.ReadMessage()
			if err != nil {
				done <- err
				return
			}
			switch f := f.(type) {
			case *wire.Chunk:
				if f.Offset != uint64(len(got)) {
					done <- fmt.Errorf("chunk at %d after %d bytes", f.Offset, len(got))
					return
				}
				mu.Lock()
				got = append(got, f.Data...)
				mu.Unlock()
				write(&wire.Credit{Transfer: f.Transfer, Chunks: 1})
				time.Sleep(time.Duration(len(f.Data)) * time.Second / rate)
			case *wire.Message:
				mu.Lock()
				behind[f.Text] = len(got) - sentAt[f.Text]
				mu.Unlock()
			case *wire.Abort, *wire.ErrorFrame:
				done <- fmt.Errorf("%#v", f)
				return
			}
		}
		done <- nil
	}()
	// The host learns the link's rate in its first few hundred ms of
	// writing; then a message every 300 ms.
	time.Sleep(2 * time.Second)
	for _, text := range texts {
		mu.Lock()
		sentAt[text] = len(got) // before sending: a slow test goroutine counts more bytes, never fewer
		mu.Unlock()
		if err := a.c.Send("", text); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(120 * time.Second):
		t.Fatal("the download did not end within 120 s (hang guard)")
	}
	if h := sha256.Sum256(got); len(got) != size || hex.EncodeToString(h[:]) != sum {
		t.Fatalf("downloaded %d bytes, not the file's %d", len(got), size)
	}
	var b []int
	for _, text := range texts {
		b = append(b, behind[text]>>10)
	}
	slices.Sort(b)
	t.Logf("the messages came behind %v KiB of the download", b)
	if b[len(b)/2] > 256 {
		t.Fatalf("the messages came behind %v KiB of the download; a median of at most 256 KiB", b)
	}
}
