package lan_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"wetalk/backend/lan"
	"wetalk/backend/netlab"
)

const (
	fpA = "abcdefghijklmnopqrstuvwxya"
	fpB = "bbcdefghijklmnopqrstuvwxya"
)

// browseUntil browses from node until want(rooms) holds, and fails the test
// after a generous deadline.
func browseUntil(t *testing.T, node *netlab.Node, what string, want func([]lan.Room) bool) []lan.Room {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var rooms []lan.Room
	var err error
	for ctx.Err() == nil {
		if err = node.Do(func() (err error) {
			rooms, err = lan.Browse(ctx, time.Second)
			return err
		}); err == nil && want(rooms) {
			return rooms
		}
	}
	t.Fatalf("no %s heard from %s: last %+v, %v", what, node.Name, rooms, err)
	return nil
}

func find(rooms []lan.Room, fp string) (lan.Room, bool) {
	for _, r := range rooms {
		if r.Fingerprint == fp {
			return r, true
		}
	}
	return lan.Room{}, false
}

// TestAnnounceBrowse announces a room in one namespace and finds it from
// another with its address, fingerprint and live member count; a closed
// announcement is no longer heard.
func TestAnnounceBrowse(t *testing.T) {
	lab := netlab.New(t, 3)
	host, joiner := lab.Node(0), lab.Node(1)

	var an *lan.Announcer
	if err := host.Do(func() (err error) {
		if got := lan.Addresses(); len(got) != 1 || got[0] != host.Addr {
			t.Errorf("Addresses() in %s = %v; want [%v]", host.Name, got, host.Addr)
		}
		an, err = lan.Announce(lan.Announcement{Room: "Kitchen \u202e", Fingerprint: fpA, Port: 7777, Password: true, Members: 1})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer an.Close()

	rooms := browseUntil(t, joiner, "room", func(r []lan.Room) bool { _, ok := find(r, fpA); return ok })
	got, _ := find(rooms, fpA)
	want := lan.Room{
		Name: "Kitchen", Addr: netip.AddrPortFrom(host.Addr, 7777).String(), Fingerprint: fpA,
		Password: true, Members: 1, Invite: "wetalk://" + host.Addr.String() + ":7777/#" + fpA,
	}
	if got != want {
		t.Fatalf("heard %+v; want %+v", got, want)
	}

	an.SetMembers(4)
	browseUntil(t, joiner, "member count 4", func(r []lan.Room) bool { got, _ := find(r, fpA); return got.Members == 4 })

	an.Close()
	// Another room, announced after the first closed, is heard while the
	// closed one is not.
	var other *lan.Announcer
	if err := lab.Node(2).Do(func() (err error) {
		other, err = lan.Announce(lan.Announcement{Room: "Den", Fingerprint: fpB, Port: 7000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	rooms = browseUntil(t, joiner, "second room", func(r []lan.Room) bool { _, ok := find(r, fpB); return ok })
	if r, ok := find(rooms, fpA); ok {
		t.Fatalf("closed announcement still heard: %+v", r)
	}
}

// TestWatch reports a room appearing and going away.
func TestWatch(t *testing.T) {
	lab := netlab.New(t, 2)
	var an *lan.Announcer
	if err := lab.Node(0).Do(func() (err error) {
		an, err = lan.Announce(lan.Announcement{Room: "Kitchen", Fingerprint: fpA, Port: 7777})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer an.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	reports := make(chan []lan.Room, 16)
	done := make(chan struct{})
	go lab.Node(1).Do(func() error {
		defer close(done)
		// Watch's queries run on this goroutine, inside the namespace.
		lan.Watch(ctx, func(rooms []lan.Room, err error) {
			if err != nil {
				t.Errorf("Watch: %v", err)
			}
			select {
			case reports <- rooms:
			case <-ctx.Done():
			}
		})
		return nil
	})
	waitFor := func(what string, ok func([]lan.Room) bool) {
		t.Helper()
		for {
			select {
			case rooms := <-reports:
				if ok(rooms) {
					return
				}
			case <-ctx.Done():
				t.Fatalf("Watch never reported %s", what)
			}
		}
	}
	waitFor("the room", func(r []lan.Room) bool { _, ok := find(r, fpA); return ok })
	an.Close()
	waitFor("the room gone", func(r []lan.Room) bool { _, ok := find(r, fpA); return !ok })
	cancel()
	<-done
}

// TestAnnounceNoAddress refuses to announce nothing.
func TestAnnounceNoAddress(t *testing.T) {
	_, err := lan.Announce(lan.Announcement{Fingerprint: fpA, Port: 7777, Addrs: []netip.Addr{}})
	if !errors.Is(err, lan.ErrNoAddress) {
		t.Fatalf("Announce with no addresses: %v; want ErrNoAddress", err)
	}
}

// TestReachableAt lists a namespace's addresses for wildcard listeners,
// IPv4 first, and never a link-local or loopback one while others exist.
func TestReachableAt(t *testing.T) {
	lab := netlab.New(t, 1)
	node := lab.Node(0)
	extra4 := netip.MustParseAddr("198.18.1.7")
	extra6 := netip.MustParseAddr("2001:db8::7")
	for _, p := range []netip.Prefix{netip.PrefixFrom(extra4, 24), netip.PrefixFrom(extra6, 64)} {
		if err := node.AddAddr(p); err != nil {
			t.Fatal(err)
		}
	}
	var any4, any6, one []netip.Addr
	if err := node.Do(func() error {
		any4 = lan.ReachableAt(netip.IPv4Unspecified())
		any6 = lan.ReachableAt(netip.IPv6Unspecified())
		one = lan.ReachableAt(extra4)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []netip.Addr{node.Addr, extra4}; !slices.Equal(any4, want) {
		t.Errorf("ReachableAt(0.0.0.0) = %v; want %v", any4, want)
	}
	if want := []netip.Addr{node.Addr, extra4, extra6}; !slices.Equal(any6, want) {
		t.Errorf("ReachableAt(::) = %v; want %v", any6, want)
	}
	if want := []netip.Addr{extra4}; !slices.Equal(one, want) {
		t.Errorf("ReachableAt(%v) = %v", extra4, one)
	}
}
