package client

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

// Event kinds, as the command-line contract names them (the "type" of each
// event's JSON).
const (
	EventWelcome = "welcome"
	EventMessage = "message"
	EventJoined  = "joined"
	EventLeft    = "left"
	// EventPresence, EventReconnecting and EventReconnected are about
	// dropped links: another member's (presence), or ours.
	EventPresence     = "presence"
	EventReconnecting = "reconnecting"
	EventReconnected  = "reconnected"
	EventLeader       = "leader"
	EventRecalled     = "recalled"
	EventKicked       = "kicked"
	EventAck          = "ack"
	EventClosed       = "closed"
	EventError        = "error"
	EventBans         = "bans"
	EventTyping       = "typing"

	EventFile       = "file"
	EventImage      = "image"
	EventProgress   = "progress"
	EventUploaded   = "uploaded"
	EventDownloaded = "downloaded"
	// EventFileProgress, EventFileDone and EventFileFailed follow a file
	// announced while it uploads (File.Uploading).
	EventFileProgress = "file_progress"
	EventFileDone     = "file_done"
	EventFileFailed   = "file_failed"
)

// Event is one thing that happened, as a member sees it: one of the types
// below (Welcome, Message, ...), told apart with a type switch. Each
// encodes to JSON as the command-line contract (shared/spec/cli.md) shows
// it: the fields in the order of their names, then "type"; the fields of an
// event's shape are present even when empty. frontend/src/lib/types.ts
// mirrors them (a test in backend/web checks it).
type Event interface {
	// Kind is the event's "type" (EventMessage, ...).
	Kind() string
	json.Marshaler
}

// Kinds lists an empty value of every kind of Event, in the order of the
// constants above.
func Kinds() []Event {
	return []Event{
		Welcome{}, Message{}, Joined{}, Left{}, Leader{}, Recalled{}, Kicked{}, Ack{}, Closed{}, ErrorEvent{}, Bans{},
		Typing{}, File{}, Image{}, Progress{}, Uploaded{}, Downloaded{}, Presence{}, Reconnecting{}, Reconnected{},
		FileProgress{}, FileDone{}, FileFailed{},
	}
}

// Struct fields are declared in the order of their JSON names, and "type"
// sorts after every one of them: the encoding is the sorted one the
// contract has always had. A field a valid host always fills is always
// present; omitempty marks those that are really optional (frontend/src/lib/
// types.ts marks the same ones optional).

// Welcome is the first event: the host admitted us.
type Welcome struct {
	// Files lists the files shared so far.
	Files []FileInfo `json:"files"`
	// HistoryCount is how many history messages follow.
	HistoryCount int      `json:"history_count,omitempty"`
	Leader       string   `json:"leader"`
	Members      []string `json:"members"`
	Name         string   `json:"name"` // the name the host gave us
	Room         string   `json:"room"`
	Seq          uint64   `json:"seq,omitempty"`
}

// Message is a chat message, live or (History) from before we joined;
// To is set on a private message.
type Message struct {
	From    string `json:"from"`
	History bool   `json:"history"`
	ID      string `json:"id"`
	// ReplyTo is the id of the message this one answers, if any.
	ReplyTo string    `json:"reply_to,omitempty"`
	Seq     uint64    `json:"seq,omitempty"`
	Text    string    `json:"text"`
	Time    time.Time `json:"time"`
	To      string    `json:"to,omitempty"`
}

// Joined: a member came in.
type Joined struct {
	Name string `json:"name"`
	Seq  uint64 `json:"seq,omitempty"`
}

// Left: a member went; Reason is "left", "kicked" or "disconnected".
type Left struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Seq    uint64 `json:"seq,omitempty"`
}

// Leader: Name leads the room now.
type Leader struct {
	Name string `json:"name"`
	Seq  uint64 `json:"seq,omitempty"`
}

// Recalled: the message (or file, or image) ID was withdrawn by By.
type Recalled struct {
	By  string `json:"by"`
	ID  string `json:"id"`
	Seq uint64 `json:"seq,omitempty"`
}

