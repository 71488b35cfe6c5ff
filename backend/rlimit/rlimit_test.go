//go:build unix

package rlimit

import (
	"syscall"
	"testing"
)

func TestRaiseOpenFiles(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
	low := lim
	low.Cur = min(lim.Max, 256)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	got, err := RaiseOpenFiles(low.Cur + 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := min(low.Cur+100, lim.Max); got != want {
		t.Fatalf("limit %d, want %d", got, want)
	}
	var now syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now)
	if now.Cur != got {
		t.Fatalf("soft limit %d, RaiseOpenFiles said %d", now.Cur, got)
	}
	// Asking for less never lowers it.
	if again, _ := RaiseOpenFiles(1); again != got {
		t.Fatalf("asking for 1 gave %d", again)
	}
}
