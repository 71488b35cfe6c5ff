package transfer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes caps a sanitised file name, in bytes of UTF-8, leaving room
// under the usual 255-byte limit for " (123)" and a ".part" suffix.
const MaxNameBytes = 180

// maxExtBytes is the longest extension kept whole when a name is shortened.
const maxExtBytes = 16

// SafeName returns name made safe to use as a file name on any system: no
// path separators or ".." (runs of dots become one), no control, NUL, bidirectional-override or other
// invisible format characters, none of the characters Windows forbids, no
// leading dots or trailing dots and spaces, not a Windows reserved device
// name (con, nul, com1, ... whatever the extension), at most MaxNameBytes
// long with its extension kept. It never returns an empty name.
func SafeName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "_") {
		switch {
		case r == '/' || r == '\\' || strings.ContainsRune(`<>:"|?*`, r):
			b.WriteByte('_')
		case unicode.IsControl(r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
			b.WriteByte('_')
		case invisible(r):
			// dropped: they can make "exe.txt" display as "txt.exe"
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	s = strings.TrimRight(strings.TrimLeft(s, ". "), ". ")
	// Shortening comes first so that what it leaves is checked too: a
	// long name can shrink to "_" or to "con.txt".
	s = shorten(s, MaxNameBytes)
	if strings.Trim(s, "_ ") == "" {
		s = shorten("file"+s, MaxNameBytes)
	}
	if reserved(s) {
		s = shorten("_"+s, MaxNameBytes)
	}
	return s
}

// invisible reports the format characters that change how a name displays
// without being seen: bidirectional embeddings, overrides and isolates,
// marks, zero-width spaces and the byte order mark. The zero-width joiner,
// which emoji sequences need, stays.
func invisible(r rune) bool {
	if r == '\u200d' {
		return false
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r)
}

// reserved reports whether Windows treats the name as a device, which it
// does for CON, PRN, AUX, NUL, COM0-9 and LPT0-9 (also with superscript
// digits) before any extension, ignoring case and trailing spaces.
func reserved(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) >= 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		d := stem[3:]
		if len(d) == 1 && d[0] >= '0' && d[0] <= '9' {
			return true
		}
		if d == "¹" || d == "²" || d == "³" {
			return true
		}
	}
	return false
}

// shorten cuts name to at most n bytes on a rune boundary, keeping a short
// extension.
func shorten(name string, n int) string {
	if len(name) <= n {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) > maxExtBytes || len(ext) == len(name) {
		ext = ""
	}
	stem := name[:len(name)-len(ext)]
	limit := n - len(ext)
	for len(stem) > limit {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return strings.TrimRight(stem, ". ") + ext
}

// numbered returns name with " (i)" before its extension: report (1).pdf.
func numbered(name string, i int) string {
	if i == 0 {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) > maxExtBytes || len(ext) == len(name) {
		ext = ""
	}
	return fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), i, ext)
}

// place gives the finished file at from the first free name among name,
// "name (1)", "name (2)", ... in dir and returns its path. It never
// replaces an existing file: a hard link fails if the name is taken (where
// links are not supported, it checks and renames).
func place(from, dir, name string) (string, error) {
	for i := 0; i < 10000; i++ {
		to := filepath.Join(dir, numbered(name, i))
		err := os.Link(from, to)
		if err == nil {
			os.Remove(from)
			return to, nil
		}
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if _, serr := os.Lstat(to); serr == nil {
			continue
		} else if !errors.Is(serr, os.ErrNotExist) {
			return "", serr
		}
		if err := os.Rename(from, to); err != nil {
			return "", err
		}
		return to, nil
	}
	return "", fmt.Errorf("transfer: no free name for %q in %s", name, dir)
}
