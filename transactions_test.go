package bankfeeds

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fxPushPath = fxConnectionPath + "/push/bankAccounts/" + fxAccountIDEscaped + "/bankTransactions"

// xeroExample is Codat's own Xero push example, newest first so that the
// test also sees Push send it oldest first.
func xeroExample(t *testing.T) []BankTransaction {
	return []BankTransaction{
		{ID: "716422531", Date: Date(2023, time.August, 22, 10, 23, 0), Description: Ptr("Office Supplies"),
			Counterparty: Ptr("Office Mart"), Reference: Ptr("Ref-12347"), Reconciled: Ptr(false),
			Amount: fxDec(t, "-60"), Balance: fxDec(t, "-60"), TransactionType: TransactionDebit},
		{ID: "716422530", Date: Date(2023, time.August, 22, 10, 22, 0), Description: Ptr("Amazon Purchase"),
			Counterparty: Ptr("Amazon"), Reference: Ptr("Ref-12346"), Reconciled: Ptr(false),
			Amount: fxDec(t, "-100"), Balance: fxDec(t, "0"), TransactionType: TransactionDebit},
		{ID: "716422529", Date: Date(2023, time.August, 22, 10, 21, 0), Description: Ptr("Repayment of Credit Card"),
			Counterparty: Ptr("Bank of Example"), Reference: Ptr("Ref-12345"), Reconciled: Ptr(true),
			Amount: fxDec(t, "100"), Balance: fxDec(t, "100"), TransactionType: TransactionCredit},
	}
}

func TestTransactionsPush(t *testing.T) {
	e := setup(t)
	e.replyFile("POST", fxPushPath, 200, "transactions/create-bank-transactions.json")

	txns := xeroExample(t)
	const key = "5d0ba4c5-1c37-4a8e-9c55-0d2a6d3c1b7e"
	op, err := e.c.Transactions.Push(context.Background(), fxCompanyID, fxConnectionID, fxAccountID, txns, &PushOptions{
		Rules:                   &PushRules{RequireBalance: true, CheckRunningBalance: true},
		IdempotencyKey:          key,
		TimeoutInMinutes:        Ptr(60),
		AllowSyncOnPushComplete: Ptr(false),
	})
	require.NoError(t, err)
	r := e.only()
	wantRequest{Method: "POST", Path: fxPushPath,
		Query:  url.Values{"timeoutInMinutes": {"60"}, "allowSyncOnPushComplete": {"false"}},
		Golden: "transactions/create-bank-transactions.request.json"}.check(t, r)
	assert.Equal(t, key, r.Header.Get("Idempotency-Key"), "the caller's key is sent")
	assert.Equal(t, "716422531", txns[0].ID, "the caller's slice is not reordered")

	assert.Equal(t, fxPushKey, op.PushOperationKey)
	assert.Equal(t, fxCompanyID, op.CompanyID)
	assert.Equal(t, fxConnectionID, op.DataConnectionKey)
	assert.Equal(t, "bankTransactions", op.DataType)
	assert.Equal(t, PushStatusPending, op.Status)
	assert.Equal(t, 202, op.StatusCode)
	assertTime(t, "2026-04-02T08:15:00.1234567Z", op.RequestedOnUTC.Time, "requestedOnUtc")
	assert.Nil(t, op.CompletedOnUTC)
	require.NotNil(t, op.TimeoutInMinutes)
	assert.Equal(t, 60, *op.TimeoutInMinutes)
	require.NotNil(t, op.Validation)
	assert.Empty(t, op.Validation.Errors)
	assert.Nil(t, op.Data, "the echo is not decoded until asked for")
	echo, err := op.Echo()
	require.NoError(t, err)
	require.NotNil(t, echo)
	assert.Same(t, echo, op.Data)
	assert.Equal(t, fxAccountID, op.Data.AccountID)
	require.Len(t, op.Data.Transactions, 3)
	first := op.Data.Transactions[0]
	assert.Equal(t, "716422529", first.ID)
	assertTime(t, "2023-08-22T10:21:00", first.Date.Time, "date")
	assert.Equal(t, "Repayment of Credit Card", *first.Description)
	assert.Equal(t, "Bank of Example", *first.Counterparty)
	assert.Equal(t, "Ref-12345", *first.Reference)
	assert.True(t, *first.Reconciled)
	assertDecimal(t, "100", first.Amount, "amount")
	assertDecimal(t, "100", first.Balance, "balance")
	assert.Equal(t, TransactionCredit, first.TransactionType)
	last := op.Data.Transactions[2]
	assertDecimal(t, "-60", last.Amount, "amount")
	assertDecimal(t, "-60", last.Balance, "balance")
	assert.False(t, *last.Reconciled)
}

