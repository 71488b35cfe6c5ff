package secure

import (
	"errors"
	"strings"
	"testing"
)

// inviteFP is a fixed valid fingerprint for invite tests.
const inviteFP = "mfrggzdfmztwq2lknnwg23tpoa"

func TestInviteRoundTrip(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:7777", "wetalk://127.0.0.1:7777/#" + inviteFP},
		{"[::1]:7777", "wetalk://[::1]:7777/#" + inviteFP},
		{"[2001:DB8:0::1]:1", "wetalk://[2001:db8::1]:1/#" + inviteFP},
		{"Chat.Example.COM:65535", "wetalk://chat.example.com:65535/#" + inviteFP},
		{"localhost:443", "wetalk://localhost:443/#" + inviteFP},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			inv := FormatInvite(tt.addr, strings.ToUpper(inviteFP))
			if inv != tt.want {
				t.Fatalf("FormatInvite = %q, want %q", inv, tt.want)
			}
			addr, fp, err := ParseInvite(inv)
			if err != nil {
				t.Fatal(err)
			}
			if addr != canonicalAddr(tt.addr) || fp != inviteFP {
				t.Fatalf("ParseInvite = %q, %q; want %q, %q", addr, fp, canonicalAddr(tt.addr), inviteFP)
			}
		})
	}
}

func TestParseInvite(t *testing.T) {
	grouped := "MFRGG-ZDFMZ-TWQ2L-KNNWG-23TPO-A"
	ok := []struct{ in, addr string }{
		{"wetalk://127.0.0.1:7777/#" + inviteFP, "127.0.0.1:7777"},
		{"  WeTalk://127.0.0.1:7777#" + inviteFP + "\n", "127.0.0.1:7777"},
		{"wetalk://[::1]:7777/#" + grouped, "[::1]:7777"},
		{"wetalk://[::ffff:10.0.0.1]:80/#" + inviteFP, "[::ffff:10.0.0.1]:80"},
		{"wetalk://host-1.lan:07777/#" + inviteFP, "host-1.lan:7777"},
	}
	for _, tt := range ok {
		addr, fp, err := ParseInvite(tt.in)
		if err != nil || addr != tt.addr || fp != inviteFP {
			t.Errorf("ParseInvite(%q) = %q, %q, %v; want %q, %q", tt.in, addr, fp, err, tt.addr, inviteFP)
		}
	}

	bad := []struct{ name, in string }{
		{"empty", ""},
		{"other scheme", "https://127.0.0.1:7777/#" + inviteFP},
		{"no scheme", "127.0.0.1:7777/#" + inviteFP},
		{"no fingerprint", "wetalk://127.0.0.1:7777/"},
		{"empty fingerprint", "wetalk://127.0.0.1:7777/#"},
		{"bad fingerprint", "wetalk://127.0.0.1:7777/#abc"},
		{"no port", "wetalk://127.0.0.1/#" + inviteFP},
		{"empty port", "wetalk://127.0.0.1:/#" + inviteFP},
		{"port 0", "wetalk://127.0.0.1:0/#" + inviteFP},
		{"port 65536", "wetalk://127.0.0.1:65536/#" + inviteFP},
		{"port sign", "wetalk://127.0.0.1:+80/#" + inviteFP},
		{"port name", "wetalk://127.0.0.1:http/#" + inviteFP},
		{"no host", "wetalk://:7777/#" + inviteFP},
		{"bare IPv6", "wetalk://::1:7777/#" + inviteFP},
		{"bracketed IPv4", "wetalk://[127.0.0.1]:7777/#" + inviteFP},
		{"bracketed name", "wetalk://[example.com]:7777/#" + inviteFP},
		{"IPv6 zone", "wetalk://[fe80::1%eth0]:7777/#" + inviteFP},
		{"path", "wetalk://127.0.0.1:7777/room/#" + inviteFP},
		{"query", "wetalk://127.0.0.1:7777/?x=1#" + inviteFP},
		{"user", "wetalk://me@127.0.0.1:7777/#" + inviteFP},
		{"bad host char", "wetalk://exa_mple.com:7777/#" + inviteFP},
		{"numeric name", "wetalk://1.2.3:7777/#" + inviteFP},
		{"hyphen label", "wetalk://-x.example:7777/#" + inviteFP},
		{"empty label", "wetalk://a..b:7777/#" + inviteFP},
		{"too long", "wetalk://" + strings.Repeat("a", 600) + ":1/#" + inviteFP},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			addr, fp, err := ParseInvite(tt.in)
			if !errors.Is(err, ErrBadInvite) {
				t.Fatalf("ParseInvite(%q) = %q, %q, %v; want ErrBadInvite", tt.in, addr, fp, err)
			}
		})
	}
	if _, _, err := ParseInvite("wetalk://h:1/#abc"); !errors.Is(err, ErrBadFingerprint) {
		t.Fatalf("bad fingerprint in invite: %v does not wrap ErrBadFingerprint", err)
	}
}

func FuzzParseInvite(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		addr, fp, err := ParseInvite(s)
		if err != nil {
			if !errors.Is(err, ErrBadInvite) {
				t.Fatalf("ParseInvite(%q): %v does not wrap ErrBadInvite", s, err)
			}
			return
		}
		inv := FormatInvite(addr, fp)
		addr2, fp2, err := ParseInvite(inv)
		if err != nil {
			t.Fatalf("ParseInvite(%q) = %q, %q, but its FormatInvite %q fails: %v", s, addr, fp, inv, err)
		}
		if addr2 != addr || fp2 != fp {
			t.Fatalf("%q -> %q, %q -> %q -> %q, %q", s, addr, fp, inv, addr2, fp2)
		}
		if again := FormatInvite(addr2, fp2); again != inv {
			t.Fatalf("FormatInvite not stable: %q then %q", inv, again)
		}
	})
}
