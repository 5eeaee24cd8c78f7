package bankfeeds

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fxSyncsPath = fxConnectionPath + "/bankFeedAccounts/" + fxAccountIDEscaped + "/managedBankFeeds/syncs"

func TestManagedSyncsRun(t *testing.T) {
	e := setup(t)
	e.replyFile("POST", fxSyncsPath, 201, "syncs/run-managed-bank-feed-ad-hoc-sync.json")

	started, err := e.c.ManagedSyncs.Run(context.Background(), fxCompanyID, fxConnectionID, fxAccountID)
	require.NoError(t, err)
	wantRequest{Method: "POST", Path: fxSyncsPath}.check(t, e.only()) // no body, an Idempotency-Key
	assert.Equal(t, fxSyncID, started.SyncID)
}

func TestManagedSyncsRunConflict(t *testing.T) {
	e := setup(t) // a running sync's 409 is an answer: not retried
	e.replyFile("POST", fxSyncsPath, 409, "errors/409.json")
	started, err := e.c.ManagedSyncs.Run(context.Background(), fxCompanyID, fxConnectionID, fxAccountID)
	assert.Nil(t, started)
	assertAPIError(t, err, 409, ErrConflict)
}

func TestManagedSyncsGet(t *testing.T) {
	e := setup(t)
	p := fxSyncsPath + "/" + fxSyncID
	e.replyFile("GET", p, 200, "syncs/get-managed-bank-feed-sync.json")

	s, err := e.c.ManagedSyncs.Get(context.Background(), fxCompanyID, fxConnectionID, fxAccountID, fxSyncID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: p}.check(t, e.only())

	assert.Equal(t, fxSyncID, s.SyncID)
	assert.Equal(t, "5b9a1f3e-8c2d-4e7a-b1f0-2d3c4b5a6e7f", s.ClientID)
	assert.Equal(t, fxCompanyID, s.CompanyID)
	assert.Equal(t, "Toft stores", s.CompanyName)
	assert.Equal(t, fxConnectionID, s.DataConnectionID)
	assert.Equal(t, fxAccountID, s.SourceAccountID)
	assertTime(t, "2026-04-01T00:00:00Z", s.PeriodStartUTC.Time, "periodStartUtc")
	assertTime(t, "2026-04-02T00:00:00Z", s.PeriodEndUTC.Time, "periodEndUtc")
	assertTime(t, "2026-04-02T00:00:05Z", s.ExecutionStartUTC.Time, "executionStartUtc")
	require.NotNil(t, s.ExecutionEndUTC)
	assertTime(t, "2026-04-02T00:01:10Z", s.ExecutionEndUTC.Time, "executionEndUtc")
	assert.Equal(t, "SuccessDataPushed", s.Status)
	assert.Nil(t, s.ErrorMessage)
	assert.Nil(t, s.ErrorCode)
	assert.Equal(t, []string{fxPushKey, "0b6d8f5e-1f0e-4f43-a3f1-5d9e4f7d2c88"}, s.PushOperationKeys)
}

func TestManagedSyncsLatest(t *testing.T) {
	e := setup(t)
	p := fxSyncsPath + "/latest"
	e.replyFile("GET", p, 200, "syncs/get-latest-managed-bank-feed-sync.json")

	s, err := e.c.ManagedSyncs.Latest(context.Background(), fxCompanyID, fxConnectionID, fxAccountID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: p}.check(t, e.only())

	assert.Equal(t, "9e1f7b2a-4c3d-4e5f-8a9b-0c1d2e3f4a5b", s.SyncID)
	assert.Equal(t, "Failed", s.Status)
	require.NotNil(t, s.ErrorMessage)
	assert.Equal(t, "The source account is disconnected", *s.ErrorMessage)
	require.NotNil(t, s.ErrorCode)
	assert.Equal(t, "SourceAccountDisconnected", *s.ErrorCode)
	assert.Nil(t, s.ExecutionEndUTC)
	assert.Nil(t, s.PushOperationKeys)
}

func TestManagedSyncsLatestNone(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
	}{{"204", 204}, {"empty 200", 200}} {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			e.replyEmpty("GET", fxSyncsPath+"/latest", tt.status)
			s, err := e.c.ManagedSyncs.Latest(context.Background(), fxCompanyID, fxConnectionID, fxAccountID)
			assert.Nil(t, s)
			assert.True(t, errors.Is(err, ErrNoSync), "got %v", err)
			var ae *APIError
			assert.False(t, errors.As(err, &ae), "no sync yet is not an API error")
		})
	}
}

func TestManagedSyncsLatestNotFound(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxSyncsPath+"/latest", 404, "errors/404.json")
	s, err := e.c.ManagedSyncs.Latest(context.Background(), fxCompanyID, fxConnectionID, fxAccountID)
	assert.Nil(t, s)
	assertAPIError(t, err, 404, ErrNotFound)
	assert.False(t, errors.Is(err, ErrNoSync))
}

func TestManagedSyncsEmptyIDs(t *testing.T) {
	bg := context.Background()
	m := func(c *Client) *ManagedSyncsService { return c.ManagedSyncs }
	runEmptyIDs(t, []idCase{
		{"Run company", "companyID", func(c *Client) error { _, err := m(c).Run(bg, "", fxConnectionID, fxAccountID); return err }},
		{"Run connection", "connectionID", func(c *Client) error { _, err := m(c).Run(bg, fxCompanyID, "", fxAccountID); return err }},
		{"Run account", "sourceAccountID", func(c *Client) error { _, err := m(c).Run(bg, fxCompanyID, fxConnectionID, ""); return err }},
		{"Get sync", "syncID", func(c *Client) error {
			_, err := m(c).Get(bg, fxCompanyID, fxConnectionID, fxAccountID, " ")
			return err
		}},
		{"Get account", "sourceAccountID", func(c *Client) error {
			_, err := m(c).Get(bg, fxCompanyID, fxConnectionID, "", fxSyncID)
			return err
		}},
		{"Latest account", "sourceAccountID", func(c *Client) error {
			_, err := m(c).Latest(bg, fxCompanyID, fxConnectionID, "")
			return err
		}},
		{"Latest company", "companyID", func(c *Client) error {
			_, err := m(c).Latest(bg, "", fxConnectionID, fxAccountID)
			return err
		}},
	})
}
