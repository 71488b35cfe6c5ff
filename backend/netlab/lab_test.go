package netlab_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"wetalk/backend/netlab"
)

// TestLabConnects makes two namespaces and checks that a TCP connection from
// one reaches a listener in the other at its lab address, that the link can
// be cut and restored, and that the namespaces are gone after the test.
func TestLabConnects(t *testing.T) {
	var names []string
	t.Run("lab", func(t *testing.T) {
		lab := netlab.New(t, 2)
		a, b := lab.Node(0), lab.Node(1)
		names = []string{a.Name, b.Name}
		if a.Addr == b.Addr || !netip.MustParsePrefix(netlab.Subnet).Contains(a.Addr) {
			t.Fatalf("addresses %v and %v; want two distinct ones in %s", a.Addr, b.Addr, netlab.Subnet)
		}

		var ln net.Listener
		if err := b.Do(func() (err error) {
			ln, err = net.Listen("tcp", netip.AddrPortFrom(b.Addr, 0).String())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go acceptLoop(ln)
		target := ln.Addr().String()

		ask := func() (string, error) {
			var conn net.Conn
			err := a.Do(func() (err error) {
				d := net.Dialer{Timeout: 5 * time.Second}
				conn, err = d.Dial("tcp", target)
				return err
			})
			if err != nil {
				return "", err
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			return bufio.NewReader(conn).ReadString('\n')
		}
		got, err := ask()
		if err != nil {
			t.Fatalf("dial %s from %s: %v", target, a.Name, err)
		}
		if want := a.Addr.String(); !strings.HasPrefix(got, want+":") {
			t.Fatalf("listener saw the peer as %q; want %s", got, want)
		}

		if err := a.SetLink(false); err != nil {
			t.Fatal(err)
		}
		if _, err := ask(); err == nil {
			t.Fatal("dial worked with the link down")
		}
		if err := a.SetLink(true); err != nil {
			t.Fatal(err)
		}
		if _, err := ask(); err != nil {
			t.Fatalf("dial after the link came back: %v", err)
		}

		// Command runs a program inside the namespace.
		out, err := a.Command(context.Background(), "ip", "-brief", "addr", "show", "eth0").CombinedOutput()
		if err != nil || !strings.Contains(string(out), a.Addr.String()+"/") {
			t.Fatalf("ip addr in %s: %v: %s", a.Name, err, out)
		}
	})
	for _, name := range names {
		if _, err := os.Stat("/run/netns/" + name); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("namespace %s still exists after the test (stat: %v)", name, err)
		}
	}
}

// acceptLoop answers each connection with the peer's address and a newline.
func acceptLoop(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		conn.Write([]byte(conn.RemoteAddr().String() + "\n"))
		conn.Close()
	}
}
