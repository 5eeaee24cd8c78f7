package bankfeeds

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompaniesCreate(t *testing.T) {
	e := setup(t)
	e.replyFile("POST", "/companies", 200, "companies/create-company.json")

	co, err := e.c.Companies.Create(context.Background(), CompanyRequest{Name: "Technicalium", Tags: map[string]string{"region": "us"}})
	require.NoError(t, err)
	wantRequest{Method: "POST", Path: "/companies", Golden: "companies/create-company.request.json"}.check(t, e.only())

	assert.Equal(t, "ab12c58d-a678-4ebf-a159-ae99e1807bd0", co.ID)
	assert.Equal(t, "Technicalium", co.Name)
	require.NotNil(t, co.Description)
	assert.Equal(t, "", *co.Description)
	assert.Equal(t, "https://link.codat.io/company/ab12c58d-a678-4ebf-a159-ae99e1807bd0", co.Redirect)
	require.NotNil(t, co.Created)
	assertTime(t, "2022-11-10T10:45:18.1950523Z", co.Created.Time, "created")
	assert.Equal(t, 195052300, co.Created.Nanosecond(), "all seven fraction digits kept")
	require.NotNil(t, co.CreatedByUserName)
	assert.Equal(t, "Dan Tzabar", *co.CreatedByUserName)
	assert.Equal(t, []string{"spend-insights"}, co.Products)
	assert.Equal(t, map[string]string{"region": "us"}, co.Tags)
	assert.Nil(t, co.LastSync)
	assert.Nil(t, co.ReferenceParentCompany)
	assert.Empty(t, co.ReferenceSubsidiaryCompanies)
	assert.Empty(t, co.DataConnections)
}

func TestCompaniesCreateRefusesBadInput(t *testing.T) {
	tooMany := map[string]string{}
	for _, k := range strings.Split("a b c d e f g h i j k", " ") {
		tooMany[k] = "v"
	}
	tests := []struct {
		name string
		req  CompanyRequest
	}{
		{"empty name", CompanyRequest{}},
		{"eleven tags", CompanyRequest{Name: "Toft", Tags: tooMany}},
		{"long tag name", CompanyRequest{Name: "Toft", Tags: map[string]string{strings.Repeat("k", 28): "v"}}},
		{"empty tag name", CompanyRequest{Name: "Toft", Tags: map[string]string{"": "v"}}},
		{"long tag value", CompanyRequest{Name: "Toft", Tags: map[string]string{"k": strings.Repeat("v", 101)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			co, err := e.c.Companies.Create(context.Background(), tt.req)
			assert.Nil(t, co)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, []string{"Name", "Tags"}, ve.Field)
			e.nothingSent()
		})
	}
}

