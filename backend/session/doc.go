// Package session is one app instance's controller: what a desktop window
// (or one browser tab of `wetalk web`) does with rooms. It hosts a room by
// starting a server.Server in this process and joining it over loopback,
// joins other hosts' rooms through the normal client (showing an unknown
// host key for the user to compare before trusting it), forwards the user's
// commands, and hands the room's events to the UI through an Emitter, in
// batches. It remembers recent rooms in the profile folder.
//
// Session's exported methods are the UI's one method table: the window
// binds a *Session to Wails directly and the browser bridge (backend/web)
// dispatches to the same methods by name; what only they may do (close
// it, serve its images) is on its Owner. It must not know Wails, HTTP or
// WebSockets; both receive its events through Emitter.
package session
