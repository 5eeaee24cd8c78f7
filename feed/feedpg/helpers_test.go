package feedpg_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgURL is the database the tests use, or a skip saying how to get one.
func pgURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("BANKFEEDS_TEST_POSTGRES")
	if u == "" {
		t.Skip(`set BANKFEEDS_TEST_POSTGRES to a PostgreSQL URL to run this test, e.g.
  su postgres -c "initdb -D /tmp/pgdata && pg_ctl -D /tmp/pgdata -o '-p 55432 -k /tmp' -l /tmp/pg.log start"
  su postgres -c "createdb -h /tmp -p 55432 bankfeeds"
  BANKFEEDS_TEST_POSTGRES='postgres://postgres@localhost:55432/bankfeeds?sslmode=disable' go test ./feed/feedpg/`)
	}
	return u
}

// freshPool connects and empties the engine's and River's tables, so each
// test starts from nothing.
func freshPool(t testing.TB, url string, conns int32) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, q := range []string{
		`DROP TABLE IF EXISTS bankfeeds_connection, bankfeeds_feed, bankfeeds_line, bankfeeds_budget, bankfeeds_budget_grant, bankfeeds_budget_slot`,
		`DROP TABLE IF EXISTS river_job, river_leader, river_queue, river_client, river_client_queue, river_migration CASCADE`,
		`DROP FUNCTION IF EXISTS river_job_notify, river_job_state_in_bitmask CASCADE`,
		`DROP TYPE IF EXISTS river_job_state CASCADE`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return pool
}

func pgxParse(url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 20
	return pgxpool.NewWithConfig(context.Background(), cfg)
}
