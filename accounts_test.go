package bankfeeds

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fxSourceAccountsPath = fxConnectionPath + "/connectionInfo/bankFeedAccounts"

// assertV2Account checks the first of Codat's SourceAccountV2 examples.
func assertV2Account(t *testing.T, a *SourceAccount) {
	t.Helper()
	require.NotNil(t, a)
	assert.Equal(t, "acc-001", a.ID)
	assert.Equal(t, "account-081", a.AccountName)
	assert.Equal(t, AccountTypeChecking, a.AccountType)
	assert.Equal(t, "12345670", a.AccountNumber)
	assert.Nil(t, a.SortCode)
	require.NotNil(t, a.RoutingInfo)
	assert.Equal(t, "021001088", *a.RoutingInfo.BankCode)
	assert.Equal(t, "bankcode", *a.RoutingInfo.Type)
	assert.Equal(t, "GBP", a.Currency)
	assertDecimal(t, "99.99", a.Balance, "balance")
	require.NotNil(t, a.AccountInfo)
	assert.Equal(t, "account description 1", *a.AccountInfo.Description)
	assert.Equal(t, "account 123", *a.AccountInfo.Nickname)
	require.NotNil(t, a.AccountInfo.AccountOpenDate)
	assertTime(t, "2023-05-06", a.AccountInfo.AccountOpenDate.Time, "accountOpenDate")
	assertDecimal(t, "10", a.AccountInfo.AvailableBalance, "availableBalance")
	require.NotNil(t, a.ModifiedDate)
	assertTime(t, "2024-08-02T00:00:00Z", a.ModifiedDate.Time, "modifiedDate")
	assert.Equal(t, SourceAccountPending, a.Status)
	require.NotNil(t, a.FeedStartDate)
	assertTime(t, "2024-05-01", a.FeedStartDate.Time, "v2 feedStartDate is a bare date")
}

func TestSourceAccountsCreate(t *testing.T) {
	e := setup(t)
	e.replyFile("POST", fxSourceAccountsPath, 200, "accounts/create-source-account.json")

	acct := SourceAccount{
		ID: "acc-001", AccountName: "account-081", AccountType: AccountTypeChecking, AccountNumber: "12345670",
		RoutingInfo: &RoutingInfo{BankCode: Ptr("021001088"), Type: Ptr("bankcode")},
		Currency:    "GBP", Balance: fxDec(t, "99.99"),
		AccountInfo: &AccountInfo{
			Description: Ptr("account description 1"), Nickname: Ptr("account 123"),
			AccountOpenDate: fxDate(t, "2023-05-06T00:00:00Z"), AvailableBalance: fxDec(t, "10"),
		},
		// Set by Codat: never sent.
		Status:        SourceAccountConnected,
		FeedStartDate: fxDate(t, "2024-05-01"),
	}
	got, err := e.c.SourceAccounts.Create(context.Background(), fxCompanyID, fxConnectionID, acct)
	require.NoError(t, err)
	wantRequest{Method: "POST", Path: fxSourceAccountsPath, Golden: "accounts/create-source-account.request.json"}.check(t, e.only())
	assertV2Account(t, got)
}

func TestSourceAccountsCreateRefusesEmptyAccountID(t *testing.T) {
	e := setup(t)
	_, err := e.c.SourceAccounts.Create(context.Background(), fxCompanyID, fxConnectionID, SourceAccount{AccountName: "no id"})
	assertInvalid(t, err, "account ID")
	e.nothingSent()
}

func batchInput(t *testing.T) []SourceAccount {
	return []SourceAccount{
		{ID: "acc-002", AccountName: "account-081", AccountType: AccountTypeCredit, AccountNumber: "12345670",
			SortCode: Ptr("123456"), Currency: "GBP", Balance: fxDec(t, "99.99")},
		{ID: "acc-003", AccountName: "account-095", AccountType: AccountTypeCredit, AccountNumber: "12345671",
			SortCode: Ptr("123456"), Currency: "USD", Balance: NewDecimal(0, 0)},
	}
}

// batchWant is the expected outcome for one account of CreateBatch.
type batchWant struct {
	id      string
	code    int
	created bool
	err     string
}