func TestCompaniesList(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", "/companies", 200, "companies/list-companies.json")

	page, err := e.c.Companies.List(context.Background(), &CompanyListOptions{
		ListOptions: ListOptions{Page: 2, PageSize: 50, Query: "name~Toft && created>2022-01-01", OrderBy: "-created"},
		Tags:        "region=uk",
	})
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: "/companies", Query: url.Values{
		"page": {"2"}, "pageSize": {"50"}, "query": {"name~Toft && created>2022-01-01"}, "orderBy": {"-created"}, "tags": {"region=uk"},
	}}.check(t, e.only())

	assert.Equal(t, 1, page.PageNumber)
	assert.Equal(t, 100, page.PageSize)
	assert.Equal(t, 3, page.TotalResults)
	assert.Equal(t, "/companies", page.Links.Self.Href)
	assert.Equal(t, "/companies?page=1&pageSize=100", page.Links.Current.Href)
	assert.Nil(t, page.Links.Next)
	assert.False(t, page.HasNext())
	require.Len(t, page.Results, 4)

	first := page.Results[0]
	assert.Equal(t, "d1568dde-adf6-11ed-afa1-0242ac120002", first.ID)
	require.NotNil(t, first.LastSync)
	assertTime(t, "2022-01-01T12:30:00Z", first.LastSync.Time, "lastSync")
	require.Len(t, first.DataConnections, 1)
	conn := first.DataConnections[0]
	assert.Equal(t, "51baa045-4836-4317-a42e-3542e991e581", conn.ID)
	assert.Equal(t, "vjms", conn.IntegrationKey)
	assert.Equal(t, "Pandle", conn.PlatformName)
	assert.Equal(t, ConnectionLinked, conn.Status)
	assert.Equal(t, SourceTypeAccounting, conn.SourceType)
	assertTime(t, "2022-01-01T11:30:00Z", conn.Created.Time, "connection created")
	assert.Equal(t, []string{"spend-insights", "lending", "payables-v2"}, first.Products)

	second := page.Results[1]
	assert.Equal(t, "Toft stores", second.Name)
	assert.Nil(t, second.Description)
	require.Len(t, second.ReferenceSubsidiaryCompanies, 2)
	sub := second.ReferenceSubsidiaryCompanies[1]
	assert.Equal(t, "db94eddc-9212-4568-9b5c-3eab0e325913", sub.ID)
	assert.Equal(t, "Toft stores US", sub.Name)
	require.NotNil(t, sub.Links)
	assert.Equal(t, "https://app.codat.io/companies/db94eddc-9212-4568-9b5c-3eab0e325913/summary", sub.Links.Portal)
}

func TestCompaniesListDefaults(t *testing.T) {
	e := setup(t)
	e.replyJSON("GET", "/companies", 200, pageBody("", 1, 100, 0, false))
	page, err := e.c.Companies.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, page.Results)
	wantRequest{Method: "GET", Path: "/companies"}.check(t, e.only())
}

func TestCompaniesListRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  ListOptions
		field string
	}{
		{"page size over 5000", ListOptions{PageSize: 5001}, "PageSize"},
		{"negative page size", ListOptions{PageSize: -1}, "PageSize"},
		{"negative page", ListOptions{Page: -1}, "Page"},
		{"query too long", ListOptions{Query: strings.Repeat("a", 2048)}, "Query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			page, err := e.c.Companies.List(context.Background(), &CompanyListOptions{ListOptions: tt.opts})
			assert.Nil(t, page)
			assertInvalid(t, err, tt.field)
			e.nothingSent()
		})
	}
}

func TestCompaniesListMalformedQuery(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", "/companies", 400, "errors/malformed-query.json")
	page, err := e.c.Companies.List(context.Background(), &CompanyListOptions{ListOptions: ListOptions{Query: "name~~"}})
	assert.Nil(t, page)
	ae := assertAPIError(t, err, 400, ErrBadRequest)
	assert.Equal(t, "Error parsing query - Malformed query.", ae.Message)
	assert.Equal(t, "ClientsApi", ae.Service)
	assert.Equal(t, "/companies", ae.Path, "no query string in the error")
}

func TestCompaniesGet(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxCompanyPath, 200, "companies/get-company.json")

	co, err := e.c.Companies.Get(context.Background(), fxCompanyID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: fxCompanyPath}.check(t, e.only())

	assert.Equal(t, "c8d3af58-7011-47ce-b3f2-89faf300ef6d", co.ID)
	assert.Equal(t, "Toft stores UK", co.Name)
	assertTime(t, "2022-11-10T10:45:18Z", co.Created.Time, "created")
	assert.Equal(t, []string{"spend-insights", "lending", "expenses-v1", "commerce"}, co.Products)
	require.NotNil(t, co.ReferenceParentCompany)
	assert.Equal(t, "ab12c58d-a678-4ebf-a159-ae99e1807bd0", co.ReferenceParentCompany.ID)
	assert.Equal(t, "Toft stores", co.ReferenceParentCompany.Name)
	require.NotNil(t, co.ReferenceParentCompany.Links)
	assert.Equal(t, "https://app.codat.io/companies/ab12c58d-a678-4ebf-a159-ae99e1807bd0/summary", co.ReferenceParentCompany.Links.Portal)
	require.Len(t, co.DataConnections, 1)
	conn := co.DataConnections[0]
	assert.Equal(t, "d5ab61b7-1ad0-46fd-9f9f-b6761047941e", conn.ID)
	assert.Equal(t, "cc750323-5a47-4f28-8d8e-30fbbf2ce137", conn.IntegrationID)
	assert.Equal(t, PlatformNetSuite, conn.IntegrationKey)
	assert.Equal(t, "9815b998-024d-4415-a40b-89903b2cad6f", conn.SourceID)
	assert.Equal(t, "Oracle NetSuite", conn.PlatformName)
	assert.Equal(t, "https://link-api.codat.io/companies/c8d3af58-7011-47ce-b3f2-89faf300ef6d/connections/d5ab61b7-1ad0-46fd-9f9f-b6761047941e/start", conn.LinkURL)
	require.NotNil(t, conn.LastSync)
	assertTime(t, "2022-01-01T12:30:00Z", conn.LastSync.Time, "connection lastSync")
}

