package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/lan"
	"wetalk/backend/profile"
	"wetalk/backend/room"
	"wetalk/backend/secure"
	"wetalk/backend/server"
	"wetalk/backend/transfer"
	"wetalk/backend/version"
	"wetalk/backend/wire"
)

// Event names emitted to the UI.
const (
	// EventRoomEvents carries a Batch: room events in the room's order.
	EventRoomEvents = "room:events"
	// EventRoomClosed carries a Closed: this app is no longer in the room.
	EventRoomClosed = "room:closed"
)

// DefaultPort is the port a room is hosted on, and the one an address
// without a port is dialled on.
const DefaultPort = 7777

// HostClosedReason is what members are told when the host closes the room.
const HostClosedReason = "the host closed the room"

// Emitter hands a named event to the UI. Implementations must not block for
// long; they are called from the session's event pump.
type Emitter interface {
	Emit(name string, payload any)
}

// Config is what a Session needs.
type Config struct {
	// Profile holds the client identity, known hosts, host key and recent
	// rooms.
	Profile *profile.Profile
	// Emitter receives the room's events.
	Emitter Emitter
	// Log receives log lines; nil discards them.
	Log *slog.Logger
	// HostBind is the interface a hosted room listens on: "" for all of
	// them (so others on the LAN can join), "127.0.0.1" for this machine only.
	HostBind string
	// FlushAfter is how long events may wait to be batched; 0 means 25ms.
	FlushAfter time.Duration
	// ProgressEvery paces the transfers' progress: a transfer:progress
	// batch that only moves transfers along leaves at most this often (0
	// means 100ms); one that adds a transfer or changes a state leaves with
	// the next batch, as room events do.
	ProgressEvery time.Duration
	// MaxBatch flushes a batch at once when it holds this many events; 0
	// means 500.
	MaxBatch int
	// DialTimeout bounds joining; 0 means the client's default (10s).
	DialTimeout time.Duration
	// ClientID, if set, is the identity this session joins rooms with
	// instead of the profile's (each browser tab of `wetalk web` is a person
	// of its own).
	ClientID uuid.UUID
	// DownloadDir is where downloads go until the user chooses a folder;
	// "" means the system's Downloads folder.
	DownloadDir string
	// MaxUpload and RoomQuota limit the files of a hosted room; 0 means
	// the defaults (2 GiB a file, 10 GiB in all).
	MaxUpload, RoomQuota int64
	// NoLAN turns off announcing hosted rooms and browsing for rooms on the
	// local network (`wetalk web` without --lan). A room hosted on a
	// loopback HostBind is never announced.
	NoLAN bool
	// Watch browses for rooms until ctx ends, reporting like lan.Watch;
	// nil means lan.Watch. Tests run it inside a network namespace.
	Watch func(ctx context.Context, report func(rooms []lan.Room, err error))
}

// HostRequest is what the start screen's Host form asks for.
type HostRequest struct {
	Nickname string `json:"nickname"`
	RoomName string `json:"roomName"`
	Password string `json:"password"`
	Port     int    `json:"port"`
	// NoAnnounce keeps the room off the local network's room lists (the
	// Host form's "Announce on this network" switch, off).
	NoAnnounce bool `json:"noAnnounce"`
}

// JoinRequest is what the start screen's Join form asks for. Address is
// HOST:PORT (the port defaults to 7777) or an invite wetalk://HOST:PORT/#FP.
type JoinRequest struct {
	Nickname string `json:"nickname"`
	Address  string `json:"address"`
	Password string `json:"password"`
}

// Room describes the room just entered.
type Room struct {
	// Gen numbers the rooms this session has entered; every Batch and
	// Closed carries it, so a UI can drop what belongs to an earlier room.
	Gen     int      `json:"gen"`
	Room    string   `json:"room"`
	Me      string   `json:"me"`    // my name, as the host gave it
	Asked   string   `json:"asked"` // the name I asked for
	Leader  string   `json:"leader"`
	Members []string `json:"members"`
	Hosting bool     `json:"hosting"`
	Addr    string   `json:"addr"` // the address dialled
	// Files lists the files shared before I joined (images come in the
	// history).
	Files []client.FileInfo `json:"files"`
}

