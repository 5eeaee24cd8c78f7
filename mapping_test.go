package bankfeeds

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fxMappingPath = fxConnectionPath + "/bankFeedAccounts/mapping"

func TestAccountMappingGet(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxMappingPath, 200, "mapping/get-bank-account-mapping.json")

	maps, err := e.c.AccountMapping.Get(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: fxMappingPath}.check(t, e.only())

	require.Len(t, maps, 1)
	m := maps[0]
	assert.Equal(t, "account-001", m.SourceAccountID)
	assert.Equal(t, "account-001", m.SourceAccountName)
	assert.Equal(t, "12345670", m.SourceAccountNumber)
	assertDecimal(t, "99.99", m.SourceBalance, "sourceBalance")
	assert.Equal(t, "GBP", m.SourceCurrency)
	assert.Equal(t, "pending", m.Status)
	assert.Nil(t, m.TargetAccountID)
	assert.Empty(t, m.TargetAccountName)
	assert.Nil(t, m.FeedStartDate)
	require.Len(t, m.TargetAccountOptions, 3)
	opt := m.TargetAccountOptions[1]
	assert.Equal(t, "d06ff4b2-e4f2-4681-9841-014bd008cdab", opt.ID)
	assert.Equal(t, "Bank of Dave account", *opt.Name)
	assert.Equal(t, "99887766", *opt.AccountNumber)
	assert.Equal(t, "998866", *opt.SortCode)
	assert.False(t, opt.Balance.IsSet(), "no balance in the example")
}

func TestAccountMappingGetConnected(t *testing.T) {
	e := setup(t)
	// targetAccountNumber is outside the schema but Codat's docs return it.
	e.replyJSON("GET", fxMappingPath, 200, `[{"sourceAccountId":"acc-1","sourceBalance":-12.5,"targetAccountId":"t-1",
		"targetAccountName":"Business Bank Account","targetAccountNumber":"987654321","status":"connected","feedStartDate":"2026-03-01T00:00:00Z",
		"targetAccountOptions":[{"id":"t-1","name":null,"balance":6681.79,"sortCode":null,"accountNumber":null}]}]`)
	maps, err := e.c.AccountMapping.Get(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	require.Len(t, maps, 1)
	m := maps[0]
	assert.Equal(t, "connected", m.Status)
	require.NotNil(t, m.TargetAccountID)
	assert.Equal(t, "t-1", *m.TargetAccountID)
	assert.Equal(t, "Business Bank Account", m.TargetAccountName)
	assertDecimal(t, "-12.5", m.SourceBalance, "sourceBalance")
	require.NotNil(t, m.FeedStartDate)
	assertTime(t, "2026-03-01T00:00:00Z", m.FeedStartDate.Time, "feedStartDate")
	require.Len(t, m.TargetAccountOptions, 1)
	assert.Nil(t, m.TargetAccountOptions[0].Name)
	assertDecimal(t, "6681.79", m.TargetAccountOptions[0].Balance, "option balance")
}

func TestAccountMappingCreate(t *testing.T) {
	e := setup(t)
	e.replyFile("POST", fxMappingPath, 200, "mapping/create-bank-account-mapping.json")

	res, err := e.c.AccountMapping.Create(context.Background(), fxCompanyID, fxConnectionID,
		AccountMapping{SourceAccountID: "acc-002", TargetAccountID: Ptr("account-081")})
	require.NoError(t, err)
	wantRequest{Method: "POST", Path: fxMappingPath, Golden: "mapping/create-bank-account-mapping.request.json"}.check(t, e.only())

	assert.Equal(t, "acc-002", res.SourceAccountID)
	require.NotNil(t, res.TargetAccountID)
	assert.Equal(t, "account-081", *res.TargetAccountID)
	require.NotNil(t, res.Status)
	assert.Equal(t, "Failed", *res.Status)
	require.NotNil(t, res.Error)
	assert.Equal(t, "A feed connection already exists to this account", *res.Error)
}

func TestAccountMappingCreateNewTarget(t *testing.T) {
	e := setup(t)
	e.replyJSON("POST", fxMappingPath, 200, `{"sourceAccountId":"acc-002","targetAccountId":null,"status":"connecting","error":null}`)

	res, err := e.c.AccountMapping.Create(context.Background(), fxCompanyID, fxConnectionID,
		AccountMapping{SourceAccountID: "acc-002", FeedStartDate: fxDate(t, "2026-03-01T00:00:00Z")})
	require.NoError(t, err)
	assert.JSONEq(t, `{"sourceAccountId":"acc-002","feedStartDate":"2026-03-01T00:00:00Z"}`, string(e.only().Body),
		"no targetAccountId asks Codat for a new target account")
	assert.Nil(t, res.TargetAccountID)
	assert.Equal(t, "connecting", *res.Status)
	assert.Nil(t, res.Error)
}

func TestAccountMappingCreateRejected(t *testing.T) {
	e := setup(t)
	e.replyFile("POST", fxMappingPath, 400, "errors/400.json")
	res, err := e.c.AccountMapping.Create(context.Background(), fxCompanyID, fxConnectionID, AccountMapping{SourceAccountID: "acc-002"})
	assert.Nil(t, res)
	assertAPIError(t, err, 400, ErrBadRequest)
}

func TestCompanyInformationGet(t *testing.T) {
	e := setup(t)
	p := fxConnectionPath + "/bankFeeds/info"
	e.replyFile("GET", p, 200, "mapping/get-company-information.json")

	info, err := e.c.CompanyInformation.Get(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: p}.check(t, e.only())
	assert.Equal(t, "Toft stores", info.CompanyName)
	assert.Equal(t, "GBP", info.BaseCurrency)
	require.NotNil(t, info.PlanType)
	assert.Equal(t, "Standard", *info.PlanType)
	assert.True(t, info.MulticurrencyEnabled)
	assert.Equal(t, []string{"GBP", "USD", "EUR"}, info.Currencies)
}

func TestCompanyInformationUnsupportedPlatform(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxConnectionPath+"/bankFeeds/info", 404, "errors/404.json")
	info, err := e.c.CompanyInformation.Get(context.Background(), fxCompanyID, fxConnectionID)
	assert.Nil(t, info)
	assertAPIError(t, err, 404, ErrNotFound)
}

