package feed

import "github.com/bankfeeds-go/bankfeeds"

// chunkEnd is how many of sorted, lines in push order, the next chunk
// takes: at most size. A chunk may end inside a day (lines that share a
// date), since a day may hold more lines than one push; but PushAll orders
// the chunk again by itself, knowing nothing of the lines before it, and
// the next chunk starts where this one ends. So the part of the day in the
// chunk, and the part left for later, must each chain from a balance they
// themselves fix: neither may end on the balance it starts from (a round
// trip chains from any of its balances). The chunk then ends at the latest
// line whose balance is neither the balance the day's part starts from nor
// the day's closing balance, or else before the day.
func chunkEnd(sorted []bankfeeds.BankTransaction, size int) int {
	k := min(len(sorted), size)
	if k == len(sorted) || !sameDate(&sorted[k-1], &sorted[k]) {
		return k
	}
	first, last := k-1, k // the day's lines: [first, last]
	for first > 0 && sameDate(&sorted[first-1], &sorted[k]) {
		first--
	}
	for last+1 < len(sorted) && sameDate(&sorted[last+1], &sorted[k]) {
		last++
	}
	for i := first; i <= last; i++ {
		if !sorted[i].Balance.IsSet() {
			return k // no balances: the day keeps its order anyway
		}
	}
	opening := sorted[first].Balance.Sub(sorted[first].Amount)
	closing := sorted[last].Balance
	for end := k; end > first; end-- {
		if b := sorted[end-1].Balance; !b.Equal(opening) && !b.Equal(closing) {
			return end
		}
	}
	if first > 0 {
		return first
	}
	// Every balance of the day's first size lines is its opening or its
	// closing balance (a day that goes back and forth between two): no
	// cut leaves both parts fixed. Fix at least this chunk's; at worst, the
	// guard refuses the rest of the day as undecided, naming it.
	for end := k; end > first; end-- {
		if !sorted[end-1].Balance.Equal(opening) {
			return end
		}
	}
	return k // the day stays on its opening balance: its lines are interchangeable
}

// sameDate reports whether a and b share a date, as the guard groups ties:
// the same wall clock.
func sameDate(a, b *bankfeeds.BankTransaction) bool {
	return sortKey(a.Date) == sortKey(b.Date)
}