func TestSourceAccountsCreateBatch(t *testing.T) {
	const p = fxSourceAccountsPath + "/batch"
	tests := []struct {
		status  int
		fixture string
		want    []batchWant
	}{
		{201, "accounts/create-batch-source-account.201.json", []batchWant{{"acc-002", 201, true, ""}, {"acc-003", 201, true, ""}}},
		{207, "accounts/create-batch-source-account.207.json", []batchWant{{"acc-002", 201, true, ""}, {"acc-003", 409, false, "A bank account already exists with the same Id"}}},
		{409, "accounts/create-batch-source-account.409.json", []batchWant{{"acc-002", 409, false, "A bank account already exists with the same Id"}, {"acc-003", 409, false, "A bank account already exists with the same Id"}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			// Retries stay on: a batch's 409 is an answer, not a key in
			// flight, so it is not retried (e.only() asserts one request).
			e := setup(t)
			e.replyFile("POST", p, tt.status, tt.fixture)

			results, err := e.c.SourceAccounts.CreateBatch(context.Background(), fxCompanyID, fxConnectionID, batchInput(t))
			require.NoError(t, err, "a %d is a result, not an error", tt.status)
			wantRequest{Method: "POST", Path: p, Golden: "accounts/create-batch-source-account.request.json"}.check(t, e.only())

			require.Len(t, results, len(tt.want))
			for i, w := range tt.want {
				r := results[i]
				assert.Equal(t, w.id, r.SourceAccountID)
				assert.Equal(t, w.code, r.StatusCode)
				assert.Equal(t, w.created, r.Created())
				assert.Equal(t, w.err, r.Error)
				if !w.created {
					assert.Nil(t, r.Account)
					continue
				}
				require.NotNil(t, r.Account)
				assert.Equal(t, w.id, r.Account.ID)
				assert.Equal(t, AccountTypeCredit, r.Account.AccountType)
				assert.Equal(t, "123456", *r.Account.SortCode)
				assert.Equal(t, SourceAccountPending, r.Account.Status)
				assertTime(t, "2023-01-09T14:14:14.1057478Z", r.Account.ModifiedDate.Time, "modifiedDate")
			}
			if tt.status == 201 {
				assertDecimal(t, "99.99", results[0].Account.Balance, "balance")
				assertDecimal(t, "0", results[1].Account.Balance, "a zero balance is set")
				assert.Equal(t, "USD", results[1].Account.Currency)
			}
		})
	}
}

func TestSourceAccountsCreateBatchErrors(t *testing.T) {
	const p = fxSourceAccountsPath + "/batch"
	t.Run("400 is an error", func(t *testing.T) {
		e := setup(t)
		e.replyFile("POST", p, 400, "errors/400.json")
		results, err := e.c.SourceAccounts.CreateBatch(context.Background(), fxCompanyID, fxConnectionID, batchInput(t))
		assert.Nil(t, results)
		assertAPIError(t, err, 400, ErrBadRequest)
	})
	t.Run("409 without results is an error", func(t *testing.T) {
		e := setup(t)
		e.replyFile("POST", p, 409, "errors/409.json")
		results, err := e.c.SourceAccounts.CreateBatch(context.Background(), fxCompanyID, fxConnectionID, batchInput(t))
		assert.Nil(t, results)
		assertAPIError(t, err, 409, ErrConflict)
	})
	bad := []struct {
		name  string
		in    []SourceAccount
		field string
	}{
		{"no accounts", nil, "accounts"},
		{"empty id", []SourceAccount{{ID: "a"}, {AccountName: "x"}}, "account ID"},
		{"duplicate id", []SourceAccount{{ID: "a"}, {ID: "b"}, {ID: "a"}}, "account ID"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			results, err := e.c.SourceAccounts.CreateBatch(context.Background(), fxCompanyID, fxConnectionID, tt.in)
			assert.Nil(t, results)
			assertInvalid(t, err, tt.field)
			e.nothingSent()
		})
	}
}

func TestSourceAccountsList(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxSourceAccountsPath, 200, "accounts/list-source-accounts.json")

	accts, err := e.c.SourceAccounts.List(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: fxSourceAccountsPath}.check(t, e.only())
	require.Len(t, accts, 2)
	assertV2Account(t, &accts[0])
	assert.Equal(t, "acc-002", accts[1].ID)
	assert.Equal(t, AccountTypeSavings, accts[1].AccountType)
	assertDecimal(t, "400", accts[1].Balance, "balance")
	assertTime(t, "2023-05-23", accts[1].AccountInfo.AccountOpenDate.Time, "accountOpenDate")
}

