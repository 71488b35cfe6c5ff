// Package server hosts a WeTalk room on a listener: it accepts connections,
// runs the TLS handshake and the admission sequence (hello, version,
// password, ban, name), then gives each member one read loop and one write
// loop. The read loop turns frames into calls on the room; the write loop is
// the only writer of the socket, draining a bounded per-member queue and
// coalescing whatever is queued into one write.
//
// The server owns sockets and their lifetimes; the rules of the room live in
// package room and the encoding in package wire.
package server
