#!/usr/bin/env python3
"""Generates messages.go: each frame's struct, Type, appendBody and decodeBody
from one table, so that encoder and decoder cannot drift apart.
Run with `go generate ./backend/wire` after editing the table."""

MSGS = [
 ("Hello", "TypeHello", "Hello opens a connection: magic and version, then who is asking to join.", [
   ("Magic","[4]byte","magic",None),("Version","uint16","version",None),
   ("Name","string","name","MaxName*4"),("ClientID","uuid.UUID","client id",None),
   ("Password","[]byte","password","1024")]),
 ("Send","TypeSend","Send posts a chat message to the room.",[("Ref","string","ref","MaxRef"),("Text","string","text","MaxText")]),
 ("DM","TypeDM","DM sends a private message to one member.",[("Ref","string","ref","MaxRef"),("To","string","to","MaxName*4"),("Text","string","text","MaxText")]),
 ("Recall","TypeRecall","Recall withdraws a message, image or file from the room.",[("Ref","string","ref","MaxRef"),("ID","uuid.UUID","id",None)]),
 ("Kick","TypeKick","Kick removes a member (leader only), optionally banning them.",[("Ref","string","ref","MaxRef"),("Name","string","name","MaxName*4"),("Reason","string","reason","MaxReason"),("Ban","bool","ban",None)]),
 ("Unban","TypeUnban","Unban lifts a ban (leader only).",[("Ref","string","ref","MaxRef"),("Name","string","name","MaxName*4")]),
 ("Handover","TypeHandover","Handover makes another member the leader (leader only).",[("Ref","string","ref","MaxRef"),("Name","string","name","MaxName*4")]),
 ("Leave","TypeLeave","Leave says goodbye; the host then closes the connection.",[]),
 ("Welcome","TypeWelcome","Welcome admits a member: the name it got and the room as it is now. History follows as Message frames marked History.",[
   ("Room","string","room","MaxReason"),("RoomID","uuid.UUID","room id",None),("Seq","uint64","seq",None),
   ("Name","string","name","MaxName*4"),("MemberID","uuid.UUID","member id",None),("Leader","string","leader","MaxName*4"),
   ("Members","[]string","members",None),("History","uint64","history count",None),
   ("Files","[]FileInfo","files",None)]),
 ("Message","TypeMessage","Message is a chat message, public (To empty) or private.",[
   ("Seq","uint64","seq",None),("ID","uuid.UUID","id",None),("From","string","from","MaxName*4"),("To","string","to","MaxName*4"),
   ("Text","string","text","MaxText"),("Time","time.Time","time",None),("History","bool","history",None)]),
 ("Joined","TypeJoined","Joined tells the room a member came in.",[("Seq","uint64","seq",None),("Name","string","name","MaxName*4")]),
 ("Left","TypeLeft","Left tells the room a member went: Reason is left, kicked or disconnected.",[("Seq","uint64","seq",None),("Name","string","name","MaxName*4"),("Reason","string","reason","MaxReason")]),
 ("Leader","TypeLeader","Leader names the room's new leader.",[("Seq","uint64","seq",None),("Name","string","name","MaxName*4")]),
 ("Recalled","TypeRecalled","Recalled says a message was withdrawn, by its author or the leader.",[("Seq","uint64","seq",None),("ID","uuid.UUID","id",None),("By","string","by","MaxName*4")]),
 ("Kicked","TypeKicked","Kicked is the last frame a kicked member receives.",[("By","string","by","MaxName*4"),("Reason","string","reason","MaxReason"),("Banned","bool","banned",None)]),
 ("Ack","TypeAck","Ack confirms a command; ID names what it created, if anything.",[("Ref","string","ref","MaxRef"),("ID","uuid.UUID","id",None)]),
 ("Closed","TypeClosed","Closed is the last frame of a room its host closed.",[("Reason","string","reason","MaxReason")]),
 ("Bans","TypeBans","Bans lists the names banned from the room; sent to the leader when it changes.",[("Names","[]string","names",None)]),
 ("UploadBegin","TypeUploadBegin","UploadBegin asks to share a file (or, with Image, an image) of Size bytes. The host checks its limits before any byte moves and answers UploadReady or an ErrorFrame carrying Ref.",[
   ("Ref","string","ref","MaxRef"),("Name","string","name","MaxFileName"),("Size","uint64","size",None),("Image","bool","image",None)]),
 ("UploadChunk","TypeUploadChunk","UploadChunk carries the bytes of an upload at Offset; chunks come in order, without gaps.",[
   ("Upload","uuid.UUID","upload",None),("Offset","uint64","offset",None),("Data","[]byte","data","MaxChunk")]),
 ("UploadEnd","TypeUploadEnd","UploadEnd ends an upload with the SHA-256 of all its bytes; the host announces the file only if it matches.",[
   ("Upload","uuid.UUID","upload",None),("SHA256","[]byte","sha256","32")]),
 ("Cancel","TypeCancel","Cancel abandons an upload or a download in progress.",[("Transfer","uuid.UUID","transfer",None)]),
 ("Download","TypeDownload","Download asks for a shared file from Offset. Transfer is chosen by the client; Window is how many Chunk frames the host may send before it waits for Credit.",[
   ("Ref","string","ref","MaxRef"),("Transfer","uuid.UUID","transfer",None),("File","uuid.UUID","file",None),("Offset","uint64","offset",None),("Window","uint64","window",None)]),
 ("Credit","TypeCredit","Credit lets the host send Chunks more Chunk frames of a download.",[("Transfer","uuid.UUID","transfer",None),("Chunks","uint64","chunks",None)]),
 ("File","TypeFile","File announces a file shared with the room, complete and verified.",[
   ("Seq","uint64","seq",None),("ID","uuid.UUID","id",None),("From","string","from","MaxName*4"),("Name","string","name","MaxFileName"),
   ("Size","uint64","size",None),("SHA256","[]byte","sha256","32"),("Time","time.Time","time",None),("History","bool","history",None)]),
 ("Image","TypeImage","Image announces an image shared with the room; its bytes are fetched like a file's.",[
   ("Seq","uint64","seq",None),("ID","uuid.UUID","id",None),("From","string","from","MaxName*4"),("Mime","string","mime","64"),
   ("Size","uint64","size",None),("SHA256","[]byte","sha256","32"),("Time","time.Time","time",None),("History","bool","history",None)]),
 ("UploadReady","TypeUploadReady","UploadReady accepts an UploadBegin: send the bytes from Offset under the id Upload.",[
   ("Ref","string","ref","MaxRef"),("Upload","uuid.UUID","upload",None),("Offset","uint64","offset",None)]),
 ("DownloadReady","TypeDownloadReady","DownloadReady accepts a Download: Chunk frames follow from Offset.",[
   ("Ref","string","ref","MaxRef"),("Transfer","uuid.UUID","transfer",None),("File","uuid.UUID","file",None),("Name","string","name","MaxFileName"),
   ("Mime","string","mime","64"),("Size","uint64","size",None),("SHA256","[]byte","sha256","32"),("Offset","uint64","offset",None)]),
 ("Chunk","TypeChunk","Chunk carries the bytes of a download at Offset.",[
   ("Transfer","uuid.UUID","transfer",None),("Offset","uint64","offset",None),("Data","[]byte","data","MaxChunk")]),
 ("Abort","TypeAbort","Abort ends an upload or download the host can no longer carry on: the file was recalled, the disk is full, the room was wiped.",[
   ("Transfer","uuid.UUID","transfer",None),("Code","Code","code","64"),("Message","string","message","MaxReason*4")]),
 ("ErrorFrame","TypeError","ErrorFrame reports a refused command or admission. Its type number and layout never change between versions.",[("Ref","string","ref","MaxRef"),("Code","Code","code","64"),("Message","string","message","MaxReason*4")]),
]

