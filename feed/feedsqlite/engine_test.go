package feedsqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

func TestDeliversInOrderExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		platform string
		lines    int
	}{
		{"QBO several chunks", bankfeeds.PlatformQuickBooksOnlineBankFeeds, 2500},
		{"Xero", bankfeeds.PlatformXero, 300},
		{"Sage", bankfeeds.PlatformSageBankFeeds, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, fastConfig(), 2, 2, tc.platform)
			ctx := context.Background()
			want := map[string][]bankfeeds.BankTransaction{}
			for i, a := range w.accounts {
				lines := feedtest.Statement(a, tc.lines, recent(tc.lines), time.Minute)
				want[a.AccountID] = lines
				sh := feedtest.Shuffled(lines, uint64(i+1))
				// Appended in pieces, with every id of the first piece twice.
				res, err := w.eng.Append(ctx, w.feeds[i], sh[:tc.lines/2]...)
				if err != nil || res.Added != tc.lines/2 {
					t.Fatalf("append: %+v, %v", res, err)
				}
				res, err = w.eng.Append(ctx, w.feeds[i], sh...)
				if err != nil || res.Added != tc.lines-tc.lines/2 || res.Duplicates != tc.lines/2 {
					t.Fatalf("append again: %+v, %v", res, err)
				}
			}
			w.start(t)
			for _, s := range w.waitSettled(t, time.Minute) {
				if s.Delivered != int64(tc.lines) || s.SetAside != 0 || s.Failures != 0 {
					t.Errorf("%s: %+v", s.ID, s)
				}
				if want := (tc.lines + 999) / 1000; s.Chunks != int64(want) {
					t.Errorf("%s: %d chunks, want %d", s.ID, s.Chunks, want)
				}
			}
			for _, a := range w.accounts {
				if err := feedtest.CheckLanded(w.srv, a, want[a.AccountID]); err != nil {
					t.Error(err)
				}
			}
			for _, a := range w.accounts[:1] {
				if _, err := feedtest.CheckOperations(w.srv, a.CompanyID); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
