package room

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"wetalk/backend/wire"
)

// ErrBadRoomName reports a room name that CleanRoomName refuses.
var ErrBadRoomName = errors.New("bad room name")

// CleanName trims and NFC-normalises a requested nickname and checks it: 1 to
// wire.MaxName characters, valid UTF-8, no control, format (bidi overrides,
// zero-width) or line-separator characters, except the zero-width joiner that
// emoji sequences need.
func CleanName(s string) (string, error) {
	s, problem := clean(s, wire.MaxName)
	if problem != "" {
		return "", wire.Errorf(wire.ErrBadName, "the nickname %s", problem)
	}
	return s, nil
}

// CleanRoomName checks a room's name as CleanName checks a nickname, with
// wire.MaxRoom characters at most. The error wraps ErrBadRoomName.
func CleanRoomName(s string) (string, error) {
	s, problem := clean(s, wire.MaxRoom)
	if problem != "" {
		return "", badRoomName(problem)
	}
	return s, nil
}

// badRoomName is what is wrong with a room name; it matches ErrBadRoomName.
type badRoomName string

func (e badRoomName) Error() string        { return "the room name " + string(e) }
func (e badRoomName) Is(target error) bool { return target == ErrBadRoomName }

// clean returns s trimmed and normalised, or what is wrong with it as a
// name of at most max characters: a phrase such as "is empty".
func clean(s string, max int) (string, string) {
	if !utf8.ValidString(s) {
		return "", "is not valid UTF-8"
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return "", "is empty"
	}
	if n > max {
		return "", fmt.Sprintf("is %d characters long; at most %d are allowed", n, max)
	}
	for _, r := range s {
		if r == '\u200d' {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return "", fmt.Sprintf("contains the invisible or control character %U", r)
		}
	}
	return s, ""
}

// foldName is the key under which names are compared: case-folded and NFC.
func foldName(s string) string {
	return norm.NFC.String(cases.Fold().String(s))
}

// freeName returns name itself if no member holds it (case-insensitively),
// otherwise name with the smallest free suffix "#N", N >= 2, shortening the
// name so that the result stays within wire.MaxName characters.
func freeName(name string, taken func(key string) bool) string {
	if !taken(foldName(name)) {
		return name
	}
	for i := 2; ; i++ {
		suffix := "#" + strconv.Itoa(i)
		base := []rune(name)
		if keep := wire.MaxName - utf8.RuneCountInString(suffix); len(base) > keep {
			base = base[:keep]
		}
		candidate := fmt.Sprintf("%s%s", string(base), suffix)
		if !taken(foldName(candidate)) {
			return candidate
		}
	}
}
