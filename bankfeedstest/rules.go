package bankfeedstest

import (
	"strconv"
	"time"
)

// The rules a push operation is checked against when it completes
// (docs/api-notes.md §3). They are the sandbox's own, written from Codat's
// documentation, so that the sandbox checks the SDK's guard rather than
// repeating it.
//
// Dates are local date-times: their wall clocks are compared, as written,
// with "now", the sandbox clock's UTC time when the push was requested,
// moved into the zones where the platform's SMBs live (zoneSpan):
//
//   - the future starts after now + the zone furthest ahead (14 hours; none
//     for QBO Bank Feeds, which serves the US and Canada only);
//   - a history window counts calendar days or years back from the SMB's
//     today, taken in the zone furthest behind, and accepts the whole of its
//     first day: a date-only line exactly 7 days back is accepted like a
//     line later that day, and a year back is the same date a calendar year
//     before, whatever leap day lies between.
//
// The fields each platform requires, and the transaction types it takes,
// are those of its create model (bankTransactionsModel), read from it.

const (
	validatorStatus   = "BankFeedAccountStatusValidator"
	validatorOrder    = "BankTransactionsOrderValidator"
	validatorHistory  = "BankTransactionsHistoryValidator"
	validatorFuture   = "BankTransactionsFutureDateValidator"
	validatorWindow   = "BankTransactionsDateRangeValidator"
	validatorBalance  = "BankTransactionsBalanceValidator"
	validatorRequired = "BankTransactionsRequiredFieldValidator"
	validatorType     = "BankTransactionsTypeValidator"
)

// dateBounds are the first wall clock a push accepts and the last.
type dateBounds struct {
	earliest time.Time // zero: no window
	latest   time.Time
}

// boundsFor computes a platform's date bounds at the sandbox time now.
func boundsFor(p *platform, now time.Time) dateBounds {
	utc := now.UTC()
	b := dateBounds{latest: utc.Add(p.zones.east)}
	if !p.window.none() {
		b.earliest = p.window.earliest(dayOf(utc.Add(p.zones.west)))
	}
	return b
}

// pushErrors lists every rule a push breaks; none means it lands.
func pushErrors(cn *connection, a *sourceAccount, accountID string, txns []txnIn, requested time.Time) []validationItem {
	p := cn.platform
	var errs []validationItem
	if cn.status != statusLinked {
		errs = append(errs, item(cn.id, validatorStatus,
			"The data connection is "+cn.status+"; transactions can only be pushed to a Linked connection."))
	}
	if a == nil {
		return append(errs, item(accountID, validatorStatus, "Source account "+strconv.Quote(accountID)+" no longer exists."))
	}
	if a.status != acctConnected {
		errs = append(errs, item(a.id, validatorStatus,
			"Source account "+strconv.Quote(a.id)+" is "+a.status+"; only connected accounts accept transactions."))
	}
	bounds := boundsFor(p, requested)
	model := modelRules(p)
	var newest time.Time
	for _, t := range a.landed {
		if t.wall.After(newest) {
			newest = t.wall
		}
	}
	for i := range txns {
		t := &txns[i]
		date := t.wall.Format("2006-01-02T15:04:05")
		if i > 0 && t.wall.Before(txns[i-1].wall) {
			errs = append(errs, item(t.ID, validatorOrder,
				"Transaction dated "+date+" is earlier than the transaction before it; transactions must be in date order, oldest first."))
		}
		if p.forbidOlder && !newest.IsZero() && t.wall.Before(newest) {
			errs = append(errs, item(t.ID, validatorHistory,
				"Transaction dated "+date+" is older than the newest transaction already in the account ("+newest.Format("2006-01-02T15:04:05")+")."))
		}
		if t.wall.After(bounds.latest) {
			errs = append(errs, item(t.ID, validatorFuture, "Transaction dated "+date+" is in the future."))
		}
		if !bounds.earliest.IsZero() && t.wall.Before(bounds.earliest) {
			errs = append(errs, item(t.ID, validatorWindow,
				"Transaction dated "+date+" is older than "+p.name+" accepts ("+p.window.describe()+" back, from "+bounds.earliest.Format(time.DateOnly)+")."))
		}
		errs = append(errs, model.check(p, t)...)
	}
	return errs
}

// lineRules are what a platform's create model says of one transaction:
// the fields it requires (beyond id, date and amount, which every push is
// refused without) and, when it lists them, the transaction types it takes.
type lineRules struct {
	required []string
	types    []string // nil: any type of the document's enum
}

// modelRules reads a platform's rules from its create model, so that a push
// is validated as the model says.
func modelRules(p *platform) lineRules {
	m := bankTransactionsModel(p)
	line := m.Properties["transactions"].Properties["items"]
	var r lineRules
	for _, name := range [...]string{"description", "counterparty", "reference", "reconciled", "balance", "transactionType"} {
		if line.Properties[name].Required {
			r.required = append(r.required, name)
		}
	}
	for _, c := range line.Properties["transactionType"].Options {
		r.types = append(r.types, c.Value)
	}
	return r
}

// check lists the model's rules one transaction breaks.
func (r lineRules) check(p *platform, t *txnIn) []validationItem {
	var errs []validationItem
	for _, name := range r.required {
		if t.has(name) {
			continue
		}
		if name == "balance" {
			errs = append(errs, item(t.ID, validatorBalance, p.name+" requires a running balance on every transaction."))
			continue
		}
		errs = append(errs, item(t.ID, validatorRequired, p.name+" requires "+name+" on every transaction."))
	}
	if t.TransactionType != nil && r.types != nil && !contains(r.types, *t.TransactionType) {
		errs = append(errs, item(t.ID, validatorType,
			"transactionType "+strconv.Quote(*t.TransactionType)+" is not one "+p.name+" accepts ("+joinOr(r.types)+")."))
	}
	return errs
}

// has reports whether a transaction carries a value for an optional field
// (an empty string is no description).
func (t *txnIn) has(name string) bool {
	switch name {
	case "description":
		return t.Description != nil && *t.Description != ""
	case "counterparty":
		return t.Counterparty != nil && *t.Counterparty != ""
	case "reference":
		return t.Reference != nil && *t.Reference != ""
	case "reconciled":
		return t.Reconciled != nil
	case "balance":
		return t.Balance != nil
	case "transactionType":
		return t.TransactionType != nil
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// joinOr writes "a, b or c".
func joinOr(list []string) string {
	out := ""
	for i, s := range list {
		switch {
		case i == 0:
		case i == len(list)-1:
			out += " or "
		default:
			out += ", "
		}
		out += s
	}
	return out
}
