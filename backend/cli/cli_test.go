package cli

import (
	"bytes"
	"testing"

	"wetalk/backend/version"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "-version", "version"} {
		var stdout, stderr bytes.Buffer
		env := Env{Stdout: &stdout, Stderr: &stderr}
		if got := Main(t.Context(), []string{arg}, env); got != ExitOK {
			t.Fatalf("%s: exit %d, want %d (%s)", arg, got, ExitOK, stderr.String())
		}
		if want := "wetalk " + version.Version + "\n"; stdout.String() != want {
			t.Errorf("%s printed %q, want %q", arg, stdout.String(), want)
		}
	}
}
