package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/room"
	"wetalk/backend/secure"
	"wetalk/backend/transfer"
	"wetalk/backend/wire"
)

// Config holds what a Server depends on. Zero durations and sizes take the
// defaults named on each field.
type Config struct {
	// RoomName is the room's name as members see it.
	RoomName string
	// Identity is the host's key and certificate.
	Identity *secure.Identity
	// Password, if not empty, must be given by every member.
	Password []byte
	// Log receives the host's log lines; nil discards them.
	Log *slog.Logger
	// MaxMembers caps the room; 0 means 5000.
	MaxMembers int
	// MaxHistoryBytes caps the bytes of history kept for late joiners,
	// oldest dropped first; 0 means room.DefaultMaxHistoryBytes.
	MaxHistoryBytes int
	// RatePerSecond and RateBurst shape each member's commands (a token
	// bucket); 0 means 20 per second with bursts of 60. NoRateLimit turns
	// the limit off, for benchmarks only.
	RatePerSecond float64
	RateBurst     float64
	NoRateLimit   bool
	// QueueBytes is the most a member may have waiting to be written before
	// it counts as stalled and is disconnected; 0 means 4 MiB.
	QueueBytes int
	// AdmitTimeout bounds the TLS handshake and hello; 0 means 10s.
	AdmitTimeout time.Duration
	// MaxPending caps the connections still being admitted (TLS handshake
	// and hello), MaxPendingPerAddr those from one address (an IPv4
	// address or IPv6 /64); a connection beyond either is closed at once.
	// 0 means 512 and 64.
	MaxPending        int
	MaxPendingPerAddr int
	// MaxMembersPerAddr caps the members admitted from one address; the
	// host's own machine (loopback) is exempt. 0 means 32.
	MaxMembersPerAddr int
	// AddrRatePerSecond and AddrRateBurst shape the commands of all the
	// members of one address together; 0 means three times a member's.
	// NoRateLimit turns it off too.
	AddrRatePerSecond float64
	AddrRateBurst     float64
	// PingTimeout is how long a member may send nothing at all (clients
	// ping every 15s) before it is dropped; 0 means 45s.
	PingTimeout time.Duration
	// Grace is how long a member whose connection dropped (a read or write
	// error, or PingTimeout of silence) keeps its seat, name and role, so
	// that it can resume; 0 means DefaultGrace, below 0 none.
	Grace time.Duration
	// WriteTimeout bounds each write to a member; 0 means 15s.
	WriteTimeout time.Duration
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// OnWipe is called when the room forgets everything.
	OnWipe func()
	// OnMembers, if set, is called with the number of members each time
	// someone joins or leaves, with the room locked: it must return quickly
	// and not call the server.
	OnMembers func(n int)
	// FilesDir holds the room's temporary folder of shared files
	// (<state-dir>/rooms); empty means a "wetalk-rooms" folder in the
	// system's temporary folder. Stale room folders there are deleted at
	// start.
	FilesDir string
	// MaxUpload is the largest file a member may share (0: 2 GiB),
	// MaxImage the largest image (0: 20 MiB), RoomQuota the most bytes of
	// files the room holds at once (0: 10 GiB).
	MaxUpload int64
	MaxImage  int64
	RoomQuota int64
	// UploadIdle is how long an upload may go without a chunk before it
	// is dropped, its reservation freed and its member told (stalled);
	// 0 means 30s.
	UploadIdle time.Duration
}

// DefaultGrace is Config.Grace's default.
const DefaultGrace = 30 * time.Second

// serverChunks is how many free Chunk frame buffers (64 KiB each) the
// server keeps for all downloads: four full windows.
const serverChunks = 4 * wire.MaxWindow

