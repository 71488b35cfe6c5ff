package transfer

import "bytes"

// SniffLen is how many leading bytes SniffImage needs to decide.
const SniffLen = 16

// Image types a room accepts.
const (
	MimePNG  = "image/png"
	MimeJPEG = "image/jpeg"
	MimeGIF  = "image/gif"
	MimeWebP = "image/webp"
)

// SniffImage returns the image type of data from its first bytes (the
// signatures of the WHATWG MIME sniffing standard), and false for anything
// that is not a PNG, JPEG, GIF or WebP image, whatever its name says.
func SniffImage(head []byte) (mime string, ok bool) {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return MimePNG, true
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return MimeJPEG, true
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return MimeGIF, true
	case len(head) >= 14 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:14]) == "WEBPVP":
		return MimeWebP, true
	}
	return "", false
}