// Batch is the payload of EventRoomEvents.
type Batch struct {
	Gen    int            `json:"gen"`
	Events []client.Event `json:"events"`
}

// Closed is the payload of EventRoomClosed. Code is "left" (this app left),
// "closed" (the host closed the room), "kicked" or "lost".
type Closed struct {
	Gen    int    `json:"gen"`
	Code   string `json:"code"`
	Reason string `json:"reason,omitempty"`
	By     string `json:"by,omitempty"`
}

// Session is one app instance: at most one room at a time, hosted or
// joined. Its exported methods are the UI's method table: the desktop
// window binds a *Session to Wails as it is, and the browser bridge
// dispatches to the same methods by name, so a method added here is
// callable from the UI without further glue (the TypeScript door,
// frontend/src/lib/backend.ts, lists it once). What only the window or the
// bridge that made the session may do is on its Owner. Its methods are safe
// for concurrent use.
type Session struct {
	cfg    Config
	ctx    context.Context // ends with Close
	cancel context.CancelFunc

	mu      sync.Mutex
	gen     int            // guarded by mu; the current or last room's Gen
	refs    int            // guarded by mu; numbers command refs
	cl      *client.Client // guarded by mu; nil when not in a room
	pumped  chan struct{}  // guarded by mu; closed when cl's pump has ended
	srv     *server.Server // guarded by mu; non-nil while hosting
	an      *lan.Announcer // guarded by mu; non-nil while hosting an announced room
	served  chan error     // guarded by mu; Serve's result while hosting
	inviteA string         // guarded by mu; the address an invite names
	pin     string         // guarded by mu; the host's fingerprint
	closed  bool           // guarded by mu
	xf      *transfers     // guarded by mu; the room's transfers; nil when not in a room
	// entering cancels the Host or Join under way (nil when none is);
	// guarded by mu. Reserved before it dials, unlocked; see reserve.
	entering context.CancelFunc

	browse browsing // rooms heard on the local network
}

