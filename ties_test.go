package bankfeeds

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var tieDay = NewDateTime(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))

// dayLine is a line of tieDay with amount and balance in cents.
func dayLine(id string, amount, balance int64) BankTransaction {
	return BankTransaction{ID: id, Date: tieDay, Amount: NewDecimal(amount, -2), Balance: NewDecimal(balance, -2), Description: Ptr(id)}
}

// chainDay is a day of n lines, oldest first, whose balances chain from
// opening (cents) in exactly one order: every balance is new.
func chainDay(n int, opening int64, seed uint64) []BankTransaction {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]BankTransaction, n)
	bal := opening
	for i := range out {
		amt := r.Int64N(50_000) + 1
		if r.IntN(3) == 0 {
			amt = -amt
			for bal+amt == opening || seenBalance(out[:i], bal+amt) {
				amt--
			}
		} else {
			for seenBalance(out[:i], bal+amt) {
				amt++
			}
		}
		bal += amt
		out[i] = dayLine(fmt.Sprintf("l%05d", i), amt, bal)
	}
	return out
}

func seenBalance(lines []BankTransaction, bal int64) bool {
	for i := range lines {
		if lines[i].Balance.Equal(NewDecimal(bal, -2)) {
			return true
		}
	}
	return false
}

// centsOf is a balance made by dayLine, in cents.
func centsOf(d Decimal) int64 {
	v, err := strconv.ParseInt(strings.ReplaceAll(d.String(), ".", ""), 10, 64)
	if err != nil {
		panic(err)
	}
	return v
}

// canon is d as canonical text, the same for 1.5 and 1.50.
func canon(d Decimal) string {
	var r apd.Decimal
	r.Reduce(&d.d)
	return r.Text('E')
}

func reversed(txns []BankTransaction) []BankTransaction {
	out := slices.Clone(txns)
	slices.Reverse(out)
	return out
}

func TestLongSameDateDaysFollowTheirBalanceChain(t *testing.T) {
	for _, n := range []int{500, 1000} {
		day := chainDay(n, 1_000_00, uint64(n))
		want := idsOf(day)
		closing := day[n-1].Balance.String()
		shuffled := slices.Clone(day)
		rand.New(rand.NewPCG(7, 7)).Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for _, given := range []struct {
			name  string
			lines []BankTransaction
		}{{"newest first", reversed(day)}, {"oldest first", day}, {"shuffled", shuffled}} {
			t.Run(fmt.Sprintf("%d lines %s", n, given.name), func(t *testing.T) {
				got, err := prepare(given.lines, nil)
				require.NoError(t, err, "a day whose balances chain in one order is not ambiguous")
				assert.Equal(t, want, idsOf(got))
				assert.Equal(t, closing, got[n-1].Balance.String(), "the closing balance goes last")
				assert.Equal(t, want, idsOf(SortTransactions(given.lines)))
			})
		}
	}
}

func TestLongSameDateDayWithTwoRoundTripsFromOneBalanceIsRefused(t *testing.T) {
	// 1,000 lines that chain; at line 500's balance B, two round trips
	// (B+10, back to B; B+20, back to B) can come in either order.
	day := chainDay(996, 1_000_00, 3)
	b := day[499].Balance
	bc := centsOf(b)
	trips := []BankTransaction{
		dayLine("up10", 1_000_000_01, bc+1_000_000_01), dayLine("down10", -1_000_000_01, bc),
		dayLine("up20", 2_000_000_03, bc+2_000_000_03), dayLine("down20", -2_000_000_03, bc),
	}
	lines := slices.Concat(day[:500], trips, day[500:])
	for _, given := range [][]BankTransaction{lines, reversed(lines)} {
		_, err := prepare(given, nil)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Contains(t, ve.Reason, "chain in more than one order")
	}
	// One round trip only: decided, and in place.
	one := slices.Concat(day[:500], trips[:2], day[500:])
	got, err := prepare(reversed(one), nil)
	require.NoError(t, err)
	assert.Equal(t, idsOf(one), idsOf(got))
}

func TestInterchangeableLinesInALongDayAreNotAmbiguity(t *testing.T) {
	// 998 lines that chain, with the same round trip (+5.00 to B+5, -5.00
	// back to B) three times from one balance B: the +5 lines are
	// interchangeable, as are the -5 lines, so the day has one order, and
	// each set keeps its given order.
	day := chainDay(992, 500_00, 5)
	bc := centsOf(day[300].Balance)
	var trip []BankTransaction
	for k := range 3 {
		trip = append(trip, dayLine(fmt.Sprintf("up%d", k), 5_000_000_00, bc+5_000_000_00), dayLine(fmt.Sprintf("down%d", k), -5_000_000_00, bc))
	}
	lines := slices.Concat(day[:301], trip, day[301:])
	got, err := prepare(reversed(lines), nil)
	require.NoError(t, err)
	ids := idsOf(got)
	assert.Equal(t, idsOf(day[:301]), ids[:301])
	assert.Equal(t, []string{"up2", "down2", "up1", "down1", "up0", "down0"}, ids[301:307], "interchangeable lines keep their given order")
	assert.Equal(t, idsOf(day[301:]), ids[307:])
}

