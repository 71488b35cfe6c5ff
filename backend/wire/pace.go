package wire

import "time"

// PaceDelay is how long, at most, a writer means to keep a small frame
// (chat, credit, a cancel) waiting behind bulk bytes (file chunks) it has
// already handed over: the bytes of one write round and those the kernel
// holds unsent. See Pace.
const PaceDelay = 10 * time.Millisecond

// MinUnsent is the least Pace asks the kernel to hold unsent (see
// UnsentLimit): below it, a writer's wake-ups would cost more than the
// link saves.
const MinUnsent = 16 << 10

// paceSpan is the shortest stretch of writing Pace measures a rate over.
const paceSpan = 100 * time.Millisecond

// Pace sizes a writer's rounds of bulk bytes, and what the kernel holds
// unsent, to the rate at which the link drains them. A fixed size is too
// large for a slow link or too small for a fast one: the 256 KiB rounds and
// 128 KiB unsent that keep loopback at full speed are 160 ms on a 20 Mbit/s
// uplink and 600 ms at 5 Mbit/s, and a member's chat waits behind them.
//
// The rate is measured while bulk bytes are waiting after each round (the
// link, not the producer, sets the pace): the bytes written over at least
// paceSpan, divided by the time they took, averaged with the rates before.
// Until it is known, and while it is fast, the sizes are the largest (a
// writer that is never backlogged keeps them: nothing waits behind its
// rounds but what the kernel holds).
// Pace is not safe for concurrent use: its writer owns it.
type Pace struct {
	rate  float64   // bytes per second, 0 until measured
	start time.Time // of the measurement under way; zero: none
	bytes int       // written since start
}

// Wrote records a write round that ended at now and wrote n bulk bytes;
// backlogged says more bulk bytes were waiting when it ended.
func (p *Pace) Wrote(n int, backlogged bool, now time.Time) {
	if !backlogged {
		// The producer is slower than the link: nothing to measure, and
		// nothing waits behind a round. Keep the rate known so far.
		p.start = time.Time{}
		return
	}
	if p.start.IsZero() {
		// This round's bytes went out before now: count from here.
		p.start, p.bytes = now, 0
		return
	}
	p.bytes += n
	span := now.Sub(p.start)
	if span < paceSpan {
		return
	}
	rate := float64(p.bytes) / span.Seconds()
	if p.rate == 0 {
		p.rate = rate
	} else {
		p.rate = (p.rate + rate) / 2
	}
	p.start, p.bytes = now, 0
}

// Rate is the measured rate in bytes per second, 0 until known.
func (p *Pace) Rate() float64 { return p.rate }

// budget is the bytes the link drains in PaceDelay, within [least, most];
// most until the rate is known.
func (p *Pace) budget(least, most int) int {
	if p.rate == 0 {
		return most
	}
	b := p.rate * PaceDelay.Seconds()
	return int(min(max(b, float64(least)), float64(most)))
}

// Round is how many bulk bytes the next write round may take (it takes at
// least one frame however small this is), at most most.
func (p *Pace) Round(most int) int { return p.budget(1, most) }

// Unsent is what the kernel should hold unsent (see SetUnsent): between
// MinUnsent and UnsentLimit.
func (p *Pace) Unsent() int { return p.budget(MinUnsent, UnsentLimit) }