// Server hosts one room.
type Server struct {
	cfg   Config
	tls   *tls.Config
	room  *room.Room
	files *transfer.Store
	gate  *secure.PasswordGate
	log   *slog.Logger
	def   *defences
	addrs addrs
	quit  chan struct{} // closed by Close

	wg sync.WaitGroup // every connection goroutine
	// gather holds the write loops' gathering buffers (*[]byte of
	// wire.GatherSize): a member keeps none of its own between batches.
	gather sync.Pool
	// corks lends the write loops' corks their buffers while they hold
	// bytes (wire.NewCorkBuffers).
	corks *wire.CorkBuffers
	// chunks holds the downloads' Chunk frame buffers, for every member:
	// a member keeps none of its own (a pool per member kept up to 4 MiB
	// for good after one download).
	chunks wire.ChunkPool
	runs   runs // the seats' run memory

	mu        sync.Mutex
	listeners map[net.Listener]struct{} // guarded by mu
	conns     map[net.Conn]bool         // guarded by mu; every open raw connection: admitted?
	seats     map[uuid.UUID]*seat       // guarded by mu; by member id, until the member has left
	closed    bool                      // guarded by mu
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("server: closed")

// New returns a server for one room.
func New(cfg Config) (*Server, error) {
	if cfg.Identity == nil {
		return nil, errors.New("server: no host identity")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond = 20
	}
	if cfg.RateBurst == 0 {
		cfg.RateBurst = 60
	}
	if cfg.QueueBytes == 0 {
		cfg.QueueBytes = 4 << 20
	}
	if cfg.AdmitTimeout == 0 {
		cfg.AdmitTimeout = 10 * time.Second
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = 512
	}
	if cfg.MaxPendingPerAddr == 0 {
		cfg.MaxPendingPerAddr = 64
	}
	if cfg.MaxMembersPerAddr == 0 {
		cfg.MaxMembersPerAddr = 32
	}
	if cfg.AddrRatePerSecond == 0 {
		cfg.AddrRatePerSecond = 3 * cfg.RatePerSecond
	}
	if cfg.AddrRateBurst == 0 {
		cfg.AddrRateBurst = 3 * cfg.RateBurst
	}
	if cfg.UploadIdle == 0 {
		cfg.UploadIdle = 30 * time.Second
	}
	if cfg.PingTimeout == 0 {
		cfg.PingTimeout = wire.PingTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 15 * time.Second
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	s := &Server{
		cfg:       cfg,
		tls:       secure.ServerConfig(cfg.Identity),
		gate:      secure.NewPasswordGate(cfg.Password, cfg.Now),
		log:       cfg.Log,
		def:       newDefences(cfg.Log, cfg.Now),
		addrs:     addrs{by: make(map[netip.Prefix]*addrState)},
		quit:      make(chan struct{}),
		corks:     wire.NewCorkBuffers(),
		chunks:    wire.NewChunkPool(serverChunks),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[net.Conn]bool),
		seats:     make(map[uuid.UUID]*seat),
	}
	s.gather.New = func() any {
		b := make([]byte, 0, wire.GatherSize)
		return &b
	}
	if cfg.FilesDir == "" {
		cfg.FilesDir = filepath.Join(os.TempDir(), "wetalk-rooms")
	}
	files, err := transfer.NewStore(transfer.Config{
		Dir: cfg.FilesDir, MaxFile: cfg.MaxUpload, MaxImage: cfg.MaxImage, Quota: cfg.RoomQuota, Log: cfg.Log,
	})
	if err != nil {
		return nil, err
	}
	s.files = files
	s.room = room.New(room.Config{
		Name: cfg.RoomName, Now: cfg.Now, Log: cfg.Log,
		MaxMembers: cfg.MaxMembers, MaxHistoryBytes: cfg.MaxHistoryBytes, OnMembers: cfg.OnMembers,
		OnWipe: func() {
			files.Wipe()
			if cfg.OnWipe != nil {
				cfg.OnWipe()
			}
		},
		OnRecallFile: func(id uuid.UUID) { files.Remove(id) },
	})
	return s, nil
}

// uploadFailed tells the room, later, that the upload of a file it was
// told of (room.Announce) failed: for the seat's paths, which may hold the
// room's lock (the room ending a member ends its uploads). The room hears
// of it on a goroutine of its own, which Close waits for. The downloads of
// the file were already ended by the store.
func (s *Server) uploadFailed(id uuid.UUID, why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return // the room is closing: nobody needs to hear it
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.room.FailUpload(id, why)
	}()
}

// Fingerprint is the host key's fingerprint, as invites carry it.
func (s *Server) Fingerprint() string { return s.cfg.Identity.Fingerprint }

