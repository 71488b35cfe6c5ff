// Package session is one app instance's controller: what a desktop window
// (or one browser tab of `wetalk web`) does with rooms. It hosts a room by
// starting a server.Server in this process and joining it over loopback,
// joins other hosts' rooms through the normal client (showing an unknown
// host key for the user to compare before trusting it), forwards the user's
// commands, and hands the room's events to the UI through an Emitter, in
// batches. It remembers recent rooms in the profile folder.
//
// It must not know Wails, HTTP or WebSockets: the window glue (app.go) and
// the browser bridge (backend/web) both drive it through its methods and
// receive its events through Emitter.
package session
