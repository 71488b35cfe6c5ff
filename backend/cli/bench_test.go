package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// benchMain runs `wetalk bench` in-process and returns its exit status and
// stdout lines.
func benchMain(t *testing.T, args ...string) (int, []string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), append([]string{"bench"}, args...), Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Window: func() error { return nil },
	})
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return code, strings.Split(strings.TrimSpace(out.String()), "\n")
}

func TestBenchSpawn(t *testing.T) {
	code, lines := benchMain(t, "--spawn", "--clients", "20", "--senders", "5", "--messages", "100", "--window", "10", "--size", "64", "--timeout", "1m")
	if code != ExitOK {
		t.Fatalf("exit status %d, output %q", code, lines)
	}
	if len(lines) != 1 {
		t.Fatalf("want one JSON line, got %q", lines)
	}
	var res map[string]any
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("not JSON: %q: %v", lines[0], err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("more than one value on the line %q", lines[0])
	}
	want := map[string]string{
		"type": "bench", "mode": "window", "clients": "20", "senders": "5", "messages": "100",
		"expected": "10000", "delivered": "10000", "lost": "0", "duplicated": "0", "size": "64",
	}
	for k, v := range want {
		if got := jsonString(res[k]); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"seconds", "delivered_per_s", "p50_ms", "p99_ms", "max_ms", "host_cpu_pct"} {
		n, ok := res[k].(json.Number)
		if !ok {
			t.Errorf("%s missing or not a number: %v", k, res[k])
			continue
		}
		if f, _ := n.Float64(); f < 0 || (k != "host_cpu_pct" && f == 0) {
			t.Errorf("%s = %v", k, f)
		}
	}
	if res["timed_out"] != false {
		t.Errorf("timed_out = %v", res["timed_out"])
	}
}

func TestBenchScenarioAndRuns(t *testing.T) {
	code, lines := benchMain(t, "--spawn", "--scenario", "short", "--messages", "20", "--runs", "2")
	if code != ExitOK || len(lines) != 2 {
		t.Fatalf("exit status %d, lines %q", code, lines)
	}
	for _, l := range lines {
		var res struct {
			Clients, Senders, Messages, Window int
			Delivered, Expected                int64
		}
		if err := json.Unmarshal([]byte(l), &res); err != nil {
			t.Fatal(err)
		}
		if res.Clients != 20 || res.Senders != 5 || res.Messages != 20 || res.Window != 10 || res.Delivered != res.Expected {
			t.Errorf("scenario short with --messages 20: %s", l)
		}
	}
}

// TestBenchBig runs the big scenario (a room of 5,000) shrunk to 30
// members: its preset's senders and window, everything delivered.
func TestBenchBig(t *testing.T) {
	code, lines := benchMain(t, "--spawn", "--scenario", "big", "--clients", "30", "--messages", "10")
	if code != ExitOK || len(lines) != 1 {
		t.Fatalf("exit status %d, lines %q", code, lines)
	}
	var res struct {
		Clients, Senders, Messages, Window int
		Delivered, Expected                int64
	}
	if err := json.Unmarshal([]byte(lines[0]), &res); err != nil {
		t.Fatal(err)
	}
	if res.Clients != 30 || res.Senders != 5 || res.Messages != 10 || res.Window != 20 || res.Delivered != res.Expected || res.Expected != 30*5*10 {
		t.Errorf("scenario big with 30 members: %s", lines[0])
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--spawn", "--clients", "2"},                                           // no mode
		{"--spawn", "--clients", "2", "--window", "1", "--rate", "5"},           // two modes
		{"--clients", "2", "--window", "1"},                                     // no room
		{"--addr", "127.0.0.1:1", "--clients", "2", "--window", "1"},            // no pin
		{"--spawn", "--addr", "127.0.0.1:1", "--clients", "2", "--window", "1"}, // two rooms
		{"--spawn", "--scenario", "nope"},
		{"--invite", "not-an-invite", "--clients", "2", "--window", "1"},
	} {
		if code, _ := benchMain(t, args...); code != ExitUsage {
			t.Errorf("%q: exit status %d, want %d", args, code, ExitUsage)
		}
	}
}

func jsonString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// TestBenchTimeout: a run that cannot finish in time still prints its line,
// says so, and exits non-zero.
func TestBenchTimeout(t *testing.T) {
	code, lines := benchMain(t, "--spawn", "--clients", "3", "--senders", "1", "--messages", "1000", "--rate", "1", "--timeout", "1s")
	if code != ExitFail || len(lines) != 1 {
		t.Fatalf("exit status %d, lines %q; want %d and one line", code, lines, ExitFail)
	}
	var res struct {
		TimedOut            bool `json:"timed_out"`
		Lost                int64
		Delivered, Expected int64
	}
	if err := json.Unmarshal([]byte(lines[0]), &res); err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.Expected != 3000 || res.Lost != res.Expected-res.Delivered || res.Lost == 0 {
		t.Errorf("timed-out run reported as %s", lines[0])
	}
}

// TestBenchJoinStorm runs the joinstorm scenario, shrunk, through the
// command line: the storm's figures are in the JSON line.
func TestBenchJoinStorm(t *testing.T) {
	for _, scenario := range []string{"joinstorm", "joinstorm-idle"} {
		code, lines := benchMain(t, "--spawn", "--scenario", scenario, "--clients", "3", "--senders", "3",
			"--messages", "30", "--rate", "30", "--history", "40", "--history-size", "500", "--joiners", "2",
			"--storm-after", "100ms", "--timeout", "60s")
		if code != ExitOK || len(lines) != 1 {
			t.Fatalf("%s: exit status %d, lines %q", scenario, code, lines)
		}
		var res struct {
			Delivered, Expected int64
			Storm               *struct {
				History, Joiners, Failed int
				JoinersRead              bool    `json:"joiners_read"`
				JoinerHistory            uint64  `json:"joiner_history"`
				HostHistoryBytes         int     `json:"host_history_bytes"`
				BaselineP99Ms            float64 `json:"baseline_p99_ms"`
			}
		}
		if err := json.Unmarshal([]byte(lines[0]), &res); err != nil {
			t.Fatal(err)
		}
		s := res.Storm
		if s == nil || s.History != 40 || s.Joiners != 2 || s.Failed != 0 || s.JoinerHistory < 40 ||
			s.JoinersRead != (scenario == "joinstorm") || s.HostHistoryBytes <= 0 || s.BaselineP99Ms <= 0 ||
			res.Delivered != res.Expected {
			t.Errorf("%s: %s", scenario, lines[0])
		}
	}
	if code, _ := benchMain(t, "--spawn", "--clients", "2", "--rate", "1", "--history", "5"); code != ExitUsage {
		t.Errorf("--history without --joiners: exit status %d, want %d", code, ExitUsage)
	}
}
