package bankfeedstest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Pushing bank transactions (#27), the push model (#28), and push
// operations (#29, #30).

// Push operation statuses.
const (
	pushPending = "Pending"
	pushSuccess = "Success"
	pushFailed  = "Failed"
)

// maxPushTransactions is the most transactions one push may hold.
const maxPushTransactions = 1000

var transactionTypes = []string{
	"Unknown", "Credit", "Debit", "Int", "Div", "Fee", "SerChg", "Dep", "Atm", "Pos", "Xfer",
	"Check", "Payment", "Cash", "DirectDep", "DirectDebit", "RepeatPmt", "Other",
}

// newOp records a Pending push operation on a connection's company.
func (s *Server) newOp(cn *connection, dataType string, now time.Time, timeout *int) *pushOp {
	op := &pushOp{
		key:        newUUID(),
		co:         cn.co,
		conn:       cn,
		dataType:   dataType,
		status:     pushPending,
		statusCode: http.StatusAccepted,
		requested:  stamp(now),
		timeout:    timeout,
	}
	cn.co.ops = append(cn.co.ops, op)
	cn.co.opByKey[op.key] = op
	return op
}

func (op *pushOp) fail(now time.Time, errs ...validationItem) {
	op.status, op.statusCode, op.completed = pushFailed, http.StatusBadRequest, stamp(now)
	op.validation.Errors = errs
	op.errMsg = "The push failed validation: " + errs[0].Message
	if n := len(errs) - 1; n > 0 {
		op.errMsg += " (and " + strconv.Itoa(n) + " more)"
	}
}

func (op *pushOp) succeed(now time.Time, changes []changeJSON) {
	op.status, op.statusCode, op.completed = pushSuccess, http.StatusOK, stamp(now)
	op.changes = changes
}

func (op *pushOp) json() pushOperationJSON {
	out := pushOperationJSON{
		Changes:           op.changes,
		DataType:          op.dataType,
		CompanyID:         op.co.id,
		PushOperationKey:  op.key,
		DataConnectionKey: op.conn.id,
		RequestedOnUtc:    formatTime(op.requested),
		TimeoutInMinutes:  op.timeout,
		Status:            op.status,
		ErrorMessage:      op.errMsg,
		StatusCode:        op.statusCode,
	}
	if !op.completed.IsZero() {
		out.CompletedOnUtc = formatTime(op.completed)
	}
	if len(op.validation.Errors) > 0 || len(op.validation.Warnings) > 0 {
		v := op.validation
		out.Validation = &v
	}
	return out
}

type pushBody struct {
	AccountID    *string    `json:"accountId"`
	Transactions *[]txnWire `json:"transactions"`
}

// txnWire is a pushed transaction as sent: amount and balance are kept raw
// so a JSON string can be refused (json.Number would take "10.5"), and the
// read-only fields are caught.
type txnWire struct {
	txnIn
	Amount             json.RawMessage `json:"amount"`
	Balance            json.RawMessage `json:"balance"`
	ModifiedDate       json.RawMessage `json:"modifiedDate"`
	SourceModifiedDate json.RawMessage `json:"sourceModifiedDate"`
}

// readOnlyTxnFields are the transaction fields Codat writes and a push must
// not send (docs/using-the-api/push.md).
var readOnlyTxnFields = [...]string{"modifiedDate", "sourceModifiedDate"}

// number reads a raw JSON value that must be a number: ok is false for a
// string or any other kind; absent (or null) is "", true.
func number(raw json.RawMessage) (n json.Number, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return "", false
	}
	return json.Number(raw), true
}

// unwire checks what the document refuses in one transaction (a string
// amount or balance, a read-only field) and fills its txnIn.
func (w *txnWire) unwire(id, v string) []validationItem {
	var errs []validationItem
	amount, ok := number(w.Amount)
	if !ok {
		errs = append(errs, item(id, v, "amount must be a JSON number, not "+jsonKind(w.Amount)))
	}
	w.txnIn.Amount = amount
	balance, ok := number(w.Balance)
	switch {
	case !ok:
		errs = append(errs, item(id, v, "balance must be a JSON number, not "+jsonKind(w.Balance)))
	case balance != "":
		w.txnIn.Balance = &balance
	}
	for i, raw := range [...]json.RawMessage{w.ModifiedDate, w.SourceModifiedDate} {
		if len(raw) > 0 && string(raw) != "null" {
			errs = append(errs, item(id, v, readOnlyTxnFields[i]+" is read-only: Codat sets it, and a push must not send it"))
		}
	}
	return errs
}

