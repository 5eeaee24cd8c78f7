package feedpg_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// connect opens a pool of at most conns connections on url.
func connect(t testing.TB, url string, conns int32) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxParse(url, conns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func pgxParse(url string, conns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = conns
	return pgxpool.NewWithConfig(context.Background(), cfg)
}
