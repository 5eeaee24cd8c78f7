package feedsqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/feedsqlite"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// latin1 gives lines Windows-1252 text, as a statement reader may hand it
// over, and returns what it must read as once converted.
func latin1(lines []bankfeeds.BankTransaction) (desc func(id string) string) {
	for i := range lines {
		lines[i].Description = bankfeeds.Ptr("Caf\xe9 " + lines[i].ID)
		lines[i].Counterparty = bankfeeds.Ptr("M\xfcller \x80")
	}
	return func(id string) string { return "Café " + id }
}

// checkText fails unless every line the account holds reads as converted.
func checkText(t *testing.T, srv *bankfeedstest.Server, a feedtest.Account, desc func(string) string) {
	t.Helper()
	for _, l := range srv.Transactions(a.CompanyID, a.ConnectionID, a.AccountID) {
		if l.Description == nil || *l.Description != desc(l.ID) || l.Counterparty == nil || *l.Counterparty != "Müller €" {
			t.Fatalf("line %s landed as %q, %q", l.ID, deref(l.Description), deref(l.Counterparty))
		}
	}
}

// waitFor polls cond until it holds, or fails the test after limit (a
// bound on liveness, not a timing check).
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, limit)
		}
	}
}

// A feed of Latin-1 text lands each line once, reading as it should, when
// the engine is stopped with a chunk in flight (kept as JSON in the
// database) and another engine on the same database settles it.
func TestFeedWithLatin1TextLandsOnceThroughARestart(t *testing.T) {
	cfg := fastConfig()
	cfg.ChunkSize = 10
	// Each push operation stays Pending for a while, so a chunk is in
	// flight when the engine stops.
	w := newWorld(t, cfg, 1, 1, bankfeeds.PlatformXero, bankfeedstest.WithPushDelay(300*time.Millisecond))
	ctx := context.Background()
	a := w.accounts[0]
	want := feedtest.Statement(a, 30, recent(30), time.Minute)
	desc := latin1(want)
	if res, err := w.eng.Append(ctx, w.feeds[0], feedtest.Shuffled(want, 3)...); err != nil || res.Added != len(want) {
		t.Fatalf("append: %+v, %v", res, err)
	}
	w.start(t)
	waitFor(t, time.Minute, "a chunk in flight", func() bool {
		s, err := w.eng.Status(ctx, w.feeds[0])
		return err == nil && s.InFlight > 0
	})
	stopped, cancel := context.WithCancel(ctx)
	cancel() // cancel the running job at once: its chunk stays recorded
	if err := w.eng.Stop(stopped); err != nil {
		t.Fatal(err)
	}
	if err := w.db.Close(); err != nil {
		t.Fatal(err)
	}

	eng, db, err := feedsqlite.Open(ctx, w.path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c, err := bankfeeds.NewClient(w.srv.APIKey, bankfeeds.WithBaseURL(w.srv.URL), bankfeeds.WithRetryWait(time.Millisecond, 50*time.Millisecond), eng.ClientOption())
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx, c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = eng.Stop(ctx)
	})
	var s *feed.Status
	waitFor(t, time.Minute, "the feed delivered", func() bool {
		s, err = eng.Status(ctx, w.feeds[0])
		return err == nil && (s.Delivered == int64(len(want)) || s.NeedsPerson() != "")
	})
	if s.Delivered != int64(len(want)) || s.InFlight != 0 || s.NeedsPerson() != "" {
		t.Fatalf("status: %+v (%s)", s, s.NeedsPerson())
	}
	if err := feedtest.CheckLanded(w.srv, a, want); err != nil {
		t.Fatal(err)
	}
	checkText(t, w.srv, a, desc)
	if _, err := feedtest.CheckOperations(w.srv, a.CompanyID); err != nil {
		t.Error(err)
	}
}

// Append refuses a line whose id is not UTF-8, naming it, and stores
// nothing of the call.
func TestFeedAppendRefusesAnIDThatIsNotUTF8(t *testing.T) {
	w := newWorld(t, fastConfig(), 1, 1, bankfeeds.PlatformXero)
	ctx := context.Background()
	lines := feedtest.Statement(w.accounts[0], 3, recent(3), time.Minute)
	lines[2].ID = "Caf\xe9-2"
	_, err := w.eng.Append(ctx, w.feeds[0], lines...)
	var ve *bankfeeds.ValidationError
	if !errors.As(err, &ve) || ve.Field != "id" || ve.Index != 2 || !strings.Contains(ve.Reason, "not valid UTF-8") {
		t.Fatalf("want a *ValidationError naming line 2's id, got %v", err)
	}
	s, err := w.eng.Status(ctx, w.feeds[0])
	if err != nil {
		t.Fatal(err)
	}
	if s.Appended != 0 {
		t.Errorf("%d lines stored", s.Appended)
	}
}

// A chunk that lands while the feed holds some of its lines under no
// waiting row (here: an id stored as raw bytes and sent decoded, as an
// engine before the text rule did) is recorded and surfaces in
// NeedsAttention, rather than being rolled back and settled for ever.
func TestLandedChunkWhoseLinesTheFeedCannotFindNeedsAttention(t *testing.T) {
	w := newWorld(t, fastConfig(), 1, 1, bankfeeds.PlatformXero)
	ctx := context.Background()
	a := w.accounts[0]
	want := feedtest.Statement(a, 5, recent(5), time.Minute)
	want[3].ID = "legacy-\uFFFD" // what the stored body's id decodes to
	if _, err := w.eng.Append(ctx, w.feeds[0], want...); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.ExecContext(ctx, `UPDATE bankfeeds_line SET txn_id = ? WHERE txn_id = ?`, "legacy-\xe9", want[3].ID); err != nil {
		t.Fatal(err)
	}
	w.start(t)
	var s *feed.Status
	waitFor(t, time.Minute, "the feed in NeedsAttention", func() bool {
		all, err := w.eng.NeedsAttention(ctx)
		if err != nil || len(all) == 0 {
			return false
		}
		s = all[0]
		return true
	})
	if !s.Paused || !strings.Contains(s.PauseReason, "did not hold as waiting") || !strings.Contains(s.PauseReason, `"legacy-\ufffd"`) {
		t.Errorf("want the feed paused naming the line, got paused %v: %s", s.Paused, s.PauseReason)
	}
	if s.Delivered != int64(len(want)-1) || s.InFlight != 0 || s.Chunks != 1 {
		t.Errorf("status: delivered %d (want %d), in flight %d, chunks %d", s.Delivered, len(want)-1, s.InFlight, s.Chunks)
	}
	if err := feedtest.CheckLanded(w.srv, a, want); err != nil {
		t.Fatal(err)
	}
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
