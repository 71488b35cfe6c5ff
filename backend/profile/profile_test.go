package profile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestClientIDPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.ClientID()
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := Open(dir)
	b, err := p2.ClientID()
	if err != nil || a != b {
		t.Fatalf("identity changed between runs: %v %v (%v)", a, b, err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir mode %v", fi.Mode().Perm())
	}
	os.WriteFile(filepath.Join(dir, "client-id"), []byte("garbage"), 0o600)
	if _, err := p.ClientID(); err == nil {
		t.Error("a corrupt identity must be an error, not silently replaced")
	}
}

func TestHostIdentityStable(t *testing.T) {
	p, _ := Open(t.TempDir())
	a, err := p.HostIdentity()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.HostIdentity()
	if a.Fingerprint != b.Fingerprint {
		t.Fatal("host fingerprint changed")
	}
}
