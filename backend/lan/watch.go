package lan

import (
	"context"
	"slices"
	"time"
)

// Watch schedule: the first query at once, then at growing intervals up to
// watchEvery; each query listens for watchListen. A room missing from
// watchMissed answers in a row is gone (one lost UDP answer does not make it
// flicker).
const (
	watchListen = time.Second
	watchFirst  = time.Second
	watchEvery  = 5 * time.Second
	watchMissed = 2
)

// Watch browses until ctx ends and calls report with the rooms heard, sorted
// like Browse's, after the first query and whenever the list changes; err is
// ErrNoMulticast (wrapped) while no query can be sent. report runs on
// Watch's goroutine.
func Watch(ctx context.Context, report func(rooms []Room, err error)) {
	type heard struct {
		room   Room
		missed int
	}
	known := make(map[string]*heard) // by invite
	var last []Room
	var lastErr error
	first := true
	wait := watchFirst
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		found, err := Browse(ctx, watchListen)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			for _, h := range known {
				h.missed++
			}
			for _, r := range found {
				known[r.Invite] = &heard{room: r}
			}
			for k, h := range known {
				if h.missed >= watchMissed {
					delete(known, k)
				}
			}
		}
		rooms := make([]Room, 0, len(known))
		for _, h := range known {
			rooms = append(rooms, h.room)
		}
		sortRooms(rooms)
		if first || !slices.Equal(rooms, last) || (err == nil) != (lastErr == nil) {
			report(rooms, err)
		}
		first, last, lastErr = false, rooms, err
		timer.Reset(wait)
		wait = min(wait*2, watchEvery)
	}
}
