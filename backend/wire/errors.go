package wire

import (
	"errors"
	"fmt"
)

// Code is a stable word naming why a command or an admission was refused.
// Codes are part of the protocol and of the command-line contract.
type Code string

// The error codes. docs/protocol.md lists when each is sent.
const (
	CodeBadCommand      Code = "bad_command"
	CodeBadHash         Code = "bad_hash"
	CodeBadImage        Code = "bad_image"
	CodeBadName         Code = "bad_name"
	CodeBadPassword     Code = "bad_password"
	CodeBadResume       Code = "bad_resume"
	CodeBanned          Code = "banned"
	CodeClosed          Code = "closed"
	CodeDiskFull        Code = "disk_full"
	CodeHostKeyMismatch Code = "host_key_mismatch"
	CodeInternal        Code = "internal"
	CodeKickSelf        Code = "kick_self"
	CodeKicked          Code = "kicked"
	CodeNoSuchFile      Code = "no_such_file"
	CodeNoSuchMember    Code = "no_such_member"
	CodeNoSuchMessage   Code = "no_such_message"
	CodeNotImplemented  Code = "not_implemented"
	CodeNotLeader       Code = "not_leader"
	CodeProtocol        Code = "protocol"
	CodeQuotaExceeded   Code = "quota_exceeded"
	CodeResumeExpired   Code = "resume_expired"
	CodeRateLimited     Code = "rate_limited"
	CodeRoomFull        Code = "room_full"
	CodeStalled         Code = "stalled"
	CodeTooLarge        Code = "too_large"
	CodeUnknownHost     Code = "unknown_host"
	CodeUnreachable     Code = "unreachable"
	CodeUploadFailed    Code = "upload_failed"
	CodeVersionMismatch Code = "version_mismatch"
)

// Error is a refusal as it travels: a code and a message for people. Two
// Errors match under errors.Is when their codes are equal, so the sentinels
// below work on both sides of a connection.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return e.Message
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinel errors, one per code that callers check. Wrap them with %w to add
// context; errors.Is compares codes.
var (
	ErrBadCommand      = &Error{CodeBadCommand, "bad command"}
	ErrBadHash         = &Error{CodeBadHash, "the file's SHA-256 does not match"}
	ErrBadImage        = &Error{CodeBadImage, "not a PNG, JPEG, GIF or WebP image"}
	ErrBadName         = &Error{CodeBadName, "bad nickname"}
	ErrBadPassword     = &Error{CodeBadPassword, "wrong room password"}
	ErrBadResume       = &Error{CodeBadResume, "that seat is not yours to resume"}
	ErrBanned          = &Error{CodeBanned, "you are banned from this room"}
	ErrClosed          = &Error{CodeClosed, "the room is closed"}
	ErrDiskFull        = &Error{CodeDiskFull, "the disk is full"}
	ErrKickSelf        = &Error{CodeKickSelf, "you cannot kick yourself"}
	ErrKicked          = &Error{CodeKicked, "you were removed from the room"}
	ErrNoSuchFile      = &Error{CodeNoSuchFile, "no such file"}
	ErrNoSuchMember    = &Error{CodeNoSuchMember, "no such member"}
	ErrNoSuchMessage   = &Error{CodeNoSuchMessage, "no such message"}
	ErrNotImplemented  = &Error{CodeNotImplemented, "not implemented yet"}
	ErrNotLeader       = &Error{CodeNotLeader, "only the room leader can do that"}
	ErrProtocol        = &Error{CodeProtocol, "protocol violation"}
	ErrQuotaExceeded   = &Error{CodeQuotaExceeded, "the room's file quota is used up"}
	ErrRateLimited     = &Error{CodeRateLimited, "too many requests, slow down"}
	ErrResumeExpired   = &Error{CodeResumeExpired, "the seat is no longer held; join again"}
	ErrRoomFull        = &Error{CodeRoomFull, "the room is full"}
	ErrStalled         = &Error{CodeStalled, "the transfer made no progress for too long"}
	ErrTooLarge        = &Error{CodeTooLarge, "too large"}
	ErrUploadFailed    = &Error{CodeUploadFailed, "the upload of the file failed"}
	ErrVersionMismatch = &Error{CodeVersionMismatch, "protocol version mismatch"}
)

// Errorf returns an *Error with the code of sentinel and a formatted message.
func Errorf(sentinel *Error, format string, args ...any) *Error {
	return &Error{Code: sentinel.Code, Message: fmt.Sprintf(format, args...)}
}

// AsError converts any error into the *Error to send: an *Error found in
// the chain is used as is; anything else becomes CodeInternal with a generic
// message (internal details stay in the host's log).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "internal error"}
}