// Room returns the hosted room.
func (s *Server) Room() *room.Room { return s.room }

// Files returns the store of the room's shared files.
func (s *Server) Files() *transfer.Store { return s.files }

// Defences returns how often the host used each of its defences since it
// started.
func (s *Server) Defences() map[Defence]uint64 { return s.def.snapshot() }

// Serve accepts connections on ln until Close. It always returns an error;
// ErrServerClosed after Close, or the listener's error if it was closed by
// someone else. Other accept errors (out of file descriptors, say) never
// end it: it waits, longer each time, and tries again, like net/http.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()
	var delay time.Duration // before the next Accept, after failures
	for {
		raw, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			delay = min(max(2*delay, acceptBackoffMin), acceptBackoffMax)
			s.def.note(DefenceAcceptRetry, netip.Addr{}, "accept failed; retrying", "err", err, "in", delay)
			timer := time.NewTimer(delay)
			select {
			case <-timer.C:
			case <-s.quit:
				timer.Stop()
			}
			continue
		}
		delay = 0
		addr := remoteAddr(raw)
		st, ok := s.arrive(addr)
		if !ok {
			raw.Close()
			s.def.note(DefencePendingCap, addr, "too many connections being admitted; closed a new one at once")
			continue
		}
		if !s.track(raw) {
			raw.Close()
			s.depart(st, false)
			return ErrServerClosed
		}
		s.wg.Add(1)
		go func() {
			admitted, serve := s.handle(raw, addr, st)
			if serve == nil {
				s.end(raw, st, admitted)
				return
			}
			// The TLS handshake grew this goroutine's stack to tens of
			// KiB, which the runtime gives back only by halves, one per
			// garbage collection, and an idle member's read loop would
			// keep it: the member is served from a fresh goroutine,
			// whose stack starts small.
			go func() {
				serve()
				s.end(raw, st, true)
			}()
		}()
	}
}

