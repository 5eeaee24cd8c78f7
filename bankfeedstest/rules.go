package bankfeedstest

import (
	"strconv"
	"time"
)

// The rules a push operation is checked against when it completes
// (API-NOTES §3). They are the sandbox's own, written from Codat's
// documentation, so that the sandbox checks the SDK's guard rather than
// repeating it.
//
// Dates are local date-times: their wall clocks are compared, as written.
// "Now" is the sandbox clock's UTC wall clock when the push was requested.
// A date is in the future when it is after now + 14h (the SMB may live at
// UTC+14); a history window of W accepts dates >= now - W - 14h.

const (
	validatorStatus  = "BankFeedAccountStatusValidator"
	validatorOrder   = "BankTransactionsOrderValidator"
	validatorHistory = "BankTransactionsHistoryValidator"
	validatorFuture  = "BankTransactionsFutureDateValidator"
	validatorWindow  = "BankTransactionsDateRangeValidator"
	validatorBalance = "BankTransactionsBalanceValidator"
)

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
	now := requested.UTC()
	latest := now.Add(futureSlack)
	earliest := now.Add(-p.maxAge - futureSlack)
	var newest time.Time
	for _, t := range a.landed {
		if t.wall.After(newest) {
			newest = t.wall
		}
	}
	for i, t := range txns {
		date := t.wall.Format("2006-01-02T15:04:05")
		if i > 0 && t.wall.Before(txns[i-1].wall) {
			errs = append(errs, item(t.ID, validatorOrder,
				"Transaction dated "+date+" is earlier than the transaction before it; transactions must be in date order, oldest first."))
		}
		if p.forbidOlder && !newest.IsZero() && t.wall.Before(newest) {
			errs = append(errs, item(t.ID, validatorHistory,
				"Transaction dated "+date+" is older than the newest transaction already in the account ("+newest.Format("2006-01-02T15:04:05")+")."))
		}
		if t.wall.After(latest) {
			errs = append(errs, item(t.ID, validatorFuture, "Transaction dated "+date+" is in the future."))
		}
		if p.maxAge > 0 && t.wall.Before(earliest) {
			errs = append(errs, item(t.ID, validatorWindow,
				"Transaction dated "+date+" is older than "+p.name+" accepts ("+strconv.Itoa(int(p.maxAge/day))+" days)."))
		}
		if p.requireBalance && t.Balance == nil {
			errs = append(errs, item(t.ID, validatorBalance, p.name+" requires a running balance on every transaction."))
		}
	}
	return errs
}
