package statement

import (
	"slices"
	"strconv"

	"github.com/bankfeeds-go/bankfeeds"
)

// BreakKind says which stated balance a Break misses.
type BreakKind string

// Kinds of balance break.
const (
	// BreakClosing: the closing balance is not the opening plus the lines.
	BreakClosing BreakKind = "closing"
	// BreakIntermediate: a balance stated between lines (an MT940 62M/60M
	// page, a CSV balance column, ...) is not the running balance.
	BreakIntermediate BreakKind = "intermediate"
	// BreakContinuity: the opening balance is not the closing balance of the
	// account's previous statement in the file.
	BreakContinuity BreakKind = "continuity"
)

// Break is a stated balance that the running balance misses.
type Break struct {
	Kind BreakKind `json:"kind"`
	// Entry is the index in Transactions of the line after which the
	// balance is stated; -1 when it is stated before the first line.
	Entry int `json:"entry"`
	// TransactionID is that line's id, when there is a line.
	TransactionID string `json:"transactionId,omitempty"`
	// Stated is what the file says; Computed what the lines add up to.
	Stated   bankfeeds.Decimal `json:"stated"`
	Computed bankfeeds.Decimal `json:"computed"`
	// Where says where the file states the balance.
	Where string `json:"where,omitempty"`
}

// Difference returns Stated - Computed.
func (b Break) Difference() bankfeeds.Decimal { return b.Stated.Sub(b.Computed) }

// String describes the break in one line.
func (b Break) String() string {
	s := string(b.Kind) + " balance " + b.Stated.String()
	if b.Where != "" {
		s += " (" + b.Where + ")"
	}
	s += " but the running balance is " + b.Computed.String() + ", off by " + b.Difference().String()
	if b.Entry >= 0 {
		s += ", after line " + strconv.Itoa(b.Entry+1)
		if b.TransactionID != "" {
			s += " (id " + b.TransactionID + ")"
		}
	} else {
		s += ", before the first line"
	}
	return s
}

// chain fills the running balances of a statement and records every stated
// balance they miss. After a miss at an intermediate balance, counting
// restarts from the stated amount, so one wrong line gives one break; the
// lines' Balance fields always chain from the opening balance.
func chain(s *Statement) {
	n := len(s.Transactions)
	if !s.Opening.IsSet() && s.Closing.IsSet() {
		first := s.Closing.Amount
		s.Opening = Balance{Amount: first.Sub(s.Sum()), Derived: true}
	}
	if !s.Opening.IsSet() {
		return
	}
	run := s.Opening.Amount
	for i := range s.Transactions {
		run = run.Add(s.Transactions[i].Amount)
		s.Transactions[i].Balance = run
	}
	if !s.Closing.IsSet() {
		s.Closing = Balance{Amount: run, Derived: true}
		if n > 0 {
			s.Closing.Date = s.Transactions[n-1].Date
		}
	}
	cps := slices.Clone(s.Checkpoints)
	slices.SortStableFunc(cps, func(a, b Checkpoint) int { return a.After - b.After })
	base, baseAt := s.Opening.Amount, 0
	sumTo := func(to int) bankfeeds.Decimal {
		v := base
		for i := baseAt; i < to && i < n; i++ {
			v = v.Add(s.Transactions[i].Amount)
		}
		return v
	}
	for _, cp := range cps {
		at := min(max(cp.After, 0), n)
		if got := sumTo(at); got.Cmp(cp.Amount) != 0 {
			s.Breaks = append(s.Breaks, Break{Kind: BreakIntermediate, Entry: at - 1, Stated: cp.Amount, Computed: got, Where: cp.Where})
		}
		base, baseAt = cp.Amount, at
	}
	if !s.Closing.Derived {
		if got := sumTo(n); got.Cmp(s.Closing.Amount) != 0 {
			s.Breaks = append(s.Breaks, Break{Kind: BreakClosing, Entry: n - 1, Stated: s.Closing.Amount, Computed: got, Where: s.closingWhere()})
		}
	}
}

func (s *Statement) closingWhere() string {
	if s.Where == "" {
		return ""
	}
	return "closing of " + s.Where
}

// continuity records, for consecutive statements of the same account and
// currency in MT940, camt and OFX files (pages of one statement, or
// consecutive days), an opening balance that is not the previous closing balance.
func continuity(stmts []*draft) {
	last := map[string]*draft{}
	for _, d := range stmts {
		if d.Format == FormatBAI2 || d.Format == FormatCSV {
			continue // one statement per account and day: nothing to continue
		}
		key := d.Account + "\x00" + d.Currency
		prev := last[key]
		last[key] = d
		if prev == nil || d.Account == "" || !prev.Closing.IsSet() || prev.Closing.Derived || !d.Opening.IsSet() || d.Opening.Derived {
			continue
		}
		if prev.Closing.Amount.Cmp(d.Opening.Amount) != 0 {
			d.Breaks = append(d.Breaks, Break{Kind: BreakContinuity, Entry: -1, Stated: d.Opening.Amount, Computed: prev.Closing.Amount, Where: "opening of " + d.Where + " against the closing of " + prev.Where})
		}
	}
}
