package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"wetalk/backend/secure"
)

// File names in the profile folder.
const (
	recentFile   = "recent-rooms.json"
	settingsFile = "settings.json"
)

// maxRecent is how many recent rooms are remembered.
const maxRecent = 10

// Recent is a room joined before, newest first in RecentRooms.
type Recent struct {
	Address  string    `json:"address"`
	Invite   string    `json:"invite"`
	Room     string    `json:"room"`
	Nickname string    `json:"nickname"`
	Time     time.Time `json:"time"`
}

// Settings are the user's choices kept across runs.
type Settings struct {
	// DownloadDir is where downloads go; "" means the default.
	DownloadDir string `json:"downloadDir,omitempty"`
	// Muted turns off notifications of mentions and private messages.
	Muted bool `json:"muted,omitempty"`
}

// RecentRooms returns the rooms joined before, newest first; none if the
// file is missing or damaged (not worth failing over).
func (p *Profile) RecentRooms() ([]Recent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var list []Recent
	if err := p.readJSON(recentFile, &list); err != nil {
		return nil, fmt.Errorf("recent rooms: %w", err)
	}
	if list == nil {
		list = []Recent{}
	}
	return list, nil
}

// Remember puts r first in the recent rooms, stamped now, replacing an
// older entry for the same address.
func (p *Profile) Remember(r Recent) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var list []Recent
	if err := p.readJSON(recentFile, &list); err != nil {
		return fmt.Errorf("recent rooms: %w", err)
	}
	r.Time = time.Now().UTC()
	out := []Recent{r}
	for _, old := range list {
		if old.Address != r.Address && len(out) < maxRecent {
			out = append(out, old)
		}
	}
	if err := p.writeJSON(recentFile, out); err != nil {
		return fmt.Errorf("recent rooms: %w", err)
	}
	return nil
}

// Settings returns the saved settings; the defaults if the file is missing
// or damaged.
func (p *Profile) Settings() (Settings, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var st Settings
	if err := p.readJSON(settingsFile, &st); err != nil {
		return Settings{}, fmt.Errorf("settings: %w", err)
	}
	return st, nil
}

// UpdateSettings applies change to the saved settings and saves them.
func (p *Profile) UpdateSettings(change func(*Settings)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var st Settings
	if err := p.readJSON(settingsFile, &st); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	change(&st)
	if err := p.writeJSON(settingsFile, st); err != nil {
		return fmt.Errorf("cannot save the settings: %w", err)
	}
	return nil
}

// readJSON decodes the file called name into v. A missing file leaves v
// as it is, and so does a damaged one (it is replaced on the next write).
// Called with mu held.
func (p *Profile) readJSON(name string, v any) error {
	b, err := os.ReadFile(filepath.Join(p.Dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if json.Unmarshal(b, v) != nil {
		reflect.ValueOf(v).Elem().SetZero()
	}
	return nil
}

// writeJSON replaces the file called name with v, atomically. Called with
// mu held.
func (p *Profile) writeJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return secure.WriteFileAtomic(filepath.Join(p.Dir, name), b, 0o600, true)
}
