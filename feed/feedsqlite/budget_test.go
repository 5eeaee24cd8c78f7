package feedsqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// The sandbox's clock runs speedup times faster than the real one, so its
// per-minute limit counts over windows of a minute/speedup of real time,
// and the budget's Window is set to match.
const speedup = 12

func fastClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return start.Add(time.Since(start) * speedup) }
}

// TestBudgetKeepsToTheLimit: with far more work waiting than the limit
// allows, the fleet uses at least 90% of the per-minute limit and never
// causes a 429 of its own.
func TestBudgetKeepsToTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("measures over 20 s; skipped with -short")
	}
	const perMinute = 40
	window := time.Minute / speedup
	cfg := fastConfig()
	cfg.Workers = 6
	cfg.ChunkSize = 5
	cfg.Budget.PerMinute = perMinute
	cfg.Budget.Window = window
	// The sandbox's fast clock would teach the client's polling that
	// operations take 12 times longer than they do: settle from webhooks.
	cfg.Webhooks = true
	w := newWorld(t, cfg, 3, 2, bankfeeds.PlatformXero, bankfeedstest.WithClock(fastClock()), bankfeedstest.WithRateLimit(perMinute))
	ctx := context.Background()
	for i, a := range w.accounts {
		lines := feedtest.Statement(a, 400, recent(400), time.Minute)
		if _, err := w.eng.Append(ctx, w.feeds[i], lines...); err != nil {
			t.Fatal(err)
		}
	}
	// The set-up's requests count in the sandbox's first minute: start in
	// a fresh one.
	if _, err := w.srv.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	w.start(t)
	time.Sleep(window) // the first window fills at once; measure the steady state
	before := w.srv.RequestCounts().Served
	const windows = 4
	time.Sleep(windows * window)
	counts := w.srv.RequestCounts()
	served := counts.Served - before
	share := float64(served) / float64(windows*perMinute)
	t.Logf("%d requests in %d windows of %s with a limit of %d: %.1f%% of the limit; 429s: per-minute %d, concurrency %d, daily %d; budget %+v",
		served, windows, window, perMinute, 100*share, counts.PerMinute, counts.Concurrency, counts.DailyQuota, w.eng.Budget().Stats())
	if st := w.eng.Budget().Stats(); st.Blocked == 0 && share < 0.9 {
		// The engine could not make requests as fast as the limit allows
		// (a slow machine, or the race detector): nothing was measured.
		t.Skipf("the engine made %d requests without ever waiting for the budget: too slow here to fill the limit", st.Granted)
	}
	if share < 0.9 {
		t.Errorf("the fleet used %.1f%% of the per-minute limit with work waiting, want at least 90%%", 100*share)
	}
	if share > 1.0001 {
		t.Errorf("the fleet used %.1f%% of the per-minute limit", 100*share)
	}
	if counts.PerMinute+counts.Concurrency+counts.DailyQuota > 0 {
		t.Errorf("the fleet caused 429s: %+v", counts)
	}
	all, err := w.eng.Feeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiting := int64(0)
	for _, s := range all {
		waiting += s.Waiting
		t.Logf("%s: delivered %d waiting %d inflight %d failures %d last %q %q", s.AccountID, s.Delivered, s.Waiting, s.InFlight, s.Failures, s.LastStatus, s.LastError)
	}
	if waiting == 0 {
		t.Error("no work was left waiting: the test measured nothing")
	}
}