func TestCompaniesReplace(t *testing.T) {
	e := setup(t)
	e.replyFile("PUT", fxCompanyPath, 200, "companies/replace-company.json")

	co, err := e.c.Companies.Replace(context.Background(), fxCompanyID, CompanyRequest{
		Name: "Toft stores", Description: "Retail and wholesale", Tags: map[string]string{"region": "uk"},
	})
	require.NoError(t, err)
	wantRequest{Method: "PUT", Path: fxCompanyPath, Golden: "companies/replace-company.request.json"}.check(t, e.only())

	assert.Equal(t, fxCompanyID, co.ID)
	assert.Equal(t, "Toft stores", co.Name)
	require.NotNil(t, co.Description)
	assert.Equal(t, "Retail and wholesale", *co.Description)
	assert.Equal(t, map[string]string{"region": "uk"}, co.Tags)
	assert.Nil(t, co.LastSync, "null lastSync")
	assert.Nil(t, co.ReferenceParentCompany, "null referenceParentCompany")
	assert.Equal(t, []string{"bank-feeds"}, co.Products)
}

func TestCompaniesReplaceRefusesEmptyName(t *testing.T) {
	e := setup(t)
	_, err := e.c.Companies.Replace(context.Background(), fxCompanyID, CompanyRequest{Description: "no name"})
	assertInvalid(t, err, "Name")
	e.nothingSent()
}

func TestCompaniesUpdate(t *testing.T) {
	e := setup(t)
	e.replyFile("PATCH", fxCompanyPath, 200, "companies/update-company.json")

	co, err := e.c.Companies.Update(context.Background(), fxCompanyID, CompanyUpdate{Description: Ptr("Retail, wholesale and online")})
	require.NoError(t, err)
	wantRequest{Method: "PATCH", Path: fxCompanyPath, Golden: "companies/update-company.request.json"}.check(t, e.only())

	require.NotNil(t, co.Description)
	assert.Equal(t, "Retail, wholesale and online", *co.Description)
	require.NotNil(t, co.LastSync)
	assertTime(t, "2026-04-02T08:15:00Z", co.LastSync.Time, "lastSync")
	assert.Nil(t, co.CreatedByUserName, "null createdByUserName")
	require.Len(t, co.DataConnections, 1)
	conn := co.DataConnections[0]
	assert.Equal(t, fxConnectionID, conn.ID)
	assert.Equal(t, PlatformQuickBooksOnlineBankFeeds, conn.IntegrationKey)
	assert.Equal(t, ConnectionPendingAuth, conn.Status)
	assert.Equal(t, SourceTypeBankFeed, conn.SourceType)
	assert.True(t, strings.HasSuffix(conn.LinkURL, "/start?otp=123456"), conn.LinkURL)
	assert.Nil(t, conn.LastSync)
}

