package room

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

// Reasons a member left, as the left event carries them.
const (
	ReasonLeft         = "left"
	ReasonKicked       = "kicked"
	ReasonDisconnected = "disconnected"
)

// Sink is how the room reaches one member. The server implements it over a
// connection; tests implement it over a slice.
type Sink interface {
	// Deliver queues encoded frames for the member without blocking. It
	// reports false when the member's queue is full: the room then
	// disconnects that member and carries on with everyone else.
	Deliver(frames []byte) bool
	// DeliverHistory queues a late joiner's history, after what was
	// delivered before it and before what is delivered after it. The
	// sink sends its frames as the member reads them; they count against
	// nothing but the time the member takes.
	DeliverHistory(h History)
	// Update queues a replaceable update (a typing notice) without
	// blocking. Updates never stall a member: one that does not fit is
	// dropped, and queued updates are the first thing dropped to make room
	// for a frame Deliver brings.
	Update(frame []byte)
	// Close ends the member's connection: after writing what is queued if
	// flush is true (a kick, the room closing), at once otherwise (a member
	// too slow to keep up).
	Close(flush bool)
}

// History is the room's history as a joiner received it: the encoded
// history frames, in order. It shares the room's immutable frames (nothing
// is copied per joiner) and does not change when the room's history does.
type History struct {
	entries []*entry // never modified
}

// Len is the number of frames.
func (h History) Len() int { return len(h.entries) }

// Frame returns frame i, encoded. It must not be modified.
func (h History) Frame(i int) []byte { return h.entries[i].frame }

// Config holds what a Room depends on.
type Config struct {
	// Name is the room's name as members see it.
	Name string
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// Log receives the room's log lines; nil means discard.
	Log *slog.Logger
	// MaxMembers caps the members at once; 0 means DefaultMaxMembers.
	MaxMembers int
	// MaxHistory caps the messages kept for late joiners, oldest dropped
	// first; 0 means 10000. MaxHistoryBytes caps the bytes of their
	// frames the same way; 0 means DefaultMaxHistoryBytes.
	MaxHistory      int
	MaxHistoryBytes int
	// OnWipe, if set, is called (with the room locked) each time the room
	// forgets everything: its last member left or it was closed.
	OnWipe func()
	// OnRecallFile, if set, is called (with the room locked) when a shared
	// file or image is recalled, so that its bytes can be deleted.
	OnRecallFile func(id uuid.UUID)
	// OnMembers, if set, is called (with the room locked) with the number
	// of members each time someone joins or leaves.
	OnMembers func(n int)
}

// Room is one chat room. Its methods are safe for concurrent use.
type Room struct {
	cfg Config

	mu        sync.Mutex
	closed    bool                 // guarded by mu
	id        uuid.UUID            // guarded by mu; new after each wipe
	seq       uint64               // guarded by mu; last event's sequence number
	members   []*Member            // guarded by mu; in join order
	byName    map[string]*Member   // guarded by mu; keyed by nameKeys
	leader    *Member              // guarded by mu; nil only when empty
	history   []*entry             // guarded by mu; public messages in order; copy-on-write: a History may share its array, so elements are never changed in place
	histBytes int                  // guarded by mu; bytes of the history's frames
	histDead  int                  // guarded by mu; entries dropped from the front of history's array since it was last copied
	byID      map[uuid.UUID]*entry // guarded by mu; history by message id, and every shared file and image
	files     []*entry             // guarded by mu; shared files (not images) in order, for the welcome
	bans      []ban                // guarded by mu
	stalled   []*Member            // guarded by mu; members whose Deliver failed
	private   privates             // guarded by mu; recent private messages, for replies
}

// privates remembers the last private messages (at most MaxHistory) by id
// and who they were between, so that a reply to one can be checked and kept
// private. Only the two members of a message can reply to it; its text is
// not kept.
type privates struct {
	byID  map[uuid.UUID]privateMsg
	order []uuid.UUID // oldest first
}

