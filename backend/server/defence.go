package server

import (
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"wetalk/backend/secure"
)

// Defence names one way the host protected the room from a peer. The names
// appear in the host's log and in its counters (Server.Defences).
type Defence string

// The defences the host counts. docs/security.md says what each is for.
const (
	// DefenceAcceptRetry: accepting a connection failed (out of file
	// descriptors, say); the host waited and tried again.
	DefenceAcceptRetry Defence = "accept_retry"
	// DefencePendingCap: a connection was closed at once because too many
	// from its address (or in all) were still being admitted.
	DefencePendingCap Defence = "pending_cap"
	// DefenceAdmitTimeout: a connection did not finish the TLS handshake
	// and hello in time.
	DefenceAdmitTimeout Defence = "admit_timeout"
	// DefenceProtocol: a peer sent a malformed, oversized or unexpected
	// frame and was told protocol or too_large, then closed.
	DefenceProtocol Defence = "protocol"
	// DefencePassword: wrong passwords from an address or identity were
	// refused with rate_limited without being checked.
	DefencePassword Defence = "password_backoff"
	// DefenceMemberCap: a join was refused because its address already
	// has the most members one address may have.
	DefenceMemberCap Defence = "member_cap"
	// DefenceAddrBudget: a command was refused because the members of its
	// address together used up their address's command budget.
	DefenceAddrBudget Defence = "addr_budget"
	// DefenceRateLimit: a command was refused by its member's own rate.
	DefenceRateLimit Defence = "rate_limit"
	// DefenceStalled: a member that did not read was disconnected.
	DefenceStalled Defence = "stalled"
	// DefenceSilent: a member that sent nothing, not even a pong, for the
	// heartbeat's drop time was disconnected.
	DefenceSilent Defence = "silent"
	// DefenceUploadIdle: an upload that made no progress was dropped.
	DefenceUploadIdle Defence = "upload_idle"
	// DefenceUploadShare: an upload was refused because its member
	// already holds its fair share of the room's free quota.
	DefenceUploadShare Defence = "upload_share"
)

// Log limiting: a defence is logged at most once per defenceLogEvery for
// one address; at most defenceMaxTracked (defence, address) pairs are
// remembered, after which the oldest minute is forgotten at once.
const (
	defenceLogEvery   = time.Minute
	defenceMaxTracked = 4096
)

// defences counts the host's defences and logs each at most once a minute
// per address, so that an attack never floods the log. It is safe for
// concurrent use.
type defences struct {
	log *slog.Logger     // read-only
	now func() time.Time // read-only

	mu     sync.Mutex
	counts map[Defence]uint64         // guarded by mu
	logged map[defenceKey]defenceLine // guarded by mu
}

type defenceKey struct {
	what Defence
	src  netip.Prefix
}

// defenceLine is when a (defence, address) pair was last logged and how
// often it happened since.
type defenceLine struct {
	at         time.Time
	suppressed uint64
}

func newDefences(log *slog.Logger, now func() time.Time) *defences {
	return &defences{log: log, now: now, counts: make(map[Defence]uint64), logged: make(map[defenceKey]defenceLine)}
}

// note counts one use of a defence against addr and logs it (at warning
// level, with args) unless it was logged for addr's source less than a
// minute ago. The line says how many were not logged in between.
func (d *defences) note(what Defence, addr netip.Addr, msg string, args ...any) {
	now := d.now()
	key := defenceKey{what, secure.Source(addr)}
	d.mu.Lock()
	d.counts[what]++
	total := d.counts[what]
	line, seen := d.logged[key]
	if seen && now.Sub(line.at) < defenceLogEvery {
		line.suppressed++
		d.logged[key] = line
		d.mu.Unlock()
		return
	}
	if !seen && len(d.logged) >= defenceMaxTracked {
		d.forgetOld(now)
	}
	d.logged[key] = defenceLine{at: now}
	d.mu.Unlock()
	args = append(args, "defence", string(what), "addr", addr, "total", total)
	if line.suppressed > 0 {
		args = append(args, "not_logged", line.suppressed)
	}
	d.log.Warn(msg, args...)
}

// forgetOld drops the pairs logged more than a minute ago, or all of them
// if none is that old (an attack from more addresses than are tracked
// then logs a line per address per minute at most, as designed, but
// cannot grow the table). Caller holds mu.
func (d *defences) forgetOld(now time.Time) {
	for k, l := range d.logged {
		if now.Sub(l.at) >= defenceLogEvery {
			delete(d.logged, k)
		}
	}
	if len(d.logged) >= defenceMaxTracked {
		clear(d.logged)
	}
}

// snapshot returns the counters.
func (d *defences) snapshot() map[Defence]uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[Defence]uint64, len(d.counts))
	for k, v := range d.counts {
		out[k] = v
	}
	return out
}
