// Command fakehost is a malicious room host for the end-to-end tests: it
// speaks the wire protocol over TLS on loopback and puts markup, script
// and deceptive links in everything a host sends that a member's UI shows
// (room name, names, history, messages, file names, a refusal's message).
// A member's app must show all of it as text (issue 10, "a malicious
// host"). It is a test helper, never part of the wetalk binary:
//
//	go build -o fakehost ./tests/fakehost && ./fakehost
//
// It prints one JSON line, {"type":"fakehost","invite":...,"payloads":{...}},
// once it listens (the payloads are what the test looks for), serves every
// connection until SIGTERM, and keeps no state on disk once it ends.
//
// Each joiner is welcomed into the room with the history below, then sent
// live messages, a private message, a file and a join; a joiner who asks
// to be called "Refused" is refused with bad_name and a hostile message.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"

	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// Payloads are the hostile texts, each set where a host can put it. Any
// of them that ran would set window.__pwned.
type Payloads struct {
	Room      string `json:"room"`
	Leader    string `json:"leader"`
	Member    string `json:"member"`
	Joiner    string `json:"joiner"`
	History   string `json:"history"`
	Script    string `json:"script"`
	JSLink    string `json:"jsLink"`
	Deceptive string `json:"deceptive"`
	// DeceptiveTarget is where Deceptive's link really goes.
	DeceptiveTarget string `json:"deceptiveTarget"`
	DM              string `json:"dm"`
	FileName        string `json:"fileName"`
	HistoryFile     string `json:"historyFile"`
	Refusal         string `json:"refusal"`
}

var payloads = Payloads{
	Room:            `<img src=x onerror="window.__pwned='room'">`,
	Leader:          `<b onmouseover=__pwned=1>L</b>`,
	Member:          `<svg onload=__pwned='member'>`,
	Joiner:          `<img src=x onerror=__pwned=9>`,
	History:         `<img src=x onerror="window.__pwned='history'"> old news`,
	Script:          `<script>window.__pwned='script'</script>live <iframe src="javascript:parent.__pwned='iframe'"></iframe>`,
	JSLink:          `[click me](javascript:window.__pwned='link') and <a href="javascript:window.__pwned='a'">this</a>`,
	Deceptive:       `log in at [https://bank.example/login](https://evil.example/phish)`,
	DeceptiveTarget: `https://evil.example/phish`,
	DM:              `<img src=x onerror="window.__pwned='dm'"> just for you`,
	FileName:        `<img src=x onerror=__pwned='file'>.txt`,
	HistoryFile:     `<script>__pwned='old file'</script>.pdf`,
	Refusal:         `<img src=x onerror="window.__pwned='refusal'"> not allowed`,
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fakehost:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "wetalk-fakehost-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, invite, err := listen(dir)
	if err != nil {
		return err
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"type": "fakehost", "invite": invite, "payloads": payloads})
	return acceptLoop(ctx, ln)
}

// listen listens on loopback with a host key kept in dir and returns the
// listener and its invite.
func listen(dir string) (net.Listener, string, error) {
	id, err := secure.LoadOrCreateIdentity(dir)
	if err != nil {
		return nil, "", err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", secure.ServerConfig(id))
	if err != nil {
		return nil, "", err
	}
	return ln, secure.FormatInvite(ln.Addr().String(), id.Fingerprint), nil
}

// acceptLoop serves every connection on ln until ctx ends (nil) or
// accepting fails.
func acceptLoop(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go serve(ctx, c)
	}
}

// serve plays the host for one connection until it ends or ctx does.
func serve(ctx context.Context, c net.Conn) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	r := wire.NewReader(c)
	send := func(fs ...wire.Frame) error {
		var b []byte
		for _, f := range fs {
			var err error
			if b, err = wire.Append(b, f); err != nil {
				return err
			}
		}
		_, err := c.Write(b)
		return err
	}
	f, err := r.ReadMessage()
	hello, ok := f.(*wire.Hello)
	if err != nil || !ok {
		return
	}
	if hello.Name == "Refused" {
		send(&wire.ErrorFrame{Code: wire.CodeBadName, Message: payloads.Refusal})
		return
	}
	now := time.Now()
	sum := sha256.Sum256([]byte("x"))
	seq := uint64(1)
	next := func() uint64 { seq++; return seq }
	if send(
		&wire.Welcome{
			Room: payloads.Room, RoomID: uuid.New(), Seq: seq, Name: hello.Name, MemberID: uuid.New(),
			Leader: payloads.Leader, Members: []string{payloads.Leader, payloads.Member, hello.Name}, History: 2,
			Files: []wire.FileInfo{{ID: uuid.New(), From: payloads.Member, Name: payloads.HistoryFile, Size: 1, SHA256: sum[:], Time: now}},
		},
		&wire.Message{Seq: next(), ID: uuid.New(), From: payloads.Member, Text: payloads.History, Time: now.Add(-time.Minute), History: true},
		&wire.File{Seq: next(), ID: uuid.New(), From: payloads.Leader, Name: payloads.HistoryFile, Size: 1, SHA256: sum[:], Time: now.Add(-time.Minute), History: true},
		&wire.Message{Seq: next(), ID: uuid.New(), From: payloads.Leader, Text: payloads.Script, Time: now},
		&wire.Message{Seq: next(), ID: uuid.New(), From: payloads.Member, Text: payloads.JSLink, Time: now},
		&wire.Message{Seq: next(), ID: uuid.New(), From: payloads.Leader, Text: payloads.Deceptive, Time: now},
		&wire.Message{Seq: next(), ID: uuid.New(), From: payloads.Member, To: hello.Name, Text: payloads.DM, Time: now},
		&wire.File{Seq: next(), ID: uuid.New(), From: payloads.Member, Name: payloads.FileName, Size: 1, SHA256: sum[:], Time: now},
		&wire.Joined{Seq: next(), Name: payloads.Joiner},
	) != nil {
		return
	}
	// Then it behaves: pongs for pings, acks for messages, so that the
	// member stays connected while the test looks.
	for {
		f, err := r.ReadMessage()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *wire.Ping:
			err = send(&wire.Pong{})
		case *wire.Send:
			id := uuid.New()
			err = send(&wire.Ack{Ref: f.Ref, ID: id}, &wire.Message{Seq: next(), ID: id, From: hello.Name, Text: f.Text, Time: time.Now()})
		case *wire.Leave:
			return
		}
		if err != nil {
			return
		}
	}
}
