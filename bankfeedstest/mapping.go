package bankfeedstest

import (
	"errors"
	"net/http"
	"slices"
	"time"
)

// Linking and mapping: the SMB user's side of the journey (the link page and
// CompleteLink), account mapping through the API (#23, #24) and company
// information (#25).

// isCredit reports whether a source account is a liability, so it maps to a
// Credit target account.
func isCredit(a *sourceAccount) bool {
	switch deref(a.accountType) {
	case "creditCard", "loan", "Credit", "credit", "CreditCard":
		return true
	}
	return false
}

func targetType(a *sourceAccount) string {
	if isCredit(a) {
		return "Credit"
	}
	return "Debit"
}

// targetOptions are the target accounts a source account may be mapped to:
// the same currency and type, and not fed by another source account.
func targetOptions(cn *connection, a *sourceAccount) []*targetAccount {
	var out []*targetAccount
	for _, t := range cn.targets {
		if a.currency != nil && t.currency != *a.currency {
			continue
		}
		if t.accountType != targetType(a) || (t.fedBy != "" && t.fedBy != a.id) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// linkLocked authorises a connection: PendingAuth becomes Linked, and
// connection.connected is sent.
func (s *Server) linkLocked(cn *connection, now time.Time) error {
	switch cn.status {
	case statusLinked:
		return nil
	case statusPendingAuth:
		cn.status = statusLinked
		s.emitConnectionLocked(eventConnectionConnected, cn, now)
		return nil
	}
	return errors.New("bankfeedstest: connection " + cn.id + " is " + cn.status + " and cannot be linked again")
}

// newTargetFor creates the target account "Create New Account" makes: named
// after the source account, in its currency.
func newTargetFor(cn *connection, a *sourceAccount, now time.Time) *targetAccount {
	t := &targetAccount{
		id:            newUUID(),
		name:          deref(a.name),
		accountType:   targetType(a),
		sortCode:      a.sortCode,
		accountNumber: a.number,
		currency:      cn.platform.baseCurrency,
		balance:       a.balance,
		status:        "Active",
		modified:      stamp(now),
	}
	if t.name == "" {
		t.name = a.id
	}
	if a.currency != nil {
		t.currency = *a.currency
	}
	cn.targets = append(cn.targets, t)
	cn.targetByID[t.id] = t
	return t
}

// defaultFeedStart is the feed start date the user picks when none is
// given: the connect time, or for QBO Bank Feeds seven days of history.
func defaultFeedStart(cn *connection, now time.Time) time.Time {
	if cn.platform.key == keyQBO {
		y, m, d := now.UTC().AddDate(0, 0, -7).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return stamp(now)
}

// connectLocked maps a source account to a target (a new one when t is
// nil) and connects it at once.
func (s *Server) connectLocked(cn *connection, a *sourceAccount, t *targetAccount, feedStart, now time.Time) {
	if t == nil {
		t = newTargetFor(cn, a, now)
	}
	mapTarget(cn, a, t)
	a.status = acctConnected
	a.feedStartDate = feedStart
	s.emitSourceAccountLocked(eventSourceAccountConnected, cn, a) // webhook (events.go)
	s.connectedLocked(cn, a, now)                                 // scenarios.go
}

// mapTarget points a source account at a target, freeing its old target.
func mapTarget(cn *connection, a *sourceAccount, t *targetAccount) {
	if old, ok := cn.targetByID[a.targetID]; ok && old.fedBy == a.id {
		old.fedBy = ""
	}
	a.targetID = t.id
	t.fedBy = a.id
}

// completeLinkLocked is what the SMB user does in the link flow: authorise
// the connection and connect every source account that is not connected
// yet, each to a new target account.
func (s *Server) completeLinkLocked(cn *connection, now time.Time) error {
	if err := s.linkLocked(cn, now); err != nil {
		return err
	}
	for _, a := range cn.accounts {
		if a.status != acctConnected {
			s.connectLocked(cn, a, nil, defaultFeedStart(cn, now), now)
		}
	}
	return nil
}

func mappingStatus(a *sourceAccount) string { return a.status }

// A mapping refused because the target account is already fed, answered
// as the document's example answers it.
const (
	mappingFailed = "Failed"
	msgFeedExists = "A feed connection already exists to this account"
)

func (s *Server) getMapping(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	out := make([]mappingJSON, 0, len(cn.accounts))
	for _, a := range cn.accounts {
		m := mappingJSON{
			SourceAccountID:      a.id,
			SourceAccountName:    deref(a.name),
			SourceAccountNumber:  deref(a.number),
			SourceBalance:        a.balance,
			SourceCurrency:       deref(a.currency),
			Status:               mappingStatus(a),
			TargetAccountOptions: []targetOptionJSON{},
		}
		if t, ok := cn.targetByID[a.targetID]; ok {
			m.TargetAccountID, m.TargetAccountName = t.id, t.name
		}
		if !a.feedStartDate.IsZero() {
			m.FeedStartDate = formatTime(a.feedStartDate)
		}
		for _, t := range targetOptions(cn, a) {
			m.TargetAccountOptions = append(m.TargetAccountOptions, targetOptionJSON{
				ID: t.id, Name: t.name, Balance: t.balance, SortCode: t.sortCode, AccountNumber: t.accountNumber,
			})
		}
		out = append(out, m)
	}
	return jsonResp(http.StatusOK, out)
}

// createMapping maps one source account (one per call). It answers
// "connecting"; the account becomes connected once the push delay passes.
// A target account another source account feeds is refused as the
// document's example shows: 200 with status "Failed" and the error.
func (s *Server) createMapping(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	const v = "BankFeedMappingValidator"
	if !cn.platform.apiMapping {
		return badRequest("Account mapping through the API is not available for "+cn.platform.name+"; the user maps accounts inside the accounting software.",
			item(cn.id, v, "the platform maps accounts itself"))
	}
	if cn.status != statusLinked {
		return badRequest("The connection is "+cn.status+"; the user must authorise it before accounts can be mapped.",
			item(cn.id, v, "the connection is not linked"))
	}
	var b struct {
		SourceAccountID *string `json:"sourceAccountId"`
		TargetAccountID *string `json:"targetAccountId"`
		FeedStartDate   *string `json:"feedStartDate"`
	}
	if err := decodeBody(q.body, &b); err != nil {
		return invalidBody(err)
	}
	if b.SourceAccountID == nil || *b.SourceAccountID == "" {
		return badRequest("sourceAccountId is required.", item("sourceAccountId", v, "sourceAccountId is required"))
	}
	a, ok := cn.accByID[*b.SourceAccountID]
	if !ok {
		return badRequest("No source account has the id "+*b.SourceAccountID+".", item(*b.SourceAccountID, v, "source account not found"))
	}
	feedStart := defaultFeedStart(cn, q.now)
	if b.FeedStartDate != nil {
		t, err := parseInstant(*b.FeedStartDate)
		if err != nil {
			return badRequest("feedStartDate is not a date-time.", item("feedStartDate", v, "feedStartDate is not a date-time"))
		}
		feedStart = t
	}
	var target *targetAccount
	if b.TargetAccountID != nil {
		t, ok := cn.targetByID[*b.TargetAccountID]
		if !ok {
			return badRequest("No target account has the id "+*b.TargetAccountID+".", item(*b.TargetAccountID, v, "target account not found"))
		}
		if a.targetID == t.id && (a.status == acctConnected || a.status == acctConnecting) {
			return jsonResp(http.StatusOK, mappingResultJSON{SourceAccountID: a.id, TargetAccountID: t.id, Status: a.status})
		}
		if t.fedBy != "" && t.fedBy != a.id {
			// The document's own example: 200, status Failed, and the reason.
			return jsonResp(http.StatusOK, mappingResultJSON{SourceAccountID: a.id, TargetAccountID: t.id,
				Status: mappingFailed, Error: msgFeedExists})
		}
		if !slices.Contains(targetOptions(cn, a), t) {
			return badRequest("The target account's currency or type does not match the source account.", item(t.id, v, "currency or type mismatch"))
		}
		target = t
	} else {
		target = newTargetFor(cn, a, q.now)
	}
	mapTarget(cn, a, target)
	a.status = acctConnecting
	a.feedStartDate = time.Time{}
	s.later(func(now time.Time) {
		if !a.deleted && a.status == acctConnecting && a.targetID == target.id {
			a.status = acctConnected
			a.feedStartDate = feedStart
			s.emitSourceAccountLocked(eventSourceAccountConnected, cn, a) // webhook (events.go)
			s.connectedLocked(cn, a, now)
		}
	})
	return jsonResp(http.StatusOK, mappingResultJSON{SourceAccountID: a.id, TargetAccountID: target.id, Status: acctConnecting})
}

type companyInfoJSON struct {
	CompanyName          string   `json:"companyName"`
	BaseCurrency         string   `json:"baseCurrency"`
	PlanType             string   `json:"planType,omitempty"`
	MulticurrencyEnabled bool     `json:"multicurrencyEnabled"`
	Currencies           []string `json:"currencies"`
}

// companyInformation answers for Xero and NetSuite only, once linked.
func (s *Server) companyInformation(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	const v = "CompanyInformationValidator"
	if !cn.platform.companyInfo {
		return badRequest("Company information is not supported for "+cn.platform.name+"; only Xero and Oracle NetSuite provide it.",
			item(cn.id, v, "unsupported platform "+cn.platform.key))
	}
	if cn.status != statusLinked {
		return badRequest("The connection is "+cn.status+"; company information is available once it is linked.",
			item(cn.id, v, "the connection is not linked"))
	}
	cur := cn.platform.baseCurrency
	currencies := []string{cur}
	for _, c := range []string{"EUR", "GBP", "USD"} {
		if c != cur {
			currencies = append(currencies, c)
		}
	}
	return jsonResp(http.StatusOK, companyInfoJSON{
		CompanyName: cn.co.name, BaseCurrency: cur, PlanType: "Premium",
		MulticurrencyEnabled: true, Currencies: currencies,
	})
}
