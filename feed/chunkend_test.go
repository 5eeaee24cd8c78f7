package feed

import (
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
)

func TestAChunkInsideADayEndsWhereBothPartsChainFromAFixedBalance(t *testing.T) {
	day := bankfeeds.NewDateTime(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	next := bankfeeds.NewDateTime(day.Add(24 * time.Hour))
	// walk: balances in cents from the first, on day; then one line of next.
	lines := func(walk ...int64) []bankfeeds.BankTransaction {
		var out []bankfeeds.BankTransaction
		for i := 1; i < len(walk); i++ {
			out = append(out, bankfeeds.BankTransaction{ID: "x", Date: day, Amount: bankfeeds.NewDecimal(walk[i]-walk[i-1], -2), Balance: bankfeeds.NewDecimal(walk[i], -2)})
		}
		return out
	}
	withNext := func(l []bankfeeds.BankTransaction) []bankfeeds.BankTransaction {
		last := l[len(l)-1].Balance
		return append(l, bankfeeds.BankTransaction{ID: "n", Date: next, Amount: bankfeeds.NewDecimal(1, -2), Balance: last.Add(bankfeeds.NewDecimal(1, -2))})
	}
	for _, tc := range []struct {
		name  string
		lines []bankfeeds.BankTransaction
		size  int
		want  int
	}{
		{"all fits", lines(0, 1, 2), 5, 2},
		{"a cut between dates", withNext(lines(0, 1, 2)), 2, 2},
		{"a plain cut inside a day", lines(0, 1, 2, 3), 2, 2},
		{"not back on the opening balance", lines(0, 1, 0, 5), 2, 1},
		{"not on the closing balance", lines(0, 5, 12, 20, 12), 2, 1},
		{"before the day when it starts later in the chunk", append(withNext(lines(0, 1))[1:], lines(2, 3, 2, 3)...), 3, 1},
		{"back and forth between two: decided at least", lines(0, 1, 0, 1, 0, 1), 4, 3},
		{"no balances", []bankfeeds.BankTransaction{{Date: day}, {Date: day}, {Date: day}}, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := chunkEnd(tc.lines, tc.size); got != tc.want {
				t.Errorf("chunkEnd = %d, want %d", got, tc.want)
			}
		})
	}
}
