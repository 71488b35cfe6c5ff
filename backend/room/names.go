package room

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"wetalk/backend/wire"
)

// ErrBadRoomName reports a room name that CleanRoomName refuses.
var ErrBadRoomName = errors.New("bad room name")

// CleanName turns a requested nickname into the name to give, or says why
// it cannot be used (wire.ErrBadName):
//
//   - Full-width and half-width forms are folded to their usual width
//     ("Ａlice" is "Alice", "ｻｸﾗ" is "サクラ"), then the name is NFC.
//   - Spaces of any kind become one space; leading and trailing ones go.
//   - Control, format and invisible characters are refused, not dropped, so
//     that what the member sees is what they typed: zero-width spaces and
//     joiners, bidi controls, the combining grapheme joiner, Hangul fillers,
//     the blank Braille pattern, variation selectors, line separators. The
//     zero-width joiner and variation selectors 15 and 16 stay where emoji
//     sequences need them (👩‍💻, ❤️).
//   - An ending "#" and digits is the host's, which it adds to tell two
//     members apart; it is removed ("Alice#2" asks for "Alice").
//   - What is left is 1 to wire.MaxName characters.
//
// Whether the name is free is decided by its keys (see nameKeys), not here.
func CleanName(s string) (string, error) {
	s, problem := clean(s, wire.MaxName, true)
	if problem != "" {
		return "", wire.Errorf(wire.ErrBadName, "the nickname %s", problem)
	}
	return s, nil
}

// CleanRoomName checks a room's name as CleanName checks a nickname (an
// ending "#" and digits stays: no one else's room name is suffixed), with
// wire.MaxRoom characters at most. The error matches ErrBadRoomName.
func CleanRoomName(s string) (string, error) {
	s, problem := clean(s, wire.MaxRoom, false)
	if problem != "" {
		return "", badRoomName(problem)
	}
	return s, nil
}

// badRoomName is what is wrong with a room name; it matches ErrBadRoomName.
type badRoomName string

func (e badRoomName) Error() string        { return "the room name " + string(e) }
func (e badRoomName) Is(target error) bool { return target == ErrBadRoomName }

// clean returns s normalised as CleanName says, or what is wrong with it as
// a name of at most max characters: a phrase such as "is empty". With
// unsuffix, an ending "#" and digits is removed.
func clean(s string, max int, unsuffix bool) (string, string) {
	if !utf8.ValidString(s) {
		return "", "is not valid UTF-8"
	}
	s = norm.NFC.String(width.Fold.String(s))
	var b strings.Builder
	var prev rune
	for i, r := range s {
		switch {
		case unicode.Is(unicode.Zs, r):
			r = ' '
			if prev == ' ' {
				continue
			}
		case invisible(r, prev, s[i+utf8.RuneLen(r):]):
			return "", fmt.Sprintf("contains the invisible or control character %U", r)
		}
		b.WriteRune(r)
		prev = r
	}
	s = strings.TrimSpace(b.String())
	cut := false
	for unsuffix {
		base, ok := cutSuffix(s)
		if !ok {
			break
		}
		s, cut = strings.TrimSpace(base), true
	}
	n := utf8.RuneCountInString(s)
	if n == 0 && cut {
		return "", "is only a number such as #2, which the host adds to tell members of the same name apart"
	}
	if n == 0 {
		return "", "is empty"
	}
	if n > max {
		return "", fmt.Sprintf("is %d characters long; at most %d are allowed", n, max)
	}
	return s, ""
}

// invisible reports a character a name may not hold: one that is not seen,
// or not seen as itself. prev is the character before it and rest what
// follows, for the joiners and selectors that emoji sequences need.
func invisible(r, prev rune, rest string) bool {
	switch {
	case r == '\u200d': // zero-width joiner: only inside an emoji sequence
		next, _ := utf8.DecodeRuneInString(rest)
		return !(emoji(prev) || prev == '\ufe0f') || !emoji(next)
	case r == '\ufe0e' || r == '\ufe0f': // text or emoji presentation of a symbol, or a keycap
		return !emoji(prev) && !strings.HasPrefix(rest, "\u20e3")
	case r == '\u2800', // the blank Braille pattern
		r == '\u115f', r == '\u1160', r == '\u3164', r == '\uffa0': // Hangul fillers
		return true
	}
	return unicode.IsControl(r) ||
		unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs,
			unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, unicode.Noncharacter_Code_Point) ||
		!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs) // unassigned
}

