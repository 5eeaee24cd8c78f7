package bankfeeds

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var guardNow = Date(2026, 11, 24, 12, 0, 0)

// txn makes a transaction dated daysAgo days (and minute minutes) before
// guardNow, with a balance.
func txn(id string, daysAgo, minute int, amount, balance int64) BankTransaction {
	b := NewDecimal(balance, -2)
	return BankTransaction{
		ID:          id,
		Date:        NewDateTime(guardNow.Add(time.Duration(-daysAgo)*24*time.Hour + time.Duration(minute)*time.Minute)),
		Amount:      NewDecimal(amount, -2),
		Balance:     b,
		Description: Ptr("Line " + id),
	}
}

func TestSortTransactionsCopiesAndIsStable(t *testing.T) {
	in := []BankTransaction{txn("c", 1, 0, 1, 1), txn("a", 3, 0, 1, 1), txn("b1", 2, 0, 1, 1), txn("b2", 2, 0, 1, 1)}
	// Same wall clock in another zone sorts by wall clock, as Codat reads it.
	in = append(in, BankTransaction{ID: "z", Date: NewDateTime(time.Date(2026, 11, 21, 12, 0, 0, 0, time.FixedZone("", 5*3600))), Amount: NewDecimal(1, 0)})
	orig := append([]BankTransaction(nil), in...)
	out := SortTransactions(in)
	ids := make([]string, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	assert.Equal(t, []string{"a", "z", "b1", "b2", "c"}, ids)
	assert.Equal(t, orig, in, "the caller's slice is not reordered")
}

func TestCheckTransactions(t *testing.T) {
	noBal := txn("nb", 1, 0, 100, 0)
	noBal.Balance = Decimal{}
	tests := []struct {
		name      string
		txns      []BankTransaction
		opts      *PushOptions
		wantField string
		wantIndex int
	}{
		{"ok with shared rules", []BankTransaction{txn("1", 2, 0, 100, 100), txn("2", 1, 0, 50, 150)}, nil, "", 0},
		{"missing id", []BankTransaction{txn("", 1, 0, 1, 1)}, nil, "id", 0},
		{"missing date", []BankTransaction{{ID: "x", Amount: NewDecimal(1, 0)}}, nil, "date", 0},
		{"missing amount", []BankTransaction{{ID: "x", Date: guardNow}}, nil, "amount", 0},
		{"duplicate id", []BankTransaction{txn("1", 2, 0, 1, 1), txn("1", 1, 0, 1, 2)}, nil, "id", 1},
		{"out of order", []BankTransaction{txn("1", 1, 0, 1, 1), txn("2", 2, 0, 1, 2)}, nil, "date", 1},
		{"balance optional by default", []BankTransaction{noBal}, nil, "", 0},
		{"balance required on Xero", []BankTransaction{noBal}, &PushOptions{Platform: PlatformXero, Now: guardNow}, "balance", 0},
		{"balance required on QBO", []BankTransaction{noBal}, &PushOptions{Platform: PlatformQuickBooksOnlineBankFeeds, Now: guardNow}, "balance", 0},
		{"QBO refuses 8 days back", []BankTransaction{txn("1", 8, 0, 1, 1)}, &PushOptions{Platform: PlatformQuickBooksOnlineBankFeeds, Now: guardNow}, "date", 0},
		{"QBO takes 6 days back", []BankTransaction{txn("1", 6, 0, 1, 1)}, &PushOptions{Platform: PlatformQuickBooksOnlineBankFeeds, Now: guardNow}, "", 0},
		{"Xero takes 300 days back", []BankTransaction{txn("1", 300, 0, 1, 1)}, &PushOptions{Platform: PlatformXero, Now: guardNow}, "", 0},
		{"Xero refuses 400 days back", []BankTransaction{txn("1", 400, 0, 1, 1)}, &PushOptions{Platform: PlatformXero, Now: guardNow}, "date", 0},
		{"Sage refuses the future", []BankTransaction{txn("1", -2, 0, 1, 1)}, &PushOptions{Platform: PlatformSageBankFeeds, Now: guardNow}, "date", 0},
		{"NetSuite refuses the future", []BankTransaction{txn("1", -2, 0, 1, 1)}, &PushOptions{Platform: PlatformNetSuite, Now: guardNow}, "date", 0},
		{"shared rules allow the future", []BankTransaction{txn("1", -2, 0, 1, 1)}, &PushOptions{Now: guardNow}, "", 0},
		{"not before the high-water mark", []BankTransaction{txn("1", 3, 0, 1, 1)}, &PushOptions{NotBefore: txn("hw", 2, 0, 0, 0).Date}, "date", 0},
		{"equal to the high-water mark", []BankTransaction{txn("1", 2, 0, 1, 1)}, &PushOptions{NotBefore: txn("hw", 2, 0, 0, 0).Date}, "", 0},
		{"running balance consistent", []BankTransaction{txn("1", 2, 0, 100, 100), txn("2", 1, 0, -30, 70)}, &PushOptions{Rules: &PushRules{CheckRunningBalance: true}}, "", 0},
		{"running balance broken", []BankTransaction{txn("1", 2, 0, 100, 100), txn("2", 1, 0, -30, 60)}, &PushOptions{Rules: &PushRules{CheckRunningBalance: true}}, "balance", 1},
		{"unreadable date", []BankTransaction{{ID: "x", Date: DateTime{raw: "2024-13-45"}, Amount: NewDecimal(1, 0)}}, nil, "date", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTransactions(tt.txns, tt.opts)
			if tt.wantField == "" {
				assert.NoError(t, err)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.wantField, ve.Field)
			assert.Equal(t, tt.wantIndex, ve.Index)
		})
	}
}