// jsonKind names the kind of a raw JSON value: "a string", "an object" ...
func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "this value"
}

// pushTransactions validates a push synchronously (400/404 ErrorMessage)
// and answers a Pending push operation echoing the body; the operation
// completes once the push delay has passed (see completePush).
func (s *Server) pushTransactions(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	accountID := q.param("accountId")
	timeout, fail := timeoutParam(q)
	if fail != nil {
		return *fail
	}
	if v := q.r.URL.Query().Get("allowSyncOnPushComplete"); v != "" {
		if _, err := strconv.ParseBool(v); err != nil {
			return badRequest("allowSyncOnPushComplete must be true or false.", item("allowSyncOnPushComplete", "QueryValidator", "not a boolean"))
		}
	}
	const v = "BankTransactionsValidator"
	var b pushBody
	if err := decodeBody(q.body, &b); err != nil {
		return invalidBody(err)
	}
	switch {
	case b.AccountID == nil:
		return badRequest("accountId is required.", item("accountId", v, "accountId is required"))
	case b.Transactions == nil:
		return badRequest("transactions is required.", item("transactions", v, "transactions is required"))
	case len(*b.Transactions) > maxPushTransactions:
		return badRequest("A push holds at most 1000 transactions.",
			item("transactions", v, "the push holds "+strconv.Itoa(len(*b.Transactions))+" transactions; the most is 1000"))
	case len(*b.Transactions) == 0:
		return badRequest("A push needs at least one transaction.", item("transactions", v, "transactions is empty"))
	case *b.AccountID != accountID:
		return badRequest("The accountId in the body must match the accountId in the path.",
			item("accountId", v, "body accountId "+strconv.Quote(*b.AccountID)+" differs from the path's "+strconv.Quote(accountID)))
	}
	if _, ok := cn.accByID[accountID]; !ok {
		return errorResp(http.StatusNotFound, msgAccountNotFound, item(accountID, v, "no source account "+strconv.Quote(accountID)+" on this connection"))
	}
	wire := *b.Transactions
	txns := make([]txnIn, len(wire))
	var errs, warnings []validationItem
	for i := range wire {
		id := wire[i].ID
		if id == "" {
			id = "[" + strconv.Itoa(i) + "]"
			errs = append(errs, item(id, v, "id is required"))
		}
		errs = append(errs, wire[i].unwire(id, v)...)
		txns[i] = wire[i].txnIn
		t := &txns[i]
		if t.Date == "" {
			errs = append(errs, item(id, v, "date is required"))
		} else if w, err := parseLocal(t.Date); err != nil {
			errs = append(errs, item(id, v, "date "+strconv.Quote(t.Date)+" is not a date or a local date-time"))
		} else {
			t.wall = w
		}
		if len(wire[i].Amount) == 0 || string(wire[i].Amount) == "null" {
			errs = append(errs, item(id, v, "amount is required"))
		}
		if tt := t.TransactionType; tt != nil && !slices.Contains(transactionTypes, *tt) {
			errs = append(errs, item(id, v, "transactionType "+strconv.Quote(*tt)+" is not a transaction type"))
		}
		if w := signWarning(t); w != "" {
			warnings = append(warnings, item(id, "BankTransactionsSignValidator", w))
		}
	}
	if len(errs) > 0 {
		return badRequest("One or more transactions are not valid.", errs...)
	}
	op := s.newOp(cn, "bankTransactions", q.now, timeout)
	op.accountID = accountID
	op.txns = txns
	op.validation.Warnings = warnings
	s.schedulePushLocked(op, q.now) // scenarios.go
	out := op.json()
	out.Data = pushEchoJSON{AccountID: accountID, Transactions: txns}
	return jsonResp(http.StatusOK, out)
}

