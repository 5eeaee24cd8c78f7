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
// the test after limit, showing the feeds.
func waitSettled(t testing.TB, eng *feedpg.Engine, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		all, err := eng.Feeds(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		done := true
		for _, s := range all {
			done = done && s.Waiting == 0 && s.InFlight == 0
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			for _, s := range all {
				t.Logf("%s: appended %d, delivered %d, waiting %d, in flight %d, last error %q", s.ID, s.Appended, s.Delivered, s.Waiting, s.InFlight, s.LastError)
			}
			t.Fatalf("the feeds did not settle within %s", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
