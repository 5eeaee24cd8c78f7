package bankfeeds_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

// QBO Bank Feeds takes 7 days of history. A chunk sent on the last day of
// its lines' window, Pending when the process stopped, is resumed the next
// day: its lines are already in Codat, so the chunk is settled, not
// refused as too old; the date rules apply only to the lines not yet sent.
func TestResumeSettlesAChunkWhoseLinesLeftTheWindow(t *testing.T) {
	f := newFeed(t, bankfeeds.PlatformQuickBooksOnlineBankFeeds, "acc-1")
	now := time.Now().UTC()
	y, m, d := now.AddDate(0, 0, -7).Date()
	lastDay := time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // the oldest day QBO takes today
	want := make([]bankfeeds.BankTransaction, 15)
	for i := range want {
		at := lastDay.Add(time.Duration(i) * time.Second)
		if i >= 10 {
			at = now.Add(-time.Hour + time.Duration(i)*time.Second).Truncate(time.Second)
		}
		want[i] = bankfeeds.BankTransaction{ID: "t" + strconv.Itoa(i), Date: bankfeeds.NewDateTime(at), Description: bankfeeds.Ptr("line"),
			Amount: bankfeeds.NewDecimal(100, -2), Balance: bankfeeds.NewDecimal(int64(i+1)*100, -2)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.tr.mu.Lock()
	f.tr.cancel, f.tr.act = cancel, func(push bool, n int) string { return pick(!push && n == 1, "cancel-before") }
	f.tr.mu.Unlock()
	opts := &bankfeeds.PushAllOptions{BatchSize: 10, PushOptions: bankfeeds.PushOptions{Platform: f.platform},
		Wait: &bankfeeds.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond}}
	_, err := f.c.Transactions.PushAll(ctx, f.company, f.connection, "acc-1", want, opts)
	var pe *bankfeeds.PushError
	if !errors.As(err, &pe) || pe.InFlight == nil || pe.InFlight.PushOperationKey == "" {
		t.Fatalf("the first chunk must be left in flight, answered: %v", err)
	}
	f.tr.mu.Lock()
	f.tr.act = nil
	f.tr.mu.Unlock()
	opts.Now = bankfeeds.NewDateTime(now.Add(24 * time.Hour)) // the next day: the chunk's lines are past the window
	res, err := f.c.Transactions.Resume(context.Background(), pe, opts)
	if err != nil {
		t.Fatalf("resume the next day: %v", err)
	}
	if res.Pushed != len(want) {
		t.Errorf("reported %d pushed, want %d", res.Pushed, len(want))
	}
	f.landedExactlyOnce(t, "acc-1", want)

	// A line not yet sent is still held to the window.
	late := bankfeeds.BankTransaction{ID: "old", Date: bankfeeds.NewDateTime(lastDay), Description: bankfeeds.Ptr("late"),
		Amount: bankfeeds.NewDecimal(100, -2), Balance: bankfeeds.NewDecimal(1600, -2)}
	pe.Remaining = append(pe.Remaining, late)
	_, err = f.c.Transactions.Resume(context.Background(), pe, opts)
	var ve *bankfeeds.ValidationError
	if !errors.As(err, &ve) || ve.TransactionID != "old" {
		t.Fatalf("a line not yet sent and past the window must be refused: %v", err)
	}
}