// New returns the Owner of a new Session that is in no room.
func New(cfg Config) *Owner {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.FlushAfter == 0 {
		cfg.FlushAfter = 25 * time.Millisecond
	}
	if cfg.ProgressEvery == 0 {
		cfg.ProgressEvery = 100 * time.Millisecond
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = 500
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = transfer.DefaultMaxFile
	}
	if cfg.RoomQuota == 0 {
		cfg.RoomQuota = transfer.DefaultQuota
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Owner{s: &Session{cfg: cfg, ctx: ctx, cancel: cancel}}
}

// Version returns the version of this build.
func (s *Session) Version() string { return version.Version }

// Host starts a room server in this process and joins it as its first
// member, who is therefore the leader. A taken port fails with a
// *PortInUseError suggesting a free one. Like Join, it holds no lock while
// it listens and dials, and CancelJoin cancels it.
func (s *Session) Host(req HostRequest) (Room, error) {
	if req.Port < 0 || req.Port > 65535 {
		return Room{}, fmt.Errorf("port %d is not between 0 and 65535", req.Port)
	}
	ctx, done, err := s.reserve()
	if err != nil {
		return Room{}, err
	}
	defer done()
	id, err := s.cfg.Profile.HostIdentity()
	if err != nil {
		return Room{}, err
	}
	roomName := "WeTalk room"
	if strings.TrimSpace(req.RoomName) != "" {
		if roomName, err = room.CleanRoomName(req.RoomName); err != nil {
			return Room{}, err
		}
	}
	var password []byte
	if req.Password != "" {
		password = []byte(req.Password)
	}
	// an is set before Serve starts, so before anyone joins.
	var an *lan.Announcer
	srv, err := server.New(server.Config{
		RoomName: roomName, Identity: id, Password: password, Log: s.cfg.Log,
		FilesDir: filepath.Join(s.cfg.Profile.Dir, "rooms"), MaxUpload: s.cfg.MaxUpload, RoomQuota: s.cfg.RoomQuota,
		OnMembers: func(n int) {
			if an != nil {
				an.SetMembers(n)
			}
		},
	})
	if err != nil {
		return Room{}, err
	}
	ln, err := s.listen(ctx, req.Port)
	if err != nil {
		return Room{}, err
	}
	bound := ln.Addr().(*net.TCPAddr).AddrPort()
	port := int(bound.Port())
	if !req.NoAnnounce && !s.cfg.NoLAN && !bound.Addr().IsLoopback() {
		an, err = lan.Announce(lan.Announcement{
			Room: roomName, Fingerprint: id.Fingerprint, Port: port, Password: password != nil,
			Addrs: lan.ReachableAt(bound.Addr()),
		})
		if err != nil {
			s.cfg.Log.Warn("room not announced on the network", "err", err)
		}
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stop := func() {
		closeAnnouncer(an)
		srv.Close("the host could not join")
		<-served
	}
	self := net.JoinHostPort(s.selfHost(), strconv.Itoa(port))
	cl, err := s.dial(ctx, client.Config{Addr: self, Name: req.Nickname, Pin: id.Fingerprint, Password: password})
	if err != nil {
		stop()
		return Room{}, err
	}
	room, err := s.commit(ctx, cl, entry{
		asked: req.Nickname, addr: self, pin: id.Fingerprint,
		invite: net.JoinHostPort(s.inviteHost(), strconv.Itoa(port)), srv: srv, served: served, an: an,
	})
	if err != nil {
		stop()
		return Room{}, err
	}
	return room, nil
}

// listen listens on port, or explains that it is taken.
func (s *Session) listen(ctx context.Context, port int) (net.Listener, error) {
	addr := net.JoinHostPort(s.cfg.HostBind, strconv.Itoa(port))
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err == nil {
		return ln, nil
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("cannot host on %s: %w", addr, err)
	}
	perr := &PortInUseError{Port: port, Err: err}
	for p := port + 1; p <= port+50 && p <= 65535; p++ {
		probe, err := net.Listen("tcp", net.JoinHostPort(s.cfg.HostBind, strconv.Itoa(p)))
		if err == nil {
			probe.Close()
			perr.Suggest = p
			break
		}
	}
	return nil, perr
}

// selfHost is the address the host's own client dials.
func (s *Session) selfHost() string {
	switch s.cfg.HostBind {
	case "", "0.0.0.0", "::":
		return "127.0.0.1"
	}
	return s.cfg.HostBind
}

// inviteHost is the address an invite to a hosted room names: this
// machine's first LAN address, unless the room listens on one address only.
func (s *Session) inviteHost() string {
	switch s.cfg.HostBind {
	case "", "0.0.0.0", "::":
		if lan := LANAddresses(); len(lan) > 0 {
			return lan[0]
		}
		return "127.0.0.1"
	}
	return s.cfg.HostBind
}

// Join joins the room at req.Address. An unknown host key fails with a
// *secure.UnknownHostError carrying the fingerprint to show; after the user
// compared it, TrustHost joins trusting exactly that key. A changed key
// fails with an error wrapping secure.ErrHostKeyMismatch.
func (s *Session) Join(req JoinRequest) (Room, error) {
	return s.join(req, "")
}

// TrustHost joins like Join, accepting the host key whose fingerprint the
// user compared (and remembering it). Should the host now present another
// key, it is refused.
func (s *Session) TrustHost(req JoinRequest, fingerprint string) (Room, error) {
	if fingerprint == "" {
		return Room{}, fmt.Errorf("%w: no fingerprint to trust", secure.ErrBadFingerprint)
	}
	return s.join(req, fingerprint)
}

func (s *Session) join(req JoinRequest, trusted string) (Room, error) {
	ctx, done, err := s.reserve()
	if err != nil {
		return Room{}, err
	}
	defer done()
	kh, err := s.cfg.Profile.KnownHosts()
	if err != nil {
		return Room{}, err
	}
	cfg := client.Config{Name: req.Nickname, KnownHosts: kh}
	if req.Password != "" {
		cfg.Password = []byte(req.Password)
	}
	address := strings.TrimSpace(req.Address)
	if strings.HasPrefix(strings.ToLower(address), "wetalk:") {
		cfg.Addr, cfg.Pin, err = secure.ParseInvite(address)
		if err != nil {
			return Room{}, err
		}
	} else {
		cfg.Addr, err = withPort(address)
		if err != nil {
			return Room{}, err
		}
	}
	if trusted != "" {
		if cfg.Pin != "" {
			if want, _ := secure.NormalizeFingerprint(cfg.Pin); want != trusted {
				return Room{}, fmt.Errorf("%w: the invite names another key than the one compared", secure.ErrHostKeyMismatch)
			}
		}
		cfg.Pin = trusted
	}
	cl, err := s.dial(ctx, cfg)
	if err != nil {
		if trusted == "" && cfg.Pin != "" && errors.Is(err, secure.ErrHostKeyMismatch) {
			return Room{}, fmt.Errorf("%w: %w", ErrWrongFingerprint, err)
		}
		return Room{}, err
	}
	pin := cfg.Pin
	if pin == "" {
		pin, _ = kh.Lookup(cfg.Addr)
	}
	room, err := s.commit(ctx, cl, entry{asked: req.Nickname, addr: cfg.Addr, pin: pin, invite: cfg.Addr})
	if err != nil {
		return Room{}, err
	}
	if err := s.cfg.Profile.Remember(profile.Recent{Address: cfg.Addr, Invite: secure.FormatInvite(cfg.Addr, pin), Room: room.Room, Nickname: req.Nickname}); err != nil {
		s.cfg.Log.Warn("cannot remember recent room", "err", err)
	}
	return room, nil
}

// withPort checks a HOST[:PORT] address and adds the default port.
func withPort(address string) (string, error) {
	if address == "" {
		return "", fmt.Errorf("%w: no address given", ErrBadAddress)
	}
	if _, _, err := net.SplitHostPort(address); err == nil {
		return address, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(address, "["), "]")
	if strings.ContainsAny(host, " /#?") {
		return "", fmt.Errorf("%w: %q", ErrBadAddress, address)
	}
	return net.JoinHostPort(host, strconv.Itoa(DefaultPort)), nil
}

// reserve claims the right to enter a room: no room, no other Host or
// Join under way, session not closed. It returns the context the attempt
// dials with (ended by CancelJoin and by Close) and done, which the attempt
// calls when it has ended, entered or not.
func (s *Session) reserve() (ctx context.Context, done func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, nil, ErrClosed
	case s.cl != nil:
		return nil, nil, ErrInRoom
	case s.entering != nil:
		return nil, nil, ErrJoining
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.entering = cancel
	return ctx, func() {
		cancel()
		s.mu.Lock()
		s.entering = nil
		s.mu.Unlock()
	}, nil
}

// CancelJoin cancels a Host or Join under way, which then fails with
// ErrJoinCancelled; without one it does nothing.
func (s *Session) CancelJoin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entering != nil {
		s.entering()
	}
}

// dial joins with the profile's client identity. A cancelled ctx fails
// with ErrJoinCancelled.
func (s *Session) dial(ctx context.Context, cfg client.Config) (*client.Client, error) {
	id := s.cfg.ClientID
	if id == uuid.Nil {
		var err error
		if id, err = s.cfg.Profile.ClientID(); err != nil {
			return nil, err
		}
	}
	cfg.ClientID, cfg.Log, cfg.Timeout = id, s.cfg.Log, s.cfg.DialTimeout
	cl, err := client.Dial(ctx, cfg)
	if err != nil && ctx.Err() != nil {
		return nil, ErrJoinCancelled
	}
	return cl, err
}

// entry is what a Host or Join brings into the session when it commits.
type entry struct {
	asked, addr string // the name asked for; the address dialled
	pin         string // the host's fingerprint
	invite      string // the address an invite names
	srv         *server.Server
	served      chan error
	an          *lan.Announcer // announces srv's room; nil when not announced
}

// commit makes cl the current room, unless the attempt was cancelled or
// the session closed meanwhile: then cl is closed and the error says so
// (the caller stops e.srv). It starts the room's pump.
func (s *Session) commit(ctx context.Context, cl *client.Client, e entry) (Room, error) {
	xf, err := newTransfers(s, cl)
	if err != nil {
		cl.Close()
		return Room{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || ctx.Err() != nil {
		cl.Close()
		xf.close()
		if s.closed {
			return Room{}, ErrClosed
		}
		return Room{}, ErrJoinCancelled
	}
	s.gen++
	xf.gen = s.gen
	w := cl.Welcome()
	s.cl, s.xf, s.srv, s.served, s.an = cl, xf, e.srv, e.served, e.an
	s.pin, s.inviteA = e.pin, e.invite
	s.pumped = make(chan struct{})
	go s.pump(cl, xf, s.gen, s.pumped)
	files := w.Files
	if files == nil {
		files = []client.FileInfo{}
	}
	return Room{
		Gen: s.gen, Room: w.Room, Me: w.Name, Asked: e.asked, Leader: w.Leader,
		Members: w.Members, Addr: e.addr, Files: files, Hosting: e.srv != nil,
	}, nil
}

// maxUpload is the largest file the current room takes, when this app
// hosts it; 0 when unknown.
func (s *Session) maxUpload() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return 0
	}
	return s.cfg.MaxUpload
}

// pump forwards cl's events to the Emitter in batches until the connection
// ends, then emits EventRoomClosed and forgets the room. A batch is flushed
// FlushAfter after its first event, or at once when it reaches MaxBatch; the
// timer runs only while events are waiting.
//
// Transfer progress goes to xf, which emits it (as EventTransfers) with the
// same batching, paced (Config.ProgressEvery: see transfers.flush); the end
// of an upload or download is xf's to report.
func (s *Session) pump(cl *client.Client, xf *transfers, gen int, done chan struct{}) {
	defer close(done)
	var (
		pending []client.Event
		timer   *time.Timer
		fire    <-chan time.Time
		due     time.Time // when the timer fires, while fire is set
		kicked  client.Kicked
	)
	// flushWithin makes sure a flush comes within d: it sets the timer, or
	// brings it forward, never back.
	flushWithin := func(d time.Duration) {
		at := time.Now().Add(d)
		if fire != nil && !at.Before(due) {
			return
		}
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Stop()
			timer.Reset(d)
		}
		fire, due = timer.C, at
	}
	flush := func() {
		if timer != nil {
			timer.Stop()
		}
		fire = nil
		if len(pending) > 0 {
			s.cfg.Emitter.Emit(EventRoomEvents, Batch{Gen: gen, Events: pending})
			pending = nil
		}
		xf.flush()
	}
	events := cl.Events()
	for events != nil {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				break
			}
			xfs := false // an event of my transfers: xf's to report
			switch ev := ev.(type) {
			case client.Kicked:
				kicked = ev
			case client.Progress:
				xf.progress(ev)
				xfs = true
			case client.Uploaded, client.Downloaded:
				xfs = true
			case client.File, client.Image, client.Recalled, client.FileFailed:
				xf.learn(ev)
			}
			if !xfs {
				pending = append(pending, ev)
				if len(pending) >= s.cfg.MaxBatch {
					flush()
				}
			}
		case <-fire:
			fire = nil
			flush()
		}
		// What waits is flushed in time: room events FlushAfter after the
		// first, transfers when xf says.
		if len(pending) > 0 {
			flushWithin(s.cfg.FlushAfter)
		}
		if later, ok := xf.paced(); ok {
			flushWithin(later)
		}
	}
	flush()
	closed := Closed{Gen: gen, Code: "left"}
	switch err := cl.Err(); {
	case err == nil:
	case errors.Is(err, wire.ErrKicked):
		closed.Code, closed.By, closed.Reason = "kicked", kicked.By, kicked.Reason
	case errors.Is(err, wire.ErrClosed):
		closed.Code, closed.Reason = "closed", err.Error()
	default:
		closed.Code, closed.Reason = "lost", err.Error()
	}
	s.forget(cl)
	s.cfg.Emitter.Emit(EventRoomClosed, closed)
}

