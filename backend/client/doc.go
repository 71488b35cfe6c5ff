// Package client joins a WeTalk room: it dials the host, verifies the host's
// key (pin, invite or known hosts), says hello, and then turns the host's
// frames into typed Events and the caller's commands into frames. One read
// loop and one write loop own the connection.
//
// The client knows nothing of how events are shown: the JSON command line,
// the desktop app and the browser bridge all consume the same Events.
package client
