package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// maxRecent is how many recent rooms are remembered.
const maxRecent = 10

// recentFile is the name of the recent rooms file in the profile folder.
const recentFile = "recent-rooms.json"

// Recent is a room joined before, newest first in RecentRooms.
type Recent struct {
	Address  string    `json:"address"`
	Invite   string    `json:"invite"`
	Room     string    `json:"room"`
	Nickname string    `json:"nickname"`
	Time     time.Time `json:"time"`
}

// RecentRooms returns the rooms joined before, newest first.
func (s *Session) RecentRooms() ([]Recent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readRecent()
}

// readRecent reads the recent rooms file; a missing file is no rooms.
// Called with mu held.
func (s *Session) readRecent() ([]Recent, error) {
	b, err := os.ReadFile(filepath.Join(s.cfg.Profile.Dir, recentFile))
	if errors.Is(err, os.ErrNotExist) {
		return []Recent{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("recent rooms: %w", err)
	}
	var list []Recent
	if err := json.Unmarshal(b, &list); err != nil {
		return []Recent{}, nil // a damaged list is not worth failing over
	}
	return list, nil
}

// remember puts r first in the recent rooms, replacing an older entry for
// the same address, and writes the file atomically. Called with mu held.
func (s *Session) remember(r Recent) error {
	list, err := s.readRecent()
	if err != nil {
		return err
	}
	r.Time = time.Now().UTC()
	out := []Recent{r}
	for _, old := range list {
		if old.Address != r.Address && len(out) < maxRecent {
			out = append(out, old)
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(s.cfg.Profile.Dir, recentFile), b)
}

// writeAtomic replaces path with data: a temporary file in the same folder,
// synced, then renamed over it.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".recent-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
