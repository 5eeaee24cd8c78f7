package bankfeeds

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertBasiqConnection checks Codat's own Connection example.
func assertBasiqConnection(t *testing.T, conn *Connection) {
	t.Helper()
	require.NotNil(t, conn)
	assert.Equal(t, "ee2eb431-c0fa-4dc9-93fa-d29781c12bcd", conn.ID)
	assert.Equal(t, "bf083d72-62c7-493e-aec9-81b4dbba7e2c", conn.IntegrationID)
	assert.Equal(t, "dfxm", conn.IntegrationKey)
	assert.Equal(t, "bdd831ce-eebd-4896-89a7-20e5ee8989ee", conn.SourceID)
	assert.Equal(t, "Basiq", conn.PlatformName)
	assert.Equal(t, "https://link-api.codat.io/companies/86bd88cb-44ab-4dfb-b32f-87b19b14287f/connections/ee2eb431-c0fa-4dc9-93fa-d29781c12bcd/start", conn.LinkURL)
	assert.Equal(t, ConnectionLinked, conn.Status)
	assert.Equal(t, SourceTypeBanking, conn.SourceType)
	require.NotNil(t, conn.LastSync)
	assertTime(t, "2022-10-27T10:22:43.6464237Z", conn.LastSync.Time, "lastSync")
	assertTime(t, "2022-10-27T09:53:29Z", conn.Created.Time, "created")
	assert.Empty(t, conn.DataConnectionErrors)
	assert.Nil(t, conn.ConnectionInfo)
}

func TestConnectionsCreate(t *testing.T) {
	e := setup(t)
	p := fxCompanyPath + "/connections"
	e.replyFile("POST", p, 200, "connections/create-connection.json")

	conn, err := e.c.Connections.Create(context.Background(), fxCompanyID, PlatformQuickBooksOnlineBankFeeds)
	require.NoError(t, err)
	wantRequest{Method: "POST", Path: p, Golden: "connections/create-connection.request.json"}.check(t, e.only())
	assertBasiqConnection(t, conn)
}

func TestConnectionsCreateRefusesBadPlatformKey(t *testing.T) {
	for _, key := range []string{"", "HCWS", "hcw", "hcwsx", "hc1s", " hcws"} {
		t.Run(key, func(t *testing.T) {
			e := setup(t)
			conn, err := e.c.Connections.Create(context.Background(), fxCompanyID, key)
			assert.Nil(t, conn)
			assertInvalid(t, err, "platformKey")
			e.nothingSent()
		})
	}
}

func TestConnectionsList(t *testing.T) {
	e := setup(t)
	p := fxCompanyPath + "/connections"
	e.replyFile("GET", p, 200, "connections/list-connections.json")

	page, err := e.c.Connections.List(context.Background(), fxCompanyID, &ListOptions{Page: 3, PageSize: 10, Query: "status=Linked", OrderBy: "-created"})
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: p, Query: url.Values{
		"page": {"3"}, "pageSize": {"10"}, "query": {"status=Linked"}, "orderBy": {"-created"},
	}}.check(t, e.only())

	// Codat's example envelope is a placeholder: zeros and "string" links.
	assert.Equal(t, 0, page.PageNumber)
	assert.Equal(t, 0, page.PageSize)
	assert.Equal(t, 0, page.TotalResults)
	assert.True(t, page.HasNext())
	assert.Equal(t, "string", page.Links.Next.Href)
	require.NotNil(t, page.Links.Previous)
	assert.Equal(t, "string", page.Links.Previous.Href)
	require.Len(t, page.Results, 1)
	assertBasiqConnection(t, &page.Results[0])
}