// privateMsg is one private message: between which two memberships.
type privateMsg struct{ from, to *Member }

// other returns the member of p that is not m, and whether m is one of them.
func (p privateMsg) other(m *Member) (*Member, bool) {
	switch m {
	case p.from:
		return p.to, true
	case p.to:
		return p.from, true
	}
	return nil, false
}

// Member is one person in the room, from Join until they leave.
type Member struct {
	// ID identifies this membership (a rejoin gets a new one).
	ID       uuid.UUID
	clientID uuid.UUID  // set at join; the client's identity across runs
	addr     netip.Addr // set at join; where the member came from
	sink     Sink       // set at join
	name     string     // guarded by Room.mu
	gone     bool       // guarded by Room.mu
}

// entry is one message, file or image of the history.
type entry struct {
	id     uuid.UUID
	author uuid.UUID      // client id of the author
	hist   wire.Frame     // the event as history replays it (History set)
	file   *wire.FileInfo // set for a shared file (not an image); SHA256 empty while it uploads
	shared bool           // a file or an image: its bytes are in the host's store
	frame  []byte         // hist encoded when recorded; never modified, shared by every History that holds the entry
}

// ban bars a client identity and, unless it is a loopback address that the
// host itself shares, an address.
type ban struct {
	name     string
	keys     []string // nameKeys(name): the name and its look-alikes are barred too
	clientID uuid.UUID
	addr     netip.Addr
}

// DefaultMaxMembers is how many members a room holds at most unless
// configured otherwise. With this many members of the longest names and the
// most files the host keeps, the welcome still fits in one frame
// (TestLargestWelcomeFits).
const DefaultMaxMembers = 5000

// DefaultMaxHistoryBytes is the most bytes of history frames a room keeps
// unless configured otherwise: 32 MiB, about 4,000 messages of 8 KiB or
// the default 10,000 of up to 3 KiB.
const DefaultMaxHistoryBytes = 32 << 20

// New returns an empty room.
func New(cfg Config) *Room {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxMembers == 0 {
		cfg.MaxMembers = DefaultMaxMembers
	}
	if cfg.MaxHistory == 0 {
		cfg.MaxHistory = 10000
	}
	if cfg.MaxHistoryBytes == 0 {
		cfg.MaxHistoryBytes = DefaultMaxHistoryBytes
	}
	r := &Room{cfg: cfg}
	r.reset()
	return r
}

// reset forgets everything. Caller holds mu (or owns r exclusively).
func (r *Room) reset() {
	r.id = uuid.New()
	r.seq = 0
	r.members = nil
	r.byName = make(map[string]*Member)
	r.leader = nil
	r.history = nil
	r.histBytes, r.histDead = 0, 0
	r.byID = make(map[uuid.UUID]*entry)
	r.files = nil
	r.bans = nil
	r.private = privates{byID: make(map[uuid.UUID]privateMsg)}
}

// JoinRequest is what a newcomer brings.
type JoinRequest struct {
	Name     string     // the nickname asked for
	ClientID uuid.UUID  // the client's identity across runs; zero: none
	Addr     netip.Addr // where the connection comes from
	Sink     Sink
	Resume   []byte // the member's resume secret, given in the welcome; nil: none
}

