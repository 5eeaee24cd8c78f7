package feedsqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedsqlite"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// v020 writes the v0.2.0 fixture (a database made by v0.2.0's code on
// River v0.30.2, dumped by sqlite3 .dump) to a new file and returns its
// path.
func v020(t *testing.T) string {
	t.Helper()
	dump, err := os.ReadFile(filepath.Join("testdata", "v0.2.0.sql"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "feeds.db")
	db, err := feedsqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(dump)); err != nil {
		t.Fatalf("loading the fixture: %v", err)
	}
	return path
}

// freshSchema is the engine's tables as this code makes them.
func freshSchema(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fresh.db")
	if err := feedsqlite.Migrate(ctx, path); err != nil {
		t.Fatal(err)
	}
	db, err := feedsqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return feedtest.Schema(ctx, t, feedsqlite.New(db))
}

func TestOpenUpgradesADatabaseOfV020InPlace(t *testing.T) {
	ctx := context.Background()
	path := v020(t)
	db, err := feedsqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	old := feedtest.Schema(ctx, t, feedsqlite.New(db))
	before := feedtest.Rows(ctx, t, feedsqlite.New(db), old)
	_ = db.Close()
	if len(before) < 10 {
		t.Fatalf("the fixture holds %d rows; want its feed, lines and jobs", len(before))
	}

	eng, db, err := feedsqlite.Open(ctx, path, fastConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	feedtest.CheckUpgradedV020(ctx, t, eng, feedsqlite.New(db), old, before, freshSchema(t))
	var v int
	if err := db.QueryRow(`SELECT MAX(version) FROM bankfeeds_schema`).Scan(&v); err != nil || v != feed.SchemaVersion() {
		t.Errorf("schema version %d (%v), want %d", v, err, feed.SchemaVersion())
	}
}

func TestMigrateAloneIsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := v020(t)
	for i := 0; i < 2; i++ {
		if err := feedsqlite.Migrate(ctx, path); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	db, err := feedsqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, v int
	if err := db.QueryRow(`SELECT COUNT(*), MAX(version) FROM bankfeeds_schema`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != feed.SchemaVersion() || v != feed.SchemaVersion() {
		t.Errorf("%d versions recorded up to %d, want one a migration (numbered from 1) up to %d", n, v, feed.SchemaVersion())
	}
}

func TestOpenRefusesADatabaseNewerThanTheCode(t *testing.T) {
	cases := []struct {
		name, component, bump string
	}{
		{"feed tables", "feed", `INSERT INTO bankfeeds_schema (version, name, applied_at) VALUES ((SELECT MAX(version) + 1 FROM bankfeeds_schema), 'from the future', 0)`},
		{"river tables", "river", `INSERT INTO river_migration (line, version) VALUES ('main', (SELECT MAX(version) + 1 FROM river_migration))`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "feeds.db")
			if err := feedsqlite.Migrate(ctx, path); err != nil {
				t.Fatal(err)
			}
			db, err := feedsqlite.OpenDB(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tc.bump); err != nil {
				t.Fatal(err)
			}
			_ = db.Close()
			_, db, err = feedsqlite.Open(ctx, path, fastConfig())
			if err == nil {
				_ = db.Close()
				t.Fatal("Open took a database newer than the code")
			}
			var se *feed.SchemaError
			if !errors.Is(err, feed.ErrSchemaTooNew) || !errors.As(err, &se) || se.Component != tc.component || se.Database != se.Code+1 {
				t.Fatalf("error %v (%#v), want a *feed.SchemaError of %s one version ahead", err, se, tc.component)
			}
		})
	}
}
