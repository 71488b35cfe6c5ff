package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/server"
	"wetalk/backend/wire"
)

// rawUpload is an uploader driven by hand over a bare connection, so that
// the test decides when each byte goes (and whether the upload ends well).
type rawUpload struct {
	t     *testing.T
	conn  *tls.Conn
	id    uuid.UUID
	got   chan wire.Frame // what the host sends the uploader, after upload_ready
	piece func() int      // the size of the next chunk sent; nil: wire.MaxChunk
}

// beginRaw joins as name and begins an upload of size bytes.
func beginRaw(t *testing.T, h *host, name, file string, size int) *rawUpload {
	t.Helper()
	conn, r := rawConn(t, h, name)
	conn.Write(must(wire.Encode(&wire.UploadBegin{Ref: "u", Name: file, Size: uint64(size)})))
	u := &rawUpload{t: t, conn: conn, got: make(chan wire.Frame, 4096)}
	for u.id == uuid.Nil {
		f, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("no upload_ready: %v", err)
		}
		switch f := f.(type) {
		case *wire.UploadReady:
			u.id = f.Upload
		case *wire.ErrorFrame:
			t.Fatalf("upload refused: %v", f)
		}
	}
	go func() {
		defer close(u.got)
		for {
			f, err := r.ReadMessage()
			if err != nil {
				return
			}
			select {
			case u.got <- f:
			default:
			}
		}
	}()
	return u
}

// send sends data as the chunks from offset off.
func (u *rawUpload) send(data []byte, off int) {
	for len(data) > 0 {
		n := wire.MaxChunk
		if u.piece != nil {
			n = u.piece()
		}
		n = min(len(data), n)
		if _, err := u.conn.Write(must(wire.Encode(&wire.UploadChunk{Upload: u.id, Offset: uint64(off), Data: data[:n]}))); err != nil {
			u.t.Fatalf("sending a chunk: %v", err)
		}
		data, off = data[n:], off+n
	}
}

func (u *rawUpload) end(sum []byte) {
	u.conn.Write(must(wire.Encode(&wire.UploadEnd{Upload: u.id, SHA256: sum})))
}

// cutData returns size random bytes and their SHA-256.
func cutData(size int, seed uint64) ([]byte, []byte) {
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{byte(seed)}).Read(data)
	sum := sha256.Sum256(data)
	return data, sum[:]
}

// startCut has B (watched by bw) download the file A is uploading into a
// fresh folder, once A has sent head bytes, and waits until B has received
// some of them: B is downloading while A's upload is provably unfinished
// (A has not sent the rest yet). The download's result comes on the
// returned channel.
func startCut(t *testing.T, b *member, bw *watcher, a *rawUpload, data []byte, head int) (dir string, res chan error, saved *string) {
	t.Helper()
	a.send(data[:head], 0)
	ev := awaitEvent[client.File](t, bw)
	if ev.ID != a.id.String() || !ev.Uploading || ev.SHA256 != "" || ev.Size != int64(len(data)) {
		t.Fatalf("file announced at its first chunk: %+v", ev)
	}
	dir = t.TempDir()
	res = make(chan error, 1)
	saved = new(string)
	go func() {
		var err error
		*saved, err = b.c.Download(context.Background(), "d", ev.ID, dir)
		res <- err
	}()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case p := <-bw.progress:
			if p.Direction == client.DirectionDown && p.Done > 0 {
				select {
				case err := <-res:
					t.Fatalf("the download ended (%v) before the upload did", err)
				default:
				}
				return dir, res, saved
			}
		case <-timeout:
			t.Fatal("B received nothing of the file while it uploaded")
		}
	}
}

