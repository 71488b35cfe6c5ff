package secure

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testHost is a TLS host on a loopback port. Its configuration can be
// swapped, standing in for a host restarted on the same address with
// another key.
type testHost struct {
	addr string
	ln   net.Listener
	cfg  atomic.Pointer[tls.Config]
	wg   sync.WaitGroup // acceptLoop and every serve
}

func startHost(t *testing.T, cfg *tls.Config) *testHost {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &testHost{addr: ln.Addr().String(), ln: ln}
	h.cfg.Store(cfg)
	h.wg.Add(1)
	go h.acceptLoop()
	t.Cleanup(func() {
		ln.Close()
		h.wg.Wait()
	})
	return h
}

func (h *testHost) acceptLoop() {
	defer h.wg.Done()
	for {
		c, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.wg.Add(1)
		go h.serve(c)
	}
}

// serve completes the handshake and echoes one byte, so a client knows the
// host really accepted it.
func (h *testHost) serve(c net.Conn) {
	defer h.wg.Done()
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Server(c, h.cfg.Load())
	if err := tc.Handshake(); err != nil {
		return
	}
	var b [1]byte
	if _, err := io.ReadFull(tc, b[:]); err != nil {
		return
	}
	tc.Write(b[:])
}

// dial connects to addr with cfg and exchanges one byte. It returns the
// handshake's error exactly as crypto/tls reported it. It may run on any
// goroutine.
func dial(t *testing.T, addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	tc := tls.Client(c, cfg)
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		return tls.ConnectionState{}, err
	}
	b := []byte{42}
	if _, err := tc.Write(b); err != nil {
		return tls.ConnectionState{}, err
	}
	if _, err := io.ReadFull(tc, b); err != nil {
		return tls.ConnectionState{}, err
	}
	return tc.ConnectionState(), nil
}

func testIdentity(t *testing.T) *Identity {
	t.Helper()
	id, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func openKnown(t *testing.T) *KnownHosts {
	t.Helper()
	k, err := OpenKnownHosts(filepath.Join(t.TempDir(), "cfg", "known_hosts"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestTrustDecisions(t *testing.T) {
	id := testIdentity(t)
	other := testIdentity(t)
	h := startHost(t, ServerConfig(id))
	fps := map[string]string{"": "", "host": id.Fingerprint, "other": other.Fingerprint}

	tests := []struct {
		name      string
		known     string // remembered beforehand: "", "host", "other"
		nilKnown  bool   // no KnownHosts at all
		pin       string // "", "host", "other"
		trustNew  bool
		wantErr   error // nil, ErrHostKeyMismatch, ErrUnknownHost
		wantKnown string
	}{
		{name: "pin accepted and remembered", pin: "host", wantKnown: "host"},
		{name: "pin without known hosts", pin: "host", nilKnown: true},
		{name: "wrong pin", pin: "other", wantErr: ErrHostKeyMismatch},
		{name: "wrong pin beats matching known", pin: "other", known: "host", wantErr: ErrHostKeyMismatch, wantKnown: "host"},
		{name: "wrong pin beats trust new", pin: "other", trustNew: true, wantErr: ErrHostKeyMismatch},
		{name: "pin beats stale known, which is updated", pin: "host", known: "other", wantKnown: "host"},
		{name: "known accepted", known: "host", wantKnown: "host"},
		{name: "known changed", known: "other", wantErr: ErrHostKeyMismatch, wantKnown: "other"},
		{name: "known changed despite trust new", known: "other", trustNew: true, wantErr: ErrHostKeyMismatch, wantKnown: "other"},
		{name: "unknown refused", wantErr: ErrUnknownHost},
		{name: "unknown refused without known hosts", nilKnown: true, wantErr: ErrUnknownHost},
		{name: "trust new remembers", trustNew: true, wantKnown: "host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := ClientOptions{Addr: h.addr, Pin: fps[tt.pin], TrustNew: tt.trustNew}
			if !tt.nilKnown {
				opts.KnownHosts = openKnown(t)
				if tt.known != "" {
					if err := opts.KnownHosts.Remember(h.addr, fps[tt.known]); err != nil {
						t.Fatal(err)
					}
				}
			}
			cfg, err := ClientConfig(opts)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := dial(t, h.addr, cfg)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("handshake: %v", err)
				}
				if cs.Version != tls.VersionTLS13 || cs.NegotiatedProtocol != ALPN {
					t.Fatalf("negotiated version %#x, protocol %q", cs.Version, cs.NegotiatedProtocol)
				}
			} else if !errors.Is(err, tt.wantErr) {
				t.Fatalf("handshake error %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, ErrUnknownHost) {
				var u *UnknownHostError
				if !errors.As(err, &u) || u.Fingerprint != id.Fingerprint || u.Addr != h.addr {
					t.Fatalf("unknown host error %#v does not carry %s and %s", u, h.addr, id.Fingerprint)
				}
			}
			if opts.KnownHosts == nil {
				return
			}
			got, ok := opts.KnownHosts.Lookup(h.addr)
			if got != fps[tt.wantKnown] || ok != (tt.wantKnown != "") {
				t.Fatalf("known_hosts has %q (%v) for the host, want %s", got, ok, tt.wantKnown)
			}
			// What is remembered is on disk, not only in memory.
			reread, err := OpenKnownHosts(opts.KnownHosts.path)
			if err != nil {
				t.Fatal(err)
			}
			if fp, _ := reread.Lookup(h.addr); fp != got {
				t.Fatalf("known_hosts file has %q, memory %q", fp, got)
			}
		})
	}
}

func TestMismatchMessage(t *testing.T) {
	id, other := testIdentity(t), testIdentity(t)
	h := startHost(t, ServerConfig(id))
	cfg, err := ClientConfig(ClientOptions{Addr: h.addr, Pin: other.Fingerprint})
	if err != nil {
		t.Fatal(err)
	}
	_, err = dial(t, h.addr, cfg)
	if !errors.Is(err, ErrHostKeyMismatch) {
		t.Fatalf("err = %v, want ErrHostKeyMismatch", err)
	}
	for _, want := range []string{other.Fingerprint, id.Fingerprint, h.addr} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("mismatch error %q does not say %s", err, want)
		}
	}
}

