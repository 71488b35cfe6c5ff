//go:build !linux

package netlab

import (
	"context"
	"net/netip"
	"os/exec"
	"testing"
)

// Subnet is the network the nodes' first addresses are in.
const Subnet = "198.18.0.0/24"

// Lab is a set of network namespaces; they exist on Linux only.
type Lab struct{ nodes []*Node }

// Node is one network namespace of a lab.
type Node struct {
	Name string
	Addr netip.Addr
}

// New skips the test: network namespaces are a Linux feature.
func New(t testing.TB, n int) *Lab {
	t.Helper()
	t.Skip("netlab: skipped: network namespaces exist on Linux only")
	return nil
}

// Nodes returns the lab's nodes in order.
func (l *Lab) Nodes() []*Node { return l.nodes }

// Node returns node i, counting from 0.
func (l *Lab) Node(i int) *Node { return l.nodes[i] }

// Command is never reached: New skipped the test.
func (n *Node) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	panic("netlab: no namespaces on this system")
}

// Do is never reached: New skipped the test.
func (n *Node) Do(fn func() error) error { panic("netlab: no namespaces on this system") }

// SetLink is never reached: New skipped the test.
func (n *Node) SetLink(up bool) error { panic("netlab: no namespaces on this system") }

// AddAddr is never reached: New skipped the test.
func (n *Node) AddAddr(p netip.Prefix) error { panic("netlab: no namespaces on this system") }
