package secure

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

// testKey is a fixed Ed25519 public key for fingerprint tests.
func testKey() ed25519.PublicKey {
	return ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
}

func TestFingerprint(t *testing.T) {
	fp, err := Fingerprint(testKey())
	if err != nil {
		t.Fatal(err)
	}
	if len(fp) != FingerprintLen {
		t.Fatalf("len(%q) = %d, want %d", fp, len(fp), FingerprintLen)
	}
	if strings.Trim(fp, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		t.Fatalf("%q is not lowercase base32", fp)
	}
	if again, _ := Fingerprint(testKey()); again != fp {
		t.Fatalf("not deterministic: %q then %q", fp, again)
	}
	if c, err := NormalizeFingerprint(fp); err != nil || c != fp {
		t.Fatalf("NormalizeFingerprint(%q) = %q, %v", fp, c, err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if ofp, _ := Fingerprint(other); ofp == fp {
		t.Fatal("two keys share a fingerprint")
	}
	if _, err := Fingerprint(struct{}{}); err == nil {
		t.Fatal("Fingerprint of a non-key succeeded")
	}
}

func TestNormalizeFingerprint(t *testing.T) {
	fp, err := Fingerprint(testKey())
	if err != nil {
		t.Fatal(err)
	}
	// groups of 5 as people read them out
	var groups []string
	for i := 0; i < len(fp); i += 5 {
		groups = append(groups, fp[i:min(i+5, len(fp))])
	}
	noncanonical := fp[:25] + "b" // last char must encode two zero pad bits
	if strings.IndexByte("aeimquy4", fp[25]) < 0 {
		t.Fatalf("canonical fingerprint %q ends in %q", fp, fp[25])
	}
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"canonical", fp, true},
		{"upper", strings.ToUpper(fp), true},
		{"dashes", strings.Join(groups, "-"), true},
		{"spaces", strings.Join(groups, " "), true},
		{"mixed", " " + strings.ToUpper(strings.Join(groups, " - ")) + "\t", true},
		{"empty", "", false},
		{"short", fp[:25], false},
		{"long", fp + "a", false},
		{"digit 1", "1" + fp[1:], false},
		{"digit 8", fp[:10] + "8" + fp[11:], false},
		{"padding", fp + "======", false},
		{"noncanonical last", noncanonical, false},
		{"other separator", strings.Join(groups, "."), false},
		{"huge", strings.Repeat(" ", 1000) + fp, false},
		{"unicode", "é" + fp[2:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeFingerprint(tt.in)
			if tt.ok {
				if err != nil || got != fp {
					t.Fatalf("NormalizeFingerprint(%q) = %q, %v; want %q", tt.in, got, err, fp)
				}
				return
			}
			if !errors.Is(err, ErrBadFingerprint) {
				t.Fatalf("NormalizeFingerprint(%q) = %q, %v; want ErrBadFingerprint", tt.in, got, err)
			}
		})
	}
}