func TestTrustOnFirstUseThenKeyChange(t *testing.T) {
	id := testIdentity(t)
	h := startHost(t, ServerConfig(id))
	known := openKnown(t)

	first, err := ClientConfig(ClientOptions{Addr: h.addr, TrustNew: true, KnownHosts: known})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, h.addr, first); err != nil {
		t.Fatalf("first connection with TrustNew: %v", err)
	}

	// A later run: known_hosts read afresh, no TrustNew.
	known2, err := OpenKnownHosts(known.path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := ClientConfig(ClientOptions{Addr: h.addr, KnownHosts: known2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, h.addr, second); err != nil {
		t.Fatalf("second connection from known_hosts: %v", err)
	}

	// The host comes back on the same address with a new identity dir.
	h.cfg.Store(ServerConfig(testIdentity(t)))
	for _, trustNew := range []bool{false, true} {
		cfg, err := ClientConfig(ClientOptions{Addr: h.addr, TrustNew: trustNew, KnownHosts: known2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dial(t, h.addr, cfg); !errors.Is(err, ErrHostKeyMismatch) {
			t.Fatalf("changed key, TrustNew=%v: err = %v, want ErrHostKeyMismatch", trustNew, err)
		}
	}
	if fp, _ := known2.Lookup(h.addr); fp != id.Fingerprint {
		t.Fatalf("known_hosts entry changed to %q", fp)
	}
}

func TestProtocolRefusals(t *testing.T) {
	id := testIdentity(t)
	pinned := func(t *testing.T) *tls.Config {
		cfg, err := ClientConfig(ClientOptions{Addr: "host", Pin: id.Fingerprint})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	twoCerts := ServerConfig(id)
	chain := id.Certificate
	chain.Certificate = [][]byte{chain.Certificate[0], testIdentity(t).Certificate.Certificate[0]}
	twoCerts.Certificates = []tls.Certificate{chain}
	noALPN := ServerConfig(id)
	noALPN.NextProtos = nil
	tls12Host := ServerConfig(id)
	tls12Host.MinVersion, tls12Host.MaxVersion = tls.VersionTLS12, tls.VersionTLS12

	tests := []struct {
		name    string
		server  *tls.Config
		client  func(t *testing.T) *tls.Config
		wantErr error // a specific cause, or nil for any error
	}{
		{"TLS 1.2 client refused", ServerConfig(id), func(*testing.T) *tls.Config {
			return &tls.Config{MaxVersion: tls.VersionTLS12, InsecureSkipVerify: true, NextProtos: []string{ALPN}}
		}, nil},
		{"TLS 1.2 host refused", tls12Host, pinned, nil},
		{"certificate chain refused", twoCerts, pinned, errCertCount},
		{"host without ALPN refused", noALPN, pinned, errALPN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHost(t, tt.server)
			_, err := dial(t, h.addr, tt.client(t))
			if err == nil {
				t.Fatal("handshake succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestClientConfigErrors(t *testing.T) {
	known := openKnown(t)
	tests := []struct {
		name    string
		opts    ClientOptions
		wantErr error // nil for any error
	}{
		{"bad pin", ClientOptions{Addr: "h:1", Pin: "nope"}, ErrBadFingerprint},
		{"trust new without known hosts", ClientOptions{Addr: "h:1", TrustNew: true}, nil},
		{"known hosts without addr", ClientOptions{KnownHosts: known}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ClientConfig(tt.opts)
			if err == nil || cfg != nil {
				t.Fatalf("ClientConfig = %v, %v; want an error", cfg, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestConcurrentHandshakes shares one client config, and so one verifier and
// known_hosts, between many connections at once.
func TestConcurrentHandshakes(t *testing.T) {
	id := testIdentity(t)
	h := startHost(t, ServerConfig(id))
	known := openKnown(t)
	cfg, err := ClientConfig(ClientOptions{Addr: h.addr, TrustNew: true, KnownHosts: known})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := dial(t, h.addr, cfg)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if fp, _ := known.Lookup(h.addr); fp != id.Fingerprint {
		t.Fatalf("remembered %q, want %s", fp, id.Fingerprint)
	}
}
