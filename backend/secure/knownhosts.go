package secure

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// maxKnownHostsFile bounds how much of a known_hosts file is read.
const maxKnownHostsFile = 1 << 20

// KnownHosts is the file of remembered host keys, one "addr fingerprint"
// line per host, with blank lines and "#" comments kept as they are. It is
// safe for concurrent use. Writes replace the file atomically (mode 0600, in
// a directory created 0700) after re-reading it, so entries another process
// added meanwhile are kept.
type KnownHosts struct {
	path string // set by OpenKnownHosts, read-only

	mu    sync.Mutex
	lines []hostLine // guarded by mu: the file, line by line
}

// hostLine is one line of a known_hosts file: an entry when addr is set,
// otherwise a comment or blank line kept verbatim in raw.
type hostLine struct {
	raw      string
	addr, fp string // canonical
}

// OpenKnownHosts reads the known_hosts file at path. A missing file is an
// empty list (created on the first Remember); a malformed line is an error
// naming the file and line.
func OpenKnownHosts(path string) (*KnownHosts, error) {
	lines, err := readKnownHosts(path)
	if err != nil {
		return nil, err
	}
	return &KnownHosts{path: path, lines: lines}, nil
}

// Lookup returns the fingerprint remembered for addr. Addresses are compared
// after canonicalising them (host in lower case, IP addresses in their
// shortest form), so "[::1]:7777" and "[0::1]:7777" are one host.
func (k *KnownHosts) Lookup(addr string) (fp string, ok bool) {
	addr = canonicalAddr(addr)
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, l := range k.lines {
		if l.addr == addr {
			return l.fp, true
		}
	}
	return "", false
}

// Remember records fp as the key for addr, replacing any earlier entry, and
// writes the file. fp must be a valid fingerprint (ErrBadFingerprint) and
// addr a host:port.
func (k *KnownHosts) Remember(addr, fp string) error {
	fp, err := NormalizeFingerprint(fp)
	if err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil || strings.ContainsAny(addr, " \t\r\n#") {
		return fmt.Errorf("secure: known_hosts: bad address %q", addr)
	}
	addr = canonicalAddr(addr)

	k.mu.Lock()
	defer k.mu.Unlock()
	lines, err := readKnownHosts(k.path)
	if err != nil {
		return err
	}
	out := make([]hostLine, 0, len(lines)+1)
	found := false
	for _, l := range lines {
		if l.addr == addr {
			if found {
				continue // drop duplicates
			}
			found = true
			l.fp = fp
		}
		out = append(out, l)
	}
	if !found {
		out = append(out, hostLine{addr: addr, fp: fp})
	}
	var b strings.Builder
	for _, l := range out {
		if l.addr != "" {
			b.WriteString(l.addr + " " + l.fp + "\n")
		} else {
			b.WriteString(l.raw + "\n")
		}
	}
	if err := os.MkdirAll(filepath.Dir(k.path), 0o700); err != nil {
		return fmt.Errorf("secure: known_hosts: %w", err)
	}
	if err := WriteFileAtomic(k.path, []byte(b.String()), 0o600, true); err != nil {
		return fmt.Errorf("secure: known_hosts: %w", err)
	}
	k.lines = out
	return nil
}

// readKnownHosts parses the file at path; missing is empty.
func readKnownHosts(path string) ([]hostLine, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secure: known_hosts: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKnownHostsFile+1))
	if err != nil {
		return nil, fmt.Errorf("secure: known_hosts %s: %w", path, err)
	}
	if len(data) > maxKnownHostsFile {
		return nil, fmt.Errorf("secure: known_hosts %s: larger than %d bytes", path, maxKnownHostsFile)
	}
	text := strings.TrimSuffix(string(data), "\n")
	if text == "" {
		return nil, nil
	}
	var lines []hostLine
	for i, raw := range strings.Split(text, "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, "#") {
			lines = append(lines, hostLine{raw: raw})
			continue
		}
		f := strings.Fields(t)
		if len(f) != 2 {
			return nil, fmt.Errorf("secure: known_hosts %s:%d: want \"host:port fingerprint\"", path, i+1)
		}
		fp, err := NormalizeFingerprint(f[1])
		if err != nil {
			return nil, fmt.Errorf("secure: known_hosts %s:%d: %w: %q", path, i+1, ErrBadFingerprint, f[1])
		}
		lines = append(lines, hostLine{addr: canonicalAddr(f[0]), fp: fp})
	}
	return lines, nil
}

// canonicalAddr lower-cases the host of a host:port and writes an IP address
// in its shortest form. Anything it cannot split is returned unchanged.
func canonicalAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		host = ip.String()
	} else {
		host = strings.ToLower(host)
	}
	return net.JoinHostPort(host, port)
}
