package feedpg_test

import (
	"context"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedpg"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

func testConfig() feed.Config {
	return feed.Config{
		Workers: 4, LeaseTTL: 2 * time.Second, KickInterval: 200 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		RetryBackoff: 100 * time.Millisecond, JobTimeout: 20 * time.Second,
		Wait: bankfeeds.WaitOptions{Interval: 10 * time.Millisecond, MaxInterval: 100 * time.Millisecond},
	}
}

func TestDeliversOnPostgres(t *testing.T) {
	pool := connect(t, pgtest.Database(t), 10)
	ctx := context.Background()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(5 * time.Millisecond))
	defer srv.Close()
	setup, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	accs, err := feedtest.Setup(ctx, setup, srv, 2, 2, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := feedpg.Open(ctx, pool, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond), eng.ClientOption())
	want := map[string][]bankfeeds.BankTransaction{}
	for i, a := range accs {
		id, err := eng.AddFeed(ctx, feed.Spec{CompanyID: a.CompanyID, ConnectionID: a.ConnectionID, AccountID: a.AccountID, Platform: a.Platform})
		if err != nil {
			t.Fatal(err)
		}
		lines := feedtest.Statement(a, 1500, time.Now().UTC().Add(-30*time.Hour), time.Minute)
		want[a.AccountID] = lines
		// The outbox: the lines commit with the bank's own transaction.
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.AppendTx(ctx, tx, id, feedtest.Shuffled(lines, uint64(i))...); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := eng.Start(ctx, c); err != nil {
		t.Fatal(err)
	}
	defer eng.Stop(ctx)
	waitSettled(t, eng, pool, time.Minute)
	for _, a := range accs {
		if err := feedtest.CheckLanded(srv, a, want[a.AccountID]); err != nil {
			t.Error(err)
		}
	}
}