func TestCompaniesUpdateRefusesBadInput(t *testing.T) {
	tests := []struct {
		name  string
		upd   CompanyUpdate
		field string
	}{
		{"empty name", CompanyUpdate{Name: Ptr("")}, "Name"},
		{"long tag value", CompanyUpdate{Tags: map[string]string{"k": strings.Repeat("v", 101)}}, "Tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			_, err := e.c.Companies.Update(context.Background(), fxCompanyID, tt.upd)
			assertInvalid(t, err, tt.field)
			e.nothingSent()
		})
	}
}

func TestCompaniesDelete(t *testing.T) {
	e := setup(t)
	e.replyEmpty("DELETE", fxCompanyPath, 204)
	require.NoError(t, e.c.Companies.Delete(context.Background(), fxCompanyID))
	wantRequest{Method: "DELETE", Path: fxCompanyPath}.check(t, e.only())
}

func TestCompaniesAccessToken(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxCompanyPath+"/accessToken", 200, "companies/get-company-access-token.json")

	tok, err := e.c.Companies.AccessToken(context.Background(), fxCompanyID)
	require.NoError(t, err)
	wantRequest{Method: "GET", Path: fxCompanyPath + "/accessToken"}.check(t, e.only())
	assert.Equal(t, 86400, tok.ExpiresIn)
	assert.Equal(t, "string", tok.AccessToken)
	assert.Equal(t, "Bearer", tok.TokenType)
}

func TestCompaniesEmptyIDs(t *testing.T) {
	bg := context.Background()
	var cases []idCase
	for _, id := range []string{"", "  "} {
		cases = append(cases,
			idCase{"Get " + id, "companyID", func(c *Client) error { _, err := c.Companies.Get(bg, id); return err }},
			idCase{"Replace " + id, "companyID", func(c *Client) error {
				_, err := c.Companies.Replace(bg, id, CompanyRequest{Name: "Toft"})
				return err
			}},
			idCase{"Update " + id, "companyID", func(c *Client) error {
				_, err := c.Companies.Update(bg, id, CompanyUpdate{Name: Ptr("Toft")})
				return err
			}},
			idCase{"Delete " + id, "companyID", func(c *Client) error { return c.Companies.Delete(bg, id) }},
			idCase{"AccessToken " + id, "companyID", func(c *Client) error { _, err := c.Companies.AccessToken(bg, id); return err }},
		)
	}
	runEmptyIDs(t, cases)
}

func TestCompaniesPathIDsAreEscaped(t *testing.T) {
	e := setup(t)
	e.replyEmpty("DELETE", "/companies/a%2Fb%20c", 204)
	require.NoError(t, e.c.Companies.Delete(context.Background(), "a/b c"))
	assert.Equal(t, "/companies/a%2Fb%20c", e.only().Path)
}

// TestCompaniesErrors maps every error status Codat documents, with its
// own example bodies, to an *APIError and its sentinel.
func TestCompaniesErrors(t *testing.T) {
	tests := []struct {
		status   int
		fixture  string
		sentinel error
		message  string
	}{
		{400, "errors/400.json", ErrBadRequest, "Error processing request - not valid."},
		{401, "errors/401.json", ErrUnauthorized, "Unauthorized"},
		// Codat's 402 example says statusCode 429 in the body: the status wins.
		{402, "errors/402.json", ErrPaymentRequired, "You have exceeded the 50-company limit that applies to a Free plan. We recommend that you delete any companies you no longer need and retry the request."},
		{403, "errors/403.json", ErrForbidden, "You are using an outdated API key or a key not associated with that resource."},
		{404, "errors/404.json", ErrNotFound, "No company was found with ID 846ed55c-974b-4392-a1f1-87b6fdbf3c5e"},
		{409, "errors/409.json", ErrConflict, "The data set has not been requested."},
		{429, "errors/429.json", ErrRateLimited, "You have made too many requests in a given amount of time; please retry later."},
		{500, "errors/500.json", ErrServer, "There is a problem with our server. Please try again later."},
		{503, "errors/503.json", ErrServer, "The Codat API is temporarily offline for maintenance. Please try again later."},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			e := setup(t, WithRetryMax(0)) // one attempt: this is about mapping, not retries
			e.replyFile("GET", fxCompanyPath, tt.status, tt.fixture)

			co, err := e.c.Companies.Get(context.Background(), fxCompanyID)
			assert.Nil(t, co)
			ae := assertAPIError(t, err, tt.status, tt.sentinel)
			assert.Equal(t, tt.message, ae.Message)
			assert.Equal(t, "GET", ae.Method)
			assert.Equal(t, fxCompanyPath, ae.Path)
			assert.NotEmpty(t, ae.CorrelationID)
			assert.Equal(t, "Unknown", ae.CanBeRetried)
			assert.Equal(t, 0, ae.DetailedErrorCode)
			assert.JSONEq(t, string(readFixture(t, tt.fixture)), string(ae.Body))
			if tt.status != 429 {
				assert.False(t, errors.Is(err, ErrRateLimited), "only a 429 reads as rate limited")
			}
			e.only()
		})
	}
}

