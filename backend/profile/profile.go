// Package profile is this user's local WeTalk state on disk: the folder it
// lives in, the client identity kept between runs (bans match it), the
// known-hosts file, the host key when this user hosts, the rooms joined
// before and the settings. Every file in it is written whole, atomically,
// by one writer (secure.WriteFileAtomic); a Profile is safe for concurrent
// use (the tabs of `wetalk web` share one).
//
// It knows nothing of rooms or connections.
package profile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/uuid"

	"wetalk/backend/secure"
)

// Profile is one state folder.
type Profile struct {
	// Dir is the folder; created with mode 0700.
	Dir string
	// mu serialises the read-modify-write of the recent rooms and the
	// settings.
	mu sync.Mutex
}

// Open returns the profile in dir, creating the folder if needed. An empty
// dir means the user's config folder (on Linux ~/.config/wetalk).
func Open(dir string) (*Profile, error) {
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("profile: no config folder (set --state-dir): %w", err)
		}
		dir = filepath.Join(base, "wetalk")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	return &Profile{Dir: dir}, nil
}

// ClientID returns the client identity, created on first use.
func (p *Profile) ClientID() (uuid.UUID, error) {
	path := filepath.Join(p.Dir, "client-id")
	b, err := os.ReadFile(path)
	if err == nil {
		id, perr := uuid.Parse(strings.TrimSpace(string(b)))
		if perr == nil {
			return id, nil
		}
		return uuid.Nil, fmt.Errorf("profile: %s is corrupt (%v); move it away to get a new identity", path, perr)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return uuid.Nil, fmt.Errorf("profile: %w", err)
	}
	// Written without replacing: if another process created it
	// meanwhile, its identity wins and is read back.
	id := uuid.New()
	if err := secure.WriteFileAtomic(path, []byte(id.String()+"\n"), 0o600, false); err != nil && !errors.Is(err, fs.ErrExist) {
		return uuid.Nil, fmt.Errorf("profile: %w", err)
	}
	return p.ClientID()
}

// KnownHosts opens the remembered host keys.
func (p *Profile) KnownHosts() (*secure.KnownHosts, error) {
	return secure.OpenKnownHosts(filepath.Join(p.Dir, "known_hosts"))
}

// HostIdentity returns the key this user hosts rooms with, created on
// first use.
func (p *Profile) HostIdentity() (*secure.Identity, error) {
	return secure.LoadOrCreateIdentity(filepath.Join(p.Dir, "host"))
}
