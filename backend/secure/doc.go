// Package secure is WeTalk's transport security: the host's long-lived
// identity key and its fingerprint, TLS 1.3 configurations for host and
// member, the ways a member decides to trust a host key (a pin typed or taken
// from an invite, a remembered known_hosts entry, or trust on first use),
// invites, and the room password gate.
//
// A host is authenticated by the fingerprint of its public key, not by a
// certificate authority: its certificate is self-signed and only carries the
// key. Member connections are not authenticated by TLS; a room password, if
// any, is checked by PasswordGate after the handshake.
//
// Decisions callers can rely on:
//
//   - The host key file (host.key) must not be accessible by group or others.
//     LoadOrCreateIdentity refuses such a file with ErrKeyPermissions, naming
//     it, instead of silently chmod-ing a key that may already have leaked
//     (as ssh does). The check is skipped on Windows, which has no mode bits.
//   - A corrupt key file is ErrCorruptKey and is never replaced.
//   - A pin wins over known_hosts: a pinned key that matches is accepted even
//     when a different key is remembered for the address, and the remembered
//     entry is then updated (or added), because the user vouched for the pin.
//   - Failing to write known_hosts while remembering a key fails the
//     connection: a trust decision that cannot be kept is not made silently.
//
// This package must not know about rooms, members, frames or the wire
// protocol, and opens no sockets (only its tests listen, on loopback). It
// holds no package-level mutable state: everything hangs off values returned
// by its constructors, and clocks are passed in.
package secure
