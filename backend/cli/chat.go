package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"wetalk/backend/client"
	"wetalk/backend/profile"
	"wetalk/backend/secure"
	"wetalk/backend/transfer"
	"wetalk/backend/wire"
)

// command is one line of `wetalk chat --json` input.
type command struct {
	Cmd    string `json:"cmd"`
	Ref    string `json:"ref"`
	Text   string `json:"text"`
	To     string `json:"to"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Ban    bool   `json:"ban"`
	Path   string `json:"path"`
	File   string `json:"file"`
	Dir    string `json:"dir"`
	// ReplyTo, on send, is the id of the message answered.
	ReplyTo string `json:"reply_to"`
}

// runChat joins a room and bridges it to stdin (commands) and stdout
// (events), both as JSON lines.
func runChat(ctx context.Context, args []string, env Env) int {
	fs := newFlags("chat", env)
	addr := fs.String("addr", "", "the host's HOST:PORT")
	name := fs.String("name", "", "the nickname to ask for")
	jsonMode := fs.Bool("json", false, "JSON lines on stdin and stdout (the scriptable mode)")
	pin := fs.String("pin", "", "the host key fingerprint to insist on")
	invite := fs.String("invite", "", "an invite link wetalk://HOST:PORT/#FINGERPRINT (gives --addr and --pin)")
	trustNew := fs.Bool("trust-new", false, "accept an unknown host key and remember it")
	passwordFile := fs.String("password-file", "", "file holding the room password")
	stateDir := fs.String("state-dir", "", "folder for known hosts and this client's identity (default: the user's config folder)")
	verbose := fs.Bool("v", false, "log more")
	if ok, status := parse(fs, args); !ok {
		return status
	}
	out := &eventWriter{w: bufio.NewWriter(env.Stdout), json: *jsonMode}
	fail := func(code wire.Code, format string, a ...any) int {
		out.write(client.ErrorEvent{Code: code, Message: fmt.Sprintf(format, a...)})
		return ExitFail
	}
	if (*addr == "") == (*invite == "") {
		fmt.Fprintln(env.Stderr, "wetalk chat: give exactly one of --addr or --invite")
		return ExitUsage
	}
	if *name == "" {
		fmt.Fprintln(env.Stderr, "wetalk chat: --name is required")
		return ExitUsage
	}
	if *pin != "" && *invite != "" {
		fmt.Fprintln(env.Stderr, "wetalk chat: --pin and --invite both name the host key; give one")
		return ExitUsage
	}
	var password []byte
	if *passwordFile != "" {
		var err error
		if password, err = secure.ReadPasswordFile(*passwordFile); err != nil {
			fmt.Fprintf(env.Stderr, "wetalk chat: --password-file: %v\n", err)
			return ExitUsage
		}
	}
	prof, err := profile.Open(*stateDir)
	if err != nil {
		return fail(wire.CodeInternal, "%v", err)
	}
	clientID, err := prof.ClientID()
	if err != nil {
		return fail(wire.CodeInternal, "%v", err)
	}
	known, err := prof.KnownHosts()
	if err != nil {
		return fail(wire.CodeInternal, "%v", err)
	}
	c, err := client.Dial(ctx, client.Config{
		Addr: *addr, Invite: *invite, Name: *name, Pin: *pin, TrustNew: *trustNew,
		KnownHosts: known, Password: password, ClientID: clientID, Log: logger(env, *verbose),
	})
	if err != nil {
		return fail(dialCode(err), "%v", err)
	}
	defer c.Close()

	// Commands are read in their own goroutine: a blocked stdin must not
	// hold up events. It is not waited for; the process exits after Main.
	go readCommands(env.Stdin, c, out)
	interrupted := ctx.Done()
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return exitStatus(c.Err())
			}
			out.write(ev)
		case <-interrupted:
			interrupted = nil
			go c.Leave() // events keep flowing until the host closes
		}
	}
}

// maxCommandLine is the longest input line read as a command: a message
// of wire.MaxText bytes with every byte escaped in JSON ("\u0001" is six
// bytes), and room for the command's other fields.
const maxCommandLine = 6*wire.MaxText + 4096

// readCommands turns input lines into client calls until end of input,
// then leaves the room. A line too long to be a command is refused with
// too_large, and the reading goes on.
func readCommands(in io.Reader, c *client.Client, out *eventWriter) {
	var transfers sync.WaitGroup
	closed := false // the connection ended: nothing to wait for or leave
	err := readLines(in, maxCommandLine, func(raw []byte, tooLong bool) bool {
		if tooLong {
			out.write(client.ErrorEvent{Code: wire.CodeTooLarge, Message: fmt.Sprintf("an input line is at most %d bytes; a longer one was skipped", maxCommandLine)})
			return true
		}
		line := strings.TrimSpace(string(raw))
		if line == "" {
			return true
		}
		var cmd command
		if !out.json {
			cmd = command{Cmd: "send", Text: string(raw)}
		} else if err := json.Unmarshal([]byte(line), &cmd); err != nil {
			out.write(client.ErrorEvent{Code: wire.CodeBadCommand, Message: "not a JSON command: " + err.Error()})
			return true
		}
		if cmd.Cmd == "leave" {
			return false
		}
		if cmd.Cmd == "upload" || cmd.Cmd == "image" || cmd.Cmd == "download" {
			// Transfers run alongside further commands; leaving waits
			// for them.
			transfers.Add(1)
			go func() {
				defer transfers.Done()
				transferCommand(c, cmd, out)
			}()
			return true
		}
		if err := do(c, cmd); err != nil {
			if errors.Is(err, client.ErrClosed) {
				closed = true
				return false
			}
			e := wire.AsError(err)
			out.write(client.ErrorEvent{Ref: cmd.Ref, Code: e.Code, Message: e.Message})
		}
		return true
	})
	if closed {
		return
	}
	if err != nil {
		out.write(client.ErrorEvent{Code: wire.CodeBadCommand, Message: "reading commands: " + err.Error()})
	}
	transfers.Wait()
	c.Leave()
}

// readLines calls fn with each line of in, without its line ending, until
// in ends or fn returns false. A line of more than max bytes is not kept:
// fn is called for it with tooLong and no line, and the reading goes on
// after it. It returns in's error, if not io.EOF.
func readLines(in io.Reader, max int, fn func(line []byte, tooLong bool) bool) error {
	r := bufio.NewReaderSize(in, max+1) // the line and its end
	for {
		line, err := r.ReadSlice('\n')
		tooLong := errors.Is(err, bufio.ErrBufferFull)
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.ReadSlice('\n') // the rest of the line, dropped
		}
		if tooLong {
			line = nil
		}
		if (tooLong || len(line) > 0) && !fn(bytes.TrimRight(line, "\r\n"), tooLong) {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// transferCommand runs an upload, image or download to its end; the
// client emits its progress and its final events, and an error event
// carrying the command's ref says why it failed.
func transferCommand(c *client.Client, cmd command, out *eventWriter) {
	ctx := context.Background()
	var err error
	switch {
	case cmd.Cmd == "download" && (cmd.File == "" || cmd.Dir == ""):
		err = wire.Errorf(wire.ErrBadCommand, `download needs "file" and "dir"`)
	case cmd.Cmd == "download":
		_, err = c.Download(ctx, cmd.Ref, cmd.File, cmd.Dir)
	case cmd.Path == "":
		err = wire.Errorf(wire.ErrBadCommand, `%s needs "path"`, cmd.Cmd)
	case cmd.Cmd == "image":
		_, err = c.UploadImage(ctx, cmd.Ref, cmd.Path)
	default:
		_, err = c.Upload(ctx, cmd.Ref, cmd.Path, cmd.Name)
	}
	if err != nil && !errors.Is(err, client.ErrClosed) {
		e := wire.AsError(err)
		out.write(client.ErrorEvent{Ref: cmd.Ref, Code: e.Code, Message: e.Message})
	}
}

// do runs one command.
func do(c *client.Client, cmd command) error {
	switch cmd.Cmd {
	case "send":
		if cmd.ReplyTo != "" {
			return c.Reply(cmd.Ref, "", cmd.Text, cmd.ReplyTo)
		}
		return c.Send(cmd.Ref, cmd.Text)
	case "typing":
		return c.Typing(cmd.To)
	case "dm":
		return c.DM(cmd.Ref, cmd.To, cmd.Text)
	case "recall":
		return c.Recall(cmd.Ref, cmd.ID)
	case "kick":
		return c.Kick(cmd.Ref, cmd.Name, cmd.Reason, cmd.Ban)
	case "unban":
		return c.Unban(cmd.Ref, cmd.Name)
	case "handover":
		return c.Handover(cmd.Ref, cmd.Name)
	case "":
		return wire.Errorf(wire.ErrBadCommand, `a command needs "cmd"`)
	}
	return wire.Errorf(wire.ErrBadCommand, "unknown command %q", cmd.Cmd)
}

// dialCode is the error code to report for a failed Dial.
func dialCode(err error) wire.Code {
	switch {
	case errors.Is(err, secure.ErrHostKeyMismatch):
		return wire.CodeHostKeyMismatch
	case errors.Is(err, secure.ErrUnknownHost):
		return wire.CodeUnknownHost
	case errors.Is(err, secure.ErrBadInvite), errors.Is(err, secure.ErrBadFingerprint):
		return wire.CodeBadCommand
	}
	return wire.AsError(err).Code
}

// exitStatus maps why the connection ended to the exit status.
func exitStatus(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, wire.ErrKicked):
		return ExitKicked
	case errors.Is(err, wire.ErrClosed):
		return ExitClosed
	}
	return ExitFail
}

// eventWriter prints events, one per line, flushed at once. It is safe for
// concurrent use (events and command errors come from two goroutines).
type eventWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	json bool
}

func (o *eventWriter) write(ev client.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.json {
		b, _ := json.Marshal(ev) // each kind encodes as the contract shows it
		o.w.Write(b)
	} else {
		o.w.WriteString(humanEvent(ev))
	}
	o.w.WriteByte('\n')
	o.w.Flush()
}

// humanEvent is an event as one line for people (without --json).
func humanEvent(ev client.Event) string {
	switch ev := ev.(type) {
	case client.Welcome:
		return fmt.Sprintf("* you are %s in %q; leader %s; members: %s", ev.Name, ev.Room, ev.Leader, strings.Join(ev.Members, ", "))
	case client.Message:
		to := ""
		if ev.To != "" {
			to = " → " + ev.To
		}
		hist := ""
		if ev.History {
			hist = " (earlier)"
		}
		return fmt.Sprintf("[%s]%s %s%s: %s", ev.Time.Local().Format("15:04"), hist, ev.From, to, ev.Text)
	case client.Joined:
		return "* " + ev.Name + " joined"
	case client.Left:
		return fmt.Sprintf("* %s left (%s)", ev.Name, ev.Reason)
	case client.Leader:
		return "* " + ev.Name + " is now the leader"
	case client.Presence:
		if ev.State == wire.PresenceReconnecting {
			return "* " + ev.Name + " lost the connection; reconnecting"
		}
		return "* " + ev.Name + " is back"
	case client.Reconnecting:
		return fmt.Sprintf("* connection lost (%s); reconnecting, attempt %d", ev.Reason, ev.Attempt)
	case client.Reconnected:
		return fmt.Sprintf("* reconnected; %d events missed meanwhile follow", ev.Missed)
	case client.Recalled:
		return "* " + ev.By + " recalled a message"
	case client.Kicked:
		return fmt.Sprintf("* you were kicked by %s: %s", ev.By, ev.Reason)
	case client.Closed:
		return "* the room was closed: " + ev.Reason
	case client.ErrorEvent:
		return fmt.Sprintf("! %s: %s", ev.Code, ev.Message)
	case client.File:
		if ev.Uploading {
			return fmt.Sprintf("* %s is sharing %s (%s, id %s): uploading, downloadable already", ev.From, ev.Name, transfer.Size(ev.Size), ev.ID)
		}
		return fmt.Sprintf("* %s shared %s (%s, id %s)", ev.From, ev.Name, transfer.Size(ev.Size), ev.ID)
	case client.FileProgress:
		return fmt.Sprintf("* file %s: %s received by the host", ev.ID, transfer.Size(ev.Received))
	case client.FileDone:
		return "* file " + ev.ID + " is complete"
	case client.FileFailed:
		return fmt.Sprintf("* the upload of file %s failed (%s): %s", ev.ID, ev.Code, ev.Message)
	case client.Image:
		return fmt.Sprintf("* %s sent an image (%s, %s, id %s)", ev.From, ev.Mime, transfer.Size(ev.Size), ev.ID)
	case client.Progress:
		return fmt.Sprintf("* %s %s: %s of %s", ev.Direction, ev.Transfer, transfer.Size(ev.Done), transfer.Size(ev.Total))
	case client.Downloaded:
		return "* saved " + ev.Path
	case client.Typing:
		return "* " + ev.From + " is typing"
	}
	b, _ := json.Marshal(ev)
	return "* " + string(b)
}