// Join admits a member. The member's sink receives the Welcome (with the
// name it got), then the whole history marked as history, then live events;
// everyone else receives a Joined event.
func (r *Room) Join(req JoinRequest) (*Member, error) {
	name, err := CleanName(req.Name)
	if err != nil {
		return nil, err
	}
	if req.ClientID == uuid.Nil {
		req.ClientID = uuid.New()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, wire.ErrClosed
	}
	if len(r.members) >= r.cfg.MaxMembers {
		return nil, wire.Errorf(wire.ErrRoomFull, "the room is full (%d members)", r.cfg.MaxMembers)
	}
	if r.banned(req.ClientID, req.Addr) {
		return nil, wire.ErrBanned
	}
	if b := r.bannedName(name); b != "" {
		return nil, wire.Errorf(wire.ErrBanned, "the name %q is too like %q, which is banned from this room", name, b)
	}
	name = freeName(name, r.taken)
	m := &Member{ID: uuid.New(), clientID: req.ClientID, addr: req.Addr, sink: req.Sink, name: name}
	leader := r.leader
	if leader == nil {
		leader = m
	}
	names := make([]string, len(r.members), len(r.members)+1)
	for i, o := range r.members {
		names[i] = o.name
	}
	var files []wire.FileInfo
	for _, e := range r.files {
		files = append(files, *e.file)
	}
	// The joined event's number is the welcome's: the joiner's state is
	// the room as of its own arrival, and live events go on from there.
	joined := &wire.Joined{Seq: r.seq + 1, Name: name}
	replay, err := wire.Append(nil, &wire.Welcome{
		Room: r.cfg.Name, RoomID: r.id, Seq: joined.Seq, Name: name, MemberID: m.ID,
		Leader: leader.name, Members: append(names, name), History: uint64(len(r.history)), Files: files,
		Resume: req.Resume,
	})
	if err != nil {
		// Within the default limits this cannot happen (TestLargestWelcomeFits);
		// a room configured past them refuses the joiner rather than break.
		r.cfg.Log.Warn("welcome too large", "err", err)
		return nil, wire.Errorf(wire.ErrRoomFull, "the room is full: its member and file lists no longer fit in a welcome")
	}
	r.next()
	r.members = append(r.members, m)
	r.seat(m)
	r.countChanged()
	r.leader = leader
	// The history goes by reference: the sink streams it as the member
	// reads, and the room's lock is held for no longer with a long history
	// than with none.
	ok := m.sink.Deliver(replay)
	m.sink.DeliverHistory(History{entries: r.history[:len(r.history):len(r.history)]})
	if r.leader == m && len(r.bans) > 0 {
		ok = m.sink.Deliver(r.appendBans(nil)) && ok
	}
	if !ok {
		r.stalled = append(r.stalled, m)
	}
	r.broadcastExcept(m, joined)
	r.reap()
	r.cfg.Log.Info("member joined", "name", name, "addr", req.Addr, "members", len(r.members))
	return m, nil
}

// Name returns the member's current name.
func (r *Room) Name(m *Member) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return m.name
}

// Leave removes the member for reason (ReasonLeft or ReasonDisconnected).
// Leaving twice is harmless: the room may have removed the member already.
func (r *Room) Leave(m *Member, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !m.gone {
		r.remove(m, reason)
	}
	r.reap()
}

// Hold tells everyone else that m's link dropped and its seat is held
// (presence reconnecting): m keeps its name and role, and its sink keeps
// receiving, until Back or Leave.
func (r *Room) Hold(m *Member) { r.presence(m, wire.PresenceReconnecting) }

// Back tells everyone else that m resumed its held seat (presence back).
func (r *Room) Back(m *Member) { r.presence(m, wire.PresenceBack) }

func (r *Room) presence(m *Member, state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return
	}
	r.broadcastExcept(m, &wire.Presence{Seq: r.next(), Name: m.name, State: state})
	r.reap()
}

// Send posts text to the room from m. The sender gets the Ack before the
// message itself.
func (r *Room) Send(m *Member, ref, text string) error {
	return r.SendReply(m, ref, text, uuid.Nil)
}

