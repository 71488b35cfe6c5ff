//go:build ignore

// gen_messages writes messages.go from the table below: each frame's type
// number, its name in the protocol document, its struct, and its encoder and
// decoder, so that none of them can drift apart. To add a frame, add a row
// and run `go generate ./backend/wire`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"slices"
	"strings"
)

// field is one field of a frame body, in wire order.
type field struct {
	name string // Go field name
	kind string // Go type; one of the keys of kinds
	what string // what a decoding error calls it
	max  string // the limit, a constant of the package, for kinds that take one
}

// msg is one frame type.
type msg struct {
	name   string // Go struct name
	num    byte   // type number; never reused
	wire   string // name in docs/protocol.md, and Type.String
	doc    string // the struct's doc comment
	fields []field
}

// Field helpers for the table: the common fields are written once.
var (
	ref      = field{"Ref", "string", "ref", "MaxRef"}
	seq      = field{"Seq", "uint64", "seq", ""}
	id       = field{"ID", "uuid.UUID", "id", ""}
	transfer = field{"Transfer", "uuid.UUID", "transfer", ""}
	offset   = field{"Offset", "uint64", "offset", ""}
	sha      = field{"SHA256", "[]byte", "sha256", "HashSize"}
	at       = field{"Time", "time.Time", "time", ""}
	history  = field{"History", "bool", "history", ""}
	code     = field{"Code", "Code", "code", "MaxCode"}
	errText  = field{"Message", "string", "message", "MaxErrorText"}
	mime     = field{"Mime", "string", "mime", "MaxMime"}
	size     = field{"Size", "uint64", "size", ""}
	data     = field{"Data", "[]byte", "data", "MaxChunk"}
)

func name(goName, what string) field      { return field{goName, "string", what, "MaxNameBytes"} }
func text(goName, what, max string) field { return field{goName, "string", what, max} }
func num(goName, what string) field       { return field{goName, "uint64", what, ""} }
func boolean(goName, what string) field   { return field{goName, "bool", what, ""} }
func uid(goName, what string) field       { return field{goName, "uuid.UUID", what, ""} }

