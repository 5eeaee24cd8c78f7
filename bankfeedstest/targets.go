package bankfeedstest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Target bank accounts in the accounting software: list (#13), create
// model (#14), create (#15, an asynchronous push operation).

var targetFields = &fields{
	entity: "BankAccount",
	kinds: map[string]fieldKind{
		"id": kindString, "accountname": kindString, "accounttype": kindString,
		"nominalcode": kindString, "sortcode": kindString, "accountnumber": kindString,
		"iban": kindString, "currency": kindString, "balance": kindNumber,
		"institution": kindString, "status": kindString, "modifieddate": kindDate,
	},
}

func numberVal(n json.Number) value {
	if n == "" {
		return value{}
	}
	f, err := n.Float64()
	if err != nil {
		return value{}
	}
	return numVal(f)
}

func (t *targetAccount) record() record {
	return func(name string) value {
		switch name {
		case "id":
			return strVal(t.id)
		case "accountname":
			return strVal(t.name)
		case "accounttype":
			return strVal(t.accountType)
		case "nominalcode":
			return optStr(t.nominalCode)
		case "sortcode":
			return optStr(t.sortCode)
		case "accountnumber":
			return optStr(t.accountNumber)
		case "iban":
			return optStr(t.iban)
		case "currency":
			return strVal(t.currency)
		case "balance":
			return numberVal(t.balance)
		case "institution":
			return optStr(t.institution)
		case "status":
			return strVal(t.status)
		case "modifieddate":
			return dateVal(t.modified)
		}
		return value{}
	}
}

func (t *targetAccount) json() targetAccountJSON {
	out := targetAccountJSON{
		ID: t.id, AccountName: t.name, AccountType: t.accountType, NominalCode: t.nominalCode,
		SortCode: t.sortCode, AccountNumber: t.accountNumber, IBan: t.iban, Currency: t.currency,
		Balance: t.balance, Institution: t.institution, AvailableBalance: t.availableBalance,
		OverdraftLimit: t.overdraftLimit, Status: t.status,
	}
	if !t.modified.IsZero() {
		out.ModifiedDate = formatTime(t.modified)
	}
	return out
}

func (s *Server) listTargetAccounts(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	return listPage(q, cn.targets, listSpec[*targetAccount]{
		fields: targetFields,
		rec:    (*targetAccount).record,
		out:    func(t *targetAccount) any { return t.json() },
	})
}

func (s *Server) targetAccountModel(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, bankAccountModel(cn.platform))
}

type targetBody struct {
	AccountName      *string      `json:"accountName"`
	AccountType      *string      `json:"accountType"`
	NominalCode      *string      `json:"nominalCode"`
	SortCode         *string      `json:"sortCode"`
	AccountNumber    *string      `json:"accountNumber"`
	IBan             *string      `json:"iBan"`
	Currency         *string      `json:"currency"`
	Balance          *json.Number `json:"balance"`
	Institution      *string      `json:"institution"`
	AvailableBalance *json.Number `json:"availableBalance"`
	OverdraftLimit   *json.Number `json:"overdraftLimit"`
	Status           *string      `json:"status"`
}

func (b *targetBody) check() []validationItem {
	const v = "BankAccountValidator"
	var items []validationItem
	if b.AccountName == nil || strings.TrimSpace(*b.AccountName) == "" {
		items = append(items, item("accountName", v, "accountName is required"))
	}
	if b.AccountType != nil && !slices.Contains([]string{"Unknown", "Credit", "Debit"}, *b.AccountType) {
		items = append(items, item("accountType", v, "accountType must be Unknown, Credit or Debit"))
	}
	if b.Currency != nil && !currencyCode.MatchString(*b.Currency) {
		items = append(items, item("currency", v, "currency must be an ISO 4217 code such as GBP"))
	}
	if b.OverdraftLimit != nil && strings.HasPrefix(string(*b.OverdraftLimit), "-") {
		items = append(items, item("overdraftLimit", v, "overdraftLimit is always positive"))
	}
	if b.Status != nil && !slices.Contains([]string{"Unknown", "Active", "Archived", "Pending"}, *b.Status) {
		items = append(items, item("status", v, "status must be Unknown, Active, Archived or Pending"))
	}
	return items
}

