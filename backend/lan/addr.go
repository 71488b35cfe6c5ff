package lan

import (
	"net"
	"net/netip"
	"slices"
)

// Addresses lists this machine's addresses that others on the local network
// may reach: on interfaces that are up, not loopback, not link-local, not
// multicast; IPv4 first, each family in interface order.
func Addresses() []netip.Addr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var v4, v6 []netip.Addr
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok || !Usable(ip.Unmap()) {
				continue
			}
			ip = ip.Unmap()
			if ip.Is4() {
				v4 = append(v4, ip)
			} else {
				v6 = append(v6, ip)
			}
		}
	}
	return slices.Concat(v4, v6)
}

// Usable reports whether ip is an address another machine on the network can
// dial: not unspecified, loopback, link-local (an IPv6 link-local address
// needs a zone that means nothing elsewhere) or multicast.
func Usable(ip netip.Addr) bool {
	return ip.IsValid() && !ip.IsUnspecified() && !ip.IsLoopback() &&
		!ip.IsLinkLocalUnicast() && !ip.IsLinkLocalMulticast() && !ip.IsMulticast()
}

// ReachableAt lists the addresses others can dial a listener bound to
// bound at: the address itself when it is a specific one; for a wildcard
// (0.0.0.0 or ::), this machine's Addresses of the families the listener
// takes (0.0.0.0 takes IPv4 only), or, when there are none, the loopback
// address so that this machine at least can join.
func ReachableAt(bound netip.Addr) []netip.Addr {
	bound = bound.Unmap()
	if !bound.IsUnspecified() {
		return []netip.Addr{bound}
	}
	var out []netip.Addr
	for _, a := range Addresses() {
		if a.Is4() || bound.Is6() {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		// A dual-stack listener takes IPv4 too.
		return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	}
	return out
}
