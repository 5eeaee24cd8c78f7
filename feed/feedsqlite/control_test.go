package feedsqlite_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/feed"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// A line older than what a QBO account holds is set aside with its reason
// and the feed goes on; on Xero it is pushed.
func TestLateLinesSetAsideOnQBOOnly(t *testing.T) {
	for _, tc := range []struct {
		platform string
		aside    int
	}{
		{bankfeeds.PlatformQuickBooksOnlineBankFeeds, 2},
		{bankfeeds.PlatformSageBankFeeds, 2},
		{bankfeeds.PlatformXero, 0},
	} {
		t.Run(tc.platform, func(t *testing.T) {
			w := newWorld(t, fastConfig(), 1, 1, tc.platform)
			ctx := context.Background()
			lines := feedtest.Statement(w.accounts[0], 30, recent(30), time.Minute)
			if _, err := w.eng.Append(ctx, w.feeds[0], lines[2:20]...); err != nil {
				t.Fatal(err)
			}
			w.start(t)
			w.waitSettled(t, 20*time.Second)
			// Two lines older than the newest delivered arrive late, then more.
			if _, err := w.eng.Append(ctx, w.feeds[0], append(lines[:2:2], lines[20:]...)...); err != nil {
				t.Fatal(err)
			}
			w.waitSettled(t, 20*time.Second)
			s, err := w.eng.Status(ctx, w.feeds[0])
			if err != nil {
				t.Fatal(err)
			}
			if s.SetAside != int64(tc.aside) || len(s.Aside) != tc.aside || s.Delivered != int64(30-tc.aside) || s.Waiting != 0 {
				t.Fatalf("status %+v", s)
			}
			for _, a := range s.Aside {
				if !strings.Contains(a.Reason, "older than the newest transaction the account already holds") {
					t.Errorf("line %s set aside for %q", a.ID, a.Reason)
				}
			}
			if tc.aside > 0 {
				if s.NeedsPerson() == "" {
					t.Error("a feed with lines set aside does not need a person")
				}
				if err := feedtest.CheckLanded(w.srv, w.accounts[0], lines[2:]); err != nil {
					t.Error(err)
				}
			}
			if !strings.HasSuffix(lines[29].Date.Format(time.RFC3339), "Z") || s.HighWaterMark.Format("2006-01-02T15:04") != lines[29].Date.Format("2006-01-02T15:04") {
				t.Errorf("high-water mark %s, want %s", s.HighWaterMark, lines[29].Date)
			}
		})
	}
}

// The outbox: lines appended in a transaction that rolls back are not
// delivered; in one that commits, they are.
func TestAppendTxCommitsWithTheLedger(t *testing.T) {
	w := newWorld(t, fastConfig(), 1, 1, bankfeeds.PlatformXero)
	ctx := context.Background()
	lines := feedtest.Statement(w.accounts[0], 10, recent(10), time.Minute)
	if _, err := w.db.ExecContext(ctx, `CREATE TABLE ledger (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for i, commit := range []bool{false, true} {
		tx, err := w.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ledger (id) VALUES (?)`, lines[i*5].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.eng.AppendTx(ctx, tx, w.feeds[0], lines[i*5:i*5+5]...); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	w.start(t)
	w.waitSettled(t, 20*time.Second)
	if err := feedtest.CheckLanded(w.srv, w.accounts[0], lines[5:]); err != nil {
		t.Error(err)
	}
}

func TestAppendRefusesBadLines(t *testing.T) {
	w := newWorld(t, fastConfig(), 1, 1, bankfeeds.PlatformXero)
	ctx := context.Background()
	good := feedtest.Statement(w.accounts[0], 1, recent(1), time.Minute)[0]
	for _, tc := range []struct {
		name  string
		edit  func(*bankfeeds.BankTransaction)
		field string
	}{
		{"no id", func(t *bankfeeds.BankTransaction) { t.ID = "" }, "id"},
		{"no date", func(t *bankfeeds.BankTransaction) { t.Date = bankfeeds.DateTime{} }, "date"},
		{"no amount", func(t *bankfeeds.BankTransaction) { t.Amount = bankfeeds.Decimal{} }, "amount"},
		{"long id", func(t *bankfeeds.BankTransaction) { t.ID = strings.Repeat("x", 300) }, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := good
			tc.edit(&bad)
			_, err := w.eng.Append(ctx, w.feeds[0], good, bad)
			var ve *bankfeeds.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || ve.Index != 1 {
				t.Fatalf("err = %v, want a ValidationError for %s of line 1", err, tc.field)
			}
			if s, _ := w.eng.Status(ctx, w.feeds[0]); s.Appended != 0 {
				t.Fatalf("%d lines stored after a refused append", s.Appended)
			}
		})
	}
	if _, err := w.eng.Append(ctx, "no-such-feed", good); !errors.Is(err, feed.ErrUnknownFeed) {
		t.Errorf("append to an unknown feed: %v", err)
	}
}