// Close tells every member the room is closing, stops accepting, and
// waits until every connection has ended (each write is bounded by
// WriteTimeout, so this cannot hang on a stalled member).
func (s *Server) Close(reason string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	close(s.quit)
	for ln := range s.listeners {
		ln.Close()
	}
	s.mu.Unlock()

	s.room.Close(reason)
	// Connections still being admitted have no sink for the room to close.
	s.mu.Lock()
	for c, admitted := range s.conns {
		if !admitted {
			c.Close()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = false
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// end lets go of a connection that handle (and serve, if any) is done
// with.
func (s *Server) end(raw net.Conn, st *addrState, admitted bool) {
	s.depart(st, admitted)
	s.untrack(raw)
	s.wg.Done()
}

// handle admits one connection. It reports whether the connection was
// admitted as a member of st's address and, if the member is to be served,
// returns serve, which runs the member's loops until the connection ends.
func (s *Server) handle(raw net.Conn, addr netip.Addr, st *addrState) (admitted bool, serve func()) {
	wire.LimitUnsent(raw)
	counted := newCountConn(raw)
	// The write loop corks the socket under TLS (see peer.writeBatch).
	cork := wire.NewCork(counted, s.corks)
	conn := tls.Server(cork, s.tls)
	raw.SetDeadline(time.Now().Add(s.cfg.AdmitTimeout))
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.AdmitTimeout)
	err := conn.HandshakeContext(ctx)
	cancel()
	if err != nil {
		if isTimeout(err) {
			s.def.note(DefenceAdmitTimeout, addr, "TLS handshake not finished in time", "timeout", s.cfg.AdmitTimeout)
		}
		s.log.Debug("handshake failed", "addr", raw.RemoteAddr(), "err", err)
		return false, nil
	}
	// A member mostly sends small commands, and the TLS connection holds a
	// whole record already: a small buffer will do, and an idle member
	// keeps 3.5 KiB less than with the default one.
	r := wire.NewReaderSize(conn, 512)
	hello, err := s.readHello(r, addr)
	if err != nil {
		s.refuse(conn, addr, err)
		return false, nil
	}
	raw.SetDeadline(time.Time{})
	if err := s.admit(st); err != nil {
		s.def.note(DefenceMemberCap, addr, "too many members from one address; refused a join", "max", s.cfg.MaxMembersPerAddr)
		s.refuse(conn, addr, err)
		return false, nil
	}
	p := newPeer(raw, conn, s.cfg.QueueBytes, s.cfg.WriteTimeout)
	p.tcp, p.cork, p.gather, p.chunks = counted, cork, &s.gather, s.chunks
	if hello.ResumeMember != uuid.Nil {
		return true, func() { s.resume(p, r, hello, addr, st) }
	}
	var secret []byte
	if hello.ClientID != uuid.Nil {
		secret = make([]byte, wire.ResumeSecretSize)
		rand.Read(secret)
	}
	seat := newSeat(p, hello.ClientID, secret, s.cfg.QueueBytes, s.unseat)
	seat.runs = &s.runs
	m, err := s.room.Join(room.JoinRequest{Name: hello.Name, ClientID: hello.ClientID, Addr: addr, Sink: seat, Resume: secret})
	if err != nil {
		s.refuse(conn, addr, err)
		return true, nil
	}
	if seat.joined(m) && secret != nil {
		s.mu.Lock()
		s.seats[m.ID] = seat
		s.mu.Unlock()
	}
	return true, func() { s.run(r, p, seat, m, addr, st) }
}

// resume gives a member whose link dropped its held seat back, over the
// new connection p, or refuses: ErrResumeExpired when the seat is gone or
// the host no longer has every frame the member missed (it then joins
// afresh), ErrBadResume for anyone but the seat's member.
func (s *Server) resume(p *peer, r *wire.Reader, hello *wire.Hello, addr netip.Addr, st *addrState) {
	s.mu.Lock()
	seat := s.seats[hello.ResumeMember]
	s.mu.Unlock()
	if seat == nil {
		s.refuse(p.conn, addr, wire.ErrResumeExpired)
		return
	}
	m, old, err := seat.resume(p, hello.ClientID, hello.ResumeSecret, hello.ResumeAfter)
	if err != nil {
		if errors.Is(err, wire.ErrBadResume) {
			s.def.note(DefenceProtocol, addr, "resume refused: wrong secret or client identity")
		}
		s.refuse(p.conn, addr, err)
		return
	}
	if old != nil {
		// Half-open: the new connection proved the secret. The old one's
		// uploads in progress pass to the seat once its read loop has
		// ended; wait for that (bounded), so that an upload_resume finds them.
		old.Close(false)
		select {
		case <-old.released:
		case <-time.After(releaseWait):
			s.log.Warn("resumed before the old connection let go of its seat", "name", s.room.Name(m))
		}
	} else {
		s.room.Back(m)
	}
	s.log.Info("member resumed", "name", s.room.Name(m), "addr", addr, "missed", seat.missed(hello.ResumeAfter))
	s.run(r, p, seat, m, addr, st)
}

// releaseWait bounds how long a resume waits for the connection it took
// the seat from to end (its socket is closed, so this is only a guard).
const releaseWait = 10 * time.Second

// unseat forgets a seat once its member has left.
func (s *Server) unseat(m *room.Member) {
	s.mu.Lock()
	delete(s.seats, m.ID)
	s.mu.Unlock()
}

// run serves an admitted member's connection until it ends. A connection
// that dropped (rather than left, or broke a rule) holds the seat for the
// grace period, and the others are told the member is reconnecting.
func (s *Server) run(r *wire.Reader, p *peer, seat *seat, m *room.Member, addr netip.Addr, st *addrState) {
	s.mu.Lock()
	s.conns[p.raw] = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.writeLoop()
	}()
	xs := newTransfers(s, m, p, addr)
	xs.adopt(seat.unpark())
	reason, dropped := s.readLoop(r, p, seat, xs, addr, st)
	grace := s.cfg.Grace
	if !dropped {
		grace = 0
	}
	// The uploads in progress stay with a held seat, for the member to
	// carry on with after it resumes.
	ours, held := seat.release(p, grace, func() { s.room.Leave(m, room.ReasonDisconnected) }, xs.keepUploads())
	close(p.released)
	xs.close()
	switch {
	case held:
		p.Close(false)
		s.room.Hold(m)
		s.log.Info("member's link dropped; seat held", "name", s.room.Name(m), "grace", grace)
	case ours:
		s.room.Leave(m, reason)
	default:
		p.Close(false) // a resume took the seat over
	}
	<-done
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// readHello reads and checks the first frame: magic, version, password.
func (s *Server) readHello(r *wire.Reader, addr netip.Addr) (*wire.Hello, error) {
	t, body, err := r.ReadFrameMax(wire.MaxHello)
	if err != nil {
		if errors.Is(err, wire.ErrFrameTooLarge) {
			s.def.note(DefenceProtocol, addr, "hello too large", "max", wire.MaxHello)
			return nil, wire.Errorf(wire.ErrTooLarge, "a hello is at most %d bytes", wire.MaxHello)
		}
		if isTimeout(err) {
			s.def.note(DefenceAdmitTimeout, addr, "hello not received in time", "timeout", s.cfg.AdmitTimeout)
		}
		return nil, fmt.Errorf("%w: reading hello: %v", wire.ErrProtocol, err)
	}
	if err := wire.CheckHello(t, body); err != nil {
		return nil, err
	}
	f, err := wire.Decode(t, body)
	if err != nil {
		return nil, wire.Errorf(wire.ErrProtocol, "malformed hello: %v", err)
	}
	hello := f.(*wire.Hello)
	switch err := s.gate.CheckClient(addr, hello.ClientID, hello.Password); {
	case err == nil:
	case errors.Is(err, secure.ErrRateLimited):
		s.def.note(DefencePassword, addr, "password guesses refused unchecked")
		return nil, wire.Errorf(wire.ErrRateLimited, "too many wrong passwords from your address; wait a while before trying again")
	case errors.Is(err, secure.ErrBadPassword):
		if len(hello.Password) == 0 {
			return nil, wire.Errorf(wire.ErrBadPassword, "this room needs a password")
		}
		return nil, wire.Errorf(wire.ErrBadPassword, "wrong room password")
	default:
		return nil, err
	}
	return hello, nil
}

// refuse tells a connection why it was not admitted, then closes it. The
// write is bounded by closeFlushTimeout: a peer that does not read is not
// waited for.
func (s *Server) refuse(conn *tls.Conn, addr netip.Addr, err error) {
	e := wire.AsError(err)
	if e.Code == wire.CodeInternal {
		s.log.Error("admission failed", "err", err)
	} else {
		s.log.Debug("refused", "addr", addr, "code", e.Code, "why", e.Message)
	}
	frame, _ := wire.Encode(&wire.ErrorFrame{Code: e.Code, Message: e.Message})
	conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	conn.Write(frame)
	conn.Close()
}

// readLoop turns the member's frames into room calls until the member
// leaves or the connection ends, and returns the reason to record.
//
// dropped is true when the connection failed (a read error or silence)
// rather than the member leaving or breaking a rule.
func (s *Server) readLoop(r *wire.Reader, p *peer, seat *seat, xs *transfers, addr netip.Addr, st *addrState) (reason string, dropped bool) {
	m := xs.m
	limit := newBucket(s.cfg.RatePerSecond, s.cfg.RateBurst, s.cfg.Now())
	// chunk is reused for every UploadChunk: its Data aliases the frame
	// body, which the upload copies before the next read.
	var chunk wire.UploadChunk
	pong, _ := wire.Encode(&wire.Pong{})
	var deadline time.Time // of the connection's reads, as last set
	for {
		// Moving the deadline costs a timer update: only when less than
		// 7/8 of PingTimeout is left.
		if now := time.Now(); deadline.Sub(now) < s.cfg.PingTimeout-s.cfg.PingTimeout/8 {
			deadline = now.Add(s.cfg.PingTimeout)
			p.raw.SetReadDeadline(deadline)
		}
		t, body, err := r.ReadFrame()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.log.Debug("read failed", "err", err)
			}
			switch {
			case errors.Is(err, wire.ErrFrameTooLarge):
				s.violation(p, addr, wire.Errorf(wire.ErrTooLarge, "a frame is at most %d bytes", wire.MaxFrame))
				return room.ReasonDisconnected, false
			case errors.Is(err, wire.ErrMalformed):
				s.violation(p, addr, wire.Errorf(wire.ErrProtocol, "%v", err))
				return room.ReasonDisconnected, false
			case isTimeout(err):
				s.def.note(DefenceSilent, addr, "member silent; dropped", "timeout", s.cfg.PingTimeout)
			}
			return room.ReasonDisconnected, true
		}
		var f wire.Frame
		if t == wire.TypeUploadChunk {
			f, err = &chunk, chunk.DecodeView(body)
		} else {
			f, err = wire.Decode(t, body)
		}
		if err != nil {
			s.violation(p, addr, wire.Errorf(wire.ErrProtocol, "could not decode a %v frame: %v", t, err))
			return room.ReasonDisconnected, false
		}
		switch f.(type) {
		case *wire.Leave:
			return room.ReasonLeft, false
		case *wire.Hello:
			s.violation(p, addr, wire.Errorf(wire.ErrProtocol, "hello after admission"))
			return room.ReasonDisconnected, false
		case *wire.Ping:
			// Answered unless the member floods: its silence is what
			// counts, and a dropped pong costs it nothing.
			if s.cfg.NoRateLimit || limit.take(s.cfg.Now()) {
				p.Deliver(pong)
			}
			continue
		}
		if bulk, err := xs.bulk(f); bulk {
			if err != nil {
				p.Close(false)
				return room.ReasonDisconnected, false
			}
			continue
		}
		if !s.cfg.NoRateLimit {
			now := s.cfg.Now()
			if !limit.take(now) {
				s.def.note(DefenceRateLimit, addr, "member over its command rate", "name", s.room.Name(m))
				s.fail(seat, wire.RefOf(f), wire.ErrRateLimited)
				continue
			}
			if !st.spend(now) {
				s.def.note(DefenceAddrBudget, addr, "members of one address over their shared command budget")
				s.fail(seat, wire.RefOf(f), wire.Errorf(wire.ErrRateLimited, "too many commands from your address, slow down"))
				continue
			}
		}
		if err := s.command(m, xs, f); err != nil {
			s.fail(seat, wire.RefOf(f), err)
		}
	}
}