// forget drops cl as the current room, if it still is; a room this app
// hosted is closed with it.
func (s *Session) forget(cl *client.Client) {
	s.mu.Lock()
	if s.cl != cl {
		s.mu.Unlock()
		return
	}
	srv, served, xf, an := s.srv, s.served, s.xf, s.an
	s.cl, s.srv, s.served, s.xf, s.an = nil, nil, nil, nil, nil
	s.mu.Unlock()
	cl.Close()
	xf.close()
	closeAnnouncer(an)
	if srv != nil {
		srv.Close(HostClosedReason)
		<-served
	}
}

// Leave leaves the room at once. When hosting, it closes the room for
// everyone (they are told the host closed it). The pump's EventRoomClosed
// (code "left") has been emitted when Leave returns.
func (s *Session) Leave() error {
	s.mu.Lock()
	cl, srv, served, pumped, xf, an := s.cl, s.srv, s.served, s.pumped, s.xf, s.an
	s.cl, s.srv, s.served, s.xf, s.an = nil, nil, nil, nil, nil
	s.mu.Unlock()
	if cl == nil {
		return nil
	}
	xf.close() // cancels uploads and downloads (the host drops their leftovers)
	closeAnnouncer(an)
	if srv != nil {
		cl.Close()
		srv.Close(HostClosedReason)
		<-served
	} else {
		cl.Leave()
	}
	<-pumped
	return nil
}

