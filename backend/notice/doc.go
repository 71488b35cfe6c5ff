// Package notice decides which desktop notifications the window shows: it
// trims what a (possibly hostile) sender wrote to a notification's size and
// coalesces a flood, so that at most one notification per sender appears
// within a few seconds and the desktop as a whole gets at most one a second.
//
// It knows nothing of Wails, D-Bus or rooms: the native notifier is passed
// in (app.go hands it beeep), and the clock too, so that tests run with
// CGO_ENABLED=0 and a fake notifier.
package notice
