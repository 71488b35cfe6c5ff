package session

import "wetalk/backend/profile"

// Reply sends text answering the message replyTo (an id; "" for none): to
// the room when to is empty, privately to the member called to otherwise.
// A reply to a private message stays between its two members (the host
// sees to that). It returns the command's ref.
func (s *Session) Reply(to, text, replyTo string) (string, error) {
	cl, ref, err := s.current()
	if err != nil {
		return "", err
	}
	return ref, cl.Reply(ref, to, text, replyTo)
}

// Typing tells the room (to empty) or one member that I am typing. The UI
// sends it at most every 3 s while the composer changes.
func (s *Session) Typing(to string) (bool, error) {
	cl, _, err := s.current()
	if err != nil {
		return false, err
	}
	return true, cl.Typing(to)
}

// Muted reports whether notifications of mentions and private messages are
// turned off; the choice is kept across runs in the settings file.
func (s *Session) Muted() (bool, error) {
	st, err := s.cfg.Profile.Settings()
	return st.Muted, err
}

// SetMuted turns notifications off (true) or on, and remembers it.
func (s *Session) SetMuted(muted bool) (bool, error) {
	if err := s.cfg.Profile.UpdateSettings(func(st *profile.Settings) { st.Muted = muted }); err != nil {
		return false, err
	}
	return muted, nil
}
