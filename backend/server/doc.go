// Package server hosts a WeTalk room on a listener: it accepts connections,
// runs the TLS handshake and the admission sequence (hello, version,
// password, ban, name), then gives each member one read loop and one write
// loop. The read loop turns frames into calls on the room; the write loop is
// the only writer of the socket, draining a bounded per-member queue and
// coalescing whatever is queued into one write.
//
// Uploads and downloads are handled by the same read loop (transfer.go):
// chunks go to and come from the room's store in package transfer, and a
// download sends only as many chunks as the member has granted credit for,
// so it never fills the member's queue.
//
// The server owns sockets and their lifetimes; the rules of the room live in
// package room and the encoding in package wire.
package server