func TestSourceAccountsListEmptyBody(t *testing.T) {
	e := setup(t)
	e.replyEmpty("GET", fxSourceAccountsPath, 200)
	accts, err := e.c.SourceAccounts.List(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err, "an empty 200 is a success")
	assert.Empty(t, accts)
}

func TestSourceAccountsListNotFound(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxSourceAccountsPath, 404, "errors/404.json")
	accts, err := e.c.SourceAccounts.List(context.Background(), fxCompanyID, fxConnectionID)
	assert.Nil(t, accts)
	assertAPIError(t, err, 404, ErrNotFound)
}

func TestSourceAccountsUpdate(t *testing.T) {
	e := setup(t)
	p := fxSourceAccountsPath + "/" + fxAccountIDEscaped
	e.replyFile("PATCH", p, 200, "accounts/update-source-account.json")

	got, err := e.c.SourceAccounts.Update(context.Background(), fxCompanyID, fxConnectionID, fxAccountID, SourceAccountUpdate{
		AccountName: Ptr("Checking 0202 (closed)"),
		Status:      Ptr(SourceAccountDisconnected),
		Balance:     fxDec(t, "1500.25"),
	})
	require.NoError(t, err)
	wantRequest{Method: "PATCH", Path: p, Golden: "accounts/update-source-account.request.json"}.check(t, e.only())

	assert.Equal(t, fxAccountID, got.ID)
	assert.Equal(t, "Checking 0202 (closed)", got.AccountName)
	assert.Equal(t, AccountTypeDebit, got.AccountType)
	assert.Equal(t, "00020202", got.AccountNumber)
	assert.Equal(t, "040004", *got.SortCode)
	assertDecimal(t, "1500.25", got.Balance, "balance")
	assert.Equal(t, SourceAccountDisconnected, got.Status)
	assertTime(t, "2026-04-02T08:15:00Z", got.ModifiedDate.Time, "modifiedDate")
	assertTime(t, "2026-03-01T00:00:00Z", got.FeedStartDate.Time, "v1 feedStartDate")
}