func TestConnectionsAll(t *testing.T) {
	e := setup(t)
	p := fxCompanyPath + "/connections"
	conn := func(id string) string {
		return `{"id":"` + id + `","integrationId":"i","sourceId":"s","platformName":"Xero","linkUrl":"https://link-api.codat.io/x","status":"Linked","created":"2026-04-01T09:00:00Z","sourceType":"Accounting"}`
	}
	e.expect("GET", p).MatchParam("page", "^1$").Reply(200).BodyString(pageBody(conn("k1")+","+conn("k2"), 1, 2, 3, true))
	e.expect("GET", p).MatchParam("page", "^2$").Reply(200).BodyString(pageBody(conn("k3"), 2, 2, 3, false))

	var ids []string
	for c, err := range e.c.Connections.All(context.Background(), fxCompanyID, &ListOptions{PageSize: 2}) {
		require.NoError(t, err)
		ids = append(ids, c.ID)
		assert.Equal(t, ConnectionLinked, c.Status)
	}
	assert.Equal(t, []string{"k1", "k2", "k3"}, ids)
	sent := e.requests()
	require.Len(t, sent, 2)
	wantRequest{Method: "GET", Path: p, Query: url.Values{"page": {"2"}, "pageSize": {"2"}}}.check(t, sent[1])
}

func TestConnectionsAllEmptyCompanyID(t *testing.T) {
	e := setup(t)
	n := 0
	for _, err := range e.c.Connections.All(context.Background(), "", nil) {
		assertInvalid(t, err, "companyID")
		n++
	}
	assert.Equal(t, 1, n)
	e.nothingSent()
}

func TestConnectionsGet(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxConnectionPath, 200, "connections/get-connection.json")

	conn, err := e.c.Connections.Get(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: fxConnectionPath}.check(t, e.only())
	assertBasiqConnection(t, conn)
}

func TestConnectionsGetNotFound(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxConnectionPath, 404, "errors/404.json")
	conn, err := e.c.Connections.Get(context.Background(), fxCompanyID, fxConnectionID)
	assert.Nil(t, conn)
	ae := assertAPIError(t, err, 404, ErrNotFound)
	assert.Equal(t, fxConnectionPath, ae.Path)
}

func TestConnectionsDelete(t *testing.T) {
	e := setup(t)
	e.replyEmpty("DELETE", fxConnectionPath, 200) // Codat answers 200 with no body
	require.NoError(t, e.c.Connections.Delete(context.Background(), fxCompanyID, fxConnectionID))
	wantRequest{Method: "DELETE", Path: fxConnectionPath}.check(t, e.only())
}

