// Package client joins a WeTalk room: it dials the host, verifies the host's
// key (pin, invite or known hosts), says hello, and then turns the host's
// frames into typed events (one Go type per kind: Welcome, Message, ...,
// behind the Event interface) and the caller's commands into frames. One
// read loop and one write loop own the connection.
//
// Files and images go through Upload, UploadImage and Download, which run
// in the caller's goroutine until the transfer ends (cancel with their
// context) while chat goes on: chunks share the connection with everything
// else, downloads are pulled with credit and resume from a part file.
// Their Progress (carrying the caller's ref), Uploaded and Downloaded
// events arrive on Events with the rest.
//
// # Writing a bot
//
// A bot is a Client whose Events it reads in a loop. What arrives is
// everything a member sees, so a bot that answers messages must filter:
//
//   - its own echo: every Message it sends comes back to it too (From is
//     the name in Welcome().Name, which may differ from the one asked for);
//   - history: after the welcome, Welcome.HistoryCount messages (and files
//     and images) from before it joined arrive with History set;
//   - acks and errors: each command is answered with an Ack (or an
//     ErrorEvent) carrying the command's ref, not with a message.
//
// Read Events promptly: Config.Events (DefaultEvents, 256) events may wait
// unread, then the client stops reading the connection and the host, in
// time, drops it as a slow member. An idle client costs about 40 KiB
// (go test ./backend/client -run '^$' -bench IdleClients -benchtime 1x),
// so one process can hold a thousand.
//
// The client knows nothing of how events are shown: the JSON command line,
// the desktop app and the browser bridge all consume the same Events.
package client
