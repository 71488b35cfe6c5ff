package session

import (
	"context"
	"sync"

	"wetalk/backend/lan"
)

// EventRooms carries a Discovery: the rooms heard on the local network,
// each time the list changes while browsing.
const EventRooms = "lan:rooms"

// Discovery states.
const (
	// DiscoverySearching: the first query has not been answered yet.
	DiscoverySearching = "searching"
	// DiscoveryReady: Rooms is what the network answered (maybe nothing).
	DiscoveryReady = "ready"
	// DiscoveryUnavailable: this machine cannot browse (no multicast, a
	// firewall, or LAN features are off); the UI says quietly that no room
	// was found.
	DiscoveryUnavailable = "unavailable"
)

// Discovery is the rooms heard on the local network. Each is only a
// suggestion from an unauthenticated announcement: its Invite pins the
// announced key, so joining through it checks the host.
type Discovery struct {
	Rooms []lan.Room `json:"rooms"`
	State string     `json:"state"`
}

// browsing is the session's watch of the local network, running between
// BrowseRooms and StopBrowsing.
type browsing struct {
	mu    sync.Mutex
	stop  context.CancelFunc // guarded by mu; nil when not browsing
	done  chan struct{}      // guarded by mu; closed when watchLoop has ended
	heard Discovery          // guarded by mu; the latest report
}

// BrowseRooms starts browsing the local network for rooms, if it is not
// already, and returns what has been heard so far; changes follow as
// EventRooms until StopBrowsing.
func (s *Session) BrowseRooms() (Discovery, error) {
	if s.cfg.NoLAN {
		return Discovery{Rooms: []lan.Room{}, State: DiscoveryUnavailable}, nil
	}
	b := &s.browse
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.ctx.Err() != nil {
		return Discovery{}, ErrClosed
	}
	if b.stop == nil {
		ctx, cancel := context.WithCancel(s.ctx)
		b.stop, b.done = cancel, make(chan struct{})
		b.heard = Discovery{Rooms: []lan.Room{}, State: DiscoverySearching}
		go s.watchLoop(ctx, b.done)
	}
	return b.heard, nil
}

// StopBrowsing stops browsing for rooms (the Join card is gone); it returns
// once no EventRooms can follow.
func (s *Session) StopBrowsing() error {
	b := &s.browse
	b.mu.Lock()
	stop, done := b.stop, b.done
	b.stop, b.done = nil, nil
	b.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	return nil
}

// watchLoop browses until ctx ends, keeping and emitting each report.
func (s *Session) watchLoop(ctx context.Context, done chan struct{}) {
	defer close(done)
	watch := s.cfg.Watch
	if watch == nil {
		watch = lan.Watch
	}
	watch(ctx, func(rooms []lan.Room, err error) {
		d := Discovery{Rooms: rooms, State: DiscoveryReady}
		if d.Rooms == nil {
			d.Rooms = []lan.Room{}
		}
		if err != nil {
			d.State = DiscoveryUnavailable
			s.cfg.Log.Debug("cannot browse the local network", "err", err)
		}
		b := &s.browse
		b.mu.Lock()
		if ctx.Err() != nil {
			b.mu.Unlock()
			return
		}
		b.heard = d
		b.mu.Unlock()
		s.cfg.Emitter.Emit(EventRooms, d)
	})
}
