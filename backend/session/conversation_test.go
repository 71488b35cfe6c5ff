package session

import (
	"testing"

	"wetalk/backend/profile"
)

// The mute switch is remembered across runs, beside the other settings.
func TestMutedSetting(t *testing.T) {
	dir := t.TempDir()
	open := func() *Session {
		prof, err := profile.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		o := New(Config{Profile: prof, Emitter: newRecorder(), HostBind: "127.0.0.1"})
		t.Cleanup(func() { o.Close() })
		return o.Session()
	}
	s := open()
	if m, err := s.Muted(); err != nil || m {
		t.Fatalf("Muted at first = %v, %v", m, err)
	}
	folder := t.TempDir()
	if _, err := s.SetDownloadDir(folder); err != nil {
		t.Fatal(err)
	}
	if m, err := s.SetMuted(true); err != nil || !m {
		t.Fatalf("SetMuted = %v, %v", m, err)
	}
	again := open()
	if m, err := again.Muted(); err != nil || !m {
		t.Fatalf("Muted in the next run = %v, %v", m, err)
	}
	if d, _ := again.DownloadDir(); d != folder {
		t.Fatal("muting lost the download folder")
	}
}
