package lan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/mdns"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

const (
	// MaxRooms is the most rooms one Browse reports; more announcements
	// than that are ignored.
	MaxRooms = 64
	// maxTXT is the most TXT strings of one announcement ParseRoom reads.
	maxTXT = 16
	// maxMembers bounds an announced member count.
	maxMembers = 1_000_000
)

// ErrBadAnnouncement means an answer to a query cannot be used: no usable
// address or port, a missing or malformed fingerprint, or another protocol
// version.
var ErrBadAnnouncement = errors.New("lan: unusable room announcement")

// Room is a room heard on the network. Everything but Addr and Invite comes
// from the announcement and is unverified; Invite pins Fingerprint, so
// joining through it checks the host's key.
type Room struct {
	Name        string `json:"name"`
	Addr        string `json:"addr"` // HOST:PORT, IPv6 in brackets
	Fingerprint string `json:"fingerprint"`
	Password    bool   `json:"password"`
	Members     int    `json:"members"`
	Invite      string `json:"invite"`
}

// Browse asks the network once for rooms and returns those that answer
// within timeout, sorted by name and address. It fails with ErrNoMulticast
// when no query can be sent at all.
func Browse(ctx context.Context, timeout time.Duration) ([]Room, error) {
	rooms, err := query(ctx, timeout, false)
	if err != nil {
		// A machine with IPv6 sockets but no IPv6 route fails the whole
		// query on the IPv6 send; try IPv4 alone.
		rooms, err = query(ctx, timeout, true)
	}
	return rooms, err
}

// query runs one mDNS query and parses the answers. The query runs on the
// calling goroutine, so its sockets are made in the caller's network
// namespace.
func query(ctx context.Context, timeout time.Duration, v4only bool) ([]Room, error) {
	// The mdns package goes on filling in an entry after handing it over,
	// until the query ends; entries are only collected meanwhile, and read
	// once it has.
	entries := make(chan *mdns.ServiceEntry, MaxRooms)
	collected := make(chan []*mdns.ServiceEntry, 1)
	go func() {
		var all []*mdns.ServiceEntry
		for e := range entries {
			if len(all) < 4*MaxRooms {
				all = append(all, e)
			}
		}
		collected <- all
	}()
	err := mdns.QueryContext(ctx, &mdns.QueryParam{
		Service: Service, Domain: "local", Timeout: timeout, Entries: entries,
		DisableIPv6: v4only, Logger: log.New(io.Discard, "", 0),
	})
	close(entries)
	all := <-collected
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoMulticast, err)
	}
	seen := make(map[string]Room)
	for _, e := range all {
		if r, err := ParseRoom(e); err == nil && len(seen) < MaxRooms {
			seen[r.Invite] = r
		}
	}
	rooms := make([]Room, 0, len(seen))
	for _, r := range seen {
		rooms = append(rooms, r)
	}
	sortRooms(rooms)
	return rooms, nil
}

// sortRooms orders rooms by name, then address.
func sortRooms(rooms []Room) {
	slices.SortFunc(rooms, func(a, b Room) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Addr, b.Addr)
	})
}

// ParseRoom turns an answer to a query into a Room, treating every field as
// hostile: TXT values are bounded and cleaned, unknown keys ignored, the
// first of repeated keys kept. An answer without a usable address, port or
// fingerprint, or of another protocol version, fails with
// ErrBadAnnouncement.
func ParseRoom(e *mdns.ServiceEntry) (Room, error) {
	if e.Port < 1 || e.Port > 65535 {
		return Room{}, fmt.Errorf("%w: port %d", ErrBadAnnouncement, e.Port)
	}
	var ip netip.Addr
	if a, ok := netip.AddrFromSlice(e.AddrV4); ok && Usable(a.Unmap()) {
		ip = a.Unmap()
	} else if e.AddrV6IPAddr != nil {
		if a, ok := netip.AddrFromSlice(e.AddrV6IPAddr.IP); ok && Usable(a) {
			ip = a
		}
	}
	if !ip.IsValid() {
		return Room{}, fmt.Errorf("%w: no usable address", ErrBadAnnouncement)
	}
	txt := make(map[string]string)
	for _, s := range e.InfoFields[:min(len(e.InfoFields), maxTXT)] {
		k, v, _ := strings.Cut(s, "=")
		k = strings.ToLower(k)
		if _, dup := txt[k]; !dup {
			txt[k] = v
		}
	}
	if v := txt[txtVersion]; v != strconv.Itoa(wire.Version) {
		return Room{}, fmt.Errorf("%w: protocol version %.8q", ErrBadAnnouncement, v)
	}
	fp, err := secure.NormalizeFingerprint(txt[txtFingerprint])
	if err != nil {
		return Room{}, fmt.Errorf("%w: %w", ErrBadAnnouncement, err)
	}
	members, err := strconv.Atoi(txt[txtMembers])
	if err != nil || members < 0 || members > maxMembers {
		members = 0
	}
	addr := netip.AddrPortFrom(ip, uint16(e.Port)).String()
	return Room{
		Name: cleanName(txt[txtName]), Addr: addr, Fingerprint: fp,
		Password: txt[txtPassword] == "1", Members: members,
		Invite: secure.FormatInvite(addr, fp),
	}, nil
}

// cleanName makes a room name fit to show: valid UTF-8, no control or
// format characters (which could reorder or hide text), spaces trimmed, at
// most MaxName characters and maxNameBytes bytes.
func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > MaxName {
		s = string([]rune(s)[:MaxName])
	}
	for len(s) > maxNameBytes {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return strings.TrimSpace(s)
}
