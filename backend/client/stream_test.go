package client_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/wire"
)

// streamHost scripts a host that takes one upload and reports what it got:
// the bytes, and whether it ended with a matching hash or a cancel.
func streamHost(t *testing.T, fileID uuid.UUID, got chan<- []byte, cancelled chan<- bool) *fakeHost {
	return startFake(t, nil, func(c *hostConn) {
		begin, ok := c.next().(*wire.UploadBegin)
		if !ok {
			t.Error("no upload begin")
			return
		}
		c.send(&wire.UploadReady{Ref: begin.Ref, Upload: fileID})
		var data []byte
		for {
			switch f := c.next().(type) {
			case *wire.UploadChunk:
				if f.Offset != uint64(len(data)) {
					t.Errorf("chunk at %d after %d bytes", f.Offset, len(data))
				}
				data = append(data, f.Data...)
				continue
			case *wire.UploadEnd:
				if sum := sha256.Sum256(data); !bytes.Equal(sum[:], f.SHA256) {
					t.Error("the hash does not match the bytes")
				}
				got <- data
				c.send(&wire.Ack{Ref: begin.Ref, ID: fileID})
			case *wire.Cancel:
				cancelled <- true
			}
			break
		}
		c.next() // until the member goes
	})
}

// TestUploadStream: bytes read from a reader (no file) reach the host in
// order with their hash, and the upload returns the file's id.
func TestUploadStream(t *testing.T) {
	data := make([]byte, 3*wire.MaxChunk+123)
	rand.Read(data)
	fileID := uuid.New()
	got, cancelled := make(chan []byte, 1), make(chan bool, 1)
	c := streamHost(t, fileID, got, cancelled).dial(t, client.Config{})
	// Short reads: the upload must fill its chunks anyway.
	r := io.LimitReader(&shortReader{r: bytes.NewReader(data)}, int64(len(data)))
	id, err := c.UploadStream(t.Context(), "s1", client.Stream{Name: "blob.bin", Size: int64(len(data)), R: r})
	if err != nil || id != fileID.String() {
		t.Fatalf("UploadStream = %q, %v", id, err)
	}
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("host got %d bytes, want the %d sent", len(b), len(data))
	}
}

// shortReader returns at most 1000 bytes per Read.
type shortReader struct{ r io.Reader }

func (o *shortReader) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1000)]) }

// errStopped is the error of a source that stops early.
var errStopped = errors.New("the page stopped sending")

// TestUploadStreamReadError: a source that fails mid-way abandons the
// upload: the host gets a cancel and the error names the source and wraps
// no_such_file.
func TestUploadStreamReadError(t *testing.T) {
	fileID := uuid.New()
	got, cancelled := make(chan []byte, 1), make(chan bool, 1)
	c := streamHost(t, fileID, got, cancelled).dial(t, client.Config{})
	r := io.MultiReader(bytes.NewReader(make([]byte, wire.MaxChunk+10)), iotestErr{errStopped})
	_, err := c.UploadStream(t.Context(), "s1", client.Stream{Name: "half.bin", Size: 4 * wire.MaxChunk, R: r})
	if !errors.Is(err, wire.ErrNoSuchFile) {
		t.Fatalf("UploadStream = %v, want no_such_file", err)
	}
	if !<-cancelled {
		t.Fatal("the host was not told")
	}
}

// iotestErr is a reader that fails with err.
type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

// TestUploadStreamNotAnImage: an image stream whose bytes are no image is
// refused before anything is sent.
func TestUploadStreamNotAnImage(t *testing.T) {
	c := startFake(t, nil, func(c *hostConn) {
		if f := c.next(); f != nil {
			t.Errorf("the host got %v", f.Type())
		}
	}).dial(t, client.Config{})
	_, err := c.UploadStream(t.Context(), "s1", client.Stream{Name: "x.png", Size: 100, Image: true, R: bytes.NewReader(make([]byte, 100))})
	if !errors.Is(err, wire.ErrBadImage) {
		t.Fatalf("UploadStream = %v, want bad_image", err)
	}
}