// SendReply posts text from m answering the message replyTo (none if
// zero). A reply to a public message, file or image is public. A reply to
// a private message stays private: it goes, as a private message, to that
// message's other member only, and never into the history. A replyTo that
// m cannot see (unknown, recalled, too old, or private between others) is
// refused with ErrNoSuchMessage.
func (r *Room) SendReply(m *Member, ref, text string, replyTo uuid.UUID) error {
	if err := checkText(text); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return wire.ErrClosed
	}
	if replyTo != uuid.Nil && r.byID[replyTo] == nil {
		other, err := r.privateReply(m, replyTo)
		if err != nil {
			return err
		}
		r.sendPrivate(m, other, ref, text, replyTo)
		return nil
	}
	msg := &wire.Message{Seq: r.next(), ID: uuid.New(), From: m.name, Text: text, Time: r.cfg.Now().UTC(), ReplyTo: replyTo}
	r.deliver(m, mustEncode(&wire.Ack{Ref: ref, ID: msg.ID}))
	frame := mustEncode(msg)
	r.broadcast(frame)
	h := *msg
	h.History = true
	r.record(&entry{id: msg.ID, author: m.clientID, hist: &h}, len(frame))
	r.reap()
	return nil
}

// privateReply checks a reply by m to the private message id and returns
// the member the reply goes to: the message's other member. Caller holds mu.
func (r *Room) privateReply(m *Member, id uuid.UUID) (*Member, error) {
	p, ok := r.private.byID[id]
	other, party := p.other(m)
	if !ok || !party {
		return nil, wire.Errorf(wire.ErrNoSuchMessage, "no message %s to reply to in this room (recalled, too old, or never there)", id)
	}
	if other.gone {
		return nil, wire.Errorf(wire.ErrNoSuchMember, "%s has left the room; a reply to a private message goes only to them", other.name)
	}
	return other, nil
}

// record adds an entry to the history, dropping the oldest past
// MaxHistory. A shared file or image that leaves the history stays
// recallable (and a file stays in the welcome's list). Caller holds mu.
//
// The entry's frame is encoded here, once, into a buffer of size bytes:
// the live event's size, which the history event (History set) shares.
func (r *Room) record(e *entry, size int) {
	e.frame = mustAppend(make([]byte, 0, size), e.hist)
	r.history = append(r.history, e)
	r.histBytes += len(e.frame)
	r.byID[e.id] = e
	for len(r.history) > r.cfg.MaxHistory || (r.histBytes > r.cfg.MaxHistoryBytes && len(r.history) > 1) {
		old := r.history[0]
		if !old.shared {
			delete(r.byID, old.id)
		}
		r.histBytes -= len(old.frame)
		// Histories given to joiners may share the array: the dropped
		// entry stays in it until the array is copied, once as many
		// have been dropped as are left.
		r.history = r.history[1:]
		if r.histDead++; r.histDead > len(r.history) {
			r.history = slices.Clone(r.history)
			r.histDead = 0
		}
	}
}

// Shared is a file or image whose bytes the host holds, complete and
// verified, ready to be announced.
type Shared struct {
	ID     uuid.UUID
	Name   string // sanitised; files only
	Mime   string // images only
	Size   uint64
	SHA256 []byte
	Image  bool
}

// Share announces a file or image from m to the room: the sender gets the
// Ack (naming the file's id) before the file or image event that everyone
// receives; late joiners find it in the history, and files in the welcome.
func (r *Room) Share(m *Member, ref string, f Shared) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return wire.ErrClosed
	}
	now := r.cfg.Now().UTC()
	e := &entry{id: f.ID, author: m.clientID, shared: true}
	var live wire.Frame
	if f.Image {
		ev := &wire.Image{Seq: r.next(), ID: f.ID, From: m.name, Mime: f.Mime, Size: f.Size, SHA256: f.SHA256, Time: now}
		h := *ev
		h.History = true
		live, e.hist = ev, &h
	} else {
		ev := &wire.File{Seq: r.next(), ID: f.ID, From: m.name, Name: f.Name, Size: f.Size, SHA256: f.SHA256, Time: now}
		h := *ev
		h.History = true
		live, e.hist = ev, &h
		e.file = &wire.FileInfo{ID: f.ID, From: m.name, Name: f.Name, Size: f.Size, SHA256: f.SHA256, Time: now}
		r.files = append(r.files, e)
	}
	r.deliver(m, mustEncode(&wire.Ack{Ref: ref, ID: f.ID}))
	frame := mustEncode(live)
	r.broadcast(frame)
	r.record(e, len(frame))
	r.reap()
	return nil
}

