// Package client joins a WeTalk room: it dials the host, verifies the host's
// key (pin, invite or known hosts), says hello, and then turns the host's
// frames into typed Events and the caller's commands into frames. One read
// loop and one write loop own the connection.
//
// Files and images go through Upload, UploadImage and Download, which run
// in the caller's goroutine until the transfer ends (cancel with their
// context) while chat goes on: chunks share the connection with everything
// else, downloads are pulled with credit and resume from a part file.
// Their progress, uploaded and downloaded events arrive on Events with the
// rest.
//
// The client knows nothing of how events are shown: the JSON command line,
// the desktop app and the browser bridge all consume the same Events.
package client
