package client

import (
	"encoding/hex"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/wire"
)

// Event types, as the command-line contract names them.
const (
	EventWelcome  = "welcome"
	EventMessage  = "message"
	EventJoined   = "joined"
	EventLeft     = "left"
	EventLeader   = "leader"
	EventRecalled = "recalled"
	EventKicked   = "kicked"
	EventAck      = "ack"
	EventClosed   = "closed"
	EventError    = "error"
	EventBans     = "bans"
	EventTyping   = "typing"

	EventFile       = "file"
	EventImage      = "image"
	EventProgress   = "progress"
	EventUploaded   = "uploaded"
	EventDownloaded = "downloaded"
)

// Event is one thing that happened, as a member sees it. Which fields are
// set depends on Type; the JSON names are those of the command-line
// contract (shared/spec/cli.md).
type Event struct {
	Type    string    `json:"type"`
	Seq     uint64    `json:"seq,omitempty"`
	ID      string    `json:"id,omitempty"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Text    string    `json:"text,omitempty"`
	Time    time.Time `json:"time,omitzero"`
	History bool      `json:"history,omitempty"`
	Name    string    `json:"name,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	By      string    `json:"by,omitempty"`
	Leader  string    `json:"leader,omitempty"`
	Members []string  `json:"members,omitempty"`
	Banned  bool      `json:"banned,omitempty"`
	Room    string    `json:"room,omitempty"`
	Ref     string    `json:"ref,omitempty"`
	Code    wire.Code `json:"code,omitempty"`
	Message string    `json:"message,omitempty"`
	// ReplyTo, on message, is the id of the message it answers.
	ReplyTo string `json:"reply_to,omitempty"`
	// HistoryCount, on welcome, is how many history messages follow.
	HistoryCount int `json:"history_count,omitempty"`
	// Names, on bans, lists the banned names (sent to the leader).
	Names []string `json:"names,omitempty"`

	// Files, on welcome, lists the files shared so far.
	Files []FileInfo `json:"files,omitempty"`
	// Size, SHA256 (hex) and Mime describe a file or image.
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Mime   string `json:"mime,omitempty"`
	// File is the file id on uploaded and downloaded; Path where a
	// download was saved.
	File string `json:"file,omitempty"`
	Path string `json:"path,omitempty"`
	// Transfer (the file id), Direction (up or down), Done and Total
	// (bytes) describe a transfer's progress.
	Transfer  string `json:"transfer,omitempty"`
	Direction string `json:"direction,omitempty"`
	Done      int64  `json:"done,omitempty"`
	Total     int64  `json:"total,omitempty"`
}

// eventOf converts a frame from the host into an Event; ok is false for
// frames a host must not send.
func eventOf(f wire.Frame) (ev Event, ok bool) {
	switch f := f.(type) {
	case *wire.Welcome:
		ev := Event{Type: EventWelcome, Seq: f.Seq, Name: f.Name, Leader: f.Leader, Members: f.Members, Room: f.Room, HistoryCount: int(f.History)}
		for _, fi := range f.Files {
			ev.Files = append(ev.Files, FileInfo{ID: fi.ID.String(), From: fi.From, Name: fi.Name, Size: int64(fi.Size), SHA256: hex.EncodeToString(fi.SHA256), Time: fi.Time})
		}
		return ev, true
	case *wire.File:
		return Event{Type: EventFile, Seq: f.Seq, ID: f.ID.String(), From: f.From, Name: f.Name, Size: int64(f.Size), SHA256: hex.EncodeToString(f.SHA256), Time: f.Time, History: f.History}, true
	case *wire.Image:
		return Event{Type: EventImage, Seq: f.Seq, ID: f.ID.String(), From: f.From, Mime: f.Mime, Size: int64(f.Size), SHA256: hex.EncodeToString(f.SHA256), Time: f.Time, History: f.History}, true
	case *wire.Message:
		ev := Event{Type: EventMessage, Seq: f.Seq, ID: f.ID.String(), From: f.From, To: f.To, Text: f.Text, Time: f.Time, History: f.History}
		if f.ReplyTo != uuid.Nil {
			ev.ReplyTo = f.ReplyTo.String()
		}
		return ev, true
	case *wire.PeerTyping:
		return Event{Type: EventTyping, From: f.From, To: f.To}, true
	case *wire.Joined:
		return Event{Type: EventJoined, Seq: f.Seq, Name: f.Name}, true
	case *wire.Left:
		return Event{Type: EventLeft, Seq: f.Seq, Name: f.Name, Reason: f.Reason}, true
	case *wire.Leader:
		return Event{Type: EventLeader, Seq: f.Seq, Name: f.Name}, true
	case *wire.Recalled:
		return Event{Type: EventRecalled, Seq: f.Seq, ID: f.ID.String(), By: f.By}, true
	case *wire.Kicked:
		return Event{Type: EventKicked, By: f.By, Reason: f.Reason, Banned: f.Banned}, true
	case *wire.Ack:
		ev := Event{Type: EventAck, Ref: f.Ref}
		if f.ID != [16]byte{} {
			ev.ID = f.ID.String()
		}
		return ev, true
	case *wire.Closed:
		return Event{Type: EventClosed, Reason: f.Reason}, true
	case *wire.Bans:
		return Event{Type: EventBans, Names: f.Names}, true
	case *wire.ErrorFrame:
		return Event{Type: EventError, Ref: f.Ref, Code: f.Code, Message: f.Message}, true
	}
	return Event{}, false
}