// Pause holds a feed's lines back and shows in NeedsAttention; Resume
// delivers them.
func TestPauseAndResume(t *testing.T) {
	w := newWorld(t, fastConfig(), 1, 2, bankfeeds.PlatformXero)
	ctx := context.Background()
	if err := w.eng.Pause(ctx, w.feeds[0], "checking the account"); err != nil {
		t.Fatal(err)
	}
	var want [][]bankfeeds.BankTransaction
	for i, a := range w.accounts {
		lines := feedtest.Statement(a, 20, recent(20), time.Minute)
		want = append(want, lines)
		if _, err := w.eng.Append(ctx, w.feeds[i], lines...); err != nil {
			t.Fatal(err)
		}
	}
	w.start(t)
	w.waitSettled(t, 20*time.Second)
	paused, _ := w.eng.Status(ctx, w.feeds[0])
	other, _ := w.eng.Status(ctx, w.feeds[1])
	if !paused.Paused || paused.Delivered != 0 || paused.Waiting != 20 || other.Delivered != 20 {
		t.Fatalf("paused %+v, other %+v", paused, other)
	}
	need, err := w.eng.NeedsAttention(ctx)
	if err != nil || len(need) != 1 || need[0].ID != w.feeds[0] || !strings.Contains(need[0].NeedsPerson(), "checking the account") {
		t.Fatalf("NeedsAttention = %v, %v", need, err)
	}
	if err := w.eng.Resume(ctx, w.feeds[0]); err != nil {
		t.Fatal(err)
	}
	w.waitSettled(t, 20*time.Second)
	for i, a := range w.accounts {
		if err := feedtest.CheckLanded(w.srv, a, want[i]); err != nil {
			t.Error(err)
		}
	}
	if err := w.eng.Pause(ctx, "nope", ""); !errors.Is(err, feed.ErrUnknownFeed) {
		t.Errorf("pause of an unknown feed: %v", err)
	}
}

// Repeated Failed pushes (the account disconnected) park the feed for a
// person, and the other feeds go on.
func TestRepeatedFailuresNeedAPerson(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxFailures = 2
	w := newWorld(t, cfg, 1, 2, bankfeeds.PlatformXero)
	ctx := context.Background()
	a := w.accounts[0]
	if err := w.srv.Disconnect(a.CompanyID, a.ConnectionID, a.AccountID); err != nil {
		t.Fatal(err)
	}
	for i, acc := range w.accounts {
		if _, err := w.eng.Append(ctx, w.feeds[i], feedtest.Statement(acc, 10, recent(10), time.Minute)...); err != nil {
			t.Fatal(err)
		}
	}
	w.start(t)
	w.waitSettled(t, 20*time.Second)
	s, _ := w.eng.Status(ctx, w.feeds[0])
	if !s.Paused || s.Failures != 2 || s.Delivered != 0 || s.LastError == "" || s.NeedsPerson() == "" {
		t.Fatalf("status %+v", s)
	}
	if o, _ := w.eng.Status(ctx, w.feeds[1]); o.Delivered != 10 {
		t.Fatalf("the other feed: %+v", o)
	}
}