// TestCutThroughDownload: B downloads a file while A is still uploading it
// (B has bytes before A has sent the rest, which comes in chunks of odd
// sizes), gets every byte, and checks them against the SHA-256 the host
// verified. Late joiners see the file
// as it is in the room: uploading, then complete.
func TestCutThroughDownload(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	b := h.join(t, "B")
	bw := watch(b, true)
	data, sum := cutData(6<<20+777, 1)
	a := beginRaw(t, h, "A", "cut.bin", len(data))
	dir, res, saved := startCut(t, b, bw, a, data, 3<<20)

	early := h.join(t, "Early")
	if fs := early.c.Welcome().Files; len(fs) != 1 || !fs[0].Uploading || fs[0].SHA256 != "" || fs[0].ID != a.id.String() {
		t.Fatalf("a joiner during the upload is told %+v", fs)
	}
	if ev := until[client.File](early); !ev.History || !ev.Uploading {
		t.Fatalf("history during the upload: %+v", ev)
	}

	// The rest in chunks of any size up to a whole one (WeTalk's client
	// splits them into pieces on a slow link): stored and served intact.
	rng := rand.New(rand.NewPCG(1, 2))
	a.piece = func() int { return 1 + rng.IntN(wire.MaxChunk) }
	a.send(data[3<<20:], 3<<20)
	a.end(sum)
	if err := <-res; err != nil {
		t.Fatalf("download: %v", err)
	}
	want := hex.EncodeToString(sum)
	if got := fileSum(t, *saved); got != want {
		t.Fatalf("downloaded %s, want %s", got, want)
	}
	if ev := awaitEvent[client.FileDone](t, bw); ev.ID != a.id.String() || ev.SHA256 != want {
		t.Fatalf("file_done %+v", ev)
	}
	if ev := awaitEvent[client.Downloaded](t, bw); ev.SHA256 != want || ev.Path != *saved {
		t.Fatalf("downloaded %+v", ev)
	}
	if ev := until[client.FileDone](early); ev.SHA256 != want {
		t.Fatalf("file_done to the early joiner: %+v", ev)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 || left[0].Name() != "cut.bin" {
		t.Fatalf("the download folder holds %v", left)
	}

	late := h.join(t, "Late")
	if fs := late.c.Welcome().Files; len(fs) != 1 || fs[0].Uploading || fs[0].SHA256 != want {
		t.Fatalf("a joiner after the upload is told %+v", fs)
	}
	if ev := until[client.File](late); !ev.History || ev.Uploading || ev.SHA256 != want {
		t.Fatalf("history after the upload: %+v", ev)
	}
	// The complete file downloads as any other, and a second cut-through
	// download into the same folder is a second file.
	again, err := late.c.Download(context.Background(), "", a.id.String(), dir)
	if err != nil || fileSum(t, again) != want || again == *saved {
		t.Fatalf("download after the upload: %v %s", err, again)
	}
}

// TestUploadEndWithoutHash: an upload_end with no SHA-256 (what WeTalk's
// client sends: the uploader does not hash what it sends) completes the file
// with the host's own hash of what it received, and the bytes download
// intact; a hash of any other length than none or 32 bytes is a mismatch.
func TestUploadEndWithoutHash(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	b := h.join(t, "B")
	bw := watch(b, true)
	data, sum := cutData(3<<20+17, 4)
	a := beginRaw(t, h, "A", "streamed.bin", len(data))
	a.send(data, 0)
	if ev := awaitEvent[client.File](t, bw); ev.ID != a.id.String() {
		t.Fatalf("file event %+v", ev)
	}
	a.end(nil)
	want := hex.EncodeToString(sum)
	if ev := awaitEvent[client.FileDone](t, bw); ev.ID != a.id.String() || ev.SHA256 != want {
		t.Fatalf("file_done %+v, want the host's SHA-256 %s", ev, want)
	}
	path, err := b.c.Download(context.Background(), "", a.id.String(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Fatal("the downloaded bytes differ from those sent")
	}

	short := beginRaw(t, h, "C", "short-hash.bin", len(data))
	short.send(data, 0)
	if ev := awaitEvent[client.File](t, bw); ev.ID != short.id.String() {
		t.Fatalf("file event %+v", ev)
	}
	short.end(sum[:5])
	if ev := awaitEvent[client.FileFailed](t, bw); ev.ID != short.id.String() || ev.Code != wire.CodeBadHash {
		t.Fatalf("file_failed %+v, want bad_hash", ev)
	}
}

// TestCutThroughBrokenUpload: an upload that breaks while B downloads it
// ends B's download with a clear code, leaves nothing in B's folder (not
// even a part file) nor in the room, and the room is told the file failed.
func TestCutThroughBrokenUpload(t *testing.T) {
	cases := []struct {
		name   string
		code   wire.Code // of file_failed; "" for a recall
		err    *wire.Error
		break_ func(a *rawUpload, b *member, data []byte, sum []byte)
	}{
		{"uploader killed", wire.CodeUploadFailed, wire.ErrUploadFailed, func(a *rawUpload, _ *member, _, _ []byte) {
			a.conn.Close()
		}},
		{"bad hash", wire.CodeBadHash, wire.ErrUploadFailed, func(a *rawUpload, _ *member, data, sum []byte) {
			a.send(data[3<<20:], 3<<20) // B may have every byte; the hash decides
			bad := bytes.Clone(sum)
			bad[0] ^= 1
			a.end(bad)
		}},
		{"stalled before upload_end", wire.CodeStalled, wire.ErrUploadFailed, func(a *rawUpload, _ *member, data, _ []byte) {
			a.send(data[3<<20:], 3<<20) // and never upload_end
		}},
		{"cancelled", wire.CodeUploadFailed, wire.ErrUploadFailed, func(a *rawUpload, _ *member, _, _ []byte) {
			a.conn.Write(must(wire.Encode(&wire.Cancel{Transfer: a.id})))
		}},
		{"recalled by the leader", "", wire.ErrNoSuchFile, func(a *rawUpload, b *member, _, _ []byte) {
			b.c.Recall("r", a.id.String())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := filesHost(t, server.Config{UploadIdle: 2 * time.Second})
			b := h.join(t, "B") // the leader
			bw := watch(b, true)
			data, sum := cutData(5<<20, 2)
			a := beginRaw(t, h, "A", "doomed.bin", len(data))
			dir, res, _ := startCut(t, b, bw, a, data, 3<<20)
			tc.break_(a, b, data, sum)
			if err := <-res; !errors.Is(err, tc.err) {
				t.Fatalf("download: %v, want %s", err, tc.err.Code)
			}
			if tc.code != "" {
				if ev := awaitEvent[client.FileFailed](t, bw); ev.ID != a.id.String() || ev.Code != tc.code {
					t.Fatalf("file_failed %+v, want code %s", ev, tc.code)
				}
			} else if ev := awaitEvent[client.Recalled](t, bw); ev.ID != a.id.String() {
				t.Fatalf("recalled %+v", ev)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("left in B's download folder: %v", left)
			}
			if left := roomFiles(t, h); len(left) != 0 {
				t.Fatalf("left in the room folder: %v", left)
			}
			late := h.join(t, "Late")
			if fs := late.c.Welcome().Files; len(fs) != 0 {
				t.Fatalf("a joiner after the failure is told of %+v", fs)
			}
			if _, err := b.c.Download(context.Background(), "", a.id.String(), dir); !errors.Is(err, wire.ErrNoSuchFile) {
				t.Fatalf("download after the failure: %v", err)
			}
		})
	}
}

// TestCutThroughDownloadResumes: a download cut short while the file
// uploads keeps its part file (named by the file's id, the SHA-256 being
// unknown); asked again once the upload is complete, it carries on from
// there under the hash's name and ends with the right bytes, leaving no
// part file.
func TestCutThroughDownloadResumes(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	b := h.join(t, "B")
	bw := watch(b, true)
	data, sum := cutData(5<<20, 3)
	a := beginRaw(t, h, "A", "resumed.bin", len(data))
	a.send(data[:3<<20], 0)
	ev := awaitEvent[client.File](t, bw)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() {
		_, err := b.c.Download(ctx, "d", ev.ID, dir)
		res <- err
	}()
	for p := range bw.progress {
		if p.Direction == client.DirectionDown && p.Done > 0 {
			break
		}
	}
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled download: %v", err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || left[0].Name() != "resumed.bin."+ev.ID[:8]+".part" {
		t.Fatalf("after the cut the folder holds %v", left)
	}
	if info, _ := left[0].Info(); info.Size() == 0 {
		t.Fatal("the part file is empty")
	}

	a.send(data[3<<20:], 3<<20)
	a.end(sum)
	want := hex.EncodeToString(sum)
	if ev := awaitEvent[client.FileDone](t, bw); ev.SHA256 != want {
		t.Fatalf("file_done %+v", ev)
	}
	saved, err := b.c.Download(context.Background(), "", ev.ID, dir)
	if err != nil || fileSum(t, saved) != want {
		t.Fatalf("resumed download: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 || left[0].Name() != "resumed.bin" {
		t.Fatalf("the folder holds %v", left)
	}
}

// TestFileAnnouncedAtItsFirstByte: the room learns of a file when its
// first chunk reaches the host, not at upload_begin. An upload cancelled
// before any byte came never shows: no file, no file_failed, nothing in
// the history or the welcome's list (before, the room saw it appear as
// uploading and then fail). An empty file, which has no chunk, is shared
// complete at its upload_end.
func TestFileAnnouncedAtItsFirstByte(t *testing.T) {
	h, _ := filesHost(t, server.Config{})
	b := h.join(t, "B")
	a := beginRaw(t, h, "A", "never-sent.bin", 1<<20)
	a.conn.Write(must(wire.Encode(&wire.Cancel{Transfer: a.id})))
	// The host handles A's frames in order: once B has this message, the
	// cancel was handled.
	a.conn.Write(must(wire.Encode(&wire.Send{Ref: "s", Text: "after the cancel"})))
	for {
		ev := b.next()
		switch ev := ev.(type) {
		case client.File, client.FileFailed, client.FileProgress:
			t.Fatalf("an upload cancelled before its first byte showed in the room: %#v", ev)
		case client.Message:
			if ev.Text != "after the cancel" {
				continue
			}
		default:
			continue
		}
		break
	}
	if left := roomFiles(t, h); len(left) != 0 {
		t.Fatalf("left in the room folder: %v", left)
	}
	late := h.join(t, "Late")
	if fs := late.c.Welcome().Files; len(fs) != 0 {
		t.Fatalf("a joiner is told of %+v", fs)
	}

	empty := beginRaw(t, h, "C", "empty.txt", 0)
	empty.end(nil)
	none := sha256.Sum256(nil)
	want := hex.EncodeToString(none[:])
	if ev := until[client.File](b); ev.ID != empty.id.String() || ev.Uploading || ev.SHA256 != want || ev.Size != 0 || ev.Name != "empty.txt" {
		t.Fatalf("an empty file was announced as %+v, want complete with SHA-256 %s", ev, want)
	}
	path, err := b.c.Download(context.Background(), "", empty.id.String(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() != 0 {
		t.Fatalf("the empty file downloaded as %v, %v", st, err)
	}
}
