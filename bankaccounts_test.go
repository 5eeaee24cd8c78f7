package bankfeeds

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fxBankAccountsPath = fxConnectionPath + "/data/bankAccounts"

func TestBankAccountsList(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxBankAccountsPath, 200, "bankaccounts/list-bank-accounts.json")

	page, err := e.c.BankAccounts.List(context.Background(), fxCompanyID, fxConnectionID, &ListOptions{PageSize: 2, Query: "currency=GBP"})
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: fxBankAccountsPath, Query: url.Values{"pageSize": {"2"}, "query": {"currency=GBP"}}}.check(t, e.only())

	assert.Equal(t, 1, page.PageNumber)
	assert.Equal(t, 2, page.PageSize)
	assert.Equal(t, 2, page.TotalResults)
	assert.False(t, page.HasNext())
	require.Len(t, page.Results, 2)
	a := page.Results[0]
	assert.Equal(t, "bd9e85e0-0478-433d-ae9f-0b3c4f04bfe4", a.ID)
	assert.Equal(t, "Business Bank Account", *a.AccountName)
	assert.Equal(t, "Debit", a.AccountType)
	assert.Equal(t, "990404", *a.SortCode)
	assert.Equal(t, "987654321", *a.AccountNumber)
	assert.Equal(t, "GBP", a.Currency)
	assertDecimal(t, "6681.79", a.Balance, "balance")
	assert.False(t, a.AvailableBalance.IsSet())
	assert.Nil(t, a.IBan)
	require.NotNil(t, a.ModifiedDate)
	assertTime(t, "2023-03-15T20:36:09Z", a.ModifiedDate.Time, "modifiedDate")
	require.NotNil(t, a.SourceModifiedDate)
	assertTime(t, "2023-03-15T20:35:07", a.SourceModifiedDate.Time, "sourceModifiedDate")
	assertDecimal(t, "0", page.Results[1].Balance, "a zero balance is set")
}

func TestBankAccountsAll(t *testing.T) {
	e := setup(t)
	acct := func(id string) string {
		return `{"id":"` + id + `","accountName":"A ` + id + `","currency":"GBP","balance":1.5}`
	}
	e.expect("GET", fxBankAccountsPath).MatchParam("page", "^1$").Reply(200).BodyString(pageBody(acct("b1"), 1, 1, 2, true))
	e.expect("GET", fxBankAccountsPath).MatchParam("page", "^2$").Reply(200).BodyString(pageBody(acct("b2"), 2, 1, 2, false))

	var ids []string
	for a, err := range e.c.BankAccounts.All(context.Background(), fxCompanyID, fxConnectionID, &ListOptions{PageSize: 1}) {
		require.NoError(t, err)
		ids = append(ids, a.ID)
		assertDecimal(t, "1.5", a.Balance, "balance")
	}
	assert.Equal(t, []string{"b1", "b2"}, ids)
	sent := e.requests()
	require.Len(t, sent, 2)
	wantRequest{Method: "GET", Path: fxBankAccountsPath, Query: url.Values{"page": {"1"}, "pageSize": {"1"}}}.check(t, sent[0])
}

func TestBankAccountsListNotReady(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxBankAccountsPath, 409, "errors/409.json")
	page, err := e.c.BankAccounts.List(context.Background(), fxCompanyID, fxConnectionID, nil)
	assert.Nil(t, page)
	ae := assertAPIError(t, err, 409, ErrConflict)
	assert.Equal(t, "The data set has not been requested.", ae.Message)
	e.only() // a read's 409 is not retried
}

func TestBankAccountsCreateModel(t *testing.T) {
	e := setup(t)
	p := fxConnectionPath + "/options/bankAccounts"
	e.replyFile("GET", p, 200, "bankaccounts/get-create-bankAccounts-model.json")

	m, err := e.c.BankAccounts.CreateModel(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: p}.check(t, e.only())

	assert.Equal(t, "Object", m.Type)
	assert.Equal(t, "Bank Account", m.DisplayName)
	assert.Equal(t, "An account that bank transactions may be recorded against", m.Description)
	assert.True(t, m.Required)
	require.Len(t, m.Properties, 12)
	bal := m.Properties["balance"]
	assert.Equal(t, "Number", bal.Type)
	assert.Equal(t, "Balance", bal.DisplayName)
	assert.True(t, bal.Required)
	meta := m.Properties["metadata"]
	assert.Equal(t, "Object", meta.Type)
	require.Contains(t, meta.Properties, "isDeleted")
	assert.Equal(t, "Boolean", meta.Properties["isDeleted"].Type)
	assert.Nil(t, m.Validation)
}

