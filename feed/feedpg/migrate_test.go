package feedpg_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedpg"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

// v020 loads the v0.2.0 fixture (a database made by v0.2.0's code on
// River v0.30.2, dumped by pg_dump --inserts) into a new database and
// returns a pool on it.
func v020(t *testing.T) string {
	t.Helper()
	dump, err := os.ReadFile(filepath.Join("testdata", "v0.2.0.sql"))
	if err != nil {
		t.Fatal(err)
	}
	url := pgtest.Database(t)
	pool := connect(t, url, 2)
	// No arguments: the simple protocol, which runs a script.
	if _, err := pool.Exec(context.Background(), string(dump)); err != nil {
		t.Fatalf("loading the fixture: %v", err)
	}
	pool.Close()
	return url
}

func TestOpenUpgradesADatabaseOfV020InPlace(t *testing.T) {
	ctx := context.Background()
	pool := connect(t, v020(t), 4)
	old := feedtest.Schema(ctx, t, feedpg.New(pool))
	before := feedtest.Rows(ctx, t, feedpg.New(pool), old)
	if len(before) < 10 {
		t.Fatalf("the fixture holds %d rows; want its feed, lines and jobs", len(before))
	}
	fresh := connect(t, pgtest.Database(t), 2)
	if err := feedpg.Migrate(ctx, fresh); err != nil {
		t.Fatal(err)
	}

	eng, err := feedpg.Open(ctx, pool, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	feedtest.CheckUpgradedV020(ctx, t, eng, feedpg.New(pool), old, before, feedtest.Schema(ctx, t, feedpg.New(fresh)))
	var v int
	if err := pool.QueryRow(ctx, `SELECT MAX(version) FROM bankfeeds_schema`).Scan(&v); err != nil || v != feed.SchemaVersion() {
		t.Errorf("schema version %d (%v), want %d", v, err, feed.SchemaVersion())
	}
}

// Processes starting together all migrate; they take turns on the
// engine's lock, and each version is recorded once.
func TestMigrateFromManyProcessesAtOnce(t *testing.T) {
	ctx := context.Background()
	url := v020(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			pool, err := pgxParse(url, 2)
			if err != nil {
				errs <- err
				return
			}
			defer pool.Close()
			errs <- feedpg.Migrate(ctx, pool)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	pool := connect(t, url, 2)
	var n, v int
	if err := pool.QueryRow(ctx, `SELECT COUNT(*), MAX(version) FROM bankfeeds_schema`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != feed.SchemaVersion() || v != feed.SchemaVersion() {
		t.Errorf("%d versions recorded up to %d, want one a migration up to %d", n, v, feed.SchemaVersion())
	}
}

func TestOpenRefusesADatabaseNewerThanTheCode(t *testing.T) {
	cases := []struct {
		name, component, bump string
	}{
		{"feed tables", "feed", `INSERT INTO bankfeeds_schema (version, name, applied_at) SELECT MAX(version) + 1, 'from the future', 0 FROM bankfeeds_schema`},
		{"river tables", "river", `INSERT INTO river_migration (line, version) SELECT 'main', MAX(version) + 1 FROM river_migration`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			pool := connect(t, pgtest.Database(t), 2)
			if err := feedpg.Migrate(ctx, pool); err != nil {
				t.Fatal(err)
			}
			if _, err := pool.Exec(ctx, tc.bump); err != nil {
				t.Fatal(err)
			}
			_, err := feedpg.Open(ctx, pool, testConfig())
			var se *feed.SchemaError
			if !errors.Is(err, feed.ErrSchemaTooNew) || !errors.As(err, &se) || se.Component != tc.component || se.Database != se.Code+1 {
				t.Fatalf("error %v (%#v), want a *feed.SchemaError of %s one version ahead", err, se, tc.component)
			}
		})
	}
}
