package wire

// GatherSize is the most bytes Gather copies together for one write: a
// TLS record's payload, since each record is a write to the socket of its
// own anyway. A gathering buffer thus never grows past it.
const GatherSize = 16 << 10

// Gather writes the encoded frames of batch through write, copying small
// ones together in buf up to GatherSize bytes at a time; a lone frame, or
// one of GatherSize bytes or more (a chunk), is written as it is, without a
// copy. Frames are only read, never modified. It returns buf, emptied, for
// reuse, and the first error of write (after which it writes nothing more).
func Gather(batch [][]byte, buf []byte, write func([]byte) error) ([]byte, error) {
	for _, b := range batch {
		if len(buf) > 0 && len(buf)+len(b) > GatherSize {
			if err := write(buf); err != nil {
				return buf[:0], err
			}
			buf = buf[:0]
		}
		if len(batch) == 1 || len(b) >= GatherSize {
			if err := write(b); err != nil {
				return buf[:0], err
			}
			continue
		}
		buf = append(buf, b...)
	}
	if len(buf) > 0 {
		return buf[:0], write(buf)
	}
	return buf, nil
}