// signWarning warns when the amount's sign contradicts a Credit or Debit
// type; Codat warns and goes on.
func signWarning(t *txnIn) string {
	if t.TransactionType == nil || t.Amount == "" {
		return ""
	}
	negative := t.Amount[0] == '-'
	switch {
	case *t.TransactionType == "Credit" && negative:
		return "a Credit transaction has a negative amount"
	case *t.TransactionType == "Debit" && !negative && t.Amount != "0":
		return "a Debit transaction has a positive amount"
	}
	return ""
}

// completePush ends a push operation: Failed with the rules it breaks, and
// nothing landed; or Success, with every transaction landed in the account.
func (s *Server) completePush(op *pushOp, requested, now time.Time) {
	if op.status != pushPending || op.co.deleted || op.conn.deleted {
		return
	}
	cn := op.conn
	a := cn.accByID[op.accountID]
	if errs := pushErrors(cn, a, op.accountID, op.txns, requested); len(errs) > 0 {
		op.fail(now, errs...)
		if a != nil {
			if t, ok := cn.targetByID[a.targetID]; ok {
				t.refuse(op, errs, now) // the console shows them (console.go)
			}
		}
		s.emitWriteLocked(op) // webhook (webhooks.go)
		return
	}
	a.landed = append(a.landed, op.txns...)
	if t, ok := cn.targetByID[a.targetID]; ok {
		for _, x := range op.txns {
			t.register = append(t.register, registerLine{txn: x, source: a.id, op: op.key})
		}
	}
	changes := make([]changeJSON, len(op.txns))
	for i, t := range op.txns {
		changes[i] = changeJSON{Type: "Created", RecordRef: recordRefJSON{ID: t.ID, DataType: "bankTransactions"}}
	}
	if last := op.txns[len(op.txns)-1]; last.Balance != nil {
		if t, ok := cn.targetByID[a.targetID]; ok {
			t.balance = *last.Balance // the last line's balance becomes the account's
			t.modified = stamp(now)
		}
	}
	op.succeed(now, changes)
	if op.timesOut { // Scenarios.TimedOutWritten: written, yet TimedOut
		s.scen.counts.TimedOutWritten++
		op.timeOut(now)
	}
	s.emitWriteLocked(op) // webhook (webhooks.go)
}

func (s *Server) transactionsModel(q *request) response {
	cn, _, fail := s.accountFor(q, "accountId")
	if fail != nil {
		return *fail
	}
	return jsonResp(http.StatusOK, bankTransactionsModel(cn.platform))
}

func (s *Server) getPushOperation(q *request) response {
	co, fail := s.companyFor(q)
	if fail != nil {
		return *fail
	}
	op, ok := co.opByKey[q.param("pushOperationKey")]
	if !ok {
		return notFound("Push operation not found. Check the pushOperationKey in the path.")
	}
	return jsonResp(http.StatusOK, op.json())
}

var pushOperationFields = &fields{
	entity: "PushOperation",
	kinds: map[string]fieldKind{
		"pushoperationkey": kindString, "companyid": kindString, "dataconnectionkey": kindString,
		"datatype": kindString, "status": kindString, "statuscode": kindNumber,
		"requestedonutc": kindDate, "completedonutc": kindDate, "timeoutinminutes": kindNumber,
		"errormessage": kindString,
	},
}

func (op *pushOp) record() record {
	return func(name string) value {
		switch name {
		case "pushoperationkey":
			return strVal(op.key)
		case "companyid":
			return strVal(op.co.id)
		case "dataconnectionkey":
			return strVal(op.conn.id)
		case "datatype":
			return strVal(op.dataType)
		case "status":
			return strVal(op.status)
		case "statuscode":
			return numVal(float64(op.statusCode))
		case "requestedonutc":
			return dateVal(op.requested)
		case "completedonutc":
			return dateVal(op.completed)
		case "timeoutinminutes":
			if op.timeout == nil {
				return value{}
			}
			return numVal(float64(*op.timeout))
		case "errormessage":
			if op.errMsg == "" {
				return value{}
			}
			return strVal(op.errMsg)
		}
		return value{}
	}
}

func (s *Server) listPushOperations(q *request) response {
	co, fail := s.companyFor(q)
	if fail != nil {
		return *fail
	}
	return listPage(q, co.ops, listSpec[*pushOp]{
		fields: pushOperationFields,
		rec:    (*pushOp).record,
		out:    func(op *pushOp) any { return op.json() },
	})
}
