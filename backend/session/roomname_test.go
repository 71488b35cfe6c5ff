package session

import (
	"errors"
	"strings"
	"testing"

	"wetalk/backend/room"
)

// TestHostRefusesBadRoomName checks the Host form's path: a room name that
// members could not be welcomed with is refused with its own code and a
// reason, nothing is left hosting, and a good name then works.
func TestHostRefusesBadRoomName(t *testing.T) {
	s, _ := newSession(t)
	for _, name := range []string{strings.Repeat("room ", 120), "Tea\u200broom", "Tea\nroom"} {
		_, err := s.Host(HostRequest{Nickname: "Ann", RoomName: name, Port: 0})
		if !errors.Is(err, room.ErrBadRoomName) {
			t.Fatalf("%.20q: Host: %v, want ErrBadRoomName", name, err)
		}
		if f := Describe(err); f.Code != "bad_room_name" || !strings.Contains(f.Message, "room name") {
			t.Errorf("%.20q: Describe = %+v", name, f)
		}
		if owner(s).Hosting() {
			t.Fatalf("%.20q: hosting after a refused Host", name)
		}
	}
	r, err := s.Host(HostRequest{Nickname: "Ann", RoomName: "  Tea  ", Port: 0})
	if err != nil || r.Room != "Tea" {
		t.Fatalf("Host with a good name: %+v, %v", r, err)
	}
}