func TestSourceAccountsUpdateNameOnly(t *testing.T) {
	e := setup(t)
	p := fxSourceAccountsPath + "/" + fxAccountIDEscaped
	e.replyFile("PATCH", p, 200, "accounts/update-source-account.json")
	_, err := e.c.SourceAccounts.Update(context.Background(), fxCompanyID, fxConnectionID, fxAccountID, SourceAccountUpdate{AccountName: Ptr("Renamed")})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"Checking 0202","accountName":"Renamed"}`, string(e.only().Body), "only the fields set are sent")
}

func TestSourceAccountsUpdateRefusesBadInput(t *testing.T) {
	tests := []struct {
		name  string
		upd   SourceAccountUpdate
		field string
	}{
		{"nothing set", SourceAccountUpdate{}, "update"},
		{"status other than disconnected", SourceAccountUpdate{Status: Ptr(SourceAccountConnected)}, "Status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			_, err := e.c.SourceAccounts.Update(context.Background(), fxCompanyID, fxConnectionID, fxAccountID, tt.upd)
			assertInvalid(t, err, tt.field)
			e.nothingSent()
		})
	}
}

func TestSourceAccountsDelete(t *testing.T) {
	e := setup(t)
	p := fxSourceAccountsPath + "/" + fxAccountIDEscaped
	e.replyEmpty("DELETE", p, 204)
	require.NoError(t, e.c.SourceAccounts.Delete(context.Background(), fxCompanyID, fxConnectionID, fxAccountID))
	wantRequest{Method: "DELETE", Path: p}.check(t, e.only())
}

func TestSourceAccountsGenerateCredentials(t *testing.T) {
	e := setup(t)
	p := fxSourceAccountsPath + "/credentials"
	e.replyFile("POST", p, 200, "accounts/generate-credentials.json")

	cred, err := e.c.SourceAccounts.GenerateCredentials(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	wantRequest{Method: "POST", Path: p, Golden: "accounts/generate-credentials.request.json"}.check(t, e.only())
	assert.Equal(t, "S0MW-TR0P-7DS0", cred.Username)
	assert.Equal(t, "cO0ajh0uGyTN0Pwh", cred.Password)
	assert.NotContains(t, cred.String(), cred.Password, "String redacts the password")
	assert.NotContains(t, fmt.Sprint(*cred), cred.Password)
}

func TestSourceAccountsDeleteCredentials(t *testing.T) {
	e := setup(t)
	p := fxSourceAccountsPath + "/credentials"
	e.replyEmpty("DELETE", p, 204)
	require.NoError(t, e.c.SourceAccounts.DeleteCredentials(context.Background(), fxCompanyID, fxConnectionID))
	wantRequest{Method: "DELETE", Path: p}.check(t, e.only())
}

func TestSourceAccountsGenerateOTP(t *testing.T) {
	e := setup(t)
	p := fxConnectionPath + "/bankFeeds/otp"
	e.replyFile("POST", p, 200, "accounts/generate-otp.json")

	otp, err := e.c.SourceAccounts.GenerateOTP(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	wantRequest{Method: "POST", Path: p}.check(t, e.only()) // no body, but an Idempotency-Key
	assert.Equal(t, "GT40U4", otp.OTP)
	assertTime(t, "2026-04-08T10:30:00Z", otp.Expiry.Time, "expiry")
}

func TestSourceAccountsGenerateOTPOnOtherPlatforms(t *testing.T) {
	e := setup(t)
	e.replyFile("POST", fxConnectionPath+"/bankFeeds/otp", 400, "errors/400.json")
	otp, err := e.c.SourceAccounts.GenerateOTP(context.Background(), fxCompanyID, fxConnectionID)
	assert.Nil(t, otp)
	assertAPIError(t, err, 400, ErrBadRequest)
}

func TestSourceAccountsEmptyIDs(t *testing.T) {
	bg := context.Background()
	s := func(c *Client) *SourceAccountsService { return c.SourceAccounts }
	upd := SourceAccountUpdate{AccountName: Ptr("x")}
	runEmptyIDs(t, []idCase{
		{"Create company", "companyID", func(c *Client) error {
			_, err := s(c).Create(bg, "", fxConnectionID, SourceAccount{ID: "a"})
			return err
		}},
		{"Create connection", "connectionID", func(c *Client) error {
			_, err := s(c).Create(bg, fxCompanyID, "", SourceAccount{ID: "a"})
			return err
		}},
		{"CreateBatch", "connectionID", func(c *Client) error {
			_, err := s(c).CreateBatch(bg, fxCompanyID, " ", []SourceAccount{{ID: "a"}})
			return err
		}},
		{"List", "companyID", func(c *Client) error { _, err := s(c).List(bg, "", fxConnectionID); return err }},
		{"Update company", "companyID", func(c *Client) error {
			_, err := s(c).Update(bg, "", fxConnectionID, fxAccountID, upd)
			return err
		}},
		{"Update account", "accountID", func(c *Client) error {
			_, err := s(c).Update(bg, fxCompanyID, fxConnectionID, "", upd)
			return err
		}},
		{"Delete connection", "connectionID", func(c *Client) error { return s(c).Delete(bg, fxCompanyID, "", fxAccountID) }},
		{"Delete account", "accountID", func(c *Client) error { return s(c).Delete(bg, fxCompanyID, fxConnectionID, " ") }},
		{"GenerateCredentials", "companyID", func(c *Client) error {
			_, err := s(c).GenerateCredentials(bg, "", fxConnectionID)
			return err
		}},
		{"DeleteCredentials", "connectionID", func(c *Client) error { return s(c).DeleteCredentials(bg, fxCompanyID, "") }},
		{"GenerateOTP", "connectionID", func(c *Client) error { _, err := s(c).GenerateOTP(bg, fxCompanyID, ""); return err }},
	})
}

func TestSourceAccountsCreateBatchUndecodable(t *testing.T) {
	e := setup(t)
	e.replyJSON("POST", fxSourceAccountsPath+"/batch", 201, `[{"sourceAccountId":5,"result":{}}]`)
	results, err := e.c.SourceAccounts.CreateBatch(context.Background(), fxCompanyID, fxConnectionID, batchInput(t))
	assert.Nil(t, results)
	assert.ErrorIs(t, err, ErrInvalidResponse)
}
