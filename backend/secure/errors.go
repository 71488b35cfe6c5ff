package secure

import (
	"errors"
	"fmt"
)

// Errors callers can check with errors.Is. They arrive wrapped with context.
var (
	// ErrHostKeyMismatch: the host presented a key other than the pinned or
	// remembered one.
	ErrHostKeyMismatch = errors.New("host key mismatch")
	// ErrUnknownHost: the host's key is neither pinned nor remembered and
	// trust on first use was not asked for. See UnknownHostError.
	ErrUnknownHost = errors.New("unknown host key")
	// ErrBadFingerprint: a fingerprint is not 26 characters of base32.
	ErrBadFingerprint = errors.New("bad fingerprint")
	// ErrBadInvite: an invite is not wetalk://HOST:PORT/#FINGERPRINT.
	ErrBadInvite = errors.New("bad invite")
	// ErrEmptyPassword: a password file holds no password.
	ErrEmptyPassword = errors.New("empty password")
	// ErrPasswordTooLong: a password is longer than MaxPasswordLen.
	ErrPasswordTooLong = errors.New("password too long")
	// ErrBadPassword: a wrong room password.
	ErrBadPassword = errors.New("bad password")
	// ErrRateLimited: too many wrong passwords from one source; try later.
	ErrRateLimited = errors.New("rate limited")
	// ErrKeyPermissions: the host key file is accessible by group or others.
	ErrKeyPermissions = errors.New("host key file has unsafe permissions")
	// ErrCorruptKey: the host key file cannot be read as an Ed25519 key.
	ErrCorruptKey = errors.New("corrupt host key file")
)

// Handshake failures that are protocol violations rather than trust
// decisions; unexported because callers have nothing to choose between them.
var (
	errCertCount = errors.New("host must present exactly one certificate")
	errALPN      = errors.New("host did not negotiate protocol " + ALPN)
)

// UnknownHostError is returned (through the TLS handshake) when a host's key
// is neither pinned nor remembered and trust on first use was not asked for.
// It carries the fingerprint so a user interface can show it and ask.
// errors.Is(err, ErrUnknownHost) holds for it.
type UnknownHostError struct {
	Addr        string // the address as dialled
	Fingerprint string // the key the host presented, canonical form
}

func (e *UnknownHostError) Error() string {
	return fmt.Sprintf("secure: %v for %s: fingerprint %s", ErrUnknownHost, e.Addr, e.Fingerprint)
}

// Unwrap returns ErrUnknownHost.
func (e *UnknownHostError) Unwrap() error { return ErrUnknownHost }
