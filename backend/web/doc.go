// Package web is the browser bridge of `wetalk web`: it serves the built
// frontend to a browser on this machine and stands in for the Wails
// bindings and events over one WebSocket per tab. Each WebSocket connection
// drives its own session.Session, so each tab is an app instance of its own.
//
// Requests are JSON {"id":N,"method":"Join","args":[...]}, naming a method
// of session.Session (found by reflection: the table the window binds), each
// run in its own goroutine; answers are
// {"id":N,"result":...} or {"id":N,"error":{"code":..,"message":..}}; the
// session's events are pushed as {"event":"room:events","data":...}.
//
// Files the page shares (it has File objects, no paths) do not go as JSON:
// the bridge's own method ShareStream opens a stream, and the page POSTs
// the file's bytes to /stream/<id>; the upload reads the request body as it
// sends (stream.go). Nothing is base64-encoded or spooled to disk.
//
// Every request, page, asset or WebSocket, must carry the token (as the
// query parameter token, or the cookie set when the page was loaded with
// it), and the Host header must name a loopback address. Binding to a
// loopback address is the caller's job (backend/cli refuses anything else).
// The package knows nothing of Wails.
package web
