//go:build !linux

package server

import "syscall"

// tcpAcked reports false here: without Linux's TCP_INFO the outbox of a
// connected member keeps its last liveOutbox bytes, acknowledged or not.
func tcpAcked(syscall.RawConn) (uint64, bool) { return 0, false }
