package wire

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// countConn records each write to it.
type countConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (c *countConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func TestCorkGathersWritesUntilFlush(t *testing.T) {
	cc := &countConn{}
	c := NewCork(cc, NewCorkBuffers())
	c.Write([]byte("straight "))
	c.Cork()
	c.Write([]byte("one "))
	c.Write([]byte("two "))
	if len(cc.writes) != 1 {
		t.Fatalf("corked writes reached the socket: %q", cc.writes)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("after"))
	want := []string{"straight ", "one two ", "after"}
	if len(cc.writes) != len(want) {
		t.Fatalf("writes %q, want %q", cc.writes, want)
	}
	for i, w := range want {
		if string(cc.writes[i]) != w {
			t.Fatalf("writes %q, want %q", cc.writes, want)
		}
	}
	if c.Flush(); len(cc.writes) != 3 {
		t.Fatal("an empty flush wrote")
	}

	// A corked stream larger than corkMax goes out in pieces, in order.
	cc.writes = nil
	record := bytes.Repeat([]byte{7}, 16<<10)
	c.Cork()
	for range 40 {
		c.Write(record)
	}
	c.Flush()
	var got int
	for _, w := range cc.writes {
		got += len(w)
	}
	if got != 40*len(record) || len(cc.writes) < 2 || len(cc.writes) > 4 {
		t.Fatalf("640 KiB corked: %d writes of %d bytes in all", len(cc.writes), got)
	}
}

// TestCorkConcurrentWrites: a write from another goroutine (a TLS alert)
// while corked is gathered too, and nothing is lost or torn.
func TestCorkConcurrentWrites(t *testing.T) {
	cc := &countConn{}
	c := NewCork(cc, NewCorkBuffers())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 1000 {
			c.Write([]byte("b"))
		}
	}()
	for range 1000 {
		c.Cork()
		c.Write([]byte("a"))
		c.Flush()
	}
	wg.Wait()
	var all []byte
	for _, w := range cc.writes {
		all = append(all, w...)
	}
	if bytes.Count(all, []byte("a")) != 1000 || bytes.Count(all, []byte("b")) != 1000 {
		t.Fatalf("%d bytes written, want 2000 (1000 each)", len(all))
	}
}
