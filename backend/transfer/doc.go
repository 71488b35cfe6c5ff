// Package transfer moves files in chunks and keeps them on disk: the host's
// store of shared files (a temporary folder per room, files under generated
// ids, quota and size limits checked before any byte moves, SHA-256 checked
// before a file is announced, everything deleted when the room is wiped),
// the receiving side of a download (a resumable .part file verified against
// the announced SHA-256 before it gets its final, sanitised, never
// overwriting name), and the image sniffer that decides from the bytes, not
// the name, whether an upload is a PNG, JPEG, GIF or WebP image.
//
// It knows nothing of sockets, frames or room rules: the server and the
// client feed it bytes and offsets.
package transfer
