package room

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"wetalk/backend/wire"
)

// FuzzCleanName checks that the nickname and room name rules never panic,
// that a cleaned name is within the limits and clean again as it is, and
// that the #N suffixing always finds a name within the limit that does not
// look like the name taken.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"River", " 河流 ", "Cafe\u0301", "a\u202eb", "👩\u200d💻", strings.Repeat("长", 33), "\x00", "#2"} {
		f.Add(s)
	}
	for _, s := range lookalikes {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if room, err := CleanRoomName(s); err == nil {
			if again, err := CleanRoomName(room); err != nil || again != room || len(room) > wire.MaxRoomBytes {
				t.Fatalf("room name %q cleaned to %q, then %q, %v", s, room, again, err)
			}
		}
		name, err := CleanName(s)
		if err != nil {
			return
		}
		if n := utf8.RuneCountInString(name); n < 1 || n > 32 {
			t.Fatalf("%q cleaned to %q of %d characters", s, name, n)
		}
		again, err := CleanName(name)
		if err != nil || again != name {
			t.Fatalf("clean name %q not stable: %q, %v", name, again, err)
		}
		like := func(a, b string) bool {
			for _, k := range nameKeys(a) {
				if slices.Contains(nameKeys(b), k) {
					return true
				}
			}
			return false
		}
		if !like(name, name) {
			t.Fatalf("%q is not like itself", name)
		}
		next := freeName(name, func(c string) bool { return like(c, name) })
		if like(next, name) || utf8.RuneCountInString(next) > 32 {
			t.Fatalf("free name for %q: %q", name, next)
		}
	})
}
