package cli

import (
	"encoding/json"
	"testing"
	"time"

	"wetalk/backend/client"
)

// TestContractEncoding pins the JSON of every event kind, byte for byte, to
// what `chat --json` printed before events were typed (the lines were
// produced by the earlier encoder: marshal, unmarshal into a map, patch the
// contract's fields back, marshal with sorted keys), for events as a valid
// host sends them. The additions are "ref" on progress, "reply_to" on a
// message that answers another, and the typing event (issue 12).
func TestContractEncoding(t *testing.T) {
	at := time.Date(2026, 11, 30, 1, 2, 3, 456789000, time.UTC)
	cases := []struct {
		ev   client.Event
		want string
	}{
		{client.Welcome{Seq: 7, Name: "Bo#2", Leader: "Ann", Members: []string{"Ann", "Bo#2"}, Room: "Tea <room> & co", HistoryCount: 2,
			Files: []client.FileInfo{{ID: "f1", From: "Ann", Name: "a.txt", Size: 3, SHA256: "abcd", Time: at}}},
			`{"files":[{"from":"Ann","id":"f1","name":"a.txt","sha256":"abcd","size":3,"time":"2026-11-30T01:02:03.456789Z"}],"history_count":2,"leader":"Ann","members":["Ann","Bo#2"],"name":"Bo#2","room":"Tea \u003croom\u003e \u0026 co","seq":7,"type":"welcome"}`},
		{client.Welcome{Name: "X", Leader: "X", Room: ""},
			`{"files":[],"leader":"X","members":[],"name":"X","room":"","type":"welcome"}`},
		{client.Message{Seq: 9, ID: "m1", From: "Ann", Text: "你好 \"hi\" <b>", Time: at, History: true},
			`{"from":"Ann","history":true,"id":"m1","seq":9,"text":"你好 \"hi\" \u003cb\u003e","time":"2026-11-30T01:02:03.456789Z","type":"message"}`},
		{client.Message{Seq: 10, ID: "m2", From: "Ann", To: "Bo", Text: "psst", Time: at},
			`{"from":"Ann","history":false,"id":"m2","seq":10,"text":"psst","time":"2026-11-30T01:02:03.456789Z","to":"Bo","type":"message"}`},
		{client.Message{Seq: 11, ID: "m3", From: "Ann", Text: "ok", Time: at},
			`{"from":"Ann","history":false,"id":"m3","seq":11,"text":"ok","time":"2026-11-30T01:02:03.456789Z","type":"message"}`},
		{client.Joined{Seq: 12, Name: "Cy"},
			`{"name":"Cy","seq":12,"type":"joined"}`},
		{client.Left{Seq: 13, Name: "Cy", Reason: "kicked"},
			`{"name":"Cy","reason":"kicked","seq":13,"type":"left"}`},
		{client.Left{Seq: 14, Name: "Cy"},
			`{"name":"Cy","reason":"","seq":14,"type":"left"}`},
		{client.Leader{Seq: 15, Name: "Bo"},
			`{"name":"Bo","seq":15,"type":"leader"}`},
		{client.Recalled{Seq: 16, ID: "m1", By: "Ann"},
			`{"by":"Ann","id":"m1","seq":16,"type":"recalled"}`},
		{client.Kicked{By: "Ann", Reason: "spam", Banned: true},
			`{"banned":true,"by":"Ann","reason":"spam","type":"kicked"}`},
		{client.Kicked{By: "Ann"},
			`{"by":"Ann","reason":"","type":"kicked"}`},
		{client.Ack{Ref: "r1", ID: "m9"},
			`{"id":"m9","ref":"r1","type":"ack"}`},
		{client.Ack{},
			`{"ref":"","type":"ack"}`},
		{client.Presence{Seq: 17, Name: "Cy", State: "reconnecting"},
			`{"name":"Cy","seq":17,"state":"reconnecting","type":"presence"}`},
		{client.Reconnecting{Attempt: 2, InMs: 93, Reason: "connection lost"},
			`{"attempt":2,"in_ms":93,"reason":"connection lost","type":"reconnecting"}`},
		{client.Reconnected{Attempt: 2, Missed: 800},
			`{"attempt":2,"missed":800,"type":"reconnected"}`},
		{client.Closed{Reason: "bye"},
			`{"reason":"bye","type":"closed"}`},
		{client.Closed{},
			`{"reason":"","type":"closed"}`},
		{client.ErrorEvent{Ref: "r2", Code: "not_leader", Message: "only the leader"},
			`{"code":"not_leader","message":"only the leader","ref":"r2","type":"error"}`},
		{client.ErrorEvent{Code: "bad_command"},
			`{"code":"bad_command","message":"","ref":"","type":"error"}`},
		{client.Bans{Names: []string{"Eve", "Mallory"}},
			`{"names":["Eve","Mallory"],"type":"bans"}`},
		{client.Bans{},
			`{"type":"bans"}`},
		{client.File{Seq: 17, ID: "f2", From: "Bo", Name: "report.pdf", Size: 2147483648, SHA256: "00ff", Time: at},
			`{"from":"Bo","history":false,"id":"f2","name":"report.pdf","seq":17,"sha256":"00ff","size":2147483648,"time":"2026-11-30T01:02:03.456789Z","type":"file"}`},
		{client.File{Seq: 18, ID: "f3", From: "Bo", Name: "empty", SHA256: "e3b0", Time: at, History: true},
			`{"from":"Bo","history":true,"id":"f3","name":"empty","seq":18,"sha256":"e3b0","size":0,"time":"2026-11-30T01:02:03.456789Z","type":"file"}`},
		{client.File{Seq: 20, ID: "f4", From: "Bo", Name: "big.iso", Size: 4096, Time: at, Uploading: true},
			`{"from":"Bo","history":false,"id":"f4","name":"big.iso","seq":20,"sha256":"","size":4096,"time":"2026-11-30T01:02:03.456789Z","uploading":true,"type":"file"}`},
		{client.FileProgress{ID: "f4", Received: 1024},
			`{"id":"f4","received":1024,"type":"file_progress"}`},
		{client.FileDone{Seq: 21, ID: "f4", SHA256: "00ff"},
			`{"id":"f4","seq":21,"sha256":"00ff","type":"file_done"}`},
		{client.FileFailed{Seq: 22, ID: "f4", Code: "stalled", Message: "no progress"},
			`{"code":"stalled","id":"f4","message":"no progress","seq":22,"type":"file_failed"}`},
		{client.Image{Seq: 19, ID: "i1", From: "Bo", Mime: "image/png", Size: 70, SHA256: "beef", Time: at},
			`{"from":"Bo","history":false,"id":"i1","mime":"image/png","seq":19,"sha256":"beef","size":70,"time":"2026-11-30T01:02:03.456789Z","type":"image"}`},
		{client.Progress{Transfer: "f2", Direction: "up", Done: 0, Total: 10},
			`{"direction":"up","done":0,"total":10,"transfer":"f2","type":"progress"}`},
		{client.Progress{Transfer: "f2", Direction: "down", Done: 5, Total: 10},
			`{"direction":"down","done":5,"total":10,"transfer":"f2","type":"progress"}`},
		{client.Uploaded{File: "f2", Ref: "up1"},
			`{"file":"f2","ref":"up1","type":"uploaded"}`},
		{client.Uploaded{File: "f2"},
			`{"file":"f2","ref":"","type":"uploaded"}`},
		{client.Downloaded{File: "f2", Path: "/tmp/report.pdf", SHA256: "00ff", Ref: "d1"},
			`{"file":"f2","path":"/tmp/report.pdf","sha256":"00ff","ref":"d1","type":"downloaded"}`},
		{client.Message{Seq: 12, ID: "m4", From: "Bo", Text: "yes", Time: at, ReplyTo: "m3"},
			`{"from":"Bo","history":false,"id":"m4","reply_to":"m3","seq":12,"text":"yes","time":"2026-11-30T01:02:03.456789Z","type":"message"}`},
		{client.Typing{From: "Bo"},
			`{"from":"Bo","type":"typing"}`},
		{client.Typing{From: "Bo", To: "Ann"},
			`{"from":"Bo","to":"Ann","type":"typing"}`},
		{client.Progress{Transfer: "f2", Direction: "up", Done: 3, Total: 10, Ref: "up1"},
			`{"direction":"up","done":3,"ref":"up1","total":10,"transfer":"f2","type":"progress"}`},
	}
	for _, tc := range cases {
		b, err := json.Marshal(tc.ev)
		if err != nil || string(b) != tc.want {
			t.Errorf("%T:\n got %s %v\nwant %s", tc.ev, b, err, tc.want)
		}
	}
	// Every kind the client can emit has its line in the table above.
	pinned := map[string]bool{}
	for _, tc := range cases {
		pinned[tc.ev.Kind()] = true
	}
	for _, k := range client.Kinds() {
		if !pinned[k.Kind()] {
			t.Errorf("the contract table pins no %q event (Go %T)", k.Kind(), k)
		}
	}
}
