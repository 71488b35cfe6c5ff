package session

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// settingsFile is the name of the app settings file in the profile folder.
const settingsFile = "settings.json"

// settings are the user's choices kept across runs.
type settings struct {
	// DownloadDir is where downloads go; "" means the system's Downloads
	// folder.
	DownloadDir string `json:"downloadDir,omitempty"`
	// Muted turns off notifications of mentions and private messages.
	Muted bool `json:"muted,omitempty"`
}

// readSettings reads the settings file; a missing one is the defaults.
// Called with mu held.
func (s *Session) readSettings() (settings, error) {
	var st settings
	b, err := os.ReadFile(filepath.Join(s.cfg.Profile.Dir, settingsFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("settings: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return settings{}, nil // a damaged file is the defaults
	}
	return st, nil
}

// DownloadDir returns the folder downloads are saved in: the one the user
// chose, else the Config's, else the system's Downloads folder.
func (s *Session) DownloadDir() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.readSettings()
	if err != nil {
		return "", err
	}
	switch {
	case st.DownloadDir != "":
		return st.DownloadDir, nil
	case s.cfg.DownloadDir != "":
		return s.cfg.DownloadDir, nil
	}
	return SystemDownloads()
}

// SetDownloadDir makes dir (an existing folder) the download folder, and
// remembers it; "" goes back to the default. It returns the folder now in
// use.
func (s *Session) SetDownloadDir(dir string) (string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("bad folder %q: %w", dir, err)
		}
		st, err := os.Stat(abs)
		if err != nil || !st.IsDir() {
			return "", fmt.Errorf("%s is not a folder", abs)
		}
		dir = abs
	}
	if err := s.changeSettings(func(st *settings) { st.DownloadDir = dir }); err != nil {
		return "", err
	}
	return s.DownloadDir()
}

// changeSettings reads the settings, applies change and writes them back
// whole (a temporary file renamed over the old one).
func (s *Session) changeSettings(change func(*settings)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.readSettings()
	if err == nil {
		change(&st)
		var b []byte
		b, err = json.MarshalIndent(st, "", "  ")
		if err == nil {
			path := filepath.Join(s.cfg.Profile.Dir, settingsFile)
			tmp := path + ".tmp"
			if err = os.WriteFile(tmp, b, 0o600); err == nil {
				err = os.Rename(tmp, path)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("cannot save the settings: %w", err)
	}
	return nil
}

// SystemDownloads returns the user's Downloads folder: XDG_DOWNLOAD_DIR
// (from the environment or user-dirs.dirs) on Linux, else ~/Downloads.
func SystemDownloads() (string, error) {
	home, herr := os.UserHomeDir()
	expand := func(v string) string {
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if home != "" {
			v = strings.Replace(v, "$HOME", home, 1)
		}
		return v
	}
	if v := expand(os.Getenv("XDG_DOWNLOAD_DIR")); filepath.IsAbs(v) {
		return v, nil
	}
	if cfg, err := os.UserConfigDir(); err == nil {
		if f, err := os.Open(filepath.Join(cfg, "user-dirs.dirs")); err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.TrimSpace(k) == "XDG_DOWNLOAD_DIR" {
					if v := expand(v); filepath.IsAbs(v) {
						return v, nil
					}
				}
			}
		}
	}
	if herr != nil {
		return "", fmt.Errorf("no download folder (%v): choose one", herr)
	}
	return filepath.Join(home, "Downloads"), nil
}
