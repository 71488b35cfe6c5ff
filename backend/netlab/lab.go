//go:build linux

package netlab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// namePrefix starts the name of every namespace a lab makes; the sweep of
// namespaces left behind by killed test binaries looks only at these.
const namePrefix = "wtlab-"

// netnsDir is where "ip netns" keeps the namespaces it names.
const netnsDir = "/run/netns"

// Subnet is the network the nodes' first addresses are in: node i (from 0)
// has Subnet's address i+1.
const Subnet = "198.18.0.0/24"

// Lab is a set of network namespaces joined by one bridge. Make it with New;
// it is torn down by the test's Cleanup.
type Lab struct {
	t     testing.TB
	id    string  // unique to the lab: namePrefix, pid, random hex
	hub   string  // the namespace holding the bridge
	nodes []*Node // fixed after New
}

// Node is one network namespace of a lab, with interface eth0 on the lab's
// bridge.
type Node struct {
	// Name is the namespace's name, as "ip netns" knows it.
	Name string
	// Addr is eth0's first address, in Subnet.
	Addr netip.Addr
	lab  *Lab
	port string // the veth end in the hub, attached to the bridge
}

// New makes a lab of n nodes, each able to reach the others. It skips the
// test, saying why, where network namespaces cannot be made (not root, no ip
// command, no permission), and fails it if building the lab goes wrong after
// that.
func New(t testing.TB, n int) *Lab {
	t.Helper()
	if n < 1 || n > 250 {
		t.Fatalf("netlab: %d nodes; want 1 to 250", n)
	}
	if uid := os.Geteuid(); uid != 0 {
		t.Skipf("netlab: skipped: network namespaces need root (running as uid %d)", uid)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("netlab: skipped: the ip command (iproute2) is not installed: %v", err)
	}
	sweep()
	var b [4]byte
	rand.Read(b[:])
	l := &Lab{t: t, id: namePrefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])}
	l.hub = l.id + "-hub"
	// Cleanup first, so a lab that fails half-way is still removed.
	t.Cleanup(l.remove)
	if out, err := exec.Command("ip", "netns", "add", l.hub).CombinedOutput(); err != nil {
		t.Skipf("netlab: skipped: cannot create a network namespace: %v: %s", err, strings.TrimSpace(string(out)))
	}
	l.must("-n", l.hub, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	l.must("-n", l.hub, "link", "set", "br0", "up")
	subnet := netip.MustParsePrefix(Subnet)
	for i := range n {
		node := &Node{
			Name: fmt.Sprintf("%s-%d", l.id, i+1),
			Addr: nth(subnet, i+1),
			lab:  l,
			port: fmt.Sprintf("p%d", i+1),
		}
		l.nodes = append(l.nodes, node)
		l.must("netns", "add", node.Name)
		// Without duplicate address detection the IPv6 link-local address is
		// usable at once instead of after a second or two.
		if err := node.Do(func() error {
			return os.WriteFile("/proc/sys/net/ipv6/conf/default/accept_dad", []byte("0"), 0)
		}); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("netlab: %s: %v", node.Name, err)
		}
		l.must("-n", l.hub, "link", "add", node.port, "type", "veth", "peer", "name", "eth0", "netns", node.Name)
		l.must("-n", l.hub, "link", "set", node.port, "master", "br0", "up")
		l.must("-n", node.Name, "link", "set", "lo", "up")
		l.must("-n", node.Name, "addr", "add", netip.PrefixFrom(node.Addr, subnet.Bits()).String(), "dev", "eth0")
		l.must("-n", node.Name, "link", "set", "eth0", "up")
		// Multicast (mDNS) needs a route; there is no default route, so
		// nothing can leave the lab.
		l.must("-n", node.Name, "route", "add", "224.0.0.0/4", "dev", "eth0")
	}
	return l
}

// Nodes returns the lab's nodes in order.
func (l *Lab) Nodes() []*Node { return l.nodes }

// Node returns node i, counting from 0.
func (l *Lab) Node(i int) *Node { return l.nodes[i] }

// must runs ip with args and fails the test if it fails.
func (l *Lab) must(args ...string) {
	l.t.Helper()
	if err := ip(args...); err != nil {
		l.t.Fatalf("netlab: %v", err)
	}
}

// remove deletes the lab's namespaces; the interfaces in them go with them.
func (l *Lab) remove() {
	for _, node := range l.nodes {
		_ = ip("netns", "del", node.Name)
	}
	_ = ip("netns", "del", l.hub)
}

// Command returns a command that runs the program name with args inside the
// node's namespace, killed when ctx ends.
func (n *Node) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Do runs fn on an OS thread that is inside the node's namespace, and returns
// its error. Sockets fn makes belong to the namespace for their whole life.
// Goroutines fn starts do not run in the namespace.
func (n *Node) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// The thread is given back to the runtime only once it is back in
		// its own namespace; otherwise it ends with this goroutine.
		runtime.LockOSThread()
		back, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- fmt.Errorf("netlab: %w", err)
			return
		}
		defer back.Close()
		target, err := os.Open(netnsDir + "/" + n.Name)
		if err != nil {
			errc <- fmt.Errorf("netlab: %w", err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netlab: enter %s: %w", n.Name, err)
			return
		}
		err = fn()
		if unix.Setns(int(back.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// SetLink takes the node's link to the bridge down or brings it back up, as
// a pulled cable would: eth0 keeps its addresses and routes but loses its
// carrier.
func (n *Node) SetLink(up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	return ip("-n", n.lab.hub, "link", "set", n.port, state)
}

// AddAddr adds another address to the node's eth0.
func (n *Node) AddAddr(p netip.Prefix) error {
	return ip("-n", n.Name, "addr", "add", p.String(), "dev", "eth0")
}

// ip runs the ip command with args.
func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// sweep deletes the namespaces of labs whose test binary is gone (killed
// before its Cleanup ran). Errors are ignored: another binary may be sweeping
// the same names.
func sweep() {
	entries, err := os.ReadDir(netnsDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), namePrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue
		}
		_ = ip("netns", "del", e.Name())
	}
}

// nth returns the address i after p's first address.
func nth(p netip.Prefix, i int) netip.Addr {
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