// current returns the room's client and a fresh command ref.
func (s *Session) current() (*client.Client, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cl == nil {
		return nil, "", ErrNotInRoom
	}
	s.refs++
	return s.cl, "r" + strconv.Itoa(s.refs), nil
}

// Send posts text to the room. It returns the command's ref: the ack and
// any error event for it carry the same ref.
func (s *Session) Send(text string) (string, error) {
	cl, ref, err := s.current()
	if err != nil {
		return "", err
	}
	return ref, cl.Send(ref, text)
}

// DM sends text privately to the member called to.
func (s *Session) DM(to, text string) (string, error) {
	cl, ref, err := s.current()
	if err != nil {
		return "", err
	}
	return ref, cl.DM(ref, to, text)
}

// Recall withdraws a message: mine, or anyone's for the leader.
func (s *Session) Recall(id string) (string, error) {
	cl, ref, err := s.current()
	if err != nil {
		return "", err
	}
	return ref, cl.Recall(ref, id)
}

// Kick removes a member (leader only); ban also bars them from rejoining.
func (s *Session) Kick(name, reason string, ban bool) (string, error) {
	cl, ref, err := s.current()
	if err != nil {
		return "", err
	}
	return ref, cl.Kick(ref, name, reason, ban)
}

// Unban lifts a ban (leader only).
func (s *Session) Unban(name string) (string, error) {
	cl, ref, err := s.current()
	if err != nil {
		return "", err
	}
	return ref, cl.Unban(ref, name)
}

