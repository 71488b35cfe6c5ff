package session

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"

	"wetalk/backend/lan"
	"wetalk/backend/netlab"
	"wetalk/backend/profile"
	"wetalk/backend/secure"
)

// nsSession is a session whose network work happens in node's namespace:
// Host and Join must be called inside node.Do (their sockets are made
// there), and browsing runs lan.Watch inside it.
func nsSession(t *testing.T, node *netlab.Node) (*Session, *recorder) {
	t.Helper()
	prof, err := profile.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	o := New(Config{
		Profile: prof, Emitter: rec,
		Watch: func(ctx context.Context, report func([]lan.Room, error)) {
			node.Do(func() error { lan.Watch(ctx, report); return nil })
		},
	})
	t.Cleanup(func() { o.Close() })
	return o.Session(), rec
}

// latest returns the room with fingerprint fp in the latest report.
func (r *recorder) latest(fp string) (lan.Room, bool) {
	if len(r.heard) == 0 {
		return lan.Room{}, false
	}
	for _, room := range r.heard[len(r.heard)-1].Rooms {
		if room.Fingerprint == fp {
			return room, true
		}
	}
	return lan.Room{}, false
}

// TestHostAnnouncesJoinerBrowses hosts a room in one network namespace and
// browses from another: the room is heard with its address, fingerprint and
// member count, joining through its invite works and the count follows; a
// room hosted with the Host form's switch off is never heard.
func TestHostAnnouncesJoinerBrowses(t *testing.T) {
	lab := netlab.New(t, 3)
	hostN, quietN, joinN := lab.Node(0), lab.Node(1), lab.Node(2)

	h, _ := nsSession(t, hostN)
	quiet, _ := nsSession(t, quietN)
	if err := hostN.Do(func() error {
		_, err := h.Host(HostRequest{Nickname: "Ann", RoomName: "Tea", Password: "pw"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := quietN.Do(func() error {
		_, err := quiet.Host(HostRequest{Nickname: "Q", RoomName: "Quiet", NoAnnounce: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A second address on the host: the invite dialog offers a link for
	// each, IPv4 first.
	extra := netip.MustParseAddr("198.18.0.77")
	if err := hostN.AddAddr(netip.PrefixFrom(extra, 24)); err != nil {
		t.Fatal(err)
	}
	var inv Invite
	if err := hostN.Do(func() (err error) {
		inv, err = h.Invite()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(inv.Addresses[0])
	wantAddrs := []string{net.JoinHostPort(hostN.Addr.String(), port), net.JoinHostPort(extra.String(), port)}
	if !slices.Equal(inv.Addresses, wantAddrs) || len(inv.Links) != 2 ||
		inv.Links[0] != secure.FormatInvite(wantAddrs[0], inv.Fingerprint) || inv.Links[1] != secure.FormatInvite(wantAddrs[1], inv.Fingerprint) {
		t.Fatalf("Invite addresses %v links %v; want one link for each of %v", inv.Addresses, inv.Links, wantAddrs)
	}
	if inv.Link != inv.Links[0] {
		t.Fatalf("invite link %s; want the first address's, %s", inv.Link, inv.Links[0])
	}
	quietInv, _ := quiet.Invite()

	j, rec := nsSession(t, joinN)
	d, err := j.BrowseRooms()
	if err != nil || d.Rooms == nil {
		t.Fatalf("BrowseRooms = %+v, %v", d, err)
	}
	rec.wait(t, "the room heard", func(r *recorder) bool { _, ok := r.latest(inv.Fingerprint); return ok })
	rec.mu.Lock()
	got, _ := rec.latest(inv.Fingerprint)
	_, heardQuiet := rec.latest(quietInv.Fingerprint)
	state := rec.heard[len(rec.heard)-1].State
	rec.mu.Unlock()
	if state != DiscoveryReady {
		t.Errorf("state %q; want %q", state, DiscoveryReady)
	}
	hostAddr, _, err := secure.ParseInvite(inv.Link)
	if err != nil {
		t.Fatal(err)
	}
	wantAddr := netip.AddrPortFrom(hostN.Addr, netip.MustParseAddrPort(hostAddr).Port()).String()
	if got.Name != "Tea" || got.Addr != wantAddr || !got.Password || got.Members != 1 {
		t.Fatalf("heard %+v; want Tea at %s, password, 1 member", got, wantAddr)
	}
	if heardQuiet {
		t.Fatal("a room hosted with announcing off was heard")
	}
	if again, _ := j.BrowseRooms(); len(again.Rooms) == 0 {
		t.Fatalf("BrowseRooms while browsing = %+v; want the rooms heard so far", again)
	}

	if err := joinN.Do(func() error {
		_, err := j.Join(JoinRequest{Nickname: "Bo", Address: got.Invite, Password: "pw"})
		return err
	}); err != nil {
		t.Fatalf("join through the discovered invite: %v", err)
	}
	rec.wait(t, "two members announced", func(r *recorder) bool { room, _ := r.latest(inv.Fingerprint); return room.Members == 2 })

	j.StopBrowsing()
	rec.mu.Lock()
	n := len(rec.heard)
	rec.mu.Unlock()
	h.Leave()
	j.StopBrowsing() // twice is harmless
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.heard) != n {
		t.Fatalf("rooms reported after StopBrowsing: %+v", rec.heard[n:])
	}
}

// TestBrowseWithoutLAN reports nothing, quietly, when LAN features are off.
func TestBrowseWithoutLAN(t *testing.T) {
	prof, err := profile.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o := New(Config{Profile: prof, Emitter: newRecorder(), NoLAN: true})
	defer o.Close()
	d, err := o.Session().BrowseRooms()
	if err != nil || d.State != DiscoveryUnavailable || d.Rooms == nil || len(d.Rooms) != 0 {
		t.Fatalf("BrowseRooms = %+v, %v; want no rooms, unavailable", d, err)
	}
}
