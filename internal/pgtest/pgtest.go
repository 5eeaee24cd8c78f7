// Package pgtest gives a test a PostgreSQL database of its own, created on
// the server that BANKFEEDS_TEST_POSTGRES names and dropped when the test
// ends. go test runs packages in parallel, so tests that shared the one
// database would see each other's feeds and work each other's jobs.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the server's URL.
const Env = "BANKFEEDS_TEST_POSTGRES"

// Database creates an empty database and returns its URL, or skips the
// test, saying how to run it, when Env is unset. The URL's role must be
// allowed to create databases. The database is dropped (with FORCE, so
// connections left open do not keep it) when the test and its subtests
// end.
func Database(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Skip(`set ` + Env + ` to a PostgreSQL URL (a role that may create databases) to run this test, e.g.
  su postgres -c "initdb -D /tmp/pgdata && pg_ctl -D /tmp/pgdata -o '-p 55432 -k /tmp' -l /tmp/pg.log start"
  ` + Env + `='postgres://postgres@localhost:55432/postgres?sslmode=disable' go test ./...
or run bash .ci/run, which starts one`)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "bankfeeds_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating a database for the test on %s: %v", Env, err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping the test's database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping the test's database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
