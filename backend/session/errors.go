package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"wetalk/backend/room"
	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// Sentinel errors for what the session itself refuses.
var (
	// ErrInRoom: Host or Join while already in a room.
	ErrInRoom = errors.New("already in a room: leave it first")
	// ErrNotInRoom: a room command without a room.
	ErrNotInRoom = errors.New("not in a room")
	// ErrClosed: the session was closed.
	ErrClosed = errors.New("session closed")
	// ErrJoining: Host or Join while another is under way.
	ErrJoining = errors.New("already joining a room: wait for it or cancel it")
	// ErrJoinCancelled: CancelJoin (or Close) ended a Host or Join.
	ErrJoinCancelled = errors.New("joining was cancelled")
	// ErrBadAddress: what was typed to join is neither HOST[:PORT] nor an
	// invite link.
	ErrBadAddress = errors.New("neither HOST:PORT nor an invite link")
	// ErrWrongFingerprint: the host's key is not the one the invite names.
	ErrWrongFingerprint = errors.New("the host's key is not the one in the invite")
)

// The join failures a UI tells apart (Failure.Code), beyond the wire codes.
const (
	CodeBadAddress       = "bad_address"
	CodeBadInvite        = "bad_invite"
	CodeWrongFingerprint = "wrong_fingerprint"
	CodeRefused          = "refused"
	CodeTimedOut         = "timed_out"
)

// PortInUseError says the port asked for is taken, and suggests a free one.
type PortInUseError struct {
	Port    int
	Suggest int // a port that was free a moment ago; 0 if none was found
	Err     error
}

func (e *PortInUseError) Error() string {
	if e.Suggest == 0 {
		return fmt.Sprintf("port %d is already in use", e.Port)
	}
	return fmt.Sprintf("port %d is already in use; try %d", e.Port, e.Suggest)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// Failure is an error as a UI shows it: a stable code it can translate,
// the message for people, and the details a code needs.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Suggest, with code port_in_use, is a free port to offer instead.
	Suggest int `json:"suggest,omitempty"`
	// Fingerprint, with code unknown_host, is the key the host presented.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Addr, with code unknown_host, is the address dialled.
	Addr string `json:"addr,omitempty"`
}

// errUnreachable matches any wire error with the unreachable code.
var errUnreachable = &wire.Error{Code: wire.CodeUnreachable}

// Describe turns any error from this package's methods into a Failure.
func Describe(err error) Failure {
	var (
		port    *PortInUseError
		unknown *secure.UnknownHostError
		we      *wire.Error
	)
	switch {
	case err == nil:
		return Failure{}
	case errors.As(err, &port):
		return Failure{Code: "port_in_use", Message: port.Error(), Suggest: port.Suggest}
	case errors.As(err, &unknown):
		return Failure{Code: string(wire.CodeUnknownHost), Message: err.Error(), Fingerprint: unknown.Fingerprint, Addr: unknown.Addr}
	case errors.Is(err, ErrWrongFingerprint):
		return Failure{Code: CodeWrongFingerprint, Message: err.Error()}
	case errors.Is(err, secure.ErrHostKeyMismatch):
		return Failure{Code: string(wire.CodeHostKeyMismatch), Message: err.Error()}
	case errors.Is(err, ErrBadAddress):
		return Failure{Code: CodeBadAddress, Message: err.Error()}
	case errors.Is(err, secure.ErrBadInvite), errors.Is(err, secure.ErrBadFingerprint):
		return Failure{Code: CodeBadInvite, Message: err.Error()}
	case errors.Is(err, errUnreachable) && errors.Is(err, syscall.ECONNREFUSED):
		return Failure{Code: CodeRefused, Message: err.Error()}
	case errors.Is(err, errUnreachable) &&
		(errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)):
		return Failure{Code: CodeTimedOut, Message: err.Error()}
	case errors.Is(err, ErrJoinCancelled):
		return Failure{Code: "cancelled", Message: err.Error()}
	case errors.Is(err, ErrJoining):
		return Failure{Code: "joining", Message: err.Error()}
	case errors.Is(err, room.ErrBadRoomName):
		return Failure{Code: "bad_room_name", Message: err.Error()}
	case errors.Is(err, ErrInRoom):
		return Failure{Code: "in_room", Message: err.Error()}
	case errors.Is(err, ErrNotInRoom):
		return Failure{Code: "not_in_room", Message: err.Error()}
	case errors.As(err, &we):
		return Failure{Code: string(we.Code), Message: we.Error()}
	}
	return Failure{Code: "internal", Message: err.Error()}
}
