package client

import (
	"context"
	"errors"
	"testing"
	"time"
)

// closed reports whether ch is closed, without waiting.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestRefillWakesAtAQuarter(t *testing.T) {
	var r refill
	q := make(chan []byte, 8)
	for range cap(q) {
		q <- nil
	}
	low := r.wait(q)
	if low == nil {
		t.Fatal("a full queue: wait returned nil, as if it were low")
	}
	if other := r.wait(q); other != low {
		t.Fatal("a second upload waits on another channel: only one of them would be woken")
	}
	for len(q) > cap(q)/4+1 {
		<-q
		r.took(q)
		if closed(low) {
			t.Fatalf("woken with %d of %d frames still queued; want a quarter", len(q), cap(q))
		}
	}
	<-q
	r.took(q)
	if !closed(low) {
		t.Fatalf("not woken with %d of %d frames queued", len(q), cap(q))
	}
	if r.wait(q) != nil {
		t.Fatal("wait on a queue down to a quarter: want nil (no wait)")
	}
	for len(q) < cap(q) {
		q <- nil
	}
	if next := r.wait(q); next == nil || closed(next) {
		t.Fatal("full again: the next wait must get a fresh channel, not the closed one")
	}
}

// TestQueueBulkRefillsInBursts: an upload that finds the queue full stays
// blocked while writeLoop takes frames, until the queue is down to a
// quarter; then it queues. (That every upload waiting is woken, see
// TestRefillWakesAtAQuarter: they wait on one channel.)
func TestQueueBulkRefillsInBursts(t *testing.T) {
	c := &Client{bulk: make(chan []byte, 8), done: make(chan struct{})}
	for range cap(c.bulk) {
		c.bulk <- []byte("old")
	}
	returned := make(chan error, 1)
	go func() { returned <- c.queueBulk(context.Background(), []byte("new")) }()
	// Until it waits on the refill's channel.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		c.refill.mu.Lock()
		waiting := c.refill.low != nil
		c.refill.mu.Unlock()
		if waiting || time.Now().After(deadline) {
			break
		}
	}
	take := func() {
		<-c.bulk
		c.refill.took(c.bulk)
	}
	for len(c.bulk) > cap(c.bulk)/4+1 {
		take()
	}
	select {
	case err := <-returned:
		t.Fatalf("an upload queued (err %v) with %d of %d frames still queued", err, len(c.bulk), cap(c.bulk))
	case <-time.After(50 * time.Millisecond):
	}
	take()
	select {
	case err := <-returned:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the queue is down to a quarter and the upload still waits")
	}
	if got, want := len(c.bulk), cap(c.bulk)/4+1; got != want {
		t.Fatalf("%d frames queued, want %d", got, want)
	}
}

func TestQueueBulkWaitEndsWithContext(t *testing.T) {
	c := &Client{bulk: make(chan []byte, 4), done: make(chan struct{})}
	for range cap(c.bulk) {
		c.bulk <- nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() { returned <- c.queueBulk(ctx, nil) }()
	cancel()
	select {
	case err := <-returned:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a cancelled upload still waits for the queue")
	}
}
