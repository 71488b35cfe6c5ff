package secure

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"fmt"
	"strings"
)

// FingerprintLen is the length of a canonical fingerprint: 128 bits in
// base32 without padding.
const FingerprintLen = 26

// fingerprintBytes is how much of the SHA-256 digest a fingerprint keeps.
const fingerprintBytes = 16

// maxFingerprintInput bounds the user text NormalizeFingerprint looks at.
const maxFingerprintInput = 128

// fpEncoding is lowercase RFC 4648 base32 without padding. Read-only.
var fpEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Fingerprint returns the fingerprint of a public key: the lowercase,
// unpadded base32 of the first 16 bytes of SHA-256 over the key's PKIX DER
// encoding, 26 characters.
//
// 128 bits suffice because an impostor must match a fingerprint someone else
// already holds: that is a second preimage of truncated SHA-256, which costs
// about 2^128 hash evaluations. The birthday bound (2^64) only helps someone
// who makes both colliding keys, that is the host itself, which gains nothing
// by impersonating itself. The short form is what makes reading a
// fingerprint aloud or comparing it by eye practical.
func Fingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("secure: fingerprint: %w", err)
	}
	sum := sha256.Sum256(der)
	return fpEncoding.EncodeToString(sum[:fingerprintBytes]), nil
}

// NormalizeFingerprint accepts a fingerprint as a user may type it (either
// case, spaces, tabs or dashes between groups) and returns its canonical
// form, or an error wrapping ErrBadFingerprint.
func NormalizeFingerprint(s string) (string, error) {
	if len(s) > maxFingerprintInput {
		return "", fmt.Errorf("secure: %w: %d characters is too long", ErrBadFingerprint, len(s))
	}
	var b strings.Builder
	b.Grow(FingerprintLen)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '-':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	fp := b.String()
	if len(fp) != FingerprintLen {
		return "", fmt.Errorf("secure: %w: %d characters, want %d", ErrBadFingerprint, len(fp), FingerprintLen)
	}
	raw, err := fpEncoding.DecodeString(fp)
	if err != nil || len(raw) != fingerprintBytes {
		return "", fmt.Errorf("secure: %w: %q is not base32 (a-z, 2-7)", ErrBadFingerprint, s)
	}
	// The last character carries 3 bits of the digest and 2 of padding;
	// nonzero padding bits would let two spellings name one key.
	if fpEncoding.EncodeToString(raw) != fp {
		return "", fmt.Errorf("secure: %w: %q has a noncanonical last character", ErrBadFingerprint, s)
	}
	return fp, nil
}
