package bench

import (
	"math/bits"
	"time"
)

// histogram counts latencies in microseconds: exactly below 256 µs, then in
// 128 buckets per power of two (at most 0.8% error), up to about 2^47 µs.
type histogram struct {
	counts []uint64 // made on the first record, so idle members cost nothing
	n      uint64
	max    time.Duration
}

const (
	histSubBits = 7 // 128 buckets per octave
	histExact   = 2 << histSubBits
	histOctaves = 40
	histBuckets = histExact + histOctaves<<histSubBits
)

func histIndex(us uint64) int {
	if us < histExact {
		return int(us)
	}
	shift := bits.Len64(us) - histSubBits - 1 // keep 8 significant bits: 1 + 7 sub
	if i := histExact + (shift-1)<<histSubBits + int(us>>shift) - 1<<histSubBits; i < histBuckets {
		return i
	}
	return histBuckets - 1
}

// histValue is the upper bound (µs) of bucket i.
func histValue(i int) uint64 {
	if i < histExact {
		return uint64(i)
	}
	i -= histExact
	shift := i>>histSubBits + 1
	sub := uint64(i&(1<<histSubBits-1)) + 1<<histSubBits
	return (sub+1)<<shift - 1
}

func (h *histogram) record(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]uint64, histBuckets)
	}
	if d < 0 {
		d = 0
	}
	h.counts[histIndex(uint64(d/time.Microsecond))]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	if o.counts == nil {
		return
	}
	if h.counts == nil {
		h.counts = make([]uint64, histBuckets)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which a fraction q of the records lie.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n))
	if rank >= h.n {
		rank = h.n - 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			return min(time.Duration(histValue(i))*time.Microsecond, h.max)
		}
	}
	return h.max
}
