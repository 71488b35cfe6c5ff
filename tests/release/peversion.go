//go:build ignore

// Command peversion prints the version resource (VS_VERSIONINFO) of a
// Windows PE file, one "Key=Value" line per string plus the fixed file and
// product versions, so that scripts/test-release can check what Windows
// shows in a file's Properties without Windows:
//
//	go run tests/release/peversion.go wetalk.exe
//
// It reads the file with debug/pe, walks the .rsrc directory to the first
// RT_VERSION resource and decodes the block tree by its documented layout
// (wLength, wValueLength, wType, szKey, padding, Value, Children).
package main

import (
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"unicode/utf16"
)

const rtVersion = 16 // resource type of VS_VERSIONINFO

var (
	errNoVersion = errors.New("no version resource")
	errCorrupt   = errors.New("corrupt resource data")
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run tests/release/peversion.go FILE.exe")
		os.Exit(2)
	}
	lines, err := versionInfo(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "peversion: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	for _, l := range lines {
		fmt.Println(l)
	}
}

// versionInfo returns the version resource of the PE file at path as lines.
func versionInfo(path string) ([]string, error) {
	f, err := pe.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sec := f.Section(".rsrc")
	if sec == nil {
		return nil, errNoVersion
	}
	rsrc, err := sec.Data()
	if err != nil {
		return nil, err
	}
	// Resource tree: type -> name -> language -> data entry.
	off, ok := findEntry(rsrc, 0, rtVersion)
	for level := 0; ok && level < 2 && off&0x80000000 != 0; level++ {
		off, ok = findEntry(rsrc, off&0x7fffffff, -1)
	}
	if !ok || off&0x80000000 != 0 || int(off)+8 > len(rsrc) {
		return nil, errNoVersion
	}
	rva := binary.LittleEndian.Uint32(rsrc[off:])
	size := binary.LittleEndian.Uint32(rsrc[off+4:])
	start := int64(rva) - int64(sec.VirtualAddress)
	if start < 0 || start+int64(size) > int64(len(rsrc)) {
		return nil, errCorrupt
	}
	var lines []string
	if err := walk(rsrc[start:start+int64(size)], &lines); err != nil {
		return nil, err
	}
	return lines, nil
}

// findEntry returns the OffsetToData of the entry with the given id (any
// entry when id < 0) in the resource directory at off.
func findEntry(rsrc []byte, off uint32, id int) (uint32, bool) {
	if int(off)+16 > len(rsrc) {
		return 0, false
	}
	n := int(binary.LittleEndian.Uint16(rsrc[off+12:])) + int(binary.LittleEndian.Uint16(rsrc[off+14:]))
	for i := range n {
		e := int(off) + 16 + 8*i
		if e+8 > len(rsrc) {
			return 0, false
		}
		name := binary.LittleEndian.Uint32(rsrc[e:])
		if id < 0 || (name&0x80000000 == 0 && name == uint32(id)) {
			return binary.LittleEndian.Uint32(rsrc[e+4:]), true
		}
	}
	return 0, false
}

// walk decodes one version block and its children into lines.
func walk(b []byte, lines *[]string) error {
	if len(b) < 6 {
		return errCorrupt
	}
	length := int(binary.LittleEndian.Uint16(b))
	valueLen := int(binary.LittleEndian.Uint16(b[2:]))
	isText := binary.LittleEndian.Uint16(b[4:]) == 1
	if length < 6 || length > len(b) {
		return errCorrupt
	}
	b = b[:length]
	key, n := utf16z(b[6:])
	pos := align4(6 + n)
	if pos > len(b) {
		return errCorrupt
	}
	valueBytes := valueLen
	if isText {
		valueBytes *= 2 // text lengths count UTF-16 units
	}
	if pos+valueBytes > len(b) {
		return errCorrupt
	}
	value := b[pos : pos+valueBytes]
	switch {
	case key == "VS_VERSION_INFO" && len(value) >= 52:
		*lines = append(*lines,
			"FixedFileVersion="+fixedVersion(value[8:16]),
			"FixedProductVersion="+fixedVersion(value[16:24]))
	case isText && align4(pos+valueBytes) >= len(b): // a String, not a table
		s, _ := utf16z(value)
		*lines = append(*lines, key+"="+s)
	}
	for pos = align4(pos + valueBytes); pos+6 <= len(b); {
		child := int(binary.LittleEndian.Uint16(b[pos:]))
		if child == 0 {
			break
		}
		if pos+child > len(b) {
			return errCorrupt
		}
		if err := walk(b[pos:pos+child], lines); err != nil {
			return err
		}
		pos = align4(pos + child)
	}
	return nil
}

// fixedVersion formats a VS_FIXEDFILEINFO version (MS, LS dwords).
func fixedVersion(b []byte) string {
	ms, ls := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
	return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
}

// utf16z decodes a NUL-terminated UTF-16LE string and returns it with the
// number of bytes it took, terminator included.
func utf16z(b []byte) (string, int) {
	var u []uint16
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			return string(utf16.Decode(u)), i + 2
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u)), len(b)
}

func align4(n int) int { return (n + 3) &^ 3 }
