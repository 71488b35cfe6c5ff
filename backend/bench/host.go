package bench

import (
	"errors"
	"log/slog"
	"net"
	"os"

	"wetalk/backend/profile"
	"wetalk/backend/server"
)

// Host is a room hosted in this process for a benchmark: on loopback, with a
// fresh host key in a temporary folder and the per-member rate limit off.
type Host struct {
	// Addr and Fingerprint say where the room is and which key it has.
	Addr, Fingerprint string

	srv    *server.Server
	served chan error
	dir    string
}

// Spawn starts a Host keeping at most historyBytes of history (0: the
// host's default, room.DefaultMaxHistoryBytes). Close stops it.
func Spawn(log *slog.Logger, historyBytes int) (*Host, error) {
	dir, err := os.MkdirTemp("", "wetalk-bench-")
	if err != nil {
		return nil, err
	}
	h, err := spawn(dir, log, historyBytes)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return h, nil
}

func spawn(dir string, log *slog.Logger, historyBytes int) (*Host, error) {
	prof, err := profile.Open(dir)
	if err != nil {
		return nil, err
	}
	id, err := prof.HostIdentity()
	if err != nil {
		return nil, err
	}
	srv, err := server.New(server.Config{RoomName: "bench", Identity: id, Log: log, NoRateLimit: true, MaxHistoryBytes: historyBytes})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &Host{Addr: ln.Addr().String(), Fingerprint: id.Fingerprint, srv: srv, served: make(chan error, 1), dir: dir}
	go func() { h.served <- srv.Serve(ln) }()
	return h, nil
}

// Close closes the room, waits for the host to stop and removes its folder.
func (h *Host) Close() error {
	h.srv.Close("the benchmark is over")
	err := <-h.served
	if errors.Is(err, server.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, os.RemoveAll(h.dir))
}
