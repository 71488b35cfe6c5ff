// Package lan finds rooms on the local network and makes them findable:
// DNS-SD over multicast DNS (service _wetalk._tcp, RFC 6762/6763, with
// github.com/hashicorp/mdns), and the list of this machine's addresses that
// others on the network can reach.
//
// An Announcer answers queries for one room with its port, its host's
// addresses and TXT records (room name, host key fingerprint, whether a
// password is needed, protocol version, member count); the member count can
// change while it runs. Browse sends one query and collects the rooms that
// answer within a timeout; Watch repeats that on a schedule and reports the
// list whenever it changes.
//
// Every announcement is untrusted input: anyone on the network can announce
// anything. ParseRoom bounds and cleans every TXT value and drops an entry
// whose fingerprint, port or address is unusable. A room found here is only
// a suggestion: joining it goes through its invite, which pins the announced
// key, so a forged announcement can at worst name a host that fails the
// key check or does not answer; it can never make a client trust another key.
//
// The package knows nothing of sockets beyond mDNS, of the room protocol or
// of the UI.
package lan