func TestMappingEmptyIDs(t *testing.T) {
	bg := context.Background()
	m := AccountMapping{SourceAccountID: "acc-002"}
	runEmptyIDs(t, []idCase{
		{"Get company", "companyID", func(c *Client) error { _, err := c.AccountMapping.Get(bg, "", fxConnectionID); return err }},
		{"Get connection", "connectionID", func(c *Client) error { _, err := c.AccountMapping.Get(bg, fxCompanyID, ""); return err }},
		{"Create company", "companyID", func(c *Client) error { _, err := c.AccountMapping.Create(bg, " ", fxConnectionID, m); return err }},
		{"Create connection", "connectionID", func(c *Client) error { _, err := c.AccountMapping.Create(bg, fxCompanyID, "", m); return err }},
		{"Create source account", "SourceAccountID", func(c *Client) error {
			_, err := c.AccountMapping.Create(bg, fxCompanyID, fxConnectionID, AccountMapping{TargetAccountID: Ptr("t")})
			return err
		}},
		{"CompanyInformation company", "companyID", func(c *Client) error {
			_, err := c.CompanyInformation.Get(bg, "", fxConnectionID)
			return err
		}},
		{"CompanyInformation connection", "connectionID", func(c *Client) error {
			_, err := c.CompanyInformation.Get(bg, fxCompanyID, "")
			return err
		}},
	})
}

func TestAccountMappingGetForbidden(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxMappingPath, 403, "errors/403.json")
	maps, err := e.c.AccountMapping.Get(context.Background(), fxCompanyID, fxConnectionID)
	assert.Nil(t, maps)
	assertAPIError(t, err, 403, ErrForbidden)
}
