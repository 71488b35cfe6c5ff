package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

func TestRecentRoomsAndSettings(t *testing.T) {
	p, _ := Open(t.TempDir())
	if list, err := p.RecentRooms(); err != nil || len(list) != 0 || list == nil {
		t.Fatalf("no file: %v %v", list, err)
	}
	for i := range maxRecent + 3 {
		if err := p.Remember(Recent{Address: fmt.Sprintf("10.0.0.%d:7777", i%(maxRecent+2)), Room: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := p.RecentRooms()
	if err != nil || len(list) != maxRecent || list[0].Room != fmt.Sprint(maxRecent+2) || list[0].Address != "10.0.0.0:7777" {
		t.Fatalf("recent rooms %+v %v", list, err)
	}
	// A damaged file is no rooms (and no settings), and is replaced whole.
	for _, name := range []string{recentFile, settingsFile} {
		os.WriteFile(filepath.Join(p.Dir, name), []byte(`{"torn`), 0o600)
	}
	if list, err := p.RecentRooms(); err != nil || len(list) != 0 {
		t.Fatalf("damaged: %v %v", list, err)
	}
	if st, err := p.Settings(); err != nil || st != (Settings{}) {
		t.Fatalf("damaged settings: %+v %v", st, err)
	}
	if err := p.UpdateSettings(func(s *Settings) { s.DownloadDir = "/x" }); err != nil {
		t.Fatal(err)
	}
	if st, _ := p.Settings(); st.DownloadDir != "/x" {
		t.Fatalf("settings %+v", st)
	}
	// Only the files themselves are left: no temporary files, private modes.
	entries, _ := os.ReadDir(p.Dir)
	for _, e := range entries {
		fi, _ := e.Info()
		if strings.Contains(e.Name(), "tmp") || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", e.Name(), fi.Mode().Perm())
		}
	}
}

// TestConcurrentWriters: the tabs of `wetalk web` share one profile; no
// update is lost.
func TestConcurrentWriters(t *testing.T) {
	p, _ := Open(t.TempDir())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := p.Remember(Recent{Address: fmt.Sprintf("h%d:1", i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if list, _ := p.RecentRooms(); len(list) != 8 {
		t.Fatalf("%d of 8 rooms remembered", len(list))
	}
}