func TestCompaniesRateLimitedWithLongRetryAfter(t *testing.T) {
	e := setup(t) // default retries; a Retry-After over the cap returns at once
	e.expect("GET", fxCompanyPath).Reply(429).SetHeader("Retry-After", "120").
		SetHeader("Content-Type", "application/json").BodyString(string(readFixture(t, "errors/429.json")))

	_, err := e.c.Companies.Get(context.Background(), fxCompanyID)
	ae := assertAPIError(t, err, 429, ErrRateLimited)
	assert.Equal(t, 120*time.Second, ae.RetryAfter)
	e.only()
}

// TestCompaniesErrorLine checks one APIError's Error() against a golden line.
func TestCompaniesErrorLine(t *testing.T) {
	e := setup(t)
	e.replyFile("GET", fxCompanyPath, 404, "errors/404.json")
	_, err := e.c.Companies.Get(context.Background(), fxCompanyID)
	require.Error(t, err)
	golden := strings.TrimRight(string(readFixture(t, "companies/get-company.404.golden")), "\n")
	assert.Equal(t, golden, err.Error())
}

func TestCompaniesAll(t *testing.T) {
	e := setup(t)
	one := `{"id":"c1","name":"One","redirect":"https://link.codat.io/company/c1"}`
	two := `{"id":"c2","name":"Two","redirect":"https://link.codat.io/company/c2"}`
	three := `{"id":"c3","name":"Three","redirect":"https://link.codat.io/company/c3"}`
	e.expect("GET", "/companies").MatchParam("page", "^1$").Reply(200).BodyString(pageBody(one+","+two, 1, 2, 3, true))
	e.expect("GET", "/companies").MatchParam("page", "^2$").Reply(200).BodyString(pageBody(three, 2, 2, 3, false))

	opts := &CompanyListOptions{ListOptions: ListOptions{PageSize: 2, OrderBy: "name"}, Tags: "region=uk"}
	var names []string
	for co, err := range e.c.Companies.All(context.Background(), opts) {
		require.NoError(t, err)
		names = append(names, co.Name)
	}
	assert.Equal(t, []string{"One", "Two", "Three"}, names)
	assert.Equal(t, 0, opts.Page, "the caller's options are not changed")

	sent := e.requests()
	require.Len(t, sent, 2)
	for i, r := range sent {
		wantRequest{Method: "GET", Path: "/companies", Query: url.Values{
			"page": {strconv.Itoa(i + 1)}, "pageSize": {"2"}, "orderBy": {"name"}, "tags": {"region=uk"},
		}}.check(t, r)
	}
}

