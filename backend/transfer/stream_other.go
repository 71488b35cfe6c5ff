//go:build !linux

package transfer

import "os"

// Elsewhere the page cache is left to the system, and nothing is reserved
// ahead of the writes: a full disk is found as the writes go.

func startWriteback(*os.File, int64, int64) {}
func dropWritten(*os.File, int64, int64)    {}
func dropCached(*os.File, int64, int64)     {}
func reserve(*os.File, int64, int64) error  { return nil }
func unreserve(*os.File, int64, int64)      {}
