package server_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"

	"wetalk/backend/client"
	"wetalk/backend/netlab"
	"wetalk/backend/server"
	"wetalk/backend/wire"
)

// TestAddressRulesAcrossNamespaces runs a host in one network namespace and
// members in two others, so that each side has an address of its own (on
// loopback, address rules never apply): the cap on members per address
// refuses one more from a full address with room_full while another address
// still gets in, and a banned member coming back under a new identity from
// the same address is refused banned.
func TestAddressRulesAcrossNamespaces(t *testing.T) {
	lab := netlab.New(t, 3)
	hostN, oneN, otherN := lab.Node(0), lab.Node(1), lab.Node(2)
	var ln net.Listener
	if err := hostN.Do(func() (err error) {
		ln, err = net.Listen("tcp", netip.AddrPortFrom(hostN.Addr, 0).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	h := startHostOn(t, server.Config{MaxMembersPerAddr: 2}, ln)
	dialFrom := func(node *netlab.Node, name string) (*client.Client, error) {
		var c *client.Client
		err := node.Do(func() (err error) {
			c, err = client.Dial(context.Background(), client.Config{Addr: h.addr, Pin: h.fp, Name: name})
			return err
		})
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
		return c, err
	}
	join := func(node *netlab.Node, name string) *member {
		t.Helper()
		c, err := dialFrom(node, name)
		if err != nil {
			t.Fatalf("%s from %s: %v", name, node.Addr, err)
		}
		m := &member{t, c}
		if ev := m.next(); ev.Kind() != client.EventWelcome {
			t.Fatalf("first event %q", ev.Kind())
		}
		return m
	}

	lead := join(oneN, "Lead")
	join(oneN, "Second")
	if _, err := dialFrom(oneN, "Third"); !errors.Is(err, wire.ErrRoomFull) {
		t.Fatalf("a third member from %s: %v; want room_full", oneN.Addr, err)
	}
	join(otherN, "Bad") // another address is not capped

	if err := lead.c.Kick("k1", "Bad", "spam", true); err != nil {
		t.Fatal(err)
	}
	until[client.Left](lead)
	if _, err := dialFrom(otherN, "Innocent"); !errors.Is(err, wire.ErrBanned) {
		t.Fatalf("a new identity from the banned address %s: %v; want banned", otherN.Addr, err)
	}
}
