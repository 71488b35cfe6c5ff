// Package wire defines the WeTalk protocol's frames: their types, limits and
// binary encoding, and the error codes both sides speak.
//
// A frame is a 4-byte big-endian length, a 1-byte type and a body; the length
// counts the type byte and the body and is checked against MaxFrame before
// anything is allocated. Bodies are sequences of fields: unsigned varints,
// length-prefixed UTF-8 strings, raw 16-byte UUIDs and single-byte booleans.
// Decoders are pure functions over bytes.
//
// The package knows nothing of sockets, TLS or room rules; docs/protocol.md is
// its specification.
package wire

//go:generate go run gen_messages.go