func TestBankAccountsCreate(t *testing.T) {
	e := setup(t)
	p := fxConnectionPath + "/push/bankAccounts"
	e.replyFile("POST", p, 200, "bankaccounts/create-bank-account.json")

	op, err := e.c.BankAccounts.Create(context.Background(), fxCompanyID, fxConnectionID, BankAccount{
		ID:          "ignored: set by Codat",
		AccountName: Ptr("Business Savings Account"), AccountType: "Debit", NominalCode: Ptr("090"),
		SortCode: Ptr("890303"), AccountNumber: Ptr("876543210"), Currency: "GBP", Balance: NewDecimal(0, 0),
		Institution: Ptr("Bank of Dave"), OverdraftLimit: fxDec(t, "500"), Status: BankAccountActive,
		ModifiedDate: fxDate(t, "2026-01-01T00:00:00Z"),
	}, &WriteOptions{TimeoutInMinutes: Ptr(30)})
	require.NoError(t, err)
	wantRequest{Method: "POST", Path: p, Query: url.Values{"timeoutInMinutes": {"30"}},
		Golden: "bankaccounts/create-bank-account.request.json"}.check(t, e.only())

	assert.Equal(t, "a4c0a5b6-62f4-4c3e-9e38-0d86d2f7b7a1", op.PushOperationKey)
	assert.Equal(t, fxCompanyID, op.CompanyID)
	assert.Equal(t, fxConnectionID, op.DataConnectionKey)
	assert.Equal(t, "bankAccounts", op.DataType)
	assert.Equal(t, PushStatusPending, op.Status)
	assert.False(t, op.Status.Final())
	assert.Equal(t, 202, op.StatusCode)
	assertTime(t, "2026-04-02T08:15:00Z", op.RequestedOnUTC.Time, "requestedOnUtc")
	assert.Nil(t, op.CompletedOnUTC)
	require.NotNil(t, op.TimeoutInMinutes)
	assert.Equal(t, 30, *op.TimeoutInMinutes)
	assert.Nil(t, op.ErrorMessage)
	assert.Nil(t, op.Data, "the echoed account is not read as transactions")
}

func TestBankAccountsCreateDefaults(t *testing.T) {
	e := setup(t)
	p := fxConnectionPath + "/push/bankAccounts"
	e.replyFile("POST", p, 200, "bankaccounts/create-bank-account.json")
	_, err := e.c.BankAccounts.Create(context.Background(), fxCompanyID, fxConnectionID, BankAccount{AccountName: Ptr("Savings")}, nil)
	require.NoError(t, err)
	r := e.only()
	assert.Empty(t, r.Query, "no timeoutInMinutes unless set")
	assert.JSONEq(t, `{"accountName":"Savings"}`, string(r.Body))
}

func TestBankAccountsCreateRefusesBadTimeout(t *testing.T) {
	e := setup(t)
	_, err := e.c.BankAccounts.Create(context.Background(), fxCompanyID, fxConnectionID, BankAccount{}, &WriteOptions{TimeoutInMinutes: Ptr(0)})
	assertInvalid(t, err, "TimeoutInMinutes")
	e.nothingSent()
}

func TestBankAccountsEmptyIDs(t *testing.T) {
	bg := context.Background()
	runEmptyIDs(t, []idCase{
		{"List company", "companyID", func(c *Client) error { _, err := c.BankAccounts.List(bg, "", fxConnectionID, nil); return err }},
		{"List connection", "connectionID", func(c *Client) error { _, err := c.BankAccounts.List(bg, fxCompanyID, "", nil); return err }},
		{"List options", "Page", func(c *Client) error {
			_, err := c.BankAccounts.List(bg, fxCompanyID, fxConnectionID, &ListOptions{Page: -2})
			return err
		}},
		{"CreateModel", "connectionID", func(c *Client) error { _, err := c.BankAccounts.CreateModel(bg, fxCompanyID, " "); return err }},
		{"Create", "companyID", func(c *Client) error {
			_, err := c.BankAccounts.Create(bg, "", fxConnectionID, BankAccount{}, nil)
			return err
		}},
		{"All", "connectionID", func(c *Client) error {
			for _, err := range c.BankAccounts.All(bg, fxCompanyID, "", nil) {
				return err
			}
			return nil
		}},
	})
}
