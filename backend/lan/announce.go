package lan

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"

	"github.com/hashicorp/mdns"
	"github.com/miekg/dns"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// Service is the DNS-SD service type rooms are announced as.
const Service = "_wetalk._tcp"

// TXT record keys. Each value is one "key=value" string.
const (
	txtVersion     = "v"       // protocol version, wire.Version
	txtName        = "name"    // the room's name, UTF-8
	txtFingerprint = "fp"      // host key fingerprint, canonical form
	txtPassword    = "pw"      // "1" when a password is needed, else "0"
	txtMembers     = "members" // how many members are in the room
)

// MaxName is the most characters of a room's name an announcement carries
// and ParseRoom keeps, as many as a room's name may have; maxNameBytes
// bounds its UTF-8 too, as a TXT string holds at most 255 bytes.
const (
	MaxName      = wire.MaxRoom
	maxNameBytes = 240
)

var (
	// ErrNoAddress means this machine has no address others could reach,
	// so there is nothing to announce.
	ErrNoAddress = errors.New("lan: no network address others can reach")
	// ErrNoMulticast means multicast DNS sockets could not be opened (no
	// network, or multicast is not allowed here).
	ErrNoMulticast = errors.New("lan: multicast DNS is not available")
)

// Announcement describes the room an Announcer makes findable.
type Announcement struct {
	Room        string
	Fingerprint string // the host key's fingerprint
	Port        int
	Password    bool
	Members     int
	// Addrs are the addresses announced; nil means Addresses(). Those
	// others cannot dial (loopback, link-local: see Usable) are left out.
	Addrs []netip.Addr
}

// Announcer answers multicast DNS queries for one room until Close. It is
// safe for concurrent use.
type Announcer struct {
	server *mdns.Server

	mu  sync.Mutex
	ann Announcement      // guarded by mu
	svc *mdns.MDNSService // guarded by mu; rebuilt, never changed, when ann changes
}

// Announce starts announcing a. It fails with ErrNoAddress when there is no
// address to announce and with ErrNoMulticast when multicast DNS cannot run.
func Announce(a Announcement) (*Announcer, error) {
	fp, err := secure.NormalizeFingerprint(a.Fingerprint)
	if err != nil {
		return nil, fmt.Errorf("lan: %w", err)
	}
	a.Fingerprint = fp
	if a.Port < 1 || a.Port > 65535 {
		return nil, fmt.Errorf("lan: port %d is not between 1 and 65535", a.Port)
	}
	if a.Addrs == nil {
		a.Addrs = Addresses()
	}
	a.Addrs = slices.DeleteFunc(slices.Clone(a.Addrs), func(ip netip.Addr) bool { return !Usable(ip) })
	if len(a.Addrs) == 0 {
		return nil, ErrNoAddress
	}
	an := &Announcer{ann: a}
	if an.svc, err = service(a); err != nil {
		return nil, err
	}
	an.server, err = mdns.NewServer(&mdns.Config{Zone: an, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoMulticast, err)
	}
	return an, nil
}

// SetMembers changes the member count announced.
func (an *Announcer) SetMembers(n int) {
	an.mu.Lock()
	defer an.mu.Unlock()
	if n == an.ann.Members {
		return
	}
	a := an.ann
	a.Members = n
	svc, err := service(a)
	if err != nil {
		return // cannot happen: only the count changed, and service took a before
	}
	an.ann, an.svc = a, svc
}

// Close stops answering.
func (an *Announcer) Close() error { return an.server.Shutdown() }

// Records answers a query; it makes Announcer an mdns.Zone.
func (an *Announcer) Records(q dns.Question) []dns.RR {
	an.mu.Lock()
	svc := an.svc
	an.mu.Unlock()
	return svc.Records(q)
}

// service builds the mDNS service record set for a. The instance and host
// names are made of the fingerprint and port, so that they are valid DNS
// labels whatever the room is called and differ between rooms.
func service(a Announcement) (*mdns.MDNSService, error) {
	instance := "wetalk-" + a.Fingerprint[:10] + "-" + strconv.Itoa(a.Port)
	ips := make([]net.IP, len(a.Addrs))
	for i, ip := range a.Addrs {
		ips[i] = ip.AsSlice()
	}
	pw := "0"
	if a.Password {
		pw = "1"
	}
	txt := []string{
		txtVersion + "=" + strconv.Itoa(wire.Version),
		txtName + "=" + cleanName(a.Room),
		txtFingerprint + "=" + a.Fingerprint,
		txtPassword + "=" + pw,
		txtMembers + "=" + strconv.Itoa(max(a.Members, 0)),
	}
	svc, err := mdns.NewMDNSService(instance, Service, "local.", instance+".local.", a.Port, ips, txt)
	if err != nil {
		return nil, fmt.Errorf("lan: %w", err)
	}
	return svc, nil
}