// command applies one command frame to the room.
func (s *Server) command(m *room.Member, xs *transfers, f wire.Frame) error {
	switch f := f.(type) {
	case *wire.UploadBegin:
		return xs.beginUpload(f)
	case *wire.UploadEnd:
		return xs.endUpload(f)
	case *wire.UploadResume:
		return xs.resumeUpload(f)
	case *wire.Download:
		return xs.startDownload(f)
	case *wire.Send:
		return s.room.SendReply(m, f.Ref, f.Text, f.ReplyTo)
	case *wire.DM:
		return s.room.DMReply(m, f.Ref, f.To, f.Text, f.ReplyTo)
	case *wire.Typing:
		return s.room.Typing(m, f.To)
	case *wire.Recall:
		return s.room.Recall(m, f.Ref, f.ID)
	case *wire.Kick:
		return s.room.Kick(m, f.Ref, f.Name, f.Reason, f.Ban)
	case *wire.Unban:
		return s.room.Unban(m, f.Ref, f.Name)
	case *wire.Handover:
		return s.room.Handover(m, f.Ref, f.Name)
	default:
		return wire.Errorf(wire.ErrBadCommand, "a client may not send a %v frame", f.Type())
	}
}

// violation tells the member which rule its last frame broke, then closes
// its connection after flushing what is queued (within
// closeFlushTimeout).
func (s *Server) violation(p *peer, addr netip.Addr, err error) {
	e := wire.AsError(err)
	s.def.note(DefenceProtocol, addr, "frame breaks the protocol; closing", "code", e.Code, "why", e.Message)
	frame, _ := wire.Encode(&wire.ErrorFrame{Code: e.Code, Message: e.Message})
	p.closeWith(frame, closeFlushTimeout)
}

// fail sends an error frame to the member.
func (s *Server) fail(p room.Sink, ref string, err error) {
	e := wire.AsError(err)
	if e.Code == wire.CodeInternal {
		s.log.Error("command failed", "err", err)
	}
	frame, _ := wire.Encode(&wire.ErrorFrame{Ref: ref, Code: e.Code, Message: e.Message})
	p.Deliver(frame)
}

func remoteAddr(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