// TestTransactionsPushAccepted: Codat's document says 200, its docs say a
// Pending push comes back 202; both are a success.
func TestTransactionsPushAccepted(t *testing.T) {
	for _, status := range []int{200, 202} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e := setup(t)
			e.replyFile("POST", fxPushPath, status, "transactions/create-bank-transactions.json")
			op, err := e.c.Transactions.Push(context.Background(), fxCompanyID, fxConnectionID, fxAccountID, xeroExample(t), nil)
			require.NoError(t, err)
			assert.Equal(t, PushStatusPending, op.Status)
			r := e.only()
			assert.Empty(t, r.Query, "nothing in the query unless asked")
			assertHeaders(t, r) // a fresh GUID as Idempotency-Key
		})
	}
}

func TestTransactionsPushRefusesBadInput(t *testing.T) {
	many := make([]BankTransaction, MaxTransactionsPerPush+1)
	for i := range many {
		many[i] = BankTransaction{ID: fmt.Sprint(i), Date: Date(2023, 8, 22, 0, 0, i%60), Amount: NewDecimal(1, 0)}
	}
	tests := []struct {
		name  string
		txns  []BankTransaction
		opts  *PushOptions
		field string
	}{
		{"no transactions", nil, nil, "transactions"},
		{"more than 1000", many, nil, "transactions"},
		{"timeout under a minute", xeroExample(t), &PushOptions{TimeoutInMinutes: Ptr(0)}, "TimeoutInMinutes"},
		{"missing id", []BankTransaction{{Date: Date(2023, 8, 22, 0, 0, 0), Amount: NewDecimal(1, 0)}}, nil, "id"},
		{"balance the platform needs", []BankTransaction{{ID: "a", Date: Date(2023, 8, 22, 0, 0, 0), Amount: NewDecimal(1, 0)}},
			&PushOptions{Platform: PlatformNetSuite}, "balance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			op, err := e.c.Transactions.Push(context.Background(), fxCompanyID, fxConnectionID, fxAccountID, tt.txns, tt.opts)
			assert.Nil(t, op)
			assertInvalid(t, err, tt.field)
			e.nothingSent()
		})
	}
}

func TestTransactionsPushRejected(t *testing.T) {
	e := setup(t)
	e.replyJSON("POST", fxPushPath, 400, `{"statusCode":400,"service":"PushApi","error":"Validation failed","correlationId":"c0ffee",
		"validation":{"errors":[{"itemId":"716422529","message":"Date is in the future","validatorName":"Date"}],"warnings":null},
		"canBeRetried":"Unknown","detailedErrorCode":0}`)
	op, err := e.c.Transactions.Push(context.Background(), fxCompanyID, fxConnectionID, fxAccountID, xeroExample(t), nil)
	assert.Nil(t, op)
	ae := assertAPIError(t, err, 400, ErrBadRequest)
	require.NotNil(t, ae.Validation)
	require.Len(t, ae.Validation.Errors, 1)
	assert.Equal(t, "716422529", *ae.Validation.Errors[0].ItemID)
	assert.Equal(t, "POST", ae.Method)
	assert.Equal(t, fxPushPath, ae.Path)
	assert.Contains(t, err.Error(), "716422529: Date is in the future")
}

