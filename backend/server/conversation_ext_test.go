package server_test

import (
	"testing"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/server"
	"wetalk/backend/wire"
)

func TestTypingAndReplies(t *testing.T) {
	h := startHost(t, server.Config{RateBurst: 3, RatePerSecond: 0.001})
	a, b, c := h.join(t, "A"), h.join(t, "B"), h.join(t, "C")
	until[client.Joined](a)
	until[client.Joined](a)
	until[client.Joined](b)

	// Typing to the room reaches the others; privately only its member.
	a.c.Typing("")
	if ev := until[client.Typing](b); ev.From != "A" || ev.To != "" {
		t.Fatalf("B got %+v", ev)
	}
	if ev, ok := c.next().(client.Typing); !ok || ev.From != "A" {
		t.Fatalf("C got %+v", ev)
	}
	a.c.Typing("b")
	a.c.Send("r1", "public")
	if ev, ok := b.next().(client.Typing); !ok || ev.To != "B" {
		t.Fatalf("B got %+v, want private typing", ev)
	}
	if ev, ok := c.next().(client.Message); !ok || ev.Text != "public" {
		t.Fatalf("C got %+v before the public message (private typing leaked?)", ev)
	}
	// That was three commands: typing counts against the rate limit.
	a.c.Typing("")
	if ev := until[client.ErrorEvent](a); ev.Code != wire.CodeRateLimited {
		t.Fatalf("fourth command: %+v, want rate_limited", ev)
	}
}

func TestReplyToOverTheWire(t *testing.T) {
	h := startHost(t, server.Config{})
	a, b, c := h.join(t, "A"), h.join(t, "B"), h.join(t, "C")
	a.c.Send("1", "question")
	orig := until[client.Message](c)
	b.c.Reply("2", "", "answer", orig.ID)
	if ev := until[client.Message](c); ev.ReplyTo != orig.ID || ev.Text != "answer" {
		t.Fatalf("C got %+v", ev)
	}
	b.c.Reply("3", "", "answer", uuid.NewString())
	if ev := until[client.ErrorEvent](b); ev.Ref != "3" || ev.Code != wire.CodeNoSuchMessage {
		t.Fatalf("reply to an unknown id: %+v", ev)
	}
	// A reply to a private message stays private, even sent as a send.
	a.c.DM("4", "B", "secret")
	priv := until[client.Message](b)
	b.c.Reply("5", "", "re: secret", priv.ID)
	if ev := until[client.Message](a); ev.Text != "question" {
		t.Fatalf("A got %+v", ev)
	}
	until[client.Message](a) // answer
	until[client.Message](a) // its own dm
	if ev := until[client.Message](a); ev.To != "A" || ev.ReplyTo != priv.ID {
		t.Fatalf("A got %+v, want a private reply", ev)
	}
	a.c.Send("6", "after")
	if ev := until[client.Message](c); ev.Text != "after" {
		t.Fatalf("C got %+v before the next public message", ev)
	}
}
