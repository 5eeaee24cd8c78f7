package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

func TestMigrateBringsADatabaseUpToDate(t *testing.T) {
	cases := []struct {
		name     string
		pg, lite func(t *testing.T) string
	}{
		{"sqlite", nil, func(t *testing.T) string { return filepath.Join(t.TempDir(), "feeds.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Database(t) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var pg, lite string
			if tc.pg != nil {
				pg = tc.pg(t)
			} else {
				lite = tc.lite(t)
			}
			for i := 0; i < 2; i++ { // the second run finds nothing to do
				var out bytes.Buffer
				if err := run(context.Background(), &out, pg, lite); err != nil {
					t.Fatalf("run %d: %v", i+1, err)
				}
				if !strings.Contains(out.String(), "at version") {
					t.Errorf("run %d said %q", i+1, out.String())
				}
			}
		})
	}
}

func TestMigrateWantsOneDatabase(t *testing.T) {
	for _, args := range [][2]string{{"", ""}, {"postgres://x", "feeds.db"}} {
		if err := run(context.Background(), &bytes.Buffer{}, args[0], args[1]); err == nil {
			t.Errorf("run(%q, %q) succeeded", args[0], args[1])
		}
	}
}