// emoji reports the symbols and modifiers (skin tones) that emoji sequences
// join.
func emoji(r rune) bool { return unicode.In(r, unicode.So, unicode.Sk) && r > 0x7f }

// cutSuffix removes a host's suffix, "#" and digits, from the end of s.
func cutSuffix(s string) (string, bool) {
	trimmed := strings.TrimRightFunc(s, unicode.IsDigit)
	if len(trimmed) == len(s) {
		return s, false
	}
	r, size := utf8.DecodeLastRuneInString(trimmed)
	if norm.NFKC.String(string(r)) != "#" { // "#", "＃", "﹟"
		return s, false
	}
	return trimmed[:len(trimmed)-size], true
}

// nameKeys returns the keys under which a name is compared: two names that
// share a key are the same name. They are the Unicode confusable skeletons
// (UTS #39) of the name's NFKC form, once case-folded before (so that ALICE
// is Alice) and once after (so that AIice, with a capital I, is Alice too);
// so fullwidth, mathematical and other compatibility forms, Cyrillic or
// Greek look-alikes, a dotless ı and such all fall on the key of the name
// they imitate. Keys are for comparing only, never for display.
func nameKeys(name string) []string {
	fold := cases.Fold()
	nfkc := norm.NFKC.String(name)
	k1 := fold.String(confusables.Skeleton(fold.String(nfkc)))
	k2 := fold.String(confusables.Skeleton(nfkc))
	if k1 == k2 {
		return []string{k1}
	}
	return []string{k1, k2}
}

// freeName returns name itself if no member holds it (see nameKeys),
// otherwise name with the smallest free suffix "#N", N >= 2, shortening the
// name so that the result stays within wire.MaxName characters.
func freeName(name string, taken func(name string) bool) string {
	if !taken(name) {
		return name
	}
	for i := 2; ; i++ {
		suffix := "#" + strconv.Itoa(i)
		base := []rune(name)
		if keep := wire.MaxName - utf8.RuneCountInString(suffix); len(base) > keep {
			// Cut whole: no joiner or selector left dangling.
			base = []rune(strings.TrimRight(string(base[:keep]), " \u200d\ufe0e\ufe0f"))
		}
		candidate := string(base) + suffix
		if !taken(candidate) {
			return candidate
		}
	}
}

// seat takes m's name. Caller holds mu.
func (r *Room) seat(m *Member) {
	for _, k := range nameKeys(m.name) {
		r.byName[k] = m
	}
}

// unseat frees m's name. Caller holds mu.
func (r *Room) unseat(m *Member) {
	for _, k := range nameKeys(m.name) {
		if r.byName[k] == m {
			delete(r.byName, k)
		}
	}
}

// named returns the member whose name is name or looks like it, or nil.
// Caller holds mu.
func (r *Room) named(name string) *Member {
	for _, k := range nameKeys(strings.TrimSpace(name)) {
		if m := r.byName[k]; m != nil {
			return m
		}
	}
	return nil
}

// taken reports whether name, or one like it, is a member's or banned.
// Caller holds mu.
func (r *Room) taken(name string) bool {
	return r.named(name) != nil || r.bannedName(name) != ""
}

// bannedName returns the banned name that name is or looks like, or "".
// Caller holds mu.
func (r *Room) bannedName(name string) string {
	if len(r.bans) == 0 {
		return ""
	}
	keys := nameKeys(name)
	for _, b := range r.bans {
		if b.like(keys) {
			return b.name
		}
	}
	return ""
}

// like reports whether a name of the given keys is the banned name or one
// like it.
func (b ban) like(keys []string) bool {
	for _, k := range keys {
		if slices.Contains(b.keys, k) {
			return true
		}
	}
	return false
}
