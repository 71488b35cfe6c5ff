package bench

// A stamp opens the text of every benchmark message:
//
//	"WTB tttttt sssss qqqqqqqqqq nnnnnnnnnnnnnnnnnnn "
//
// the run's tag (6 hex digits, so that two runs in one room do not count
// each other's messages), the sender's index, the message's sequence number
// within that sender, and the time it was (or, in rate mode, was scheduled
// to be) sent, in Unix nanoseconds. Fixed widths make it cheap to parse.
const (
	stampLen   = 4 + 7 + 6 + 11 + 20
	tagDigits  = 6
	sendDigits = 5
	seqDigits  = 10
	nsDigits   = 19
)

// stamp is what a message's text says about it.
type stamp struct {
	sender int
	seq    int
	sent   int64 // Unix nanoseconds
}

// appendStamp appends the text of a message: its stamp, then padding up to
// size bytes.
func appendStamp(b []byte, tag uint32, s stamp, size int) []byte {
	start := len(b)
	b = append(b, "WTB "...)
	b = appendHex(b, uint64(tag), tagDigits)
	b = append(b, ' ')
	b = appendDec(b, uint64(s.sender), sendDigits)
	b = append(b, ' ')
	b = appendDec(b, uint64(s.seq), seqDigits)
	b = append(b, ' ')
	b = appendDec(b, uint64(s.sent), nsDigits)
	b = append(b, ' ')
	for len(b)-start < size {
		b = append(b, 'x')
	}
	return b
}

// parseStamp reads the stamp at the start of text; ok is false for text
// that is not a message of the run tagged tag.
func parseStamp[T string | []byte](text T, tag uint32) (s stamp, ok bool) {
	if len(text) < stampLen || string(text[:4]) != "WTB " {
		return s, false
	}
	p := text[4:]
	t, ok1 := hex(p[:tagDigits])
	p = p[tagDigits+1:]
	sender, ok2 := dec(p[:sendDigits])
	p = p[sendDigits+1:]
	seq, ok3 := dec(p[:seqDigits])
	p = p[seqDigits+1:]
	sent, ok4 := dec(p[:nsDigits])
	if !ok1 || !ok2 || !ok3 || !ok4 || uint32(t) != tag {
		return s, false
	}
	return stamp{sender: int(sender), seq: int(seq), sent: int64(sent)}, true
}

func appendDec(b []byte, v uint64, width int) []byte {
	var d [20]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
}

func appendHex(b []byte, v uint64, width int) []byte {
	const digits = "0123456789abcdef"
	var d [16]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = digits[v&15]
		v >>= 4
	}
	return append(b, d[:width]...)
}

func dec[T string | []byte](b T) (uint64, bool) {
	var v uint64
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

func hex[T string | []byte](b T) (uint64, bool) {
	var v uint64
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
