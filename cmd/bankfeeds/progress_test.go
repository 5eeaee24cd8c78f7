package main

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/creack/pty"
)

// TestProgressBarOnTerminal runs the binary under a pseudo-terminal and
// asserts the bar is drawn and redrawn in place.
func TestProgressBarOnTerminal(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformNetSuite)
	cmd := exec.Command(binary, append([]string{"push", testdata("statement.csv"), "--batch-size", "2"}, f.target()...)...)
	cmd.Env = []string{"CODAT_API_KEY=" + f.env["CODAT_API_KEY"], "CODAT_BASE_URL=" + f.env["CODAT_BASE_URL"]}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 100})
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer tty.Close()
	var out bytes.Buffer
	_, _ = io.Copy(&out, tty) // until the command exits (EIO on Linux)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{"\r[", "]   0%  0/4", "]  50%  2/4", "] 100%  4/4", "pushed 4 transactions in 2 push operation(s)"} {
		if !strings.Contains(got, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, got)
		}
	}
	if strings.Contains(got, "pushed 2/4") {
		t.Errorf("plain progress lines on a terminal:\n%q", got)
	}
}

// TestPlainProgressWithoutTerminal: the same push to a pipe gets lines.
func TestPlainProgressWithoutTerminal(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformNetSuite)
	r := runBin(t, f.env, "", append([]string{"push", testdata("statement.csv"), "--batch-size", "2"}, f.target()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r.stderr != "pushing 4 transactions\npushed 2/4\npushed 4/4\n" || strings.Contains(r.stderr, "\r") {
		t.Errorf("stderr %q", r.stderr)
	}
}
