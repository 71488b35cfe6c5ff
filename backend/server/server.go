package server

import (
	"context"
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
	// WriteTimeout bounds each write to a member; 0 means 15s.
	WriteTimeout time.Duration
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// OnWipe is called when the room forgets everything.
	OnWipe func()
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
}

// Server hosts one room.
type Server struct {
	cfg   Config
	tls   *tls.Config
	room  *room.Room
	files *transfer.Store
	gate  *secure.PasswordGate
	log   *slog.Logger

	wg sync.WaitGroup // every connection goroutine

	mu        sync.Mutex
	listeners map[net.Listener]struct{} // guarded by mu
	conns     map[net.Conn]bool         // guarded by mu; every open raw connection: admitted?
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
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 15 * time.Second
	}
	s := &Server{
		cfg:       cfg,
		tls:       secure.ServerConfig(cfg.Identity),
		gate:      secure.NewPasswordGate(cfg.Password, cfg.Now),
		log:       cfg.Log,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[net.Conn]bool),
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
		MaxMembers: cfg.MaxMembers,
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

// Fingerprint is the host key's fingerprint, as invites carry it.
func (s *Server) Fingerprint() string { return s.cfg.Identity.Fingerprint }

// Room returns the hosted room.
func (s *Server) Room() *room.Room { return s.room }

// Files returns the store of the room's shared files.
func (s *Server) Files() *transfer.Store { return s.files }

// Serve accepts connections on ln until Close. It always returns an error;
// ErrServerClosed after Close.
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
	for {
		raw, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		if !s.track(raw) {
			raw.Close()
			return ErrServerClosed
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(raw)
			s.handle(raw)
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

// handle runs one connection: admission, then the member's loops.
func (s *Server) handle(raw net.Conn) {
	addr := remoteAddr(raw)
	conn := tls.Server(raw, s.tls)
	raw.SetDeadline(time.Now().Add(s.cfg.AdmitTimeout))
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.AdmitTimeout)
	err := conn.HandshakeContext(ctx)
	cancel()
	if err != nil {
		s.log.Debug("handshake failed", "addr", raw.RemoteAddr(), "err", err)
		return
	}
	// A member mostly sends small commands, and the TLS connection holds a
	// whole record already: a small buffer will do, and an idle member
	// keeps 3.5 KiB less than with the default one.
	r := wire.NewReaderSize(conn, 512)
	hello, err := s.readHello(r, addr)
	if err != nil {
		s.refuse(conn, err)
		return
	}
	raw.SetDeadline(time.Time{})

	p := newPeer(raw, conn, s.cfg.QueueBytes, s.cfg.WriteTimeout)
	m, err := s.room.Join(room.JoinRequest{Name: hello.Name, ClientID: hello.ClientID, Addr: addr, Sink: p})
	if err != nil {
		s.refuse(conn, err)
		return
	}
	s.mu.Lock()
	s.conns[raw] = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.writeLoop()
	}()
	reason := s.readLoop(r, p, m)
	s.room.Leave(m, reason)
	<-done
}

// readHello reads and checks the first frame: magic, version, password.
func (s *Server) readHello(r *wire.Reader, addr netip.Addr) (*wire.Hello, error) {
	t, body, err := r.ReadFrame()
	if err != nil {
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
	switch err := s.gate.Check(addr, hello.Password); {
	case err == nil:
	case errors.Is(err, secure.ErrRateLimited):
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

// refuse tells a connection why it was not admitted, then closes it.
func (s *Server) refuse(conn *tls.Conn, err error) {
	e := wire.AsError(err)
	if e.Code == wire.CodeInternal {
		s.log.Error("admission failed", "err", err)
	} else {
		s.log.Info("refused", "code", e.Code, "why", e.Message)
	}
	frame, _ := wire.Encode(&wire.ErrorFrame{Code: e.Code, Message: e.Message})
	conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	conn.Write(frame)
	conn.Close()
}

// readLoop turns the member's frames into room calls until the member
// leaves or the connection ends, and returns the reason to record.
func (s *Server) readLoop(r *wire.Reader, p *peer, m *room.Member) string {
	limit := newBucket(s.cfg.RatePerSecond, s.cfg.RateBurst, s.cfg.Now())
	xs := newTransfers(s, m, p)
	defer xs.close()
	// chunk is reused for every UploadChunk: its Data aliases the frame
	// body, which the upload copies before the next read.
	var chunk wire.UploadChunk
	for {
		t, body, err := r.ReadFrame()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.log.Debug("read failed", "err", err)
			}
			if errors.Is(err, wire.ErrFrameTooLarge) {
				s.fail(p, "", wire.Errorf(wire.ErrTooLarge, "frame too large"))
				p.Close(true)
			}
			return room.ReasonDisconnected
		}
		var f wire.Frame
		if t == wire.TypeUploadChunk {
			f, err = &chunk, chunk.DecodeView(body)
		} else {
			f, err = wire.Decode(t, body)
		}
		if err != nil {
			s.fail(p, "", wire.Errorf(wire.ErrProtocol, "could not decode a %v frame: %v", t, err))
			p.Close(true)
			return room.ReasonDisconnected
		}
		if _, ok := f.(*wire.Leave); ok {
			return room.ReasonLeft
		}
		if bulk, err := xs.bulk(f); bulk {
			if err != nil {
				p.Close(false)
				return room.ReasonDisconnected
			}
			continue
		}
		if !s.cfg.NoRateLimit && !limit.take(s.cfg.Now()) {
			s.fail(p, wire.RefOf(f), wire.ErrRateLimited)
			continue
		}
		if err := s.command(m, xs, f); err != nil {
			s.fail(p, wire.RefOf(f), err)
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
	case *wire.Download:
		return xs.startDownload(f)
	case *wire.Send:
		return s.room.Send(m, f.Ref, f.Text)
	case *wire.DM:
		return s.room.DM(m, f.Ref, f.To, f.Text)
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

// fail sends an error frame to the member.
func (s *Server) fail(p *peer, ref string, err error) {
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

// bucket is a token bucket computed from timestamps: no timer runs while a
// member is idle.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newBucket(rate, burst float64, now time.Time) *bucket {
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

func (b *bucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
