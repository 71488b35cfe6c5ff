package secure

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestKnownHostsFile(t *testing.T) {
	fpA, fpB := testIdentity(t).Fingerprint, testIdentity(t).Fingerprint
	dir := filepath.Join(t.TempDir(), "cfg")
	path := filepath.Join(dir, "known_hosts")

	k, err := OpenKnownHosts(path)
	if err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if _, ok := k.Lookup("a.example:7777"); ok {
		t.Fatal("empty known_hosts found a host")
	}
	if err := k.Remember("A.Example:7777", strings.ToUpper(fpA)); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, path, 0o600)
	if fp, ok := k.Lookup("a.example:7777"); !ok || fp != fpA {
		t.Fatalf("Lookup = %q, %v; want %s", fp, ok, fpA)
	}

	// Comments survive rewrites; entries are canonical.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = append([]byte("# my hosts\n\n"), data...)
	data = append(data, "[0::1]:9 "+fpB+"  \r\n"...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err = OpenKnownHosts(path)
	if err != nil {
		t.Fatal(err)
	}
	if fp, _ := k.Lookup("[::1]:9"); fp != fpB {
		t.Fatalf("IPv6 entry: %q", fp)
	}
	if err := k.Remember("a.example:7777", fpB); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "# my hosts\n\na.example:7777 " + fpB + "\n[::1]:9 " + fpB + "\n"
	if string(got) != want {
		t.Fatalf("file after Remember:\n%s\nwant:\n%s", got, want)
	}

	// Another instance's entries are kept when this one writes.
	other, err := OpenKnownHosts(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Remember("b.example:1", fpA); err != nil {
		t.Fatal(err)
	}
	if err := k.Remember("c.example:1", fpA); err != nil {
		t.Fatal(err)
	}
	final, err := OpenKnownHosts(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"a.example:7777", "b.example:1", "c.example:1", "[::1]:9"} {
		if _, ok := final.Lookup(addr); !ok {
			t.Errorf("%s lost", addr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("dir holds %d entries, want 1 (temp file left?)", len(entries))
	}
}

func TestKnownHostsErrors(t *testing.T) {
	fp := testIdentity(t).Fingerprint
	bad := []struct{ name, content string }{
		{"one field", "host:1\n"},
		{"three fields", "host:1 " + fp + " extra\n"},
		{"bad fingerprint", "host:1 nope\n"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(path, []byte("# ok\n"+tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenKnownHosts(path)
			if err == nil || !strings.Contains(err.Error(), path+":2") {
				t.Fatalf("err = %v, want one naming %s:2", err, path)
			}
		})
	}
	k := openKnown(t)
	if err := k.Remember("host:1", "nope"); !errors.Is(err, ErrBadFingerprint) {
		t.Fatalf("Remember bad fingerprint: %v", err)
	}
	for _, addr := range []string{"", "nohost", "a b:1", "a#b:1"} {
		if err := k.Remember(addr, fp); err == nil {
			t.Errorf("Remember(%q) succeeded", addr)
		}
	}
}

func TestKnownHostsConcurrent(t *testing.T) {
	fp := testIdentity(t).Fingerprint
	k := openKnown(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			addr := fmt.Sprintf("h%d.example:%d", i, 1000+i)
			if err := k.Remember(addr, fp); err != nil {
				errs <- err
			}
			k.Lookup(addr)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	reread, err := OpenKnownHosts(k.path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, ok := reread.Lookup(fmt.Sprintf("h%d.example:%d", i, 1000+i)); !ok {
			t.Errorf("entry %d lost", i)
		}
	}
}