// Kicked: we were removed from the room (and, with Banned, barred). The
// connection then ends with an error matching wire.ErrKicked.
type Kicked struct {
	Banned bool   `json:"banned,omitempty"`
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// Ack: the command sent with Ref was done; ID names the message or file it
// made, if any.
type Ack struct {
	ID  string `json:"id,omitempty"`
	Ref string `json:"ref"`
}

// Closed: the host closed the room. The connection then ends with an
// error matching wire.ErrClosed.
type Closed struct {
	Reason string `json:"reason"`
}

// ErrorEvent: the command sent with Ref (if any) was refused.
type ErrorEvent struct {
	Code    wire.Code `json:"code"`
	Message string    `json:"message"`
	Ref     string    `json:"ref"`
}

// Bans lists the banned names (sent to the leader).
type Bans struct {
	Names []string `json:"names,omitempty"`
}

// Typing: From is typing, to the room or (To set: to us) privately. It is
// never part of the history; it lasts until From's next message or a few
// seconds.
type Typing struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

// File: a member shared a file. SHA256 is hex. With Uploading set, the
// file is still being uploaded (SHA256 is empty): it may be downloaded at
// once, and file_progress, then file_done or file_failed, follow.
type File struct {
	From      string    `json:"from"`
	History   bool      `json:"history"`
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Seq       uint64    `json:"seq,omitempty"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Time      time.Time `json:"time"`
	Uploading bool      `json:"uploading,omitempty"`
}

// FileProgress: Received bytes of the file ID, still being uploaded by
// another member, have reached the host (about twice a second at most).
type FileProgress struct {
	ID       string `json:"id"`
	Received int64  `json:"received"`
}

// FileDone: the file ID, announced while uploading, is complete; the host
// verified its bytes against SHA256 (hex).
type FileDone struct {
	ID     string `json:"id"`
	Seq    uint64 `json:"seq,omitempty"`
	SHA256 string `json:"sha256"`
}

// FileFailed: the upload of the file ID failed (Code, Message: stalled,
// bad_hash, upload_failed when its sender cancelled or left, ...). The
// file left the room; its downloads ended with upload_failed.
type FileFailed struct {
	Code    wire.Code `json:"code"`
	ID      string    `json:"id"`
	Message string    `json:"message"`
	Seq     uint64    `json:"seq,omitempty"`
}

// Image: a member sent an image (PNG, JPEG, GIF or WebP, by Mime).
type Image struct {
	From    string    `json:"from"`
	History bool      `json:"history"`
	ID      string    `json:"id"`
	Mime    string    `json:"mime"`
	Seq     uint64    `json:"seq,omitempty"`
	SHA256  string    `json:"sha256"`
	Size    int64     `json:"size"`
	Time    time.Time `json:"time"`
}

// Progress: Done of Total bytes of a transfer have moved. Transfer is the
// file id (for an upload, the one the host gave it), Direction up or down,
// and Ref the ref the caller gave Upload, UploadImage or Download: it tells
// apart transfers whose file ids the caller does not know yet.
type Progress struct {
	Direction string `json:"direction"`
	Done      int64  `json:"done"`
	Ref       string `json:"ref,omitempty"`
	Total     int64  `json:"total"`
	Transfer  string `json:"transfer"`
}

// Uploaded: the upload sent with Ref is the shared file File.
type Uploaded struct {
	File string `json:"file"`
	Ref  string `json:"ref"`
}

// Downloaded: the file File was saved, verified, at Path.
type Downloaded struct {
	File   string `json:"file"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Ref    string `json:"ref"` // of the download command
}

// Presence: a member's link dropped (State "reconnecting": its seat,
// name and role are kept for the host's grace period) or it came back
// ("back").
type Presence struct {
	Name  string `json:"name"`
	Seq   uint64 `json:"seq,omitempty"`
	State string `json:"state"`
}

// Reconnecting: our connection was lost (Reason); attempt number Attempt to
// resume the seat starts in InMs milliseconds. Commands given meanwhile
// wait. The conversation so far stays valid.
type Reconnecting struct {
	Attempt int    `json:"attempt"`
	InMs    int64  `json:"in_ms"`
	Reason  string `json:"reason"`
}

// Reconnected: the seat was resumed; the Missed events that arrived
// meanwhile follow, each exactly once, then live events. Uploads under way
// carry on from where the host got to; downloads under way failed
// (unreachable) and resume by offset when asked again.
type Reconnected struct {
	Attempt int    `json:"attempt"`
	Missed  uint64 `json:"missed"`
}

func (Presence) Kind() string     { return EventPresence }
func (Reconnecting) Kind() string { return EventReconnecting }
func (Reconnected) Kind() string  { return EventReconnected }
func (Welcome) Kind() string      { return EventWelcome }
func (Message) Kind() string      { return EventMessage }
func (Joined) Kind() string       { return EventJoined }
func (Left) Kind() string         { return EventLeft }
func (Leader) Kind() string       { return EventLeader }
func (Recalled) Kind() string     { return EventRecalled }
func (Kicked) Kind() string       { return EventKicked }
func (Ack) Kind() string          { return EventAck }
func (Closed) Kind() string       { return EventClosed }
func (ErrorEvent) Kind() string   { return EventError }
func (Bans) Kind() string         { return EventBans }
func (File) Kind() string         { return EventFile }
func (Image) Kind() string        { return EventImage }
func (Progress) Kind() string     { return EventProgress }
func (Uploaded) Kind() string     { return EventUploaded }
func (Downloaded) Kind() string   { return EventDownloaded }
func (Typing) Kind() string       { return EventTyping }
func (FileProgress) Kind() string { return EventFileProgress }
func (FileDone) Kind() string     { return EventFileDone }
func (FileFailed) Kind() string   { return EventFileFailed }

// MarshalJSON encodes the welcome; no files or members are empty lists.
func (e Welcome) MarshalJSON() ([]byte, error) {
	type fields Welcome
	if e.Files == nil {
		e.Files = []FileInfo{}
	}
	if e.Members == nil {
		e.Members = []string{}
	}
	return typed(EventWelcome, fields(e))
}

func (e Message) MarshalJSON() ([]byte, error)  { type f Message; return typed(EventMessage, f(e)) }
func (e Joined) MarshalJSON() ([]byte, error)   { type f Joined; return typed(EventJoined, f(e)) }
func (e Left) MarshalJSON() ([]byte, error)     { type f Left; return typed(EventLeft, f(e)) }
func (e Leader) MarshalJSON() ([]byte, error)   { type f Leader; return typed(EventLeader, f(e)) }
func (e Recalled) MarshalJSON() ([]byte, error) { type f Recalled; return typed(EventRecalled, f(e)) }
func (e Kicked) MarshalJSON() ([]byte, error)   { type f Kicked; return typed(EventKicked, f(e)) }
func (e Ack) MarshalJSON() ([]byte, error)      { type f Ack; return typed(EventAck, f(e)) }
func (e Closed) MarshalJSON() ([]byte, error)   { type f Closed; return typed(EventClosed, f(e)) }
func (e Presence) MarshalJSON() ([]byte, error) { type f Presence; return typed(EventPresence, f(e)) }
func (e Reconnecting) MarshalJSON() ([]byte, error) {
	type f Reconnecting
	return typed(EventReconnecting, f(e))
}
func (e Reconnected) MarshalJSON() ([]byte, error) {
	type f Reconnected
	return typed(EventReconnected, f(e))
}
func (e ErrorEvent) MarshalJSON() ([]byte, error) {
	type f ErrorEvent
	return typed(EventError, f(e))
}
func (e Bans) MarshalJSON() ([]byte, error)   { type f Bans; return typed(EventBans, f(e)) }
func (e Typing) MarshalJSON() ([]byte, error) { type f Typing; return typed(EventTyping, f(e)) }
func (e FileProgress) MarshalJSON() ([]byte, error) {
	type f FileProgress
	return typed(EventFileProgress, f(e))
}
func (e FileDone) MarshalJSON() ([]byte, error) { type f FileDone; return typed(EventFileDone, f(e)) }
func (e FileFailed) MarshalJSON() ([]byte, error) {
	type f FileFailed
	return typed(EventFileFailed, f(e))
}
func (e File) MarshalJSON() ([]byte, error)     { type f File; return typed(EventFile, f(e)) }
func (e Image) MarshalJSON() ([]byte, error)    { type f Image; return typed(EventImage, f(e)) }
func (e Progress) MarshalJSON() ([]byte, error) { type f Progress; return typed(EventProgress, f(e)) }
func (e Uploaded) MarshalJSON() ([]byte, error) { type f Uploaded; return typed(EventUploaded, f(e)) }
func (e Downloaded) MarshalJSON() ([]byte, error) {
	type f Downloaded
	return typed(EventDownloaded, f(e))
}

// typed encodes an event's fields (a struct without methods) and appends
// its "type", which sorts after every field name.
func typed(kind string, fields any) ([]byte, error) {
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	b = b[:len(b)-1] // the closing brace
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(b, `"type":`...)
	b = append(b, '"')
	b = append(b, kind...)
	return append(b, '"', '}'), nil
}

// eventOf converts a frame from the host into an Event; ok is false for
// frames a host must not send.
func eventOf(f wire.Frame) (ev Event, ok bool) {
	switch f := f.(type) {
	case *wire.Welcome:
		ev := Welcome{Seq: f.Seq, Name: f.Name, Leader: f.Leader, Members: f.Members, Room: f.Room, HistoryCount: int(f.History), Files: []FileInfo{}}
		for _, fi := range f.Files {
			ev.Files = append(ev.Files, FileInfo{ID: fi.ID.String(), From: fi.From, Name: fi.Name, Size: int64(fi.Size), SHA256: hex.EncodeToString(fi.SHA256), Time: fi.Time, Uploading: len(fi.SHA256) == 0})
		}
		return ev, true
	case *wire.File:
		return File{Seq: f.Seq, ID: f.ID.String(), From: f.From, Name: f.Name, Size: int64(f.Size), SHA256: hex.EncodeToString(f.SHA256), Time: f.Time, History: f.History, Uploading: len(f.SHA256) == 0}, true
	case *wire.FileProgress:
		return FileProgress{ID: f.ID.String(), Received: int64(f.Received)}, true
	case *wire.FileDone:
		return FileDone{Seq: f.Seq, ID: f.ID.String(), SHA256: hex.EncodeToString(f.SHA256)}, true
	case *wire.FileFailed:
		return FileFailed{Seq: f.Seq, ID: f.ID.String(), Code: f.Code, Message: f.Message}, true
	case *wire.Image:
		return Image{Seq: f.Seq, ID: f.ID.String(), From: f.From, Mime: f.Mime, Size: int64(f.Size), SHA256: hex.EncodeToString(f.SHA256), Time: f.Time, History: f.History}, true
	case *wire.Message:
		ev := Message{Seq: f.Seq, ID: f.ID.String(), From: f.From, To: f.To, Text: f.Text, Time: f.Time, History: f.History}
		if f.ReplyTo != uuid.Nil {
			ev.ReplyTo = f.ReplyTo.String()
		}
		return ev, true
	case *wire.PeerTyping:
		return Typing{From: f.From, To: f.To}, true
	case *wire.Joined:
		return Joined{Seq: f.Seq, Name: f.Name}, true
	case *wire.Presence:
		return Presence{Seq: f.Seq, Name: f.Name, State: f.State}, true
	case *wire.Left:
		return Left{Seq: f.Seq, Name: f.Name, Reason: f.Reason}, true
	case *wire.Leader:
		return Leader{Seq: f.Seq, Name: f.Name}, true
	case *wire.Recalled:
		return Recalled{Seq: f.Seq, ID: f.ID.String(), By: f.By}, true
	case *wire.Kicked:
		return Kicked{By: f.By, Reason: f.Reason, Banned: f.Banned}, true
	case *wire.Ack:
		ev := Ack{Ref: f.Ref}
		if f.ID != [16]byte{} {
			ev.ID = f.ID.String()
		}
		return ev, true
	case *wire.Closed:
		return Closed{Reason: f.Reason}, true
	case *wire.Bans:
		return Bans{Names: f.Names}, true
	case *wire.ErrorFrame:
		return ErrorEvent{Ref: f.Ref, Code: f.Code, Message: f.Message}, true
	}
	return nil, false
}
