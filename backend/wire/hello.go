package wire

// CheckHello looks at the fixed start of a connection's first frame (magic
// and version) before the rest is decoded, so that a peer of another version
// gets a clear ErrVersionMismatch rather than a decoding error.
func CheckHello(t Type, body []byte) error {
	d := decoder{b: body}
	magic := d.magic()
	if t != TypeHello || d.err != nil || magic != Magic {
		return Errorf(ErrProtocol, "not a WeTalk client (no hello)")
	}
	v := d.uvarint("version")
	if d.err != nil {
		return Errorf(ErrProtocol, "hello without a version")
	}
	if v != Version {
		return Errorf(ErrVersionMismatch, "the host speaks WeTalk protocol version %d, this client version %d: use the same WeTalk release on both sides", Version, v)
	}
	return nil
}

// NewHello returns a Hello for this build's magic and version.
func NewHello() *Hello { return &Hello{Magic: Magic, Version: Version} }