// Announce tells the room that m began uploading the file f (its SHA256
// is not known yet, and ignored): everyone, m included, receives a File
// event with SHA256 empty, and the history and the welcome's file list
// hold the file so, until Complete or FailUpload. Members may download it
// meanwhile. Images are not announced before they are complete (Share).
func (r *Room) Announce(m *Member, f Shared) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return wire.ErrClosed
	}
	now := r.cfg.Now().UTC()
	ev := &wire.File{Seq: r.next(), ID: f.ID, From: m.name, Name: f.Name, Size: f.Size, Time: now}
	h := *ev
	h.History = true
	e := &entry{id: f.ID, author: m.clientID, shared: true, hist: &h,
		file: &wire.FileInfo{ID: f.ID, From: m.name, Name: f.Name, Size: f.Size, Time: now}}
	r.files = append(r.files, e)
	frame := mustEncode(ev)
	r.broadcast(frame)
	r.record(e, len(frame))
	r.reap()
	return nil
}

// Complete says that the upload of the file id, announced by Announce, is
// verified with SHA-256 sum: m (the uploader) receives the Ack of ref, then
// everyone a FileDone; the history and the welcome's list show the file
// complete from now on. A file no longer in the room (recalled meanwhile)
// is no_such_file.
func (r *Room) Complete(m *Member, ref string, id uuid.UUID, sum []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.byID[id]
	if e == nil || e.file == nil || len(e.file.SHA256) != 0 {
		return wire.Errorf(wire.ErrNoSuchFile, "the file %s is no longer in the room (recalled?)", id)
	}
	// History entries are never changed in place (joiners' Histories share
	// them): the complete file is a new entry in the old one's places.
	hist := *e.hist.(*wire.File)
	hist.SHA256 = sum
	info := *e.file
	info.SHA256 = sum
	done := &entry{id: id, author: e.author, shared: true, hist: &hist, file: &info}
	done.frame = mustEncode(&hist)
	r.byID[id] = done
	if i := slices.Index(r.files, e); i >= 0 {
		r.files[i] = done
	}
	if i := slices.Index(r.history, e); i >= 0 {
		r.history = slices.Clone(r.history)
		r.history[i] = done
		r.histBytes += len(done.frame) - len(e.frame)
		r.histDead = 0
	}
	r.deliver(m, mustEncode(&wire.Ack{Ref: ref, ID: id}))
	r.broadcast(mustEncode(&wire.FileDone{Seq: r.next(), ID: id, SHA256: sum}))
	r.reap()
	return nil
}

// FailUpload says that the upload of the file id, announced by Announce,
// failed (why): the file leaves the room, its history and the welcome's
// list, as if recalled, and everyone receives FileFailed. A file that is
// not (or no longer) uploading in the room is left alone.
func (r *Room) FailUpload(id uuid.UUID, why error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.byID[id]
	if e == nil || e.file == nil || len(e.file.SHA256) != 0 {
		return
	}
	r.drop(e)
	we := wire.AsError(why)
	r.broadcast(mustEncode(&wire.FileFailed{Seq: r.next(), ID: id, Code: we.Code, Message: we.Message}))
	r.reap()
}

// UploadProgress tells every member, as a replaceable update, that
// received bytes of the file id (still uploading) reached the host.
func (r *Room) UploadProgress(id uuid.UUID, received uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	frame := mustEncode(&wire.FileProgress{ID: id, Received: received})
	for _, o := range r.members {
		o.sink.Update(frame)
	}
}

// drop removes an entry from byID, the history and the file list. Caller
// holds mu.
func (r *Room) drop(e *entry) {
	delete(r.byID, e.id)
	if i := slices.Index(r.history, e); i >= 0 {
		// A new array: Histories given to joiners keep the old one.
		r.history = slices.Concat(r.history[:i], r.history[i+1:])
		r.histBytes -= len(e.frame)
		r.histDead = 0
	}
	if i := slices.Index(r.files, e); i >= 0 {
		r.files = slices.Delete(r.files, i, i+1)
	}
}