// Commands go from client to host (0x01–0x3f), events from host to client
// (0x40–0x7f). TypeError keeps its number and layout in every version.
var msgs = []msg{
	{"Hello", 0x01, "hello", "Hello opens a connection: magic and version, then who is asking to join. With ResumeMember set it asks for that member's held seat back instead, proving it with ResumeSecret (the welcome's Resume); ResumeAfter is how many counted frames (see Counted) the client received since its welcome.", []field{
		{"Magic", "[4]byte", "magic", ""}, {"Version", "uint16", "version", ""},
		name("Name", "name"), uid("ClientID", "client id"),
		{"Password", "[]byte", "password", "MaxPassword"},
		uid("ResumeMember", "resume member"), {"ResumeSecret", "[]byte", "resume secret", "ResumeSecretSize"}, num("ResumeAfter", "resume after")}},
	{"Send", 0x02, "send", "Send posts a chat message to the room; ReplyTo, if not zero, is the id of the message it answers.", []field{
		ref, text("Text", "text", "MaxText"), uid("ReplyTo", "reply to")}},
	{"DM", 0x03, "dm", "DM sends a private message to one member; ReplyTo, if not zero, is the id of the message it answers.", []field{
		ref, name("To", "to"), text("Text", "text", "MaxText"), uid("ReplyTo", "reply to")}},
	{"Recall", 0x04, "recall", "Recall withdraws a message, image or file from the room.", []field{ref, id}},
	{"Kick", 0x05, "kick", "Kick removes a member (leader only), optionally banning them.", []field{
		ref, name("Name", "name"), text("Reason", "reason", "MaxReason"), boolean("Ban", "ban")}},
	{"Unban", 0x06, "unban", "Unban lifts a ban (leader only).", []field{ref, name("Name", "name")}},
	{"Handover", 0x07, "handover", "Handover makes another member the leader (leader only).", []field{ref, name("Name", "name")}},
	{"Leave", 0x08, "leave", "Leave says goodbye; the host then closes the connection.", nil},
	{"Typing", 0x09, "typing", "Typing says the member is typing: to the room (To empty) or privately to one member. It is a replaceable update: never acknowledged, never stored.", []field{
		name("To", "to")}},
	{"Ping", 0x0a, "ping", "Ping is the client's heartbeat, sent every PingInterval; the host answers Pong. A host that hears nothing from a member for PingTimeout drops it.", nil},

	{"UploadBegin", 0x10, "upload_begin", "UploadBegin asks to share a file (or, with Image, an image) of Size bytes. The host checks its limits before any byte moves and answers UploadReady or an ErrorFrame carrying Ref.", []field{
		ref, text("Name", "name", "MaxFileName"), size, boolean("Image", "image")}},
	{"UploadChunk", 0x11, "upload_chunk", "UploadChunk carries the bytes of an upload at Offset; chunks come in order, without gaps.", []field{
		uid("Upload", "upload"), offset, data}},
	{"UploadEnd", 0x12, "upload_end", "UploadEnd ends an upload, with the SHA-256 of all its bytes, which the host checks before it announces the file, or with none (what WeTalk's client sends: TLS keeps the bytes intact, so its hash could only repeat the host's): the host's own hash of what it received then stands.", []field{
		uid("Upload", "upload"), sha}},
	{"Cancel", 0x13, "cancel", "Cancel abandons an upload or a download in progress.", []field{transfer}},
	{"Download", 0x14, "download", "Download asks for a shared file from Offset. Transfer is chosen by the client; Window is how many Chunk frames the host may send before it waits for Credit.", []field{
		ref, transfer, uid("File", "file"), offset, num("Window", "window")}},
	{"UploadResume", 0x16, "upload_resume", "UploadResume asks, after a resumed seat, to carry on with an upload the lost connection had begun; the host answers UploadReady with the Offset it has (send from there) or an ErrorFrame carrying Ref.", []field{
		ref, uid("Upload", "upload")}},
	{"Credit", 0x15, "credit", "Credit lets the host send Chunks more Chunk frames of a download.", []field{transfer, num("Chunks", "chunks")}},

	{"Welcome", 0x40, "welcome", "Welcome admits a member: the name it got and the room as it is now. History follows as Message frames marked History. Resume is the member's resume secret (ResumeSecretSize random bytes).", []field{
		text("Room", "room", "MaxRoomBytes"), uid("RoomID", "room id"), seq,
		name("Name", "name"), uid("MemberID", "member id"), name("Leader", "leader"),
		{"Members", "[]string", "members", "MaxNameBytes"}, num("History", "history count"),
		{"Files", "[]FileInfo", "files", ""}, {"Resume", "[]byte", "resume", "ResumeSecretSize"}}},
	{"Message", 0x41, "message", "Message is a chat message, public (To empty) or private; ReplyTo, if not zero, is the id of the message it answers.", []field{
		seq, id, name("From", "from"), name("To", "to"), text("Text", "text", "MaxText"), at, history, uid("ReplyTo", "reply to")}},
	{"Joined", 0x42, "joined", "Joined tells the room a member came in.", []field{seq, name("Name", "name")}},
	{"Left", 0x43, "left", "Left tells the room a member went: Reason is left, kicked or disconnected.", []field{
		seq, name("Name", "name"), text("Reason", "reason", "MaxReason")}},
	{"Leader", 0x44, "leader", "Leader names the room's new leader.", []field{seq, name("Name", "name")}},
	{"Recalled", 0x45, "recalled", "Recalled says a message was withdrawn, by its author or the leader.", []field{seq, id, name("By", "by")}},
	{"Kicked", 0x46, "kicked", "Kicked is the last frame a kicked member receives.", []field{
		name("By", "by"), text("Reason", "reason", "MaxReason"), boolean("Banned", "banned")}},
	{"Ack", 0x47, "ack", "Ack confirms a command; ID names what it created, if anything.", []field{ref, id}},
	{"Closed", 0x48, "closed", "Closed is the last frame of a room its host closed.", []field{text("Reason", "reason", "MaxReason")}},
	{"PeerTyping", 0x4a, "peer_typing", "PeerTyping says a member is typing, to the room (To empty) or privately to the receiver. It has no seq and is never part of the history.", []field{
		name("From", "from"), name("To", "to")}},
	{"Pong", 0x4b, "pong", "Pong answers a Ping. A client that hears nothing from the host for PingTimeout reports the connection lost.", nil},
	{"Presence", 0x4c, "presence", "Presence tells the room a member's link dropped (State reconnecting) or came back (State back); the seat is kept meanwhile.", []field{
		seq, name("Name", "name"), text("State", "state", "MaxCode")}},
	{"Resumed", 0x4d, "resumed", "Resumed admits a member back into its seat; the Missed frames it had not received follow, then live frames.", []field{
		num("Missed", "missed")}},
	{"Bans", 0x49, "bans", "Bans lists the names banned from the room; sent to the leader when it changes.", []field{
		{"Names", "[]string", "names", "MaxNameBytes"}}},

	{"File", 0x50, "file", "File announces a file shared with the room: complete and verified, or (SHA256 empty) still being uploaded, when FileDone or FileFailed follows. Members may download it either way.", []field{
		seq, id, name("From", "from"), text("Name", "name", "MaxFileName"), size, sha, at, history}},
	{"Image", 0x51, "image", "Image announces an image shared with the room; its bytes are fetched like a file's.", []field{
		seq, id, name("From", "from"), mime, size, sha, at, history}},
	{"UploadReady", 0x52, "upload_ready", "UploadReady accepts an UploadBegin: send the bytes from Offset under the id Upload.", []field{
		ref, uid("Upload", "upload"), offset}},
	{"DownloadReady", 0x53, "download_ready", "DownloadReady accepts a Download: Chunk frames follow from Offset.", []field{
		ref, transfer, uid("File", "file"), text("Name", "name", "MaxFileName"), mime, size, sha, offset}},
	{"Chunk", 0x54, "chunk", "Chunk carries the bytes of a download at Offset.", []field{transfer, offset, data}},
	{"Abort", 0x55, "abort", "Abort ends an upload or download the host can no longer carry on: the file was recalled, the disk is full, the room was wiped.", []field{
		transfer, code, errText}},

	{"FileProgress", 0x5a, "file_progress", "FileProgress says how many bytes of a file still being uploaded the host has received. It is a replaceable update: no seq, never stored, dropped for a member whose queue is full.", []field{
		id, num("Received", "received")}},
	{"FileDone", 0x5b, "file_done", "FileDone says a file announced while uploading is complete; SHA256 is what its bytes were verified against.", []field{
		seq, id, sha}},
	{"FileFailed", 0x5c, "file_failed", "FileFailed says the upload of a file announced while uploading failed (Code, Message): the file leaves the room and its history, and its downloads end with upload_failed.", []field{
		seq, id, code, errText}},

	{"ErrorFrame", 0x7f, "error", "ErrorFrame reports a refused command or admission. Its type number and layout never change between versions.", []field{
		ref, code, errText}},
}