// timeoutParam reads the optional timeoutInMinutes query parameter.
func timeoutParam(q *request) (*int, *response) {
	s := q.r.URL.Query().Get("timeoutInMinutes")
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 1 {
		r := badRequest("timeoutInMinutes must be a whole number of 1 or more.", item("timeoutInMinutes", "QueryValidator", "not a positive int32"))
		return nil, &r
	}
	v := int(n)
	return &v, nil
}

// createTargetAccount answers a Pending push operation; once the push delay
// has passed the account exists (Success), or the operation Failed when
// the connection is not linked.
func (s *Server) createTargetAccount(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	timeout, fail := timeoutParam(q)
	if fail != nil {
		return *fail
	}
	var b targetBody
	if err := decodeBody(q.body, &b); err != nil {
		return invalidBody(err)
	}
	if items := b.check(); len(items) > 0 {
		return badRequest("The bank account is not valid.", items...)
	}
	t := &targetAccount{
		id: newUUID(), name: *b.AccountName, accountType: deref(b.AccountType), nominalCode: b.NominalCode,
		sortCode: b.SortCode, accountNumber: b.AccountNumber, iban: b.IBan, currency: deref(b.Currency),
		institution: b.Institution, status: deref(b.Status),
	}
	if t.accountType == "" {
		t.accountType = "Debit"
	}
	if t.currency == "" {
		t.currency = cn.platform.baseCurrency
	}
	if t.status == "" {
		t.status = "Active"
	}
	if b.Balance != nil {
		t.balance = *b.Balance
	}
	if b.AvailableBalance != nil {
		t.availableBalance = *b.AvailableBalance
	}
	if b.OverdraftLimit != nil {
		t.overdraftLimit = *b.OverdraftLimit
	}
	op := s.newOp(cn, "bankAccounts", q.now, timeout)
	op.newTarget = t
	s.later(func(now time.Time) {
		if cn.deleted || op.status != pushPending {
			return
		}
		if cn.status != statusLinked {
			op.fail(now, item(cn.id, "BankAccountValidator", "The data connection is "+cn.status+"; bank accounts can only be created on a Linked connection."))
			s.emitWriteLocked(op) // bankAccounts.write.unsuccessful (events.go)
			return
		}
		t.modified = stamp(now)
		cn.targets = append(cn.targets, t)
		cn.targetByID[t.id] = t
		op.succeed(now, []changeJSON{{Type: "Created", RecordRef: recordRefJSON{ID: t.id, DataType: "bankAccounts"}}})
		s.emitWriteLocked(op) // bankAccounts.write.successful (events.go)
	})
	out := op.json()
	out.Data = t.json()
	return jsonResp(http.StatusOK, out)
}

// maxRefusedKept bounds the refused lines a target account keeps.
const maxRefusedKept = 2000

// refuse keeps the lines of a failed push with the reasons that name each
// one, or the push's own reasons (a disconnected account, say).
func (t *targetAccount) refuse(op *pushOp, errs []validationItem, now time.Time) {
	byLine := make(map[string]string, len(errs))
	general := ""
	for _, e := range errs {
		switch {
		case e.ItemID == op.conn.id || e.ItemID == op.accountID:
			general = joinReason(general, e.Message)
		default:
			byLine[e.ItemID] = joinReason(byLine[e.ItemID], e.Message)
		}
	}
	for _, x := range op.txns {
		reason := byLine[x.ID]
		if reason == "" {
			reason = general
		}
		if reason == "" {
			reason = "Refused with the rest of its push: " + errs[0].Message
		}
		t.refused = append(t.refused, refusedLine{txn: x, op: op.key, reason: reason, at: now})
	}
	if n := len(t.refused) - maxRefusedKept; n > 0 {
		t.refused = append(t.refused[:0:0], t.refused[n:]...)
	}
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}
