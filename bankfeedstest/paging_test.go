package bankfeedstest_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

type pageOf struct {
	Results []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"results"`
	PageNumber   int `json:"pageNumber"`
	PageSize     int `json:"pageSize"`
	TotalResults int `json:"totalResults"`
	Links        map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

func TestPagingAndLinks(t *testing.T) {
	srv, c := sandbox(t)
	for i := 1; i <= 7; i++ {
		must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Company " + strconv.Itoa(i)}))
	}
	get := func(q string) pageOf {
		t.Helper()
		resp, body := raw(t, srv, http.MethodGet, "/companies?"+q, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, body)
		}
		return decode[pageOf](t, body)
	}
	p := get("page=1&pageSize=3")
	if p.PageNumber != 1 || p.PageSize != 3 || p.TotalResults != 7 || len(p.Results) != 3 || p.Results[0].Name != "Company 1" {
		t.Fatalf("page 1: %+v", p)
	}
	if _, ok := p.Links["previous"]; ok {
		t.Fatal("page 1 has no previous")
	}
	if p.Links["self"].Href == "" || p.Links["current"].Href != "/companies?page=1&pageSize=3" || p.Links["next"].Href != "/companies?page=2&pageSize=3" {
		t.Fatalf("links %+v", p.Links)
	}
	p = get("page=3&pageSize=3")
	if len(p.Results) != 1 || p.Results[0].Name != "Company 7" {
		t.Fatalf("page 3: %+v", p)
	}
	if _, ok := p.Links["next"]; ok {
		t.Fatal("the last page has no next")
	}
	if p.Links["previous"].Href != "/companies?page=2&pageSize=3" {
		t.Fatalf("previous %q", p.Links["previous"].Href)
	}
	if p = get("page=4&pageSize=3"); len(p.Results) != 0 || p.TotalResults != 7 {
		t.Fatalf("past the end: %+v", p)
	}
	// Defaults, and links that keep the filter.
	if p = get(""); p.PageNumber != 1 || p.PageSize != 100 || len(p.Results) != 7 {
		t.Fatalf("defaults: %+v", p)
	}
	p = get("pageSize=1&query=" + url.QueryEscape("name~Company") + "&orderBy=-name")
	if p.Results[0].Name != "Company 7" || !strings.Contains(p.Links["next"].Href, "query=name") || !strings.Contains(p.Links["next"].Href, "orderBy=-name") {
		t.Fatalf("filtered page: %+v", p)
	}
	for _, q := range []string{"pageSize=0", "pageSize=5001", "pageSize=ten", "page=0", "page=-1", "page=x"} {
		resp, body := raw(t, srv, http.MethodGet, "/companies?"+q, nil)
		wantError(t, resp, body, 400)
	}
	// The largest page size is accepted.
	if p = get("pageSize=5000"); len(p.Results) != 7 {
		t.Fatalf("pageSize 5000: %+v", p)
	}
	// The SDK's iterator walks every page through the links.
	n := 0
	for co, err := range c.Companies.All(t.Context(), &bankfeeds.CompanyListOptions{ListOptions: bankfeeds.ListOptions{PageSize: 2}}) {
		if err != nil {
			t.Fatal(err)
		}
		if co.ID == "" {
			t.Fatal("empty company")
		}
		n++
	}
	if n != 7 {
		t.Fatalf("iterated %d companies, want 7", n)
	}
}

func TestPageSizeAbove2000IsServedInPagesOf2000(t *testing.T) {
	srv, c := sandbox(t)
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	// 2001 push operations (without the SDK, for speed).
	path := "/companies/" + co.ID + "/connections/" + conn.ID + "/push/bankAccounts/a1/bankTransactions"
	body := map[string]any{"accountId": "a1", "transactions": []any{line("t", wall(time.Now().Add(-time.Hour)), true)}}
	for i := 0; i < 2001; i++ {
		raw(t, srv, http.MethodPost, path, body)
	}
	p := must[*bankfeeds.Page[bankfeeds.PushOperation]](t)(c.Transactions.ListOperations(t.Context(), co.ID, &bankfeeds.ListOptions{PageSize: 5000}))
	if p.PageSize != 2000 || len(p.Results) != 2000 || p.TotalResults != 2001 || !p.HasNext() {
		t.Fatalf("page of %d (pageSize %d, total %d, next %v)", len(p.Results), p.PageSize, p.TotalResults, p.HasNext())
	}
	n := 0
	for _, err := range c.Transactions.AllOperations(t.Context(), co.ID, &bankfeeds.ListOptions{PageSize: 5000}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2001 {
		t.Fatalf("iterated %d, want 2001", n)
	}
}

func TestQueriesOverHTTP(t *testing.T) {
	srv, c := sandbox(t, bankfeedstest.WithClock(func() time.Time { return rulesNow }))
	ctx := t.Context()
	for _, r := range []bankfeeds.CompanyRequest{
		{Name: "Toft stores", Tags: map[string]string{"region": "uk", "team": "invoice-finance"}},
		{Name: "Toft cafe", Tags: map[string]string{"region": "us"}},
		{Name: "Acme"},
	} {
		must[*bankfeeds.Company](t)(c.Companies.Create(ctx, r))
	}
	list := func(opts *bankfeeds.CompanyListOptions) string {
		t.Helper()
		p := must[*bankfeeds.Page[bankfeeds.Company]](t)(c.Companies.List(ctx, opts))
		var out []string
		for _, co := range p.Results {
			out = append(out, co.Name)
		}
		return strings.Join(out, ",")
	}
	q := func(query, orderBy, tags string) *bankfeeds.CompanyListOptions {
		return &bankfeeds.CompanyListOptions{ListOptions: bankfeeds.ListOptions{Query: query, OrderBy: orderBy}, Tags: tags}
	}
	cases := []struct {
		opts *bankfeeds.CompanyListOptions
		want string
	}{
		{q("name~Toft", "", ""), "Toft stores,Toft cafe"},
		{q("name~Toft", "name", ""), "Toft cafe,Toft stores"},
		{q("", "-name", ""), "Toft stores,Toft cafe,Acme"},
		{q("{name=Acme||name~cafe}&&created>=2026-03-10", "", ""), "Toft cafe,Acme"},
		{q("created>2026-03-10T12:00:00", "", ""), ""},
		{q("", "", "region=uk"), "Toft stores"},
		{q("", "", "region!=uk"), "Toft cafe,Acme"},
		{q("", "", "region=uk && team=invoice-finance"), "Toft stores"},
		{q("", "", "team~invoice"), "Toft stores"},
		{q("tags.region=us", "", ""), "Toft cafe"},
	}
	for _, tc := range cases {
		if got := list(tc.opts); got != tc.want {
			t.Errorf("query %q orderBy %q tags %q: got %q, want %q", tc.opts.Query, tc.opts.OrderBy, tc.opts.Tags, got, tc.want)
		}
	}
	for _, bad := range []string{"query=name~", "query=%7Bname%3DAcme", "query=colour%3Dred", "orderBy=colour", "tags=region%3Euk"} {
		resp, body := raw(t, srv, http.MethodGet, "/companies?"+bad, nil)
		if e := wantError(t, resp, body, 400); !strings.HasPrefix(e.Error, "Error parsing query") {
			t.Errorf("%s: error %q", bad, e.Error)
		}
	}

	// Connections and push operations take their own fields.
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformNetSuite))
	conns := must[*bankfeeds.Page[bankfeeds.Connection]](t)(c.Connections.List(ctx, co.ID, &bankfeeds.ListOptions{Query: "status=Linked"}))
	if conns.TotalResults != 1 || conns.Results[0].ID != conn.ID {
		t.Fatalf("linked connections %+v", conns.Results)
	}
	conns = must[*bankfeeds.Page[bankfeeds.Connection]](t)(c.Connections.List(ctx, co.ID, &bankfeeds.ListOptions{OrderBy: "-platformName"}))
	if conns.Results[0].PlatformName != "Xero" {
		t.Fatalf("ordered by platform name: %s first", conns.Results[0].PlatformName)
	}
	good := []map[string]any{line("g", wall(rulesNow.Add(-time.Hour)), true)}
	bad := []map[string]any{line("b", wall(rulesNow.Add(48*time.Hour)), true)}
	pushRaw(t, srv, co.ID, conn.ID, "a1", good)
	pushRaw(t, srv, co.ID, conn.ID, "a1", bad)
	pushRaw(t, srv, co.ID, conn.ID, "a1", good)
	ops := must[*bankfeeds.Page[bankfeeds.PushOperation]](t)(c.Transactions.ListOperations(ctx, co.ID, &bankfeeds.ListOptions{Query: "status=Failed"}))
	if ops.TotalResults != 1 || ops.Results[0].Status != bankfeeds.PushStatusFailed {
		t.Fatalf("failed operations %+v", ops.Results)
	}
	ops = must[*bankfeeds.Page[bankfeeds.PushOperation]](t)(c.Transactions.ListOperations(ctx, co.ID, &bankfeeds.ListOptions{
		Query: "dataConnectionKey=" + conn.ID + "&&requestedOnUtc>=2026-03-10T11:00:00&&statusCode=200", OrderBy: "-requestedOnUtc"}))
	if ops.TotalResults != 2 {
		t.Fatalf("successful operations of the connection: %d", ops.TotalResults)
	}
	if _, err := c.Transactions.ListOperations(ctx, co.ID, &bankfeeds.ListOptions{Query: "status>Failed"}); apiStatus(err) != 400 {
		t.Fatalf("a comparison on a string: %v", err)
	}
}
