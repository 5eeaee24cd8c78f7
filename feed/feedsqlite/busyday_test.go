package feedsqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/feed/internal/feedtest"
)

// busyDay is a date-only day of an account: lines that share one date, in
// the one order their balances chain in, from the cents in walk (the
// opening balance first).
func busyDay(a feedtest.Account, walk []int64) []bankfeeds.BankTransaction {
	day := bankfeeds.NewDateTime(time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1))
	out := make([]bankfeeds.BankTransaction, len(walk)-1)
	ids := rand.New(rand.NewPCG(uint64(len(out)), 4)).Perm(len(out)) // ids in no order of the chain's
	for i := range out {
		amount := walk[i+1] - walk[i]
		out[i] = bankfeeds.BankTransaction{
			ID:              fmt.Sprintf("%s-day-%05d", a.AccountID, ids[i]),
			Date:            day,
			Description:     bankfeeds.Ptr(fmt.Sprintf("Line %d", i)),
			Amount:          bankfeeds.NewDecimal(amount, -2),
			Balance:         bankfeeds.NewDecimal(walk[i+1], -2),
			TransactionType: bankfeeds.TransactionCredit,
		}
		if amount < 0 {
			out[i].TransactionType = bankfeeds.TransactionDebit
		}
	}
	return out
}

// newBalances is a walk of n lines from 0 whose balances are all new, so
// the day chains in one order.
func newBalances(n int, seed uint64) []int64 {
	r := rand.New(rand.NewPCG(seed, 3))
	walk := []int64{0}
	seen := map[int64]bool{0: true}
	for range n {
		b := walk[len(walk)-1]
		for seen[b] {
			b = walk[len(walk)-1] + r.Int64N(20_000) - 6_000
		}
		seen[b] = true
		walk = append(walk, b)
	}
	return walk
}

func TestABusyDayLandsInItsBalanceChainOrder(t *testing.T) {
	for _, tc := range []struct {
		name             string
		walk             []int64
		chunk, scanLimit int
	}{
		{"460 lines", newBalances(460, 1), 0, 0},
		{"1,200 lines, more than one scan", newBalances(1200, 2), 0, 1000},
		// Chunks of two would end back on the balance they started from
		// (0 -> 1 -> 0), or leave a rest that does (12 -> 20 -> 12): cut
		// elsewhere, each chunk chains in one order on its own.
		{"round trips at the chunk ends", []int64{0, 1, 0, 5, 9, 5, 12, 20, 12}, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fastConfig()
			cfg.ChunkSize, cfg.ScanLimit = tc.chunk, tc.scanLimit
			w := newWorld(t, cfg, 1, 1, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
			a := w.accounts[0]
			want := busyDay(a, tc.walk)
			// A statement exported newest first, appended in two pieces.
			given := slices.Clone(want)
			slices.Reverse(given)
			ctx := context.Background()
			for _, part := range [][]bankfeeds.BankTransaction{given[:len(given)/3], given[len(given)/3:]} {
				if _, err := w.eng.Append(ctx, w.feeds[0], part...); err != nil {
					t.Fatal(err)
				}
			}
			w.start(t)
			for _, s := range w.waitSettled(t, 2*time.Minute) {
				if s.Delivered != int64(len(want)) || s.SetAside != 0 {
					t.Errorf("%s: delivered %d of %d, %d set aside %v; last error %q", s.ID, s.Delivered, len(want), s.SetAside, s.Aside, s.LastError)
				}
			}
			if err := feedtest.CheckLanded(w.srv, a, want); err != nil {
				t.Error(err)
			}
			if got := w.srv.Transactions(a.CompanyID, a.ConnectionID, a.AccountID); len(got) > 0 {
				if last, closing := got[len(got)-1].Balance, want[len(want)-1].Balance; !last.Equal(closing) {
					t.Errorf("the account's balance is %s, want the day's closing %s", last, closing)
				}
			}
			if _, err := feedtest.CheckOperations(w.srv, a.CompanyID); err != nil {
				t.Error(err)
			}
		})
	}
}
