package session

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"wetalk/backend/profile"
)

// RecentRooms returns the rooms joined before, newest first.
func (s *Session) RecentRooms() ([]profile.Recent, error) {
	return s.cfg.Profile.RecentRooms()
}

// DownloadDir returns the folder downloads are saved in: the one the user
// chose, else the Config's, else the system's Downloads folder.
func (s *Session) DownloadDir() (string, error) {
	st, err := s.cfg.Profile.Settings()
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
	if err := s.cfg.Profile.UpdateSettings(func(st *profile.Settings) { st.DownloadDir = dir }); err != nil {
		return "", err
	}
	return s.DownloadDir()
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
