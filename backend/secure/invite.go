package secure

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

const (
	// inviteScheme starts every invite; it is matched case-insensitively.
	inviteScheme = "wetalk://"
	// maxInviteLen bounds the text ParseInvite looks at.
	maxInviteLen = 512
)

// FormatInvite returns the invite wetalk://HOST:PORT/#FINGERPRINT for a host
// at addr (host:port; an IPv6 host comes out in brackets) with key
// fingerprint fp. It canonicalises what it can and does not validate:
// ParseInvite is the check.
func FormatInvite(addr, fp string) string {
	if c, err := NormalizeFingerprint(fp); err == nil {
		fp = c
	}
	return inviteScheme + canonicalAddr(addr) + "/#" + fp
}

// ParseInvite parses an invite made by FormatInvite, as a user may paste it
// (surrounding space, any case in the scheme and fingerprint, the "/" before
// "#" optional). It returns the host's address as "host:port" (IPv6 in
// brackets) and the canonical fingerprint. Errors wrap ErrBadInvite and say
// what is wrong; a bad fingerprint also wraps ErrBadFingerprint.
func ParseInvite(s string) (addr, fp string, err error) {
	s = strings.TrimSpace(s)
	if len(s) > maxInviteLen {
		return "", "", badInvite("longer than %d characters", maxInviteLen)
	}
	if len(s) < len(inviteScheme) || !strings.EqualFold(s[:len(inviteScheme)], inviteScheme) {
		return "", "", badInvite("does not start with %s", inviteScheme)
	}
	hostport, frag, ok := strings.Cut(s[len(inviteScheme):], "#")
	if !ok {
		return "", "", badInvite("no #fingerprint")
	}
	hostport = strings.TrimSuffix(hostport, "/")
	if strings.ContainsAny(hostport, "/?@") {
		return "", "", badInvite("only HOST:PORT may come before #, found a path, query or user name")
	}
	addr, err = inviteAddr(hostport)
	if err != nil {
		return "", "", err
	}
	fp, err = NormalizeFingerprint(frag)
	if err != nil {
		return "", "", fmt.Errorf("secure: %w: %w", ErrBadInvite, err)
	}
	return addr, fp, nil
}

func badInvite(format string, args ...any) error {
	return fmt.Errorf("secure: %w: %s", ErrBadInvite, fmt.Sprintf(format, args...))
}

// inviteAddr checks and canonicalises an invite's HOST:PORT.
func inviteAddr(hostport string) (string, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", badInvite("%q is not HOST:PORT (put an IPv6 address in brackets)", hostport)
	}
	if host == "" {
		return "", badInvite("no host")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return "", badInvite("IPv6 zone %q means nothing on another machine", ip.Zone())
		}
		if ip.Is6() != strings.HasPrefix(hostport, "[") {
			return "", badInvite("brackets are for IPv6 addresses, and only for them")
		}
		host = ip.String()
	} else {
		if strings.HasPrefix(hostport, "[") {
			return "", badInvite("brackets are for IPv6 addresses, and only for them")
		}
		if !validHostname(host) {
			return "", badInvite("%q is not a host name or IP address", host)
		}
		host = strings.ToLower(host)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return "", badInvite("port %q is not in 1-65535", port)
	}
	return net.JoinHostPort(host, strconv.FormatUint(n, 10)), nil
}

// validHostname reports whether h is a DNS name: dot-separated labels of
// 1-63 letters, digits and inner hyphens, at most 253 characters, and a last
// label that is not all digits (so "1.2.3" is not taken for a name).
func validHostname(h string) bool {
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
