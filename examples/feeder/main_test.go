package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

// raceEnabled is set when the race detector is on (race_test.go).
var raceEnabled bool

func TestFeederSQLite(t *testing.T) {
	var out bytes.Buffer
	opts := options{Accounts: 20, Producers: 4, Lines: 10_000}
	if testing.Short() || raceEnabled {
		opts.Lines = 2000 // the race detector makes 10,000 one-line appends take minutes
	}
	if err := runSQLite(context.Background(), &out, filepath.Join(t.TempDir(), "feeds.db"), opts); err != nil {
		t.Fatal(err)
	}
	checkTable(t, out.String(), opts)
}

func TestFeederPostgres(t *testing.T) {
	url := pgtest.Database(t)
	var out bytes.Buffer
	opts := options{Accounts: 4, Producers: 2, Lines: 400}
	if err := runPostgres(context.Background(), &out, url, opts); err != nil {
		t.Fatal(err)
	}
	checkTable(t, out.String(), opts)
}

// checkTable holds the per-feed table to what was appended: every line
// delivered, none set aside, each feed in order in Codat.
func checkTable(t *testing.T, out string, o options) {
	t.Helper()
	row := regexp.MustCompile(`(?m)^\s*(\w{6}/acc-\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\S+ \S+\s+(true|false)\s*$`)
	rows := row.FindAllStringSubmatch(out, -1)
	if len(rows) != o.Accounts {
		t.Fatalf("%d feed rows, want %d:\n%s", len(rows), o.Accounts, out)
	}
	total := 0
	for _, r := range rows {
		if r[2] != r[3] || r[4] != "0" || r[5] != "true" {
			t.Errorf("feed row %q: want every line delivered, none set aside, in order", strings.TrimSpace(r[0]))
		}
		n := 0
		for _, c := range r[3] {
			n = n*10 + int(c-'0')
		}
		total += n
	}
	if total != o.Lines {
		t.Errorf("%d lines delivered in all, want %d", total, o.Lines)
	}
	if !strings.Contains(out, "delivered") {
		t.Error("no progress was printed")
	}
}
