package cli

import (
	"testing"
	"time"
)

// Replies and typing through chat --json: reply_to on send and on message
// events, typing as a command and an event, and private typing and
// private replies kept from a third bot.
func TestBotRepliesAndTyping(t *testing.T) {
	_, l := serve(t)
	a := chat(t, l, "Ann")
	a.until("welcome")
	b := chat(t, l, "Bo")
	b.until("welcome")
	c := chat(t, l, "Cy")
	c.until("welcome")
	a.until("joined")
	a.until("joined")
	b.until("joined")

	a.send(map[string]any{"cmd": "send", "text": "lunch?", "ref": "q"})
	orig := c.until("message")
	if _, ok := orig["reply_to"]; ok {
		t.Fatalf("a message that answers nothing carries reply_to: %v", orig)
	}
	b.send(map[string]any{"cmd": "typing"})
	if ev := c.until("typing"); ev["from"] != "Bo" {
		t.Fatalf("typing %v", ev)
	}
	b.send(map[string]any{"cmd": "send", "text": "yes", "reply_to": orig["id"], "ref": "r"})
	if m := c.until("message"); m["reply_to"] != orig["id"] || m["text"] != "yes" {
		t.Fatalf("reply as C sees it: %v", m)
	}
	b.send(map[string]any{"cmd": "send", "text": "?", "reply_to": "8a1c3c9e-0000-4000-8000-000000000000", "ref": "bad"})
	if e := b.until("error"); e["code"] != "no_such_message" || e["ref"] != "bad" {
		t.Fatalf("reply to an unknown id: %v", e)
	}
	b.send(map[string]any{"cmd": "send", "text": "?", "reply_to": "not-an-id", "ref": "bad2"})
	if e := b.until("error"); e["code"] != "bad_command" || e["ref"] != "bad2" {
		t.Fatalf("reply to a malformed id: %v", e)
	}

	// Private: typing to one member, a dm, a reply to it. C sees none of it.
	a.send(map[string]any{"cmd": "typing", "to": "Bo"})
	if ev := b.until("typing"); ev["from"] != "Ann" || ev["to"] != "Bo" {
		t.Fatalf("private typing %v", ev)
	}
	a.send(map[string]any{"cmd": "dm", "to": "Bo", "text": "secret", "ref": "d"})
	priv := b.until("message")
	b.send(map[string]any{"cmd": "send", "text": "re secret", "reply_to": priv["id"], "ref": "p"})
	m := a.until("message")
	for m["text"] != "re secret" {
		m = a.until("message")
	}
	if m["to"] != "Ann" || m["reply_to"] != priv["id"] {
		t.Fatalf("private reply as A sees it: %v", m)
	}
	a.send(map[string]any{"cmd": "send", "text": "public again", "ref": "z"})
	for {
		var m map[string]any
		select {
		case m = <-c.lines:
		case <-time.After(20 * time.Second):
			t.Fatal("C: no public message within 20s")
		}
		if m["type"] == "typing" || (m["type"] == "message" && m["text"] != "public again") {
			t.Fatalf("the third bot saw private traffic: %v", m)
		}
		if m["text"] == "public again" {
			break
		}
	}
}
