// Package bench is WeTalk's load generator, the engine of `wetalk bench`.
// It connects N members to a room over TLS, lets the first S of them send M
// stamped messages each (closed loop with a window, or open loop at a rate),
// and has every member record the latency of every message it receives and
// check that none is lost or duplicated. It can also host the room itself on
// loopback (Spawn) and measure the host's CPU and memory.
//
// Its members speak the wire protocol directly rather than through package
// client, and read messages with wire.MessageView (no allocation): the load
// generator often shares the machine with the host, so it should cost as
// little as it can. Each message is still decoded and checked in full. The
// package holds no state outside the values it returns.
package bench