// TestAllIterator covers the stop rules of the one generic iterator through
// Companies.All.
func TestAllIterator(t *testing.T) {
	co := func(id string) string {
		return `{"id":"` + id + `","name":"` + id + `","redirect":"https://link.codat.io/company/` + id + `"}`
	}
	type reply struct {
		page   string // the page query value matched
		status int
		body   string
	}
	tests := []struct {
		name      string
		replies   []reply
		breakAt   int // stop ranging after this many items; 0 never
		wantIDs   []string
		wantErrs  int
		wantPages int
	}{
		{
			name:      "stops without a next link",
			replies:   []reply{{"1", 200, pageBody(co("a")+","+co("b"), 1, 2, 9, false)}},
			wantIDs:   []string{"a", "b"},
			wantPages: 1,
		},
		{
			name: "stops on an empty page",
			replies: []reply{
				{"1", 200, pageBody(co("a"), 1, 1, 9, true)},
				{"2", 200, pageBody("", 2, 1, 9, true)},
			},
			wantIDs:   []string{"a"},
			wantPages: 2,
		},
		{
			name: "stops when the page number does not advance",
			replies: []reply{
				{"1", 200, pageBody(co("a"), 1, 1, 9, true)},
				{"2", 200, pageBody(co("a"), 1, 1, 9, true)}, // the server ignored page
			},
			wantIDs:   []string{"a"},
			wantPages: 2,
		},
		{
			name:      "honours break",
			replies:   []reply{{"1", 200, pageBody(co("a")+","+co("b"), 1, 2, 9, true)}},
			breakAt:   1,
			wantIDs:   []string{"a"},
			wantPages: 1,
		},
		{
			name: "yields an error once and stops",
			replies: []reply{
				{"1", 200, pageBody(co("a"), 1, 1, 9, true)},
				{"2", 404, string(readFixture(t, "errors/404.json"))},
			},
			wantIDs:   []string{"a"},
			wantErrs:  1,
			wantPages: 2,
		},
		{
			name:      "an error on the first page",
			replies:   []reply{{"1", 403, string(readFixture(t, "errors/403.json"))}},
			wantErrs:  1,
			wantPages: 1,
		},
		{
			name: "trusts the requested page when the server gives none",
			replies: []reply{
				{"1", 200, pageBody(co("a"), 0, 1, 9, true)},
				{"2", 200, pageBody(co("b"), 0, 1, 9, false)},
			},
			wantIDs:   []string{"a", "b"},
			wantPages: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, WithRetryMax(0))
			for _, r := range tt.replies {
				e.expect("GET", "/companies").MatchParam("page", "^"+r.page+"$").Reply(r.status).BodyString(r.body)
			}
			var ids []string
			errs := 0
			for co, err := range e.c.Companies.All(context.Background(), nil) {
				if err != nil {
					errs++
					assert.Empty(t, co.ID, "an error comes with the zero value")
					continue // a well-behaved iterator stops by itself
				}
				ids = append(ids, co.ID)
				if tt.breakAt > 0 && len(ids) == tt.breakAt {
					break
				}
			}
			assert.Equal(t, tt.wantIDs, ids)
			assert.Equal(t, tt.wantErrs, errs)
			assert.Len(t, e.requests(), tt.wantPages)
		})
	}
}

func TestAllIteratorStartsAfreshEachRange(t *testing.T) {
	e := setup(t)
	body := pageBody(`{"id":"a","name":"a","redirect":"r"}`, 1, 1, 1, false)
	e.expect("GET", "/companies").MatchParam("page", "^1$").Times(2).Reply(200).BodyString(body)
	seq := e.c.Companies.All(context.Background(), &CompanyListOptions{})
	for range 2 {
		n := 0
		for _, err := range seq {
			require.NoError(t, err)
			n++
		}
		assert.Equal(t, 1, n)
	}
	assert.Len(t, e.requests(), 2)
}

func TestAllIteratorRefusesBadOptions(t *testing.T) {
	e := setup(t)
	errs := 0
	for _, err := range e.c.Companies.All(context.Background(), &CompanyListOptions{ListOptions: ListOptions{PageSize: 9000}}) {
		assertInvalid(t, err, "PageSize")
		errs++
	}
	assert.Equal(t, 1, errs)
	e.nothingSent()
}
