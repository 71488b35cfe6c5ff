package transfer

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSafeName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "_._etc_passwd"},
		{`C:\Windows\system32`, "C__Windows_system32"},
		{"con.txt", "_con.txt"},
		{"CON", "_CON"},
		{"Aux.tar.gz", "_Aux.tar.gz"},
		{"com9", "_com9"},
		{"lpt¹.txt", "_lpt¹.txt"},
		{"console.txt", "console.txt"},
		{"a\x00b", "a_b"},
		{"two\nlines", "two_lines"},
		{"tab\there", "tab_here"},
		{"evil\u202Etxt.exe", "eviltxt.exe"},
		{"\ufeffbom.txt", "bom.txt"},
		{"zero\u200bwidth", "zerowidth"},
		{"family👨\u200d👩\u200d👧.png", "family👨\u200d👩\u200d👧.png"},
		{"..", "file"},
		{"", "file"},
		{"...", "file"},
		{"___", "file___"},
		{".hidden", "hidden"},
		{"trailing. . ", "trailing"},
		{"what?.txt", "what_.txt"},
		{"bad\xffutf8", "bad_utf8"},
		{"你好.txt", "你好.txt"},
	} {
		if got := SafeName(tc.in); got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := strings.Repeat("é", 300) + ".tar.gz"
	got := SafeName(long)
	if len(got) > MaxNameBytes || !strings.HasSuffix(got, ".gz") || !utf8.ValidString(got) {
		t.Errorf("long name: %q (%d bytes)", got, len(got))
	}
}

func TestPlaceNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	for i, want := range []string{"a.txt", "a (1).txt", "a (2).txt"} {
		from := filepath.Join(dir, "x.part")
		os.WriteFile(from, []byte{byte(i)}, 0o600)
		got, err := place(from, dir, "a.txt")
		if err != nil || filepath.Base(got) != want {
			t.Fatalf("place #%d: %q, %v; want %q", i, got, err, want)
		}
		if _, err := os.Stat(from); !os.IsNotExist(err) {
			t.Fatalf("part file still there: %v", err)
		}
	}
	for i, n := range []string{"a.txt", "a (1).txt", "a (2).txt"} {
		if b, _ := os.ReadFile(filepath.Join(dir, n)); len(b) != 1 || b[0] != byte(i) {
			t.Errorf("%s holds %v", n, b)
		}
	}
}

// checkSafe fails unless name obeys every rule SafeName promises.
func checkSafe(t *testing.T, in, name string, maxLen int) {
	t.Helper()
	switch {
	case name == "":
		t.Fatalf("%q: empty", in)
	case !utf8.ValidString(name):
		t.Fatalf("%q: invalid UTF-8 %q", in, name)
	case len(name) > maxLen:
		t.Fatalf("%q: %d bytes", in, len(name))
	case strings.ContainsAny(name, "/\\<>:\"|?*"):
		t.Fatalf("%q: separator or forbidden character in %q", in, name)
	case strings.Contains(name, ".."):
		t.Fatalf("%q: .. in %q", in, name)
	case strings.HasPrefix(name, ".") || strings.HasPrefix(name, " ") || strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		t.Fatalf("%q: leading dot or trailing dot/space in %q", in, name)
	case reserved(name):
		t.Fatalf("%q: reserved name %q", in, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || (unicode.Is(unicode.Cf, r) && r != '\u200d') {
			t.Fatalf("%q: control or format character %U in %q", in, r, name)
		}
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{
		"report.pdf", "../../etc/passwd", "con.txt", "a\x00b", "x\u202Egpj.exe", "..",
		// Shortened to "_", which a second pass made "file_".
		`"` + strings.Repeat(" ", 200) + "0",
		// Shortened to a Windows device name.
		"con" + strings.Repeat(" ", 200) + "x.txt",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		name := SafeName(in)
		checkSafe(t, in, name, MaxNameBytes)
		if again := SafeName(name); again != name {
			t.Fatalf("not stable: %q -> %q -> %q", in, name, again)
		}
		// With a number added, as a download that must not overwrite
		// gets, the name is still safe and fits in 255 bytes.
		checkSafe(t, in, numbered(name, 1234), 255)
	})
}

func TestSniffImage(t *testing.T) {
	for _, tc := range []struct {
		head string
		want string
	}{
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", MimePNG},
		{"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00", MimeJPEG},
		{"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00", MimeGIF},
		{"GIF87a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00", MimeGIF},
		{"RIFF\x24\x00\x00\x00WEBPVP8 ", MimeWebP},
		{"RIFF\x24\x00\x00\x00WAVEfmt ", ""},
		{"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00", ""},
		{"<svg xmlns='http://www.w3.org/2000/svg'>", ""},
		{"\x89PNG", ""},
		{"", ""},
	} {
		got, ok := SniffImage([]byte(tc.head))
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("SniffImage(%q) = %q, %v; want %q", tc.head, got, ok, tc.want)
		}
	}
}

func FuzzSniffImage(f *testing.F) {
	for _, s := range []string{"\x89PNG\r\n\x1a\n", "\xff\xd8\xff", "GIF89a", "RIFF\x00\x00\x00\x00WEBPVP8L", "PK\x03\x04"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mime, ok := SniffImage(b)
		// The standard library's sniffer (the WHATWG algorithm) agrees on
		// the four image types, in both directions.
		std := http.DetectContentType(b)
		images := map[string]bool{MimePNG: true, MimeJPEG: true, MimeGIF: true, MimeWebP: true}
		if ok != images[std] || (ok && mime != std) {
			t.Fatalf("SniffImage(%q) = %q, %v; http.DetectContentType says %q", b, mime, ok, std)
		}
	})
}
