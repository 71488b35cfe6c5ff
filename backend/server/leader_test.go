package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"wetalk/backend/client"
	"wetalk/backend/server"
	"wetalk/backend/wire"
)

// joinAs joins with a fixed client identity, as a client that keeps it
// between runs does.
func (h *host) joinAs(t *testing.T, name string, id uuid.UUID) (*member, error) {
	t.Helper()
	c, err := client.Dial(context.Background(), client.Config{Addr: h.addr, Pin: h.fp, Name: name, ClientID: id})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	m := &member{t, c}
	m.next()
	return m, nil
}

// sendAndID sends text and returns the new message's id from the ack.
func (m *member) sendAndID(text string) string {
	m.t.Helper()
	ref := uuid.NewString()
	if err := m.c.Send(ref, text); err != nil {
		m.t.Fatal(err)
	}
	for {
		switch ev := m.next().(type) {
		case client.Ack:
			if ev.Ref == ref {
				return ev.ID
			}
		case client.ErrorEvent:
			if ev.Ref == ref {
				m.t.Fatalf("send refused: %+v", ev)
			}
		}
	}
}

// errorFor waits for the error event answering ref; an ack for it instead
// is a zero ErrorEvent and true.
func (m *member) errorFor(ref string) (e client.ErrorEvent, acked bool) {
	m.t.Helper()
	for {
		switch ev := m.next().(type) {
		case client.ErrorEvent:
			if ev.Ref == ref {
				return ev, false
			}
		case client.Ack:
			if ev.Ref == ref {
				return client.ErrorEvent{}, true
			}
		}
	}
}

func TestRecall(t *testing.T) {
	h := startHost(t, server.Config{})
	lead, b, c := h.join(t, "Lead"), h.join(t, "B"), h.join(t, "C")
	own := b.sendAndID("B's typo 错别字")
	other := c.sendAndID("C's secret plan")
	keep := c.sendAndID("C's keeper")

	// Recall own message: everyone is told.
	if err := b.c.Recall("r1", own); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*member{lead, c} {
		if ev := until[client.Recalled](m); ev.ID != own || ev.By != "B" {
			t.Fatalf("recalled %+v", ev)
		}
	}
	// Someone else's, as a non-leader: refused.
	b.c.Recall("r2", other)
	if ev, acked := b.errorFor("r2"); acked || ev.Code != wire.CodeNotLeader {
		t.Fatalf("non-leader recall: %+v", ev)
	}
	// The leader removes anyone's.
	lead.c.Recall("r3", other)
	if ev := until[client.Recalled](c); ev.ID != other || ev.By != "Lead" {
		t.Fatalf("leader removal %+v", ev)
	}
	// A late joiner's history holds no recalled text at all.
	late := h.join(t, "Late")
	seen := []client.Event{late.c.Welcome()}
	c.sendAndID("marker")
	for {
		ev := late.next()
		seen = append(seen, ev)
		if ev, ok := ev.(client.Message); ok && ev.Text == "marker" {
			break
		}
	}
	var history []string
	for _, ev := range seen {
		b, _ := json.Marshal(ev)
		for _, secret := range []string{"typo", "错别字", "secret plan", own, other} {
			if strings.Contains(string(b), secret) {
				t.Errorf("late joiner received recalled content %q in %s", secret, b)
			}
		}
		if m, ok := ev.(client.Message); ok && m.History {
			history = append(history, m.ID)
		}
	}
	if len(history) != 1 || history[0] != keep {
		t.Fatalf("late joiner's history %v, want only %s", history, keep)
	}
}

func TestKickBanUnbanHandover(t *testing.T) {
	h := startHost(t, server.Config{})
	leadID, troubleID := uuid.New(), uuid.New()
	lead, _ := h.joinAs(t, "Lead", leadID)
	trouble, _ := h.joinAs(t, "Trouble", troubleID)
	other := h.join(t, "Other")

	lead.c.Kick("k0", "Lead", "", false)
	if ev, _ := lead.errorFor("k0"); ev.Code != wire.CodeKickSelf || !strings.Contains(ev.Message, "yourself") {
		t.Fatalf("self kick: %+v", ev)
	}
	other.c.Kick("k1", "Trouble", "", false)
	if ev, _ := other.errorFor("k1"); ev.Code != wire.CodeNotLeader {
		t.Fatalf("non-leader kick: %+v", ev)
	}

	lead.c.Kick("k2", "trouble", "flooding the room", true)
	k := until[client.Kicked](trouble)
	if k.By != "Lead" || k.Reason != "flooding the room" || !k.Banned {
		t.Fatalf("kicked %+v", k)
	}
	for range trouble.c.Events() {
	}
	if err := trouble.c.Err(); !errors.Is(err, &wire.Error{Code: wire.CodeKicked}) {
		t.Fatalf("kicked client's error: %v", err)
	}
	if ev := until[client.Left](other); ev.Name != "Trouble" || ev.Reason != "kicked" {
		t.Fatalf("left %+v", ev)
	}
	if ev := until[client.Bans](lead); len(ev.Names) != 1 || ev.Names[0] != "Trouble" {
		t.Fatalf("ban list %+v", ev)
	}

	// Banned: the same client identity cannot rejoin, whatever the name.
	if _, err := h.joinAs(t, "Innocent", troubleID); !errors.Is(err, wire.ErrBanned) {
		t.Fatalf("banned rejoin: %v", err)
	}
	lead.c.Unban("u", "Trouble")
	if ev, acked := lead.errorFor("u"); !acked {
		t.Fatalf("unban: %+v", ev)
	}
	if _, err := h.joinAs(t, "Trouble", troubleID); err != nil {
		t.Fatalf("unbanned member refused: %v", err)
	}

	// Handover, then the old leader has no powers and the new one has.
	lead.c.Handover("h", "Other")
	if ev := until[client.Leader](other); ev.Name != "Other" {
		t.Fatalf("leader %+v", ev)
	}
	lead.c.Kick("k3", "Other", "", false)
	if ev, _ := lead.errorFor("k3"); ev.Code != wire.CodeNotLeader {
		t.Fatalf("old leader kick: %+v", ev)
	}
	// The leader leaves: the earliest remaining member (Lead) leads again.
	other.c.Leave()
	if ev := until[client.Leader](lead); ev.Name != "Lead" {
		t.Fatalf("after the leader left: %+v", ev)
	}
}
