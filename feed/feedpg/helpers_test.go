package feedpg_test

import (
	"context"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds/feed/feedpg"
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

// waitSettled waits until no feed has lines waiting or in flight, or fails
// the test, showing the feeds not settled with their leases and jobs, once
// no line has been delivered for stall.
func waitSettled(t testing.TB, eng *feedpg.Engine, pool *pgxpool.Pool, stall time.Duration) {
	t.Helper()
	p := newProgress(stall)
	for {
		all, err := eng.Feeds(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if p.check(t, pool, all) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
