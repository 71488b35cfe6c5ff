// Package room holds the rules of a WeTalk room: who is in it and in which
// order, who leads, which names are taken, what was said (the history a late
// joiner receives), the files and images shared (their announcements; the
// bytes are kept by package transfer), recalls, kicks, bans, handover, and the
// wipe when the last member leaves.
//
// The room knows nothing of sockets or TLS. It speaks to each member through
// a Sink, handing it frames already encoded by package wire; each broadcast is
// encoded once and the same bytes go to every member. All state is guarded by
// one mutex and every delivery happens while it is held, so every member sees
// the room's events in the one order, and a joiner's history and the live
// events after it meet with no gap and no duplicate.
package room
