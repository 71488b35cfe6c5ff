package secure

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// ALPN is the application protocol both sides negotiate. A host that does
// not speak it is refused by ClientConfig's verification.
const ALPN = "wetalk/1"

// ServerConfig returns the host's TLS configuration: TLS 1.3 only, the
// identity's certificate, and ALPN "wetalk/1". Members are not asked for
// certificates. Each call returns a new config the caller may adjust.
func ServerConfig(id *Identity) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		MaxVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{id.Certificate},
		NextProtos:   []string{ALPN},
		ClientAuth:   tls.NoClientCert,
	}
}

// ClientOptions says how the client decides whether to trust the host's key.
type ClientOptions struct {
	Addr       string      // host:port as dialled; the known_hosts key
	Pin        string      // expected fingerprint (from --pin or an invite); "" = none
	TrustNew   bool        // accept and remember an unknown host (ssh's "yes")
	KnownHosts *KnownHosts // may be nil: then only Pin can authenticate
}

// ClientConfig returns a TLS 1.3-only member configuration. Chain
// verification is off (InsecureSkipVerify) because the host's certificate is
// self-signed; instead VerifyConnection authenticates the host by its key's
// fingerprint and accepts exactly:
//
//   - the pinned key, if Pin is set (the pin wins over known_hosts; a
//     matching pin also adds or updates the known_hosts entry for Addr);
//   - otherwise the key remembered for Addr in KnownHosts;
//   - otherwise, if TrustNew, any key, which is then remembered.
//
// A key other than the pinned or remembered one fails the handshake with an
// error wrapping ErrHostKeyMismatch (TrustNew does not override it). An
// unknown key without TrustNew fails with *UnknownHostError. The host must
// present exactly one certificate and negotiate ALPN "wetalk/1". A failure
// to write known_hosts fails the handshake. The handshake error satisfies
// errors.Is/As for these.
//
// ClientConfig itself fails on a malformed Pin (ErrBadFingerprint), on
// TrustNew without KnownHosts, and on an empty Addr with KnownHosts.
func ClientConfig(opts ClientOptions) (*tls.Config, error) {
	v := &verifier{addr: opts.Addr, trustNew: opts.TrustNew, known: opts.KnownHosts}
	if opts.Pin != "" {
		pin, err := NormalizeFingerprint(opts.Pin)
		if err != nil {
			return nil, fmt.Errorf("secure: pin: %w", err)
		}
		v.pin = pin
	}
	if opts.TrustNew && opts.KnownHosts == nil {
		return nil, errors.New("secure: TrustNew needs KnownHosts to remember the key in")
	}
	if opts.KnownHosts != nil && opts.Addr == "" {
		return nil, errors.New("secure: Addr is needed to look the host up in known_hosts")
	}
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		MaxVersion:         tls.VersionTLS13,
		NextProtos:         []string{ALPN},
		InsecureSkipVerify: true, // the key is checked by fingerprint in VerifyConnection
		VerifyConnection:   v.verify,
	}, nil
}

// verifier is a client's trust decision. Its fields are set by ClientConfig
// and read-only afterwards; known is safe for concurrent use, so one config
// may serve many handshakes at once.
type verifier struct {
	addr     string
	pin      string // canonical, or ""
	trustNew bool
	known    *KnownHosts // may be nil
}

// verify is the config's VerifyConnection.
func (v *verifier) verify(cs tls.ConnectionState) error {
	if n := len(cs.PeerCertificates); n != 1 {
		return fmt.Errorf("secure: %s: %w, got %d", v.addr, errCertCount, n)
	}
	if cs.NegotiatedProtocol != ALPN {
		return fmt.Errorf("secure: %s: %w (got %q)", v.addr, errALPN, cs.NegotiatedProtocol)
	}
	got, err := Fingerprint(cs.PeerCertificates[0].PublicKey)
	if err != nil {
		return err
	}
	var remembered string
	var known bool
	if v.known != nil {
		remembered, known = v.known.Lookup(v.addr)
	}
	switch {
	case v.pin != "":
		if got != v.pin {
			return mismatch(v.addr, "pinned", v.pin, got)
		}
		if v.known != nil && remembered != got {
			return v.known.Remember(v.addr, got)
		}
		return nil
	case known:
		if got != remembered {
			return mismatch(v.addr, "remembered", remembered, got)
		}
		return nil
	case v.trustNew:
		return v.known.Remember(v.addr, got)
	default:
		return &UnknownHostError{Addr: v.addr, Fingerprint: got}
	}
}

func mismatch(addr, how, want, got string) error {
	return fmt.Errorf("secure: %w for %s: expected %s (%s), got %s",
		ErrHostKeyMismatch, addr, want, how, got)
}
