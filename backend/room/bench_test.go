package room

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// countSink takes every delivery and only counts the bytes, like a member
// whose write loop keeps up.
type countSink struct{ bytes atomic.Int64 }

func (s *countSink) Deliver(b []byte) bool { s.bytes.Add(int64(len(b))); return true }
func (s *countSink) Update(b []byte)       { s.bytes.Add(int64(len(b))) }
func (s *countSink) Close(bool)            {}
func (s *countSink) DeliverHistory(h History) {
	for i := range h.Len() {
		s.bytes.Add(int64(len(h.Frame(i))))
	}
}

// BenchmarkFanOut measures one message sent to a room of n members: the
// encoding (once) and the n deliveries, under the room's lock.
func BenchmarkFanOut(b *testing.B) {
	text := strings.Repeat("x", 100)
	for _, n := range []int{10, 200, 1000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			r := New(Config{Name: "bench", MaxHistory: 1000})
			var sender *Member
			for i := range n {
				m, err := r.Join(JoinRequest{Name: fmt.Sprintf("m%d", i), Sink: &countSink{}})
				if err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					sender = m
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Send(sender, "", text); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