func TestPrepareNamesTheCallersIndex(t *testing.T) {
	in := []BankTransaction{txn("b", 1, 0, 1, 1), txn("a", 2, 0, 1, 1), txn("", 3, 0, 1, 1)}
	_, err := prepare(in, nil)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, 2, ve.Index, "the index in the caller's slice, not the sorted copy")
}

func TestRulesFor(t *testing.T) {
	assert.Equal(t, PushRules{}, RulesFor("zzzz"))
	q := RulesFor(PlatformQuickBooksOnlineBankFeeds)
	assert.True(t, q.RequireBalance && q.ForbidOlder && q.ForbidFuture)
	assert.Equal(t, 7, q.MaxAgeDays)
	assert.True(t, q.RequireDescription)
	assert.Zero(t, q.FutureSlack, "QBO is US and Canada only: no slack past UTC")
	s := RulesFor(PlatformSageBankFeeds)
	assert.True(t, s.ForbidOlder && s.RequireBalance)
	x := RulesFor(PlatformXero)
	assert.False(t, x.ForbidOlder, "Xero needs order within a request only")
	assert.Equal(t, 1, x.MaxAgeYears)
	assert.Equal(t, 14*time.Hour, x.FutureSlack)
	for _, k := range []string{PlatformNetSuite, PlatformFreeAgent, PlatformExact} {
		assert.True(t, RulesFor(k).RequireBalance, k)
	}
}

func FuzzGuard(f *testing.F) {
	f.Add([]byte{3, 1, 2, 2, 0, 9}, uint8(0))
	f.Add([]byte{0, 0, 0}, uint8(1))
	f.Add([]byte{255, 1, 128, 7}, uint8(2))
	platforms := []string{"", PlatformQuickBooksOnlineBankFeeds, PlatformSageBankFeeds, PlatformXero, PlatformNetSuite}
	f.Fuzz(func(t *testing.T, days []byte, platform uint8) {
		if len(days) > 2000 {
			return
		}
		txns := make([]BankTransaction, len(days))
		for i, d := range days {
			txns[i] = txn(strconv.Itoa(i%251), int(d)-20, i, int64(d), int64(i))
			if d%17 == 0 {
				txns[i].Balance = Decimal{}
			}
		}
		opts := &PushOptions{Platform: platforms[int(platform)%len(platforms)], Now: guardNow}
		before := append([]BankTransaction(nil), txns...)
		sorted, err := prepare(txns, opts)
		for i := range txns {
			if txns[i].ID != before[i].ID || !txns[i].Date.Equal(before[i].Date.Time) {
				t.Fatal("prepare reordered the caller's slice")
			}
		}
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Index < 0 || ve.Index >= len(txns) {
				t.Fatalf("error does not name a transaction: %v", err)
			}
			return
		}
		if len(sorted) != len(txns) {
			t.Fatalf("lost transactions: %d of %d", len(sorted), len(txns))
		}
		for i := 1; i < len(sorted); i++ {
			if wallOf(sorted[i].Date.Time).cmp(wallOf(sorted[i-1].Date.Time)) < 0 {
				t.Fatalf("not sorted at %d", i)
			}
		}
		if err := CheckTransactions(sorted, opts); err != nil {
			t.Fatalf("a prepared slice must pass the check: %v", err)
		}
	})
}

// shuffled makes n transactions with unique ids and random dates.
func shuffled(n int) []BankTransaction {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]BankTransaction, n)
	amount := NewDecimal(1250, -2)
	for i := range out {
		out[i] = BankTransaction{
			ID:     "tx-" + strconv.Itoa(i),
			Date:   NewDateTime(guardNow.Add(-time.Duration(r.IntN(300*24*3600)) * time.Second)),
			Amount: amount,
		}
	}
	return out
}

// BenchmarkGuardMillion sorts and checks 1,000,000 transactions: the target
// is under a second on one core (go test -bench GuardMillion -cpu 1).
func BenchmarkGuardMillion(b *testing.B) {
	txns := shuffled(1_000_000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := prepare(txns, nil); err != nil {
			b.Fatal(err)
		}
	}
}