func TestConnectionsUnlink(t *testing.T) {
	e := setup(t)
	e.replyFile("PATCH", fxConnectionPath, 200, "connections/unlink-connection.json")

	conn, err := e.c.Connections.Unlink(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	wantRequest{Method: "PATCH", Path: fxConnectionPath, Golden: "connections/unlink-connection.request.json"}.check(t, e.only())

	assert.Equal(t, fxConnectionID, conn.ID)
	assert.Equal(t, PlatformXero, conn.IntegrationKey)
	assert.Equal(t, ConnectionUnlinked, conn.Status)
	assert.Equal(t, SourceTypeAccounting, conn.SourceType)
	require.NotNil(t, conn.LastSync)
	assertTime(t, "2026-04-02T13:15:00Z", conn.LastSync.Time, "an offset is applied")
	assertTime(t, "2026-04-01T09:00:00Z", conn.Created.Time, "no zone reads as that wall clock")
	require.Len(t, conn.DataConnectionErrors, 1)
	de := conn.DataConnectionErrors[0]
	assert.Equal(t, "401", de.StatusCode)
	assert.Equal(t, "Unauthorized", de.StatusText)
	assert.Equal(t, "The token has been revoked", de.ErrorMessage)
	require.NotNil(t, de.Status)
	assert.Equal(t, "Resolved", *de.Status)
	require.NotNil(t, de.ErroredOnUTC)
	assertTime(t, "2026-04-02T08:15:00Z", de.ErroredOnUTC.Time, "erroredOnUtc")
	require.NotNil(t, de.ResolvedOnUTC)
	assertTime(t, "2026-04-02T09:00:00Z", de.ResolvedOnUTC.Time, "resolvedOnUtc")
	require.Len(t, conn.ConnectionInfo, 2)
	assert.JSONEq(t, `"e1c1f0a8-50a4-4d2f-9b7c-0f3a6f2c9d11"`, string(conn.ConnectionInfo["tenantId"]))
	assert.JSONEq(t, `true`, string(conn.ConnectionInfo["multiCurrency"]), "connectionInfo values of any JSON type")
}

func TestConnectionsNumericErrorStatusCode(t *testing.T) {
	e := setup(t)
	e.replyJSON("GET", fxConnectionPath, 200, `{"id":"k","integrationId":"i","sourceId":"s","platformName":"Xero","linkUrl":"https://x","status":"Deauthorized","created":"2026-04-01","sourceType":"Accounting","somethingNew":1,
		"dataConnectionErrors":[{"statusCode":500,"statusText":"Internal Server Error","errorMessage":"boom","erroredOnUtc":"2026-04-01T00:00:00Z","status":null,"resolvedOnUtc":null}]}`)
	conn, err := e.c.Connections.Get(context.Background(), fxCompanyID, fxConnectionID)
	require.NoError(t, err)
	assert.Equal(t, ConnectionDeauthorized, conn.Status)
	assertTime(t, "2026-04-01T00:00:00Z", conn.Created.Time, "a bare date")
	require.Len(t, conn.DataConnectionErrors, 1)
	assert.Equal(t, "500", conn.DataConnectionErrors[0].StatusCode, "a numeric statusCode reads as text")
	assert.Nil(t, conn.DataConnectionErrors[0].Status)
	assert.Nil(t, conn.DataConnectionErrors[0].ResolvedOnUTC)
}

func TestConnectionsEmptyIDs(t *testing.T) {
	bg := context.Background()
	runEmptyIDs(t, []idCase{
		{"Create", "companyID", func(c *Client) error { _, err := c.Connections.Create(bg, "", "hcws"); return err }},
		{"List", "companyID", func(c *Client) error { _, err := c.Connections.List(bg, " ", nil); return err }},
		{"Get company", "companyID", func(c *Client) error { _, err := c.Connections.Get(bg, "", fxConnectionID); return err }},
		{"Get connection", "connectionID", func(c *Client) error { _, err := c.Connections.Get(bg, fxCompanyID, ""); return err }},
		{"Delete company", "companyID", func(c *Client) error { return c.Connections.Delete(bg, "", fxConnectionID) }},
		{"Delete connection", "connectionID", func(c *Client) error { return c.Connections.Delete(bg, fxCompanyID, "") }},
		{"Unlink company", "companyID", func(c *Client) error { _, err := c.Connections.Unlink(bg, "", fxConnectionID); return err }},
		{"Unlink connection", "connectionID", func(c *Client) error { _, err := c.Connections.Unlink(bg, fxCompanyID, "\t"); return err }},
		{"List bad options", "PageSize", func(c *Client) error {
			_, err := c.Connections.List(bg, fxCompanyID, &ListOptions{PageSize: 5001})
			return err
		}},
	})
}

func TestConnectionsUndecodable(t *testing.T) {
	e := setup(t)
	e.replyJSON("GET", fxConnectionPath, 200, `{"id":"k","dataConnectionErrors":[{"statusText":5}]}`)
	conn, err := e.c.Connections.Get(context.Background(), fxCompanyID, fxConnectionID)
	assert.Nil(t, conn)
	assert.ErrorIs(t, err, ErrInvalidResponse)
}

// TestDotSegmentIDs: an ID of "." or ".." is a path segment that servers
// remove (RFC 3986 §5.2.4), so DELETE /companies/{c}/connections/.. would
// reach DELETE /companies/{c} and delete the company. Such IDs must be
// refused before any I/O.
func TestDotSegmentIDs(t *testing.T) {
	bg := context.Background()
	runEmptyIDs(t, []idCase{
		{"Connections.Delete ..", "connectionID", func(c *Client) error { return c.Connections.Delete(bg, fxCompanyID, "..") }},
		{"Transactions.GetOperation .", "pushOperationKey", func(c *Client) error {
			_, err := c.Transactions.GetOperation(bg, fxCompanyID, ".")
			return err
		}},
		{"SourceAccounts.Delete ..", "accountID", func(c *Client) error {
			return c.SourceAccounts.Delete(bg, fxCompanyID, fxConnectionID, "..")
		}},
	})
}
