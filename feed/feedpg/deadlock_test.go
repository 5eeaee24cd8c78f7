package feedpg_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedpg"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
	"github.com/bankfeeds-go/bankfeeds/internal/pgtest"
)

// On PostgreSQL every writer takes the connection's row first: producers
// appending, a person pausing and resuming, the kick looking for work and
// the jobs delivering, all on one connection at once, never deadlock.
func TestWritersNeverDeadlock(t *testing.T) {
	pool := connect(t, pgtest.Database(t), 20)
	ctx := context.Background()
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(2 * time.Millisecond))
	defer srv.Close()
	setup, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL))
	accs, err := feedtest.Setup(ctx, setup, srv, 1, 4, bankfeeds.PlatformXero)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.KickInterval = 5 * time.Millisecond // the kick, on every connection, all the time
	cfg.StuckAfter = 20 * time.Millisecond
	eng, err := feedpg.Open(ctx, pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := bankfeeds.NewClient(srv.APIKey, bankfeeds.WithBaseURL(srv.URL), eng.ClientOption())
	feeds := make([]string, len(accs))
	lines := make([][]bankfeeds.BankTransaction, len(accs))
	for i, a := range accs {
		if feeds[i], err = eng.AddFeed(ctx, feed.Spec{CompanyID: a.CompanyID, ConnectionID: a.ConnectionID, AccountID: a.AccountID, Platform: a.Platform}); err != nil {
			t.Fatal(err)
		}
		lines[i] = feedtest.Statement(a, 600, time.Now().UTC().Add(-20*time.Hour), time.Minute)
	}
	if err := eng.Start(ctx, c); err != nil {
		t.Fatal(err)
	}
	defer eng.Stop(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(feeds))
	for i := range feeds {
		wg.Add(2)
		go func() { // a producer: a line at a time
			defer wg.Done()
			for _, l := range lines[i] {
				if _, err := eng.Append(ctx, feeds[i], l); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // a person, pausing and resuming
			defer wg.Done()
			for k := 0; k < 50; k++ {
				if err := eng.Pause(ctx, feeds[i], "checking"); err != nil {
					errs <- err
					return
				}
				if err := eng.Resume(ctx, feeds[i]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitSettled(t, eng, pool, time.Minute)
	for i, a := range accs {
		if err := feedtest.CheckLanded(srv, a, lines[i]); err != nil {
			t.Error(err)
		}
	}
}
