package bankfeeds

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// tieSearchBudget bounds the search for the order of one run of lines that
// share a date; a run that needs more steps is undecided.
const tieSearchBudget = 100_000

// orderTies reorders, within order, each run of lines that share a date and
// all carry a balance, into the order their running balances chain in:
// balance[i] = balance[i-1] + amount[i], starting from the balance of the
// line before the run when that chains. Banks export statements newest
// first, so a stable sort alone would leave such lines reversed, and the
// last line pushed, whose balance becomes the account's, would not be the
// day's last.
//
// A run whose balances do not chain in any order keeps its given order.
// A run whose balances chain in more than one order (lines that are not
// interchangeable, such as +10 then -10 against -10 then +10 from the same
// start) is undecided: orderTies returns its indexes, so the caller can
// refuse it, and leaves it in its given order. Lines with the same amount
// and balance are interchangeable and keep their given order.
func orderTies(txns []BankTransaction, order []uint32) (undecided []uint32) {
	var prev *BankTransaction
	for i := 0; i < len(order); {
		j := i + 1
		w := wallOf(txns[order[i]].Date.Time)
		for j < len(order) && wallOf(txns[order[j]].Date.Time).cmp(w) == 0 {
			j++
		}
		if j-i > 1 {
			if run := order[i:j]; !chainRun(txns, run, prev) {
				undecided = append(undecided, run...)
			}
		}
		prev = &txns[order[j-1]]
		i = j
	}
	return undecided
}

// tieLine is one line of a run: the balance before it and after it, as
// canonical text, and its place in the run.
type tieLine struct {
	idx           uint32
	before, after string
	sig           string // amount and balance: equal sigs are interchangeable
}

// chainRun orders run in place by its balance chain and reports whether the
// order was decided (or needed no deciding).
func chainRun(txns []BankTransaction, run []uint32, prev *BankTransaction) bool {
	lines := make([]tieLine, len(run))
	for k, idx := range run {
		t := &txns[idx]
		if !t.Balance.IsSet() || !t.Amount.IsSet() {
			return true // no balances to order by: keep the given order
		}
		before := t.Balance.Sub(t.Amount)
		if !before.IsSet() {
			return true
		}
		after := canonical(t.Balance)
		lines[k] = tieLine{idx: idx, before: canonical(before), after: after, sig: canonical(t.Amount) + "/" + after}
	}
	var start string
	if prev != nil && prev.Balance.IsSet() {
		start = canonical(prev.Balance)
	}
	s := tieSearch{lines: lines, used: make([]bool, len(lines)), budget: tieSearchBudget}
	if start != "" {
		s.search(start, true, 0)
	}
	if s.found == 0 {
		s.search("", false, 0) // the run does not follow on from the line before it
	}
	switch {
	case s.found == 0:
		return true // the balances do not chain: nothing to order by
	case s.found > 1 || s.budget < 0:
		return false
	}
	copy(run, s.best)
	return true
}

// tieSearch counts the orders of a run whose balances chain, up to two, and
// keeps the first.
type tieSearch struct {
	lines  []tieLine
	used   []bool
	path   []uint32
	best   []uint32
	found  int
	budget int
}

func (s *tieSearch) search(at string, fixed bool, depth int) {
	if s.found > 1 || s.budget < 0 {
		return
	}
	if depth == len(s.lines) {
		s.found++
		if s.found == 1 {
			s.best = append([]uint32(nil), s.path...)
		}
		return
	}
	s.budget--
	tried := map[string]bool{}
	for k := range s.lines {
		l := &s.lines[k]
		if s.used[k] || tried[l.sig] || (fixed || depth > 0) && l.before != at {
			continue
		}
		tried[l.sig] = true // the first unused of interchangeable lines stands for them all
		s.used[k] = true
		s.path = append(s.path, l.idx)
		s.search(l.after, true, depth+1)
		s.path = s.path[:len(s.path)-1]
		s.used[k] = false
	}
}

// canonical is d's value as text, the same for 1.5 and 1.50.
func canonical(d Decimal) string {
	var r apd.Decimal
	r.Reduce(&d.d)
	return r.Text('E')
}

// idList names up to five transactions by id, for an error.
func idList(txns []BankTransaction, idx []uint32) string {
	ids := make([]string, 0, min(len(idx), 6))
	for k, i := range idx {
		if k == 5 {
			ids = append(ids, "...")
			break
		}
		ids = append(ids, txns[i].ID)
	}
	return strings.Join(ids, ", ")
}