// kinds maps each field type to its encoder and decoder; %[1]s is the
// field's name, %[2]q what errors call it, %[3]s its limit.
var kinds = map[string]struct{ enc, dec string }{
	"string":     {"appendStr(b, m.%[1]s)", `m.%[1]s = d.str(%[2]q, %[3]s)`},
	"[]byte":     {"appendBytes(b, m.%[1]s)", `m.%[1]s = clone(d.bytes(%[2]q, %[3]s))`},
	"uint64":     {"appendUvarint(b, m.%[1]s)", `m.%[1]s = d.uvarint(%[2]q)`},
	"uint16":     {"appendUvarint(b, uint64(m.%[1]s))", `m.%[1]s = uint16(d.bounded(%[2]q, 1<<16-1))`},
	"uuid.UUID":  {"appendID(b, m.%[1]s)", `m.%[1]s = d.id(%[2]q)`},
	"bool":       {"appendBool(b, m.%[1]s)", `m.%[1]s = d.boolean(%[2]q)`},
	"time.Time":  {"appendTime(b, m.%[1]s)", `m.%[1]s = d.time(%[2]q)`},
	"[]string":   {"appendStrs(b, m.%[1]s)", `m.%[1]s = d.strs(%[2]q, MaxListLen, %[3]s)`},
	"Code":       {"appendStr(b, string(m.%[1]s))", `m.%[1]s = Code(d.str(%[2]q, %[3]s))`},
	"[4]byte":    {"append(b, m.%[1]s[:]...)", `m.%[1]s = d.magic()`},
	"[]FileInfo": {"appendFiles(b, m.%[1]s)", `m.%[1]s = d.files(%[2]q)`},
}