// DM sends text from m to the member named to, and to no one else.
func (r *Room) DM(m *Member, ref, to, text string) error {
	return r.DMReply(m, ref, to, text, uuid.Nil)
}

// DMReply sends text from m to the member named to, and to no one else,
// answering the message replyTo (none if zero): a public message, file or
// image, or a private message between m and to. A reply to a private
// message addressed to anyone else is refused with ErrBadCommand; a
// replyTo m cannot see with ErrNoSuchMessage.
func (r *Room) DMReply(m *Member, ref, to, text string, replyTo uuid.UUID) error {
	if err := checkText(text); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return wire.ErrClosed
	}
	target := r.named(to)
	if target == nil {
		return wire.Errorf(wire.ErrNoSuchMember, "no member is called %q (they may have left the room)", to)
	}
	if replyTo != uuid.Nil && r.byID[replyTo] == nil {
		other, err := r.privateReply(m, replyTo)
		if err != nil {
			return err
		}
		if other != target {
			return wire.Errorf(wire.ErrBadCommand, "a reply to a private message goes only to %s", other.name)
		}
	}
	r.sendPrivate(m, target, ref, text, replyTo)
	return nil
}

// sendPrivate delivers a private message from m to target (and back to m),
// remembers whom it was between, and never records it in the history.
// Caller holds mu.
func (r *Room) sendPrivate(m, target *Member, ref, text string, replyTo uuid.UUID) {
	msg := &wire.Message{Seq: r.next(), ID: uuid.New(), From: m.name, To: target.name, Text: text, Time: r.cfg.Now().UTC(), ReplyTo: replyTo}
	frame := mustEncode(msg)
	r.deliver(m, mustEncode(&wire.Ack{Ref: ref, ID: msg.ID}))
	r.deliver(m, frame)
	if target != m {
		r.deliver(target, frame)
	}
	r.private.add(msg.ID, privateMsg{from: m, to: target}, r.cfg.MaxHistory)
	r.reap()
}

// add remembers a private message, forgetting the oldest past max.
func (p *privates) add(id uuid.UUID, pm privateMsg, max int) {
	p.byID[id] = pm
	p.order = append(p.order, id)
	if len(p.order) > max {
		delete(p.byID, p.order[0])
		p.order = p.order[1:]
	}
}

// Typing tells others that m is typing: everyone else in the room when to
// is empty, only the member named to otherwise. It is a replaceable update:
// never acknowledged, never in the history, the first thing dropped for a
// member whose queue is full. A typing notice to a member who is not in the
// room (any more) is dropped without an error, like any stale update.
func (r *Room) Typing(m *Member, to string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return wire.ErrClosed
	}
	if to == "" {
		frame := mustEncode(&wire.PeerTyping{From: m.name})
		for _, o := range r.members {
			if o != m {
				o.sink.Update(frame)
			}
		}
		return nil
	}
	if target := r.named(to); target != nil && target != m {
		target.sink.Update(mustEncode(&wire.PeerTyping{From: m.name, To: target.name}))
	}
	return nil
}

// Recall withdraws a message from the room and its history. Members may
// recall their own messages; the leader may recall anyone's.
func (r *Room) Recall(m *Member, ref string, id uuid.UUID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return wire.ErrClosed
	}
	e := r.byID[id]
	if e == nil {
		return wire.Errorf(wire.ErrNoSuchMessage, "no message %s in this room (already recalled?)", id)
	}
	if e.author != m.clientID && r.leader != m {
		return wire.Errorf(wire.ErrNotLeader, "only the leader can remove other members' messages")
	}
	r.drop(e)
	if e.shared {
		if r.cfg.OnRecallFile != nil {
			r.cfg.OnRecallFile(id)
		}
	}
	r.deliver(m, mustEncode(&wire.Ack{Ref: ref, ID: id}))
	r.broadcast(mustEncode(&wire.Recalled{Seq: r.next(), ID: id, By: m.name}))
	r.reap()
	return nil
}

