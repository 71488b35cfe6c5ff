package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"wetalk/backend/client"
	"wetalk/backend/secure"
	"wetalk/backend/wire"
)

// TestPayloadsReachTheMember: a member's client takes everything the fake
// host sends and hands each hostile text on unchanged (the UI is what
// must show it as text), and the refusal arrives as bad_name with its
// message. Without this the end-to-end test could pass on a host the
// client no longer understands.
func TestPayloadsReachTheMember(t *testing.T) {
	ln, invite, err := listen(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go acceptLoop(ctx, ln)
	addr, fp, err := secure.ParseInvite(invite)
	if err != nil {
		t.Fatal(err)
	}
	cfg := client.Config{Addr: addr, Pin: fp, Name: "Refused", Reconnect: -1}
	_, err = client.Dial(ctx, cfg)
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeBadName || we.Message != payloads.Refusal {
		t.Fatalf("refusal: %v", err)
	}

	cfg.Name = "Eve"
	c, err := client.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := map[string]bool{
		payloads.Room: false, payloads.Leader: false, payloads.Member: false, payloads.HistoryFile: false,
		payloads.History: false, payloads.Script: false, payloads.JSLink: false, payloads.Deceptive: false,
		payloads.DM: false, payloads.FileName: false, payloads.Joiner: false,
	}
	seen := func(s ...string) {
		for _, s := range s {
			if _, ok := want[s]; ok {
				want[s] = true
			}
		}
	}
	for joined := false; !joined; {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("events ended: %v", c.Err())
			}
			switch ev := ev.(type) {
			case client.Welcome:
				seen(ev.Room, ev.Leader)
				seen(ev.Members...)
				for _, f := range ev.Files {
					seen(f.Name)
				}
			case client.Message:
				seen(ev.From, ev.Text)
			case client.File:
				seen(ev.Name)
			case client.Joined:
				seen(ev.Name)
				joined = true
			}
		case <-time.After(60 * time.Second):
			t.Fatal("no event within 60s")
		}
	}
	for s, ok := range want {
		if !ok {
			t.Errorf("%q did not reach the member unchanged", s)
		}
	}
}
