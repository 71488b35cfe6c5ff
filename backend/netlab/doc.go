// Package netlab builds small, throwaway networks of Linux network namespaces
// for tests, so that a host and its members talk over real, distinct,
// non-loopback addresses (198.18.0.0/15, the benchmarking range) instead of
// 127.0.0.1.
//
// A Lab is N node namespaces, each with one interface (eth0) joined through a
// veth pair to a bridge that lives in a hub namespace of its own; nothing is
// added to the namespace the test runs in. Every name is unique to the lab,
// so parallel tests and parallel test binaries do not clash, and the
// namespaces are deleted in the test's Cleanup, also after a failed test.
// Namespaces left behind by a test binary that was killed are removed by the
// next lab made on the machine.
//
// Code runs inside a node in two ways: Node.Command starts a program there
// ("ip netns exec"), and Node.Do runs a Go function on an OS thread switched
// into the node's namespace; sockets made inside Do stay in that namespace
// after Do returns, so a listener or a connection made there can be used by
// any goroutine.
//
// Making a lab needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and the ip
// command of iproute2; where either is missing, New skips the test with the
// reason. The package knows nothing of WeTalk.
package netlab
