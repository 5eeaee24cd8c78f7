package feedsqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedsqlite"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// fastConfig is an engine config for tests: short polls, leases and
// back-offs, so a test takes seconds.
func fastConfig() feed.Config {
	return feed.Config{
		Workers:           4,
		LeaseTTL:          2 * time.Second,
		KickInterval:      200 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		RetryBackoff:      100 * time.Millisecond,
		OperationWait:     10 * time.Second,
		JobTimeout:        20 * time.Second,
		Wait:              bankfeeds.WaitOptions{Interval: 10 * time.Millisecond, MaxInterval: 100 * time.Millisecond},
	}
}

// world is a sandbox, an engine on a fresh SQLite file, and a client
// through the engine's budget.
type world struct {
	srv      *bankfeedstest.Server
	eng      *feedsqlite.Engine
	db       *sql.DB
	path     string // the database file
	client   *bankfeeds.Client
	accounts []feedtest.Account
	feeds    []string
}

func newWorld(t testing.TB, cfg feed.Config, companies, accounts int, platform string, opts ...bankfeedstest.Option) *world {
	t.Helper()
	ctx := context.Background()
	srv := bankfeedstest.NewServer(append([]bankfeedstest.Option{bankfeedstest.WithPushDelay(5 * time.Millisecond)}, opts...)...)
	t.Cleanup(srv.Close)
	setup, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	accs, err := feedtest.Setup(ctx, setup, srv, companies, accounts, platform)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "feeds.db")
	eng, db, err := feedsqlite.Open(ctx, path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c, err := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond), eng.ClientOption())
	if err != nil {
		t.Fatal(err)
	}
	stop, err := feedtest.Webhooks(srv, eng.HandleEvent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	w := &world{srv: srv, eng: eng, db: db, path: path, client: c, accounts: accs}
	for _, a := range accs {
		id, err := eng.AddFeed(ctx, feed.Spec{CompanyID: a.CompanyID, ConnectionID: a.ConnectionID, AccountID: a.AccountID, Platform: a.Platform})
		if err != nil {
			t.Fatal(err)
		}
		w.feeds = append(w.feeds, id)
	}
	return w
}

func (w *world) start(t testing.TB) {
	t.Helper()
	if err := w.eng.Start(context.Background(), w.client); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.eng.Stop(ctx)
	})
}

// waitSettled waits until no feed has waiting or in-flight lines, or fails
// the test after limit.
func (w *world) waitSettled(t testing.TB, limit time.Duration) []*feed.Status {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		all, err := w.eng.Feeds(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		done := true
		for _, s := range all {
			if (s.Waiting > 0 || s.InFlight > 0) && !s.Paused {
				done = false
			}
		}
		if done {
			return all
		}
		if time.Now().After(deadline) {
			for _, s := range all {
				t.Logf("%s: appended %d delivered %d waiting %d aside %d inflight %d paused %v %s last error %q", s.ID, s.Appended, s.Delivered, s.Waiting, s.SetAside, s.InFlight, s.Paused, s.PauseReason, s.LastError)
			}
			t.Fatalf("feeds not settled after %s", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recent is a start date for n lines a minute apart that ends an hour
// before now, inside every platform's window.
func recent(n int) time.Time {
	return time.Now().UTC().Add(-time.Hour - time.Duration(n)*time.Minute).Truncate(time.Minute)
}