func main() {
	out := flag.String("o", "messages.go", "the file to write")
	flag.Parse()
	check()
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("// Code generated by gen_messages.go; DO NOT EDIT.\n")
	p("package wire\n")
	p("import (\n\t\"time\"\n\n\t\"github.com/google/uuid\"\n)\n")
	p("var _ = time.Time{}\n")

	p("// Frame types. Commands go from client to host (0x01–0x3f), events from")
	p("// host to client (0x40–0x7f). TypeError keeps its number and layout in")
	p("// every version so that a version mismatch can always be reported.")
	p("const (")
	sorted := slices.Clone(msgs)
	slices.SortFunc(sorted, func(a, b msg) int { return int(a.num) - int(b.num) })
	for i, m := range sorted {
		if i > 0 && m.num>>4 != sorted[i-1].num>>4 {
			p("")
		}
		p("\t// Type%s is the type of %s: %s.", typeName(m), m.name, layout(m))
		p("\tType%s Type = 0x%02x", typeName(m), m.num)
	}
	p(")\n")

	p("// typeNames names the types as docs/protocol.md does.")
	p("var typeNames = map[Type]string{")
	for _, m := range sorted {
		p("\tType%s: %q,", typeName(m), m.wire)
	}
	p("}\n")

	for _, m := range msgs {
		p("// %s\ntype %s struct {", m.doc, m.name)
		for _, f := range m.fields {
			p("\t%s %s", f.name, f.kind)
		}
		p("}\n")
		p("// Type returns Type%s.\nfunc (*%s) Type() Type { return Type%s }\n", typeName(m), m.name, typeName(m))
		if slices.ContainsFunc(m.fields, func(f field) bool { return f.name == "Ref" }) {
			p("// CommandRef returns the reference the client attached.\nfunc (m *%s) CommandRef() string { return m.Ref }\n", m.name)
		}
		p("func (m *%s) appendBody(b []byte) []byte {", m.name)
		for _, f := range m.fields {
			p("\tb = "+kinds[f.kind].enc, f.name)
		}
		p("\treturn b\n}\n")
		p("func (m *%s) decodeBody(d *decoder) error {", m.name)
		for _, f := range m.fields {
			p("\t"+kinds[f.kind].dec, f.name, f.what, f.max)
		}
		p("\treturn d.err\n}\n")
	}

	p("// newMessage returns an empty frame of type t, or nil for an unknown type.")
	p("func newMessage(t Type) Frame {\n\tswitch t {")
	for _, m := range msgs {
		p("\tcase Type%s:\n\t\treturn new(%s)", typeName(m), m.name)
	}
	p("\t}\n\treturn nil\n}")

	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatalf("gen_messages: %v\n%s", err, b.Bytes())
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// typeName is the suffix of the type's constant: the struct's name, except
// for ErrorFrame, whose constant is TypeError.
func typeName(m msg) string { return strings.TrimSuffix(m.name, "Frame") }

// layout lists a frame's fields for its constant's comment.
func layout(m msg) string {
	if len(m.fields) == 0 {
		return "no body"
	}
	var w []string
	for _, f := range m.fields {
		w = append(w, f.what)
	}
	return strings.Join(w, ", ")
}

// check stops the generator on a table that would not make a sound protocol:
// a number or name used twice, a field kind without a codec, a limit missing.
func check() {
	nums, wires := map[byte]string{}, map[string]string{}
	for _, m := range msgs {
		if other, ok := nums[m.num]; ok {
			log.Fatalf("gen_messages: %s and %s both have type number 0x%02x", other, m.name, m.num)
		}
		if other, ok := wires[m.wire]; ok {
			log.Fatalf("gen_messages: %s and %s are both called %q", other, m.name, m.wire)
		}
		nums[m.num], wires[m.wire] = m.name, m.name
		if m.num == 0 || m.num > 0x7f {
			log.Fatalf("gen_messages: %s: type number 0x%02x is outside 0x01–0x7f", m.name, m.num)
		}
		for _, f := range m.fields {
			k, ok := kinds[f.kind]
			if !ok {
				log.Fatalf("gen_messages: %s.%s: no codec for kind %s", m.name, f.name, f.kind)
			}
			if strings.Contains(k.dec, "%[3]s") != (f.max != "") {
				log.Fatalf("gen_messages: %s.%s: kind %s and limit %q do not go together", m.name, f.name, f.kind, f.max)
			}
		}
	}
}
