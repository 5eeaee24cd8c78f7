package bankfeeds

import (
	"bufio"
	"os"
	"regexp"
	"testing"
)

// The CHANGELOG's top entry is the version this code is: Version (in the
// User-Agent, in OpenTelemetry's instrumentation scope) says it too.
func TestVersionIsTheChangelogsTopEntry(t *testing.T) {
	f, err := os.Open("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile(`^## v(\d+\.\d+\.\d+)\b`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := heading.FindStringSubmatch(sc.Text()); m != nil {
			if m[1] != Version {
				t.Fatalf("Version is %q, the CHANGELOG's top entry v%s: keep them equal", Version, m[1])
			}
			return
		}
	}
	t.Fatal("CHANGELOG.md has no \"## vX.Y.Z\" entry")
}
