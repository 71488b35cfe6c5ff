package lan

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/mdns"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// v is the TXT record of this build's protocol version.
var v = "v=" + strconv.Itoa(wire.Version)

// fp is a well-formed fingerprint (of no particular key).
const fp = "abcdefghijklmnopqrstuvwxya"

func entry(txt ...string) *mdns.ServiceEntry {
	return &mdns.ServiceEntry{AddrV4: net.IPv4(198, 18, 0, 1), Port: 7777, InfoFields: txt}
}

func TestParseRoom(t *testing.T) {
	good := []string{v, "name=Kitchen", "fp=" + fp, "pw=1", "members=3"}
	v6 := entry(good...)
	v6.AddrV4 = nil
	v6.AddrV6IPAddr = &net.IPAddr{IP: net.ParseIP("2001:db8::5")}
	linkLocal := entry(good...)
	linkLocal.AddrV4 = nil
	linkLocal.AddrV6IPAddr = &net.IPAddr{IP: net.ParseIP("fe80::1"), Zone: "eth0"}
	loop := entry(good...)
	loop.AddrV4 = net.IPv4(127, 0, 0, 1)
	noPort := entry(good...)
	noPort.Port = 0
	bigPort := entry(good...)
	bigPort.Port = 70000
	many := make([]string, 0, 1000)
	for range 1000 {
		many = append(many, "x=y")
	}
	many = append(many, good...) // beyond what is read

	tests := []struct {
		name  string
		e     *mdns.ServiceEntry
		want  Room   // checked when wantErr is nil
		wantE error  // nil: success
		check string // part of the name to look for, when set
	}{
		{name: "good", e: entry(good...), want: Room{Name: "Kitchen", Addr: "198.18.0.1:7777", Fingerprint: fp, Password: true, Members: 3}},
		{name: "upper-case keys and fingerprint", e: entry(strings.ToUpper(v), "NAME=K", "FP="+strings.ToUpper(fp), "PW=0", "Members=0"), want: Room{Name: "K", Addr: "198.18.0.1:7777", Fingerprint: fp}},
		{name: "first of repeated keys", e: entry(v, "fp="+fp, "name=First", "name=Second", "members=2", "members=9"), want: Room{Name: "First", Addr: "198.18.0.1:7777", Fingerprint: fp, Members: 2}},
		{name: "IPv6", e: v6, want: Room{Name: "Kitchen", Addr: "[2001:db8::5]:7777", Fingerprint: fp, Password: true, Members: 3}},
		{name: "garbage members", e: entry(v, "fp="+fp, "members=lots"), want: Room{Addr: "198.18.0.1:7777", Fingerprint: fp}},
		{name: "negative members", e: entry(v, "fp="+fp, "members=-4"), want: Room{Addr: "198.18.0.1:7777", Fingerprint: fp}},
		{name: "huge members", e: entry(v, "fp="+fp, "members=99999999999999999999"), want: Room{Addr: "198.18.0.1:7777", Fingerprint: fp}},
		{name: "password only when 1", e: entry(v, "fp="+fp, "pw=yes"), want: Room{Addr: "198.18.0.1:7777", Fingerprint: fp}},
		{name: "fake fingerprint", e: entry(v, "fp=not-a-fingerprint"), wantE: secure.ErrBadFingerprint},
		{name: "no fingerprint", e: entry(v, "name=x"), wantE: ErrBadAnnouncement},
		{name: "other version", e: entry("v=9", "fp="+fp), wantE: ErrBadAnnouncement},
		{name: "no version", e: entry("fp=" + fp), wantE: ErrBadAnnouncement},
		{name: "link-local IPv6 only", e: linkLocal, wantE: ErrBadAnnouncement},
		{name: "loopback address", e: loop, wantE: ErrBadAnnouncement},
		{name: "no port", e: noPort, wantE: ErrBadAnnouncement},
		{name: "port out of range", e: bigPort, wantE: ErrBadAnnouncement},
		{name: "TXT flood", e: entry(many...), wantE: ErrBadAnnouncement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRoom(tt.e)
			if tt.wantE != nil {
				if !errors.Is(err, tt.wantE) || !errors.Is(err, ErrBadAnnouncement) {
					t.Fatalf("ParseRoom = %+v, %v; want an error wrapping %v and ErrBadAnnouncement", got, err, tt.wantE)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Invite = secure.FormatInvite(tt.want.Addr, tt.want.Fingerprint)
			if got != tt.want {
				t.Fatalf("ParseRoom =\n %+v; want\n %+v", got, tt.want)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct{ in, want string }{
		{"  Kitchen  ", "Kitchen"},
		{"a\x00b\x1bc\nd", "abcd"},
		{"left\u202Eright", "leftright"}, // a bidi override could disguise the name
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{long, strings.Repeat("é", MaxName)},
		{strings.Repeat("😀", 100), strings.Repeat("😀", maxNameBytes/4)},
		{"", ""},
	}
	for _, tt := range tests {
		if got := cleanName(tt.in); got != tt.want {
			t.Errorf("cleanName(%.20q) = %.20q; want %.20q", tt.in, got, tt.want)
		}
	}
}

// FuzzParseRoom feeds arbitrary TXT strings and ports: ParseRoom never
// panics, and what it accepts has a bounded name and an invite that parses
// back to the same address and fingerprint.
func FuzzParseRoom(f *testing.F) {
	f.Add(v+"\x00name=Kitchen\x00fp="+fp+"\x00pw=1\x00members=3", 7777)
	f.Add(v+"\x00fp="+fp+"\x00name=\xff\u202e", 1)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, txt string, port int) {
		r, err := ParseRoom(&mdns.ServiceEntry{AddrV4: net.IPv4(198, 18, 0, 1), Port: port, InfoFields: strings.Split(txt, "\x00")})
		if err != nil {
			return
		}
		if len([]rune(r.Name)) > MaxName || len(r.Name) > maxNameBytes || r.Members < 0 {
			t.Fatalf("accepted %+v", r)
		}
		addr, pin, err := secure.ParseInvite(r.Invite)
		if err != nil || addr != r.Addr || pin != r.Fingerprint {
			t.Fatalf("invite %q parses to %q %q %v; want %q %q", r.Invite, addr, pin, err, r.Addr, r.Fingerprint)
		}
	})
}