// Handover makes name the leader (leader only).
func (s *Session) Handover(name string) (string, error) {
	cl, ref, err := s.current()
	if err != nil {
		return "", err
	}
	return ref, cl.Handover(ref, name)
}

// Invite is what the invite dialog shows.
type Invite struct {
	Link        string   `json:"link"`
	Fingerprint string   `json:"fingerprint"`
	Hosting     bool     `json:"hosting"`
	Addresses   []string `json:"addresses"` // HOST:PORT on this machine's LAN (hosting only)
	// Links has the invite naming each of Addresses, in the same order, so
	// that the user can pick the address the link uses.
	Links []string `json:"links"`
}

// Invite returns the current room's invite link and fingerprint, and, when
// hosting, this machine's LAN addresses.
func (s *Session) Invite() (Invite, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cl == nil {
		return Invite{}, ErrNotInRoom
	}
	inv := Invite{Link: secure.FormatInvite(s.inviteA, s.pin), Fingerprint: s.pin, Hosting: s.srv != nil, Addresses: []string{}, Links: []string{}}
	if s.srv != nil {
		_, port, _ := net.SplitHostPort(s.inviteA)
		for _, a := range LANAddresses() {
			addr := net.JoinHostPort(a, port)
			inv.Addresses = append(inv.Addresses, addr)
			inv.Links = append(inv.Links, secure.FormatInvite(addr, s.pin))
		}
	}
	return inv, nil
}

// LANAddresses lists this machine's addresses that others on the local
// network may reach: up, not loopback, not link-local; IPv4 first.
func LANAddresses() []string {
	var out []string
	for _, a := range lan.Addresses() {
		out = append(out, a.String())
	}
	return out
}

// closeAnnouncer stops announcing, if an announces anything.
func closeAnnouncer(an *lan.Announcer) {
	if an != nil {
		an.Close()
	}
}
