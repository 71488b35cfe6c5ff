package room

import (
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

// lookalikes are names that were admitted next to "Alice" as different
// members (issue 10, row 4). They are also FuzzCleanName's seeds.
var lookalikes = []string{
	"Alice\u200d",    // zero-width joiner
	"Ali\u200dce",    // zero-width joiner inside
	"Alice\u034f",    // combining grapheme joiner
	"Alice\u3164",    // Hangul filler
	"Alice\u2800",    // blank Braille pattern
	"\u0410lice",     // Cyrillic capital A
	"\uff21lice",     // fullwidth A
	"\U0001d400lice", // mathematical bold A
	"Al\u0131ce",     // dotless i
	"Alice#2",        // the host's suffix, claimed
	"AIice",          // capital I for l
	"ALICE",
	"Alice\u00a0",     // no-break space
	"Alice\ufe0f",     // a variation selector after a letter
	"Alice\u115f",     // Hangul choseong filler
	"Alice\u1160",     // Hangul jungseong filler
	"Alice\uffa0",     // half-width Hangul filler
	"Alice\U000e0100", // variation selector 17
	"Alice\u200b",     // zero-width space
	"Ａｌｉｃｅ＃２",         // all fullwidth, suffix too
}

// TestLookalikeNames checks that a name that looks like a member's is not
// admitted as someone else: it is refused, if it holds an invisible
// character, or given the host's "#N" suffix; and that a "#N" ending asked
// for is the host's to give.
func TestLookalikeNames(t *testing.T) {
	r := New(Config{})
	alice := join(t, r, "Alice")
	suffixed := regexp.MustCompile(`#[0-9]+$`)
	given := map[string]string{"Alice": "Alice"}
	for _, ask := range lookalikes {
		s := &sink{}
		m, err := r.Join(JoinRequest{Name: ask, ClientID: uuid.New(), Addr: netip.MustParseAddr("10.0.0.2"), Sink: s})
		if err != nil {
			if !errors.Is(err, wire.ErrBadName) || !strings.Contains(err.Error(), "invisible") {
				t.Errorf("%+q: refused with %v, want bad_name for an invisible character", ask, err)
			}
			continue
		}
		got := r.Name(m)
		if !suffixed.MatchString(got) {
			t.Errorf("%+q admitted as %+q next to Alice, without a #N suffix", ask, got)
		}
		if prev, ok := given[got]; ok {
			t.Errorf("%+q and %+q both got %+q", prev, ask, got)
		}
		given[got] = ask
	}
	t.Logf("admitted with a suffix: %q", given)
	for _, ask := range []string{"\uff21lice", "Alice#2"} {
		if name, _ := CleanName(ask); name != "Alice" {
			t.Errorf("CleanName(%+q) = %+q, want Alice", ask, name)
		}
	}
	// A message to a look-alike of a name reaches the member who holds it.
	if err := r.DM(alice.m, "", "\u0410lice#2", "hi"); err != nil {
		t.Fatalf("DM to a look-alike of a member's name: %v", err)
	}
}

// TestNamesOfManyScripts checks that Chinese, Japanese, Korean and accented
// names are admitted as they are, and stay distinct from names that differ
// by a character or an accent.
func TestNamesOfManyScripts(t *testing.T) {
	r := New(Config{})
	for _, name := range []string{
		"李雷", "李雷雷", "韩梅梅", "Zoë", "Zoe", "José", "Jose", "Jos\u00e9 Luis",
		"김민준", "김민중", "さくら", "サクラ", "佐藤", "François", "Ådne", "Nguyễn",
		"👩\u200d💻", "❤\ufe0f", "1\ufe0f\u20e3", "Ali ce",
	} {
		if p := join(t, r, name); p.w.Name != name {
			t.Errorf("asked %+q, got %+q", name, p.w.Name)
		}
	}
	for ask, want := range map[string]string{
		"ｻｸﾗ":           "サクラ#2",    // half-width katakana folds to the usual width
		"Ali  \u3000ce": "Ali ce#2", // spaces of any kind become one
		"Cafe\u0301":    "Café",     // NFC
	} {
		if p := join(t, r, ask); p.w.Name != want {
			t.Errorf("asked %+q, got %+q, want %+q", ask, p.w.Name, want)
		}
	}
	for _, bad := range []string{"#2", " #12 ", "a\u200db", "\u2800", "\u3164", "\ufe0f"} {
		if _, err := CleanName(bad); !errors.Is(err, wire.ErrBadName) {
			t.Errorf("CleanName(%+q): %v, want bad_name", bad, err)
		}
	}
}

// TestBanCatchesLookalikes checks that a ban on a name bars its look-alikes
// too, whoever asks for them and from wherever, and that unbanning by a
// look-alike lifts it.
func TestBanCatchesLookalikes(t *testing.T) {
	r := New(Config{})
	leader := join(t, r, "Lead")
	join(t, r, "Alice")
	if err := r.Kick(leader.m, "", "alice", "spam", true); err != nil {
		t.Fatal(err)
	}
	for _, ask := range []string{"Alice", "\u0410lice", "\U0001d400lice", "Al\u0131ce", "AIice", "Alice#2"} {
		_, err := r.Join(JoinRequest{Name: ask, ClientID: uuid.New(), Addr: netip.MustParseAddr("10.0.0.7"), Sink: &sink{}})
		if !errors.Is(err, wire.ErrBanned) {
			t.Errorf("%+q joined past the ban on Alice: %v", ask, err)
		}
	}
	elsewhere := func(name string) (*Member, error) {
		return r.Join(JoinRequest{Name: name, ClientID: uuid.New(), Addr: netip.MustParseAddr("10.0.0.8"), Sink: &sink{}})
	}
	if _, err := elsewhere("Bob"); err != nil {
		t.Fatalf("an unrelated name: %v", err)
	}
	if err := r.Unban(leader.m, "", "\u0410LICE"); err != nil {
		t.Fatalf("unban by a look-alike: %v", err)
	}
	if m, err := elsewhere("Alice"); err != nil || r.Name(m) != "Alice" {
		t.Fatalf("after the unban: %v", err)
	}
}