ENC = {"string":"appendStr(b, m.{f})","[]byte":"appendBytes(b, m.{f})","uint64":"appendUvarint(b, m.{f})",
       "uint16":"appendUvarint(b, uint64(m.{f}))","uuid.UUID":"appendID(b, m.{f})","bool":"appendBool(b, m.{f})",
       "time.Time":"appendTime(b, m.{f})","[]string":"appendStrs(b, m.{f})","Code":"appendStr(b, string(m.{f}))",
       "[4]byte":"append(b, m.{f}[:]...)","[]FileInfo":"appendFiles(b, m.{f})"}

def dec(f, t, what, mx):
    return {
        "string": f'm.{f} = d.str("{what}", {mx})',
        "[]byte": f'm.{f} = clone(d.bytes("{what}", {mx}))',
        "uint64": f'm.{f} = d.uvarint("{what}")',
        "uint16": f'm.{f} = uint16(d.bounded("{what}", 1<<16-1))',
        "uuid.UUID": f'm.{f} = d.id("{what}")',
        "bool": f'm.{f} = d.boolean("{what}")',
        "time.Time": f'm.{f} = d.time("{what}")',
        "[]string": f'm.{f} = d.strs("{what}", 1<<16, MaxName*4)',
        "Code": f'm.{f} = Code(d.str("{what}", {mx}))',
        "[4]byte": f'm.{f} = d.magic()',
        "[]FileInfo": f'm.{f} = d.files("{what}")',
    }[t]

def main():
    out = ["// Code generated by gen_messages.py; DO NOT EDIT.\n", "package wire\n",
           'import (\n\t"time"\n\n\t"github.com/google/uuid"\n)\n', "var _ = time.Time{}\n"]
    for name, typ, doc, fields in MSGS:
        out.append(f"// {doc}\ntype {name} struct {{")
        out += [f"\t{f} {t}" for f, t, _, _ in fields]
        out.append("}\n")
        out.append(f"// Type returns {typ}.\nfunc (*{name}) Type() Type {{ return {typ} }}\n")
        if any(f == "Ref" for f, _, _, _ in fields):
            out.append(f"// CommandRef returns the reference the client attached.\nfunc (m *{name}) CommandRef() string {{ return m.Ref }}\n")
        out.append(f"func (m *{name}) appendBody(b []byte) []byte {{")
        out += ["\tb = " + ENC[t].format(f=f) for f, t, _, _ in fields]
        out.append("\treturn b\n}\n")
        out.append(f"func (m *{name}) decodeBody(d *decoder) error {{")
        out += ["\t" + dec(f, t, w, mx) for f, t, w, mx in fields]
        out.append("\treturn d.err\n}\n")
    out.append("// newMessage returns an empty frame of type t, or nil for an unknown type.\nfunc newMessage(t Type) Frame {\n\tswitch t {")
    out += [f"\tcase {typ}:\n\t\treturn new({name})" for name, typ, _, _ in MSGS]
    out.append("\t}\n\treturn nil\n}\n")
    with open("messages.go", "w") as f:
        f.write("\n".join(out))

if __name__ == "__main__":
    main()
