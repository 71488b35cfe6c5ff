package secure

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestIdentityPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "wetalk")
	first, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if first.Fingerprint != second.Fingerprint {
		t.Fatalf("fingerprint changed across loads: %s then %s", first.Fingerprint, second.Fingerprint)
	}
	if len(first.Fingerprint) != FingerprintLen {
		t.Fatalf("fingerprint %q has length %d", first.Fingerprint, len(first.Fingerprint))
	}
	for _, id := range []*Identity{first, second} {
		leaf := id.Certificate.Leaf
		if leaf == nil || len(id.Certificate.Certificate) != 1 {
			t.Fatal("identity certificate is not one parsed leaf")
		}
		if fp, _ := Fingerprint(leaf.PublicKey); fp != id.Fingerprint {
			t.Fatalf("certificate key fingerprint %s, identity says %s", fp, id.Fingerprint)
		}
		if err := leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil {
			t.Fatalf("certificate is not self-signed: %v", err)
		}
		if leaf.NotAfter.Sub(leaf.NotBefore) < certValidity {
			t.Fatalf("certificate valid only %v", leaf.NotAfter.Sub(leaf.NotBefore))
		}
	}
	if first.Certificate.Leaf.SerialNumber.Cmp(second.Certificate.Leaf.SerialNumber) == 0 {
		t.Fatal("certificate was not made afresh on load")
	}

	path := filepath.Join(dir, keyFileName)
	assertMode(t, path, 0o600)
	assertMode(t, dir, 0o700)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("identity dir holds %d entries, want only %s (temp file left?)", len(entries), keyFileName)
	}
	other, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if other.Fingerprint == first.Fingerprint {
		t.Fatal("two identity dirs share a fingerprint")
	}
}

func TestIdentityConcurrentCreate(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	fps := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := LoadOrCreateIdentity(dir)
			errs[i] = err
			if err == nil {
				fps[i] = id.Fingerprint
			}
		})
	}
	wg.Wait()
	final, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil || fps[i] != final.Fingerprint {
			t.Fatalf("caller %d got %q, %v; the key on disk is %s", i, fps[i], errs[i], final.Fingerprint)
		}
	}
}

func TestIdentityPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o666} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			if _, err := LoadOrCreateIdentity(dir); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, keyFileName)
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateIdentity(dir)
			if !errors.Is(err, ErrKeyPermissions) {
				t.Fatalf("mode %v: err = %v, want ErrKeyPermissions", mode, err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %s", err, path)
			}
			assertMode(t, path, mode) // refused, not silently fixed
		})
	}
}

func TestIdentityCorrupt(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	good := func(t *testing.T) []byte {
		dir := t.TempDir()
		if _, err := LoadOrCreateIdentity(dir); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, keyFileName))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	tests := []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"empty", func(*testing.T) []byte { return nil }},
		{"garbage", func(*testing.T) []byte { return []byte("not a key\n") }},
		{"truncated", func(t *testing.T) []byte { d := good(t); return d[:len(d)/2] }},
		{"wrong block type", func(t *testing.T) []byte {
			return bytes.Replace(good(t), []byte("PRIVATE KEY"), []byte("PUBLIC KEY"), 2)
		}},
		{"trailing data", func(t *testing.T) []byte { return append(good(t), "junk"...) }},
		{"not ed25519", func(*testing.T) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
		}},
		{"bad DER", func(*testing.T) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{0x30, 0x03, 1, 2, 3}})
		}},
		{"huge", func(*testing.T) []byte { return bytes.Repeat([]byte("A"), maxKeyFile+10) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, keyFileName)
			data := tt.data(t)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateIdentity(dir)
			if !errors.Is(err, ErrCorruptKey) {
				t.Fatalf("err = %v, want ErrCorruptKey", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %s", err, path)
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(after, data) {
				t.Fatal("corrupt key file was changed")
			}
		})
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %#o, want %#o", path, got, want)
	}
}