func TestTieBalancesMatchWhateverTheirScale(t *testing.T) {
	// 10.0 and 10.00 are one balance.
	a := BankTransaction{ID: "a", Date: tieDay, Amount: NewDecimal(100, -1), Balance: NewDecimal(100, -1)}
	b := BankTransaction{ID: "b", Date: tieDay, Amount: NewDecimal(5, 0), Balance: NewDecimal(1500, -2)}
	got, err := prepare([]BankTransaction{b, a}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, idsOf(got))
}

// TestOrderTiesAgreesWithEveryPermutation compares orderTies with a brute
// force that tries every order of small random runs: whether the run
// chains in no order, one order (up to interchangeable lines) or more, and
// the order it puts a decided run in.
func TestOrderTiesAgreesWithEveryPermutation(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 5))
	prevDay := NewDateTime(tieDay.Add(-time.Hour))
	seen := map[string]int{}
	for c := range 6000 {
		n := 2 + r.IntN(7)
		nodes := 2 + r.IntN(4)
		var run []BankTransaction
		var offset Decimal // past 64 bits of coefficient, now and then
		if r.IntN(5) == 0 {
			offset = NewDecimal(1, 25).Add(NewDecimal(1, -3))
		}
		at := int64(r.IntN(nodes))
		for k := range n {
			next := int64(r.IntN(nodes))
			if r.IntN(12) == 0 {
				at = int64(r.IntN(nodes)) // a break in the walk
			}
			bal := NewDecimal(next*100, -2)
			if r.IntN(2) == 0 {
				bal = NewDecimal(next*1000, -3) // the same balance at another scale
			}
			run = append(run, BankTransaction{ID: fmt.Sprintf("t%d", k), Date: tieDay, Amount: NewDecimal(next-at, 0), Balance: bal.Add(offset)})
			at = next
		}
		r.Shuffle(n, func(i, j int) { run[i], run[j] = run[j], run[i] })
		txns := run
		var prev *BankTransaction
		if r.IntN(3) > 0 {
			p := BankTransaction{ID: "prev", Date: prevDay, Amount: NewDecimal(1, 0), Balance: NewDecimal(int64(r.IntN(nodes+1)), 0).Add(offset)}
			prev = &p
			txns = append([]BankTransaction{p}, run...)
		}
		want, outcome := bruteTies(run, prev)
		seen[outcome]++
		order := make([]uint32, len(txns))
		for i := range order {
			order[i] = uint32(i)
		}
		undecided := orderTies(txns, order)
		got := make([]string, 0, n)
		for _, i := range order {
			if txns[i].ID != "prev" {
				got = append(got, txns[i].ID)
			}
		}
		desc := fmt.Sprintf("case %d: run %s", c, describeRun(run, prev))
		if outcome == "ambiguous" {
			require.Len(t, undecided, n, desc)
			require.Equal(t, idsOf(run), got, "%s: an undecided run keeps its given order", desc)
			continue
		}
		require.Empty(t, undecided, "%s: brute force says %s", desc, outcome)
		require.Equal(t, want, got, "%s: brute force says %s", desc, outcome)
	}
	t.Log(seen)
	for _, o := range []string{"none", "unique", "ambiguous"} {
		require.Greater(t, seen[o], 300, "the random runs cover %q", o)
	}
}

func describeRun(run []BankTransaction, prev *BankTransaction) string {
	var b strings.Builder
	if prev != nil {
		fmt.Fprintf(&b, "[from %s] ", prev.Balance)
	}
	for _, t := range run {
		fmt.Fprintf(&b, "%s:%s->%s ", t.ID, t.Balance.Sub(t.Amount), t.Balance)
	}
	return b.String()
}

// bruteTies tries every permutation of run: it returns the ids in the one
// order the balances chain in ("unique"; interchangeable lines in their
// given order), the given ids ("none": no order chains), or "ambiguous".
// Orders start from prev's balance when any does.
func bruteTies(run []BankTransaction, prev *BankTransaction) ([]string, string) {
	n := len(run)
	before, after, sig := make([]string, n), make([]string, n), make([]string, n)
	for k, t := range run {
		before[k], after[k] = canon(t.Balance.Sub(t.Amount)), canon(t.Balance)
		sig[k] = canon(t.Amount) + "/" + after[k]
	}
	found := map[string][]int{}
	collect := func(start string) {
		used := make([]bool, n)
		path := make([]int, 0, n)
		var rec func(at string)
		rec = func(at string) {
			if len(path) == n {
				key := make([]string, n)
				for i, k := range path {
					key[i] = sig[k]
				}
				found[strings.Join(key, " ")] = slices.Clone(path)
				return
			}
			for k := range n {
				if !used[k] && (at == "" || before[k] == at) {
					used[k] = true
					path = append(path, k)
					rec(after[k])
					path = path[:len(path)-1]
					used[k] = false
				}
			}
		}
		rec(start)
	}
	if prev != nil {
		collect(canon(prev.Balance))
	}
	if len(found) == 0 {
		collect("")
	}
	switch len(found) {
	case 0:
		return idsOf(run), "none"
	case 1:
	default:
		return nil, "ambiguous"
	}
	var path []int
	for _, p := range found {
		path = p
	}
	// Interchangeable lines in their given order.
	queue := map[string][]int{}
	for k := range n {
		queue[sig[k]] = append(queue[sig[k]], k)
	}
	ids := make([]string, n)
	for i, k := range path {
		q := queue[sig[k]]
		ids[i], queue[sig[k]] = run[q[0]].ID, q[1:]
	}
	return ids, "unique"
}
