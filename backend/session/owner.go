package session

import "net/url"

// MediaPrefix is the path under which the page loads the images
// FetchImage fetched: FetchImage answers with MediaPrefix and the image's
// id, and the window's asset server and the browser bridge serve such paths
// from Owner.ImageFile.
const MediaPrefix = "/media/"

// Owner is what made a Session, the desktop window or one tab of the
// browser bridge, and holds what only it may do: close the session, ask
// whether it hosts a room (before the window closes), look up the images it
// fetched (to serve them) and share files by path (from a native dialog).
// None of this is bound to the UI.
type Owner struct{ s *Session }

// Session returns the session, whose methods the UI calls.
func (o *Owner) Session() *Session { return o.s }

// Close leaves the room (closing it if hosted), cancels a join in
// progress, stops browsing for rooms, and refuses new rooms.
func (o *Owner) Close() error {
	s := o.s
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	err := s.Leave()
	s.StopBrowsing()
	return err
}

// Hosting reports whether the session hosts a room right now.
func (o *Owner) Hosting() bool {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv != nil
}

// mediaPath is where the page loads the image with the given id from.
func mediaPath(fileID string) string { return MediaPrefix + url.PathEscape(fileID) }
