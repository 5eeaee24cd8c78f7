package feedsqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// waitFor polls the feed's status until ok says so; the test's own timeout
// bounds it.
func (w *world) waitFor(t *testing.T, feedID string, ok func(*feed.Status) bool) *feed.Status {
	t.Helper()
	for {
		s, err := w.eng.Status(context.Background(), feedID)
		if err != nil {
			t.Fatal(err)
		}
		if v := s; ok(v) {
			return v
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A push that ended Failed (the account disconnected) is retried, once the
// account is connected again, under fresh keys: the feed's derived key
// would be answered with the Failed push's replay for 90 minutes.
func TestFeedRetriesAFailedPushUnderAFreshKey(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxFailures = 50
	w := newWorld(t, cfg, 1, 1, bankfeeds.PlatformXero)
	ctx := context.Background()
	a := w.accounts[0]
	if err := w.srv.Disconnect(a.CompanyID, a.ConnectionID, a.AccountID); err != nil {
		t.Fatal(err)
	}
	want := feedtest.Statement(a, 10, recent(10), time.Minute)
	if _, err := w.eng.Append(ctx, w.feeds[0], want...); err != nil {
		t.Fatal(err)
	}
	w.start(t)
	f0 := w.waitFor(t, w.feeds[0], func(s *feed.Status) bool { return s.Failures > 0 }).Failures
	if _, err := w.client.AccountMapping.Create(ctx, a.CompanyID, a.ConnectionID, bankfeeds.AccountMapping{SourceAccountID: a.AccountID}); err != nil {
		t.Fatal(err)
	}
	// Delivered, or three more failures although the account is connected.
	s := w.waitFor(t, w.feeds[0], func(s *feed.Status) bool { return s.Delivered == 10 || s.Paused || s.Failures >= f0+3 })
	if s.Delivered != 10 {
		t.Fatalf("the feed did not deliver once the account was connected again: %+v", *s)
	}
	if err := feedtest.CheckLanded(w.srv, a, want); err != nil {
		t.Fatal(err)
	}
}

// A chunk in flight that PushAll refuses before sending anything (here its
// kept record no longer matches its lines) is no *PushError: it must count
// as a failure, pause the feed after MaxFailures and show in
// NeedsAttention, never retry silently for ever.
func TestFeedRefusalBeforeSendingNeedsAPerson(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxFailures = 2
	w := newWorld(t, cfg, 1, 1, bankfeeds.PlatformXero)
	ctx := context.Background()
	a := w.accounts[0]
	if _, err := w.eng.Append(ctx, w.feeds[0], feedtest.Statement(a, 3, recent(3), time.Minute)...); err != nil {
		t.Fatal(err)
	}
	bad := `{"companyId":"` + a.CompanyID + `","connectionId":"` + a.ConnectionID + `","accountId":"` + a.AccountID +
		`","transactions":[{"id":"x","date":"2026-11-30T00:00:00","amount":1,"balance":1}],"bodyHash":"00","idempotencyKey":"k",` +
		`"keySentAt":"2026-11-30T00:00:00Z","firstSentAt":"2026-11-30T00:00:00Z"}`
	if _, err := w.db.Exec(`UPDATE bankfeeds_feed SET inflight = ? WHERE feed_id = ?`, bad, w.feeds[0]); err != nil {
		t.Fatal(err)
	}
	w.start(t)
	s := w.waitFor(t, w.feeds[0], func(s *feed.Status) bool { return s.LastError != "" })
	if s.Failures == 0 || s.NeedsPerson() == "" {
		t.Fatalf("a refusal left no failure to see: %+v", *s)
	}
	s = w.waitFor(t, w.feeds[0], func(s *feed.Status) bool { return s.Paused })
	if s.Failures != 2 || s.LastError == "" {
		t.Fatalf("status %+v", *s)
	}
	need, err := w.eng.NeedsAttention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(need) != 1 || need[0].ID != w.feeds[0] {
		t.Fatalf("NeedsAttention %v, want the feed", need)
	}
}