// Kick removes the member called name (leader only), telling them why; with
// ban it also bars them from rejoining until the room is wiped.
func (r *Room) Kick(m *Member, ref, name, reason string, ban bool) error {
	if len(reason) > wire.MaxReason {
		return wire.Errorf(wire.ErrTooLarge, "the reason is longer than %d bytes", wire.MaxReason)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	target, err := r.leaderTarget(m, name)
	if err != nil {
		return err
	}
	if target == m {
		return wire.Errorf(wire.ErrKickSelf, "you cannot kick yourself; hand over leadership or leave instead")
	}
	if ban {
		r.bans = append(r.bans, r.banFor(target))
	}
	r.deliver(m, mustEncode(&wire.Ack{Ref: ref}))
	target.sink.Deliver(mustEncode(&wire.Kicked{By: m.name, Reason: reason, Banned: ban}))
	r.remove(target, ReasonKicked)
	if ban {
		r.deliver(r.leader, r.appendBans(nil))
	}
	r.reap()
	return nil
}

// Unban lifts the ban on name (leader only).
func (r *Room) Unban(m *Member, ref, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.gone {
		return wire.ErrClosed
	}
	if r.leader != m {
		return wire.ErrNotLeader
	}
	keys := nameKeys(strings.TrimSpace(name))
	kept := r.bans[:0]
	for _, b := range r.bans {
		if !b.like(keys) {
			kept = append(kept, b)
		}
	}
	if len(kept) == len(r.bans) {
		return wire.Errorf(wire.ErrNoSuchMember, "no one called %q is banned", name)
	}
	r.bans = kept
	r.deliver(m, mustEncode(&wire.Ack{Ref: ref}))
	r.deliver(m, r.appendBans(nil))
	r.reap()
	return nil
}

// Handover makes the member called name the leader (leader only).
func (r *Room) Handover(m *Member, ref, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	target, err := r.leaderTarget(m, name)
	if err != nil {
		return err
	}
	r.deliver(m, mustEncode(&wire.Ack{Ref: ref}))
	if target != m {
		r.setLeader(target)
	}
	r.reap()
	return nil
}

// Close tells every member that the room closed for reason, ends their
// connections and forgets everything. Later joins fail with ErrClosed.
func (r *Room) Close(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	frame := mustEncode(&wire.Closed{Reason: reason})
	for _, m := range r.members {
		m.gone = true
		m.sink.Deliver(frame)
		m.sink.Close(true)
	}
	r.wipe()
}

// Members returns the members' names in join order and the leader's name.
func (r *Room) Members() (names []string, leader string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.members {
		names = append(names, m.name)
	}
	if r.leader != nil {
		leader = r.leader.name
	}
	return names, leader
}

// leaderTarget checks that m leads and finds the member called name.
// Caller holds mu.
func (r *Room) leaderTarget(m *Member, name string) (*Member, error) {
	if m.gone {
		return nil, wire.ErrClosed
	}
	if r.leader != m {
		return nil, wire.ErrNotLeader
	}
	target := r.named(name)
	if target == nil {
		return nil, wire.Errorf(wire.ErrNoSuchMember, "no member is called %q", name)
	}
	return target, nil
}

// remove takes m out of the room, tells the others, passes on the
// leadership and wipes the room if it is now empty. Caller holds mu.
func (r *Room) remove(m *Member, reason string) {
	m.gone = true
	for i, o := range r.members {
		if o == m {
			r.members = append(r.members[:i], r.members[i+1:]...)
			break
		}
	}
	r.unseat(m)
	r.countChanged()
	m.sink.Close(reason != ReasonDisconnected)
	r.cfg.Log.Info("member left", "name", m.name, "reason", reason, "members", len(r.members))
	if len(r.members) == 0 {
		r.wipe()
		return
	}
	r.broadcast(mustEncode(&wire.Left{Seq: r.next(), Name: m.name, Reason: reason}))
	if r.leader == m {
		r.setLeader(r.members[0])
	}
}

// countChanged tells OnMembers the number of members. Caller holds mu.
func (r *Room) countChanged() {
	if r.cfg.OnMembers != nil {
		r.cfg.OnMembers(len(r.members))
	}
}

// setLeader makes m the leader and tells everyone. Caller holds mu.
func (r *Room) setLeader(m *Member) {
	r.leader = m
	r.broadcast(mustEncode(&wire.Leader{Seq: r.next(), Name: m.name}))
	if len(r.bans) > 0 {
		r.deliver(m, r.appendBans(nil))
	}
}

// wipe forgets everything; the next joiner starts a fresh room. Caller
// holds mu.
func (r *Room) wipe() {
	r.reset()
	r.stalled = nil
	r.cfg.Log.Info("room wiped")
	if r.cfg.OnWipe != nil {
		r.cfg.OnWipe()
	}
}

// next returns the next event sequence number. Caller holds mu.
func (r *Room) next() uint64 {
	r.seq++
	return r.seq
}

// broadcast delivers one encoded frame to every member. Caller holds mu.
func (r *Room) broadcast(frame []byte) {
	for _, m := range r.members {
		if !m.sink.Deliver(frame) {
			r.stalled = append(r.stalled, m)
		}
	}
}

func (r *Room) broadcastExcept(skip *Member, f wire.Frame) {
	frame := mustEncode(f)
	for _, m := range r.members {
		if m != skip && !m.sink.Deliver(frame) {
			r.stalled = append(r.stalled, m)
		}
	}
}

// deliver sends frames to one member. Caller holds mu.
func (r *Room) deliver(m *Member, frames []byte) {
	if !m.gone && !m.sink.Deliver(frames) {
		r.stalled = append(r.stalled, m)
	}
}

// reap disconnects the members that could not keep up. Removing one tells
// the others, which may find more. Caller holds mu.
func (r *Room) reap() {
	for len(r.stalled) > 0 {
		m := r.stalled[0]
		r.stalled = r.stalled[1:]
		if !m.gone {
			r.cfg.Log.Warn("member too slow, disconnecting", "name", m.name)
			r.remove(m, ReasonDisconnected)
		}
	}
}

func (r *Room) banFor(m *Member) ban {
	b := ban{name: m.name, keys: nameKeys(m.name), clientID: m.clientID}
	if !m.addr.IsLoopback() {
		b.addr = m.addr
	}
	return b
}

func (r *Room) banned(clientID uuid.UUID, addr netip.Addr) bool {
	for _, b := range r.bans {
		if b.clientID == clientID || (b.addr.IsValid() && b.addr == addr.Unmap()) {
			return true
		}
	}
	return false
}

func (r *Room) appendBans(b []byte) []byte {
	names := make([]string, len(r.bans))
	for i, x := range r.bans {
		names[i] = x.name
	}
	return mustAppend(b, &wire.Bans{Names: names})
}

func checkText(text string) error {
	if len(text) > wire.MaxText {
		return wire.Errorf(wire.ErrTooLarge, "the message is %d bytes; at most %d are allowed", len(text), wire.MaxText)
	}
	if !utf8.ValidString(text) {
		return wire.Errorf(wire.ErrBadCommand, "the message is not valid UTF-8")
	}
	if strings.TrimSpace(text) == "" {
		return wire.Errorf(wire.ErrBadCommand, "the message is empty")
	}
	return nil
}

func mustEncode(f wire.Frame) []byte { return mustAppend(nil, f) }

// mustAppend encodes a frame the room built itself; the field limits keep
// every such frame below wire.MaxFrame, so failure is a broken invariant.
func mustAppend(b []byte, f wire.Frame) []byte {
	b, err := wire.Append(b, f)
	if err != nil {
		panic(fmt.Sprintf("room: encoding own %v frame: %v", f.Type(), err))
	}
	return b
}
