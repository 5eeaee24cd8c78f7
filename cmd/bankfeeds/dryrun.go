package main

import (
	"fmt"
	"io"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/statement"
)

// dryStatement is a statement as --dry-run --json prints it: amounts and
// balances as JSON numbers, transactions as the SDK sends them.
type dryStatement struct {
	Format         statement.Format            `json:"format"`
	Account        string                      `json:"account"`
	Currency       string                      `json:"currency"`
	OpeningBalance *bankfeeds.Decimal          `json:"openingBalance"`
	ClosingBalance *bankfeeds.Decimal          `json:"closingBalance"`
	Transactions   []bankfeeds.BankTransaction `json:"transactions"`
	Pending        int                         `json:"pending"`
	Breaks         []statement.Break           `json:"breaks,omitempty"`
}

func (a *app) printDryRun(stmts []statement.Statement, txns []bankfeeds.BankTransaction) error {
	out := make([]dryStatement, len(stmts))
	for i := range stmts {
		s := &stmts[i]
		d := dryStatement{Format: s.Format, Account: s.Account, Currency: s.Currency, Transactions: s.Transactions, Pending: s.Pending, Breaks: s.Breaks}
		if s.Opening.IsSet() {
			d.OpeningBalance = &s.Opening.Amount
		}
		if s.Closing.IsSet() {
			d.ClosingBalance = &s.Closing.Amount
		}
		out[i] = d
	}
	return a.out(out, func(w io.Writer) {
		for i := range stmts {
			s := &stmts[i]
			fmt.Fprintf(w, "%s statement of %s %s (%s): %d booked lines, %d pending left out, opening %s, closing %s\n",
				s.Format, s.Account, s.Currency, s.Where, len(s.Transactions), s.Pending, balance(s.Opening), balance(s.Closing))
			for _, b := range s.Breaks {
				fmt.Fprintf(w, "  BREAK: %s\n", b)
			}
		}
		for _, t := range bankfeeds.SortTransactions(txns) {
			desc := ""
			if t.Description != nil {
				desc = *t.Description
			}
			fmt.Fprintf(w, "  %s  %-32s %14s %14s  %s\n", t.Date.Format("2006-01-02"), t.ID, t.Amount, t.Balance, desc)
		}
		fmt.Fprintf(w, "dry run: %d transactions would be pushed; nothing was sent\n", len(txns))
	})
}

func balance(b statement.Balance) string {
	switch {
	case !b.IsSet():
		return "not stated"
	case b.Derived:
		return b.Amount.String() + " (derived)"
	}
	return b.Amount.String()
}