func TestTransactionsCreateModel(t *testing.T) {
	e := setup(t)
	p := fxConnectionPath + "/options/bankAccounts/" + fxAccountIDEscaped + "/bankTransactions"
	e.replyFile("GET", p, 200, "transactions/get-create-bank-transactions-model.json")

	m, err := e.c.Transactions.CreateModel(context.Background(), fxCompanyID, fxConnectionID, fxAccountID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: p}.check(t, e.only())

	assert.Equal(t, "Object", m.Type)
	assert.Equal(t, "Bank Transactions", m.DisplayName)
	assert.True(t, m.Required)
	require.Contains(t, m.Properties, "transactions")
	tx := m.Properties["transactions"]
	assert.Equal(t, "Array", tx.Type)
	date := tx.Properties["date"]
	assert.Equal(t, "DateTime", date.Type)
	require.NotNil(t, date.Validation)
	require.Len(t, date.Validation.Warnings, 1)
	assert.Equal(t, "Date", date.Validation.Warnings[0].Field)
	assert.Equal(t, "Must not be older than the newest transaction in the account", date.Validation.Warnings[0].Details)
	tt := tx.Properties["transactionType"]
	assert.False(t, tt.Required)
	require.Len(t, tt.Options, 2)
	assert.Equal(t, "Debit", tt.Options[1].Value)
	assert.Equal(t, "String", tt.Options[1].Type)
	require.NotNil(t, m.Validation)
	require.Len(t, m.Validation.Information, 1)
	require.NotNil(t, m.Validation.Information[0].Ref)
	assert.Equal(t, "https://docs.codat.io/bank-feeds-api#/schemas/BankTransactions", *m.Validation.Information[0].Ref)
}

func TestTransactionsGetOperation(t *testing.T) {
	e := setup(t)
	p := fxCompanyPath + "/push/" + fxPushKey
	e.replyFile("GET", p, 200, "transactions/get-create-operation.json")

	op, err := e.c.Transactions.GetOperation(context.Background(), fxCompanyID, fxPushKey)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: p}.check(t, e.only())

	assert.Equal(t, fxPushKey, op.PushOperationKey)
	assert.Equal(t, PushStatusSuccess, op.Status)
	assert.True(t, op.Status.Final())
	assert.Equal(t, 200, op.StatusCode)
	require.NotNil(t, op.CompletedOnUTC)
	assertTime(t, "2026-04-02T08:16:30Z", op.CompletedOnUTC.Time, "completedOnUtc")
	require.Len(t, op.Changes, 1)
	ch := op.Changes[0]
	assert.Equal(t, "Created", ch.Type)
	require.NotNil(t, ch.RecordRef)
	assert.Equal(t, "716422529", ch.RecordRef.ID)
	assert.Equal(t, "bankTransactions", *ch.RecordRef.DataType)
	assert.Nil(t, ch.AttachmentID)
	require.NotNil(t, op.Validation)
	require.Len(t, op.Validation.Warnings, 1)
	assert.Equal(t, "BankTransactionsValidator", *op.Validation.Warnings[0].ValidatorName)
	assert.Nil(t, op.Data)
}

func TestTransactionsGetOperationNotFound(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxCompanyPath+"/push/"+fxPushKey, 404, "errors/404.json")
	op, err := e.c.Transactions.GetOperation(context.Background(), fxCompanyID, fxPushKey)
	assert.Nil(t, op)
	assertAPIError(t, err, 404, ErrNotFound)
}

func TestTransactionsListOperations(t *testing.T) {
	e := setup(t)
	p := fxCompanyPath + "/push"
	e.replyFile("GET", p, 200, "transactions/list-create-operations.json")

	page, err := e.c.Transactions.ListOperations(context.Background(), fxCompanyID, &ListOptions{Query: "status=Failed", OrderBy: "-requestedOnUtc", PageSize: 100})
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: p, Query: url.Values{
		"query": {"status=Failed"}, "orderBy": {"-requestedOnUtc"}, "pageSize": {"100"},
	}}.check(t, e.only())

	assert.Equal(t, 2, page.TotalResults)
	require.Len(t, page.Results, 2)
	assert.Equal(t, PushStatusSuccess, page.Results[0].Status)
	failed := page.Results[1]
	assert.Equal(t, "0b6d8f5e-1f0e-4f43-a3f1-5d9e4f7d2c88", failed.PushOperationKey)
	assert.Equal(t, PushStatusFailed, failed.Status)
	assert.Equal(t, 400, failed.StatusCode)
	assert.Equal(t, "Validation failed", *failed.ErrorMessage)
	require.NotNil(t, failed.Validation)
	require.Len(t, failed.Validation.Errors, 1)
	assert.Equal(t, "Transaction date is older than the latest transaction in the account", *failed.Validation.Errors[0].Message)
	assert.Nil(t, failed.Validation.Warnings)
	assertTime(t, "2026-04-02T09:00:05Z", failed.CompletedOnUTC.Time, "completedOnUtc")
}

