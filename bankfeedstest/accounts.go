package bankfeedstest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Source accounts: create, batch create, list, update, delete (#16-#20);
// credentials and OTPs are in credentials.go.

// Source account statuses.
const (
	acctPending      = "pending"
	acctConnecting   = "connecting"
	acctConnected    = "connected"
	acctDisconnected = "disconnected"
)

var (
	v2AccountTypes = []string{"checking", "savings", "loan", "creditCard", "prepaidCard"}
	routingTypes   = []string{"rtn", "aba", "swift", "bsb", "iban", "nz2", "trno", "sortcode", "blz", "ifsc", "bankcode", "apca", "clabe"}
	currencyCode   = regexp.MustCompile(`^[A-Z]{3}$`)
)

const msgAccountExists = "A bank account already exists with the same Id"

// sourceAccountBody is a source account as a request sends it, in either
// shape.
type sourceAccountBody struct {
	ID            *string      `json:"id"`
	AccountName   *string      `json:"accountName"`
	AccountType   *string      `json:"accountType"`
	AccountNumber *string      `json:"accountNumber"`
	SortCode      *string      `json:"sortCode"`
	RoutingInfo   *routingInfo `json:"routingInfo"`
	Currency      *string      `json:"currency"`
	Balance       *json.Number `json:"balance"`
	ModifiedDate  *string      `json:"modifiedDate"`
	AccountInfo   *accountInfo `json:"accountInfo"`
}

// version is the shape a body asks for: 2 when it has routingInfo or
// accountInfo or a version 2 accountType, 1 when its accountType is
// another string, and 2 (the shape of integrations since 2024-08) when it
// says nothing.
func (b *sourceAccountBody) version() int {
	if b.RoutingInfo != nil || b.AccountInfo != nil {
		return 2
	}
	if b.AccountType != nil && !slices.Contains(v2AccountTypes, *b.AccountType) {
		return 1
	}
	return 2
}

func (b *sourceAccountBody) idOrIndex(i int) string {
	if b.ID != nil && *b.ID != "" {
		return *b.ID
	}
	return "[" + strconv.Itoa(i) + "]"
}

// check validates a body against the connection's shape.
func (b *sourceAccountBody) check(version int, itemID string) []validationItem {
	const v = "SourceAccountValidator"
	var items []validationItem
	bad := func(msg string) { items = append(items, item(itemID, v, msg)) }
	if b.ID == nil || strings.TrimSpace(*b.ID) == "" {
		bad("id is required")
	} else if *b.ID == "batch" || *b.ID == "credentials" {
		bad("id must not be \"batch\" or \"credentials\": those paths are taken")
	}
	if b.Currency != nil && !currencyCode.MatchString(*b.Currency) {
		bad("currency must be an ISO 4217 code such as GBP")
	}
	if b.ModifiedDate != nil {
		if _, err := parseInstant(*b.ModifiedDate); err != nil {
			bad("modifiedDate is not a date-time")
		}
	}
	if version == 1 {
		if b.RoutingInfo != nil || b.AccountInfo != nil {
			bad("routingInfo and accountInfo belong to version 2 source accounts; this connection's source accounts are version 1")
		}
		return items
	}
	if b.AccountName == nil || *b.AccountName == "" {
		bad("accountName is required")
	}
	if b.AccountType == nil || !slices.Contains(v2AccountTypes, *b.AccountType) {
		bad("accountType is required and must be one of checking, savings, loan, creditCard, prepaidCard")
	}
	if b.AccountNumber == nil || *b.AccountNumber == "" {
		bad("accountNumber is required")
	}
	if b.Currency == nil {
		bad("currency is required")
	}
	if b.Balance == nil {
		bad("balance is required")
	}
	if ri := b.RoutingInfo; ri != nil && ri.Type != nil && !slices.Contains(routingTypes, *ri.Type) {
		bad("routingInfo.type must be one of " + strings.Join(routingTypes, ", "))
	}
	if ai := b.AccountInfo; ai != nil && ai.AccountOpenDate != nil {
		if _, err := time.Parse(time.DateOnly, *ai.AccountOpenDate); err != nil {
			bad("accountInfo.accountOpenDate must be a date (YYYY-MM-DD)")
		}
	}
	return items
}

func (b *sourceAccountBody) account() *sourceAccount {
	a := &sourceAccount{
		id:           *b.ID,
		name:         b.AccountName,
		accountType:  b.AccountType,
		number:       b.AccountNumber,
		sortCode:     b.SortCode,
		routingInfo:  b.RoutingInfo,
		accountInfo:  b.AccountInfo,
		currency:     b.Currency,
		modifiedDate: b.ModifiedDate,
		status:       acctPending,
	}
	if b.Balance != nil {
		a.balance = *b.Balance
	}
	return a
}

// accountJSON writes an account in the connection's shape.
func accountJSON(cn *connection, a *sourceAccount) any {
	if cn.version == 1 {
		return accountV1JSON(a)
	}
	out := sourceAccountV2JSON{
		ID:            a.id,
		AccountName:   deref(a.name),
		AccountType:   deref(a.accountType),
		AccountNumber: deref(a.number),
		SortCode:      a.sortCode,
		Currency:      deref(a.currency),
		Balance:       a.balance,
		AccountInfo:   a.accountInfo,
		ModifiedDate:  a.modifiedDate,
		Status:        a.status,
	}
	if a.routingInfo != nil {
		out.RoutingInfo = *a.routingInfo
	}
	if out.RoutingInfo.Type == nil {
		out.RoutingInfo.Type = ptr("bankcode") // the document's default
	}
	if out.Balance == "" {
		out.Balance = "0"
	}
	if !a.feedStartDate.IsZero() {
		out.FeedStartDate = formatDate(a.feedStartDate)
	}
	return out
}

// accountV1JSON writes the version 1 shape, which is also what an update
// answers for either version.
func accountV1JSON(a *sourceAccount) sourceAccountV1JSON {
	out := sourceAccountV1JSON{
		ID:            a.id,
		AccountName:   a.name,
		AccountType:   a.accountType,
		AccountNumber: a.number,
		SortCode:      a.sortCode,
		Currency:      a.currency,
		Balance:       a.balance,
		ModifiedDate:  a.modifiedDate,
		Status:        a.status,
	}
	if !a.feedStartDate.IsZero() {
		out.FeedStartDate = formatTime(a.feedStartDate)
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// addAccount stores a new source account on a connection.
func addAccount(cn *connection, a *sourceAccount) {
	cn.accounts = append(cn.accounts, a)
	cn.accByID[a.id] = a
}

func (s *Server) createSourceAccount(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	var b sourceAccountBody
	if err := decodeBody(q.body, &b); err != nil {
		return invalidBody(err)
	}
	version := cn.version
	if version == 0 {
		version = b.version()
	}
	if items := b.check(version, b.idOrIndex(0)); len(items) > 0 {
		return badRequest("The source account is not valid.", items...)
	}
	if _, exists := cn.accByID[*b.ID]; exists {
		return badRequest(msgAccountExists, item(*b.ID, "SourceAccountValidator", msgAccountExists))
	}
	cn.version = version
	a := b.account()
	addAccount(cn, a)
	return jsonResp(http.StatusOK, accountJSON(cn, a))
}

// createSourceAccountBatch answers 201 when every account was created, 409
// when none was (each id already existed), and 207 for a mix, with one
// result per account.
func (s *Server) createSourceAccountBatch(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	var bodies []sourceAccountBody
	if err := decodeBody(q.body, &bodies); err != nil {
		return invalidBody(err)
	}
	if len(bodies) == 0 {
		return badRequest("At least one source account is needed.", item("body", "SourceAccountValidator", "the array is empty"))
	}
	version := cn.version
	if version == 0 {
		version = bodies[0].version()
	}
	var items []validationItem
	for i := range bodies {
		items = append(items, bodies[i].check(version, bodies[i].idOrIndex(i))...)
	}
	if len(items) > 0 {
		return badRequest("One or more source accounts are not valid.", items...)
	}
	cn.version = version
	results := make([]any, 0, len(bodies))
	created := 0
	for i := range bodies {
		id := *bodies[i].ID
		if _, exists := cn.accByID[id]; exists {
			var e batchErrorJSON
			e.SourceAccountID = id
			e.Result.StatusCode = "409"
			e.Result.Error = msgAccountExists
			results = append(results, e)
			continue
		}
		a := bodies[i].account()
		addAccount(cn, a)
		created++
		var r batchCreatedJSON
		r.SourceAccountID = id
		r.Result.StatusCode = http.StatusCreated
		r.Result.Account = accountJSON(cn, a)
		results = append(results, r)
	}
	status := http.StatusMultiStatus
	switch created {
	case len(bodies):
		status = http.StatusCreated
	case 0:
		status = http.StatusConflict
	}
	return jsonResp(status, results)
}

func (s *Server) listSourceAccounts(q *request) response {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return *fail
	}
	out := make([]any, 0, len(cn.accounts))
	for _, a := range cn.accounts {
		out = append(out, accountJSON(cn, a))
	}
	return jsonResp(http.StatusOK, out)
}

// accountFor finds the path's source account (parameter name given).
func (s *Server) accountFor(q *request, param string) (*connection, *sourceAccount, *response) {
	cn, fail := s.connectionFor(q)
	if fail != nil {
		return nil, nil, fail
	}
	a, ok := cn.accByID[q.param(param)]
	if !ok {
		r := notFound(msgAccountNotFound)
		return nil, nil, &r
	}
	return cn, a, nil
}

// updateSourceAccount applies Codat's limits: only accountName, status and
// balance change; status only to "disconnected"; balance only while the
// account is not connected. The answer is the version 1 shape, as the
// document types it.
func (s *Server) updateSourceAccount(q *request) response {
	cn, a, fail := s.accountFor(q, "accountId")
	if fail != nil {
		return *fail
	}
	var present map[string]json.RawMessage
	if err := decodeBody(q.body, &present); err != nil {
		return invalidBody(err)
	}
	var b struct {
		ID          *string      `json:"id"`
		AccountName *string      `json:"accountName"`
		Status      *string      `json:"status"`
		Balance     *json.Number `json:"balance"`
	}
	if err := decodeBody(q.body, &b); err != nil {
		return invalidBody(err)
	}
	const v = "SourceAccountUpdateValidator"
	var items []validationItem
	for k, raw := range present {
		switch k {
		case "id", "accountName", "status", "balance":
		default:
			if string(raw) != "null" {
				items = append(items, item(k, v, "only accountName, status and balance can be changed"))
			}
		}
	}
	if b.ID != nil && *b.ID != a.id {
		items = append(items, item("id", v, "id must match the accountId in the path"))
	}
	if b.AccountName != nil && *b.AccountName == "" {
		items = append(items, item("accountName", v, "accountName must not be empty"))
	}
	if b.Status != nil && *b.Status != acctDisconnected {
		items = append(items, item("status", v, "status can only be changed to \"disconnected\""))
	}
	if b.Balance != nil && a.status == acctConnected {
		items = append(items, item("balance", v, "balance can only be changed while the account is not connected"))
	}
	if len(items) > 0 {
		slicesSortItems(items)
		return badRequest("The source account update is not valid.", items...)
	}
	if b.AccountName != nil {
		a.name = b.AccountName
	}
	if b.Balance != nil {
		a.balance = *b.Balance
	}
	if b.Status != nil {
		s.disconnectLocked(cn, a, q.now) // with the webhook (scenarios.go)
	}
	return jsonResp(http.StatusOK, accountV1JSON(a))
}

// slicesSortItems orders validation items by item id, so answers do not
// depend on map order.
func slicesSortItems(items []validationItem) {
	slices.SortStableFunc(items, func(x, y validationItem) int { return strings.Compare(x.ItemID, y.ItemID) })
}

// deleteSourceAccount removes the account and its mapping; the target
// account stays.
func (s *Server) deleteSourceAccount(q *request) response {
	cn, a, fail := s.accountFor(q, "accountId")
	if fail != nil {
		return *fail
	}
	a.deleted = true
	if t, ok := cn.targetByID[a.targetID]; ok && t.fedBy == a.id {
		t.fedBy = ""
	}
	delete(cn.accByID, a.id)
	cn.accounts = filter(cn.accounts, func(x *sourceAccount) bool { return x != a })
	return noContent(http.StatusNoContent)
}