func TestTransactionsAllOperations(t *testing.T) {
	e := setup(t)
	p := fxCompanyPath + "/push"
	op := func(key, status string) string {
		return `{"companyId":"` + fxCompanyID + `","pushOperationKey":"` + key + `","dataConnectionKey":"` + fxConnectionID +
			`","requestedOnUtc":"2026-04-02T08:15:00Z","status":"` + status + `","statusCode":200}`
	}
	e.expect("GET", p).MatchParam("page", "^1$").Reply(200).BodyString(pageBody(op("k1", "Success")+","+op("k2", "Pending"), 1, 2, 3, true))
	e.expect("GET", p).MatchParam("page", "^2$").Reply(200).BodyString(pageBody(op("k3", "TimedOut"), 2, 2, 3, false))

	var got []string
	for o, err := range e.c.Transactions.AllOperations(context.Background(), fxCompanyID, &ListOptions{PageSize: 2, Query: "status!=Success"}) {
		require.NoError(t, err)
		got = append(got, o.PushOperationKey+"="+string(o.Status))
	}
	assert.Equal(t, []string{"k1=Success", "k2=Pending", "k3=TimedOut"}, got)
	sent := e.requests()
	require.Len(t, sent, 2)
	wantRequest{Method: "GET", Path: p, Query: url.Values{"page": {"2"}, "pageSize": {"2"}, "query": {"status!=Success"}}}.check(t, sent[1])
}

func TestTransactionsEmptyIDs(t *testing.T) {
	bg := context.Background()
	push := func(c *Client, co, cc, acct string) error {
		_, err := c.Transactions.Push(bg, co, cc, acct, xeroExample(t), nil)
		return err
	}
	runEmptyIDs(t, []idCase{
		{"Push company", "companyID", func(c *Client) error { return push(c, "", fxConnectionID, fxAccountID) }},
		{"Push connection", "connectionID", func(c *Client) error { return push(c, fxCompanyID, "", fxAccountID) }},
		{"Push account", "accountID", func(c *Client) error { return push(c, fxCompanyID, fxConnectionID, " ") }},
		{"CreateModel account", "accountID", func(c *Client) error {
			_, err := c.Transactions.CreateModel(bg, fxCompanyID, fxConnectionID, "")
			return err
		}},
		{"CreateModel connection", "connectionID", func(c *Client) error {
			_, err := c.Transactions.CreateModel(bg, fxCompanyID, "", fxAccountID)
			return err
		}},
		{"GetOperation key", "pushOperationKey", func(c *Client) error {
			_, err := c.Transactions.GetOperation(bg, fxCompanyID, "")
			return err
		}},
		{"GetOperation company", "companyID", func(c *Client) error {
			_, err := c.Transactions.GetOperation(bg, "", fxPushKey)
			return err
		}},
		{"ListOperations", "companyID", func(c *Client) error { _, err := c.Transactions.ListOperations(bg, "", nil); return err }},
		{"AllOperations", "companyID", func(c *Client) error {
			for _, err := range c.Transactions.AllOperations(bg, "", nil) {
				return err
			}
			return nil
		}},
	})
}

// TestCreateBankTransactionsJSON: encoding/json gives the same body as the
// one Push sends, dates as local date-times with no zone.
func TestCreateBankTransactionsJSON(t *testing.T) {
	txns := xeroExample(t)
	body := CreateBankTransactions{AccountID: fxAccountID, Transactions: []BankTransaction{txns[2], txns[1], txns[0]}}
	b, err := json.Marshal(body)
	require.NoError(t, err)
	assert.JSONEq(t, string(readFixture(t, "transactions/create-bank-transactions.request.json")), string(b))

	one, err := json.Marshal(BankTransaction{ID: "x", Date: NewDateTime(time.Date(2023, 8, 22, 10, 21, 0, 0, time.FixedZone("", 2*3600))), Amount: fxDec(t, "1.50")})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"x","date":"2023-08-22T10:21:00","amount":1.50}`, string(one), "the offset is dropped, the wall clock kept")
	assert.Contains(t, string(one), `"amount":1.50`, "every digit of the amount")
}
