package bankfeedstest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

func TestSourceAccountCreateAndBatch(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Accounts"}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero))
	base := "/companies/" + co.ID + "/connections/" + conn.ID + "/connectionInfo/bankFeedAccounts"

	// A version 2 account needs name, type, number, currency and balance.
	resp, body := raw(t, srv, http.MethodPost, base, `{"id":"x1","accountName":"X","accountType":"checking","currency":"GBP"}`)
	e := wantError(t, resp, body, 400)
	if e.Validation == nil || len(e.Validation.Errors) != 2 {
		t.Fatalf("want accountNumber and balance named: %s", body)
	}
	a := must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, conn.ID, v2Account("a1", "GBP")))
	if a.Status != bankfeeds.SourceAccountPending || a.RoutingInfo == nil || deref(a.RoutingInfo.Type) != "bankcode" || a.FeedStartDate != nil {
		t.Fatalf("v2 account %+v", a)
	}
	if _, err := c.SourceAccounts.Create(ctx, co.ID, conn.ID, v2Account("a1", "GBP")); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("an existing id: %v, want 400", err)
	}
	// This connection now answers version 2; a version 1 type is refused.
	resp, body = raw(t, srv, http.MethodPost, base, `{"id":"v1","accountName":"X","accountType":"Credit","accountNumber":"1","currency":"GBP","balance":0}`)
	wantError(t, resp, body, 400)

	res := must[[]bankfeeds.SourceAccountResult](t)(c.SourceAccounts.CreateBatch(ctx, co.ID, conn.ID, []bankfeeds.SourceAccount{v2Account("a1", "GBP"), v2Account("a2", "GBP")}))
	if len(res) != 2 || res[0].StatusCode != 409 || res[0].Error == "" || res[0].Created() || res[1].StatusCode != 201 || res[1].Account == nil {
		t.Fatalf("mixed batch %+v", res)
	}
	resp, body = raw(t, srv, http.MethodPost, base+"/batch", []bankfeeds.SourceAccount{v2Account("a3", "GBP"), v2Account("a4", "GBP")})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("all created: %d %s", resp.StatusCode, body)
	}
	resp, body = raw(t, srv, http.MethodPost, base+"/batch", []bankfeeds.SourceAccount{v2Account("a1", "GBP"), v2Account("a3", "GBP")})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), `"statusCode":"409"`) {
		t.Fatalf("all conflicting: %d %s", resp.StatusCode, body)
	}
	resp, body = raw(t, srv, http.MethodPost, base+"/batch", []bankfeeds.SourceAccount{v2Account("a5", "GBP"), v2Account("a1", "GBP"), v2Account("a5", "GBP")})
	if resp.StatusCode != http.StatusMultiStatus || strings.Count(string(body), `"statusCode":"409"`) != 2 {
		t.Fatalf("a duplicate within the batch: %d %s", resp.StatusCode, body)
	}
	resp, body = raw(t, srv, http.MethodPost, base+"/batch", `[]`)
	wantError(t, resp, body, 400)
	resp, body = raw(t, srv, http.MethodPost, base+"/batch", `[{"id":"ok","accountName":"n","accountType":"checking","accountNumber":"1","currency":"GBP","balance":1},{"id":"bad"}]`)
	wantError(t, resp, body, 400)
	list := must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(ctx, co.ID, conn.ID))
	if len(list) != 5 || list[0].ID != "a1" || list[4].ID != "a5" {
		t.Fatalf("list %d accounts", len(list))
	}
	// Account ids with spaces are path-escaped.
	spaced := v2Account("Checking 0202", "GBP")
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, conn.ID, spaced))
	if err := c.SourceAccounts.Delete(ctx, co.ID, conn.ID, "Checking 0202"); err != nil {
		t.Fatal(err)
	}
	if err := c.SourceAccounts.Delete(ctx, co.ID, conn.ID, "Checking 0202"); !errors.Is(err, bankfeeds.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestSourceAccountVersion1(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "V1"}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero))
	base := "/companies/" + co.ID + "/connections/" + conn.ID + "/connectionInfo/bankFeedAccounts"
	resp, body := raw(t, srv, http.MethodPost, base, `{"id":"c1","accountType":"Credit","currency":"GBP"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("v1 create: %d %s", resp.StatusCode, body)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["routingInfo"]; ok || got["status"] != "pending" || got["accountType"] != "Credit" {
		t.Fatalf("v1 shape: %s", body)
	}
	// A version 2 field is refused on a version 1 connection.
	resp, body = raw(t, srv, http.MethodPost, base, `{"id":"c2","routingInfo":{"type":"iban"}}`)
	wantError(t, resp, body, 400)
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	_, body = raw(t, srv, http.MethodGet, base, nil)
	if !strings.Contains(string(body), `"feedStartDate":"`) || !strings.Contains(string(body), "T") {
		t.Fatalf("v1 feedStartDate is a date-time: %s", body)
	}
}

func TestSourceAccountUpdateRules(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, conn.ID, v2Account("p1", "GBP")))
	path := "/companies/" + co.ID + "/connections/" + conn.ID + "/connectionInfo/bankFeedAccounts/"

	// Name can change; the answer is the version 1 shape.
	resp, body := raw(t, srv, http.MethodPatch, path+"a1", `{"id":"a1","accountName":"Renamed"}`)
	if resp.StatusCode != 200 || strings.Contains(string(body), "routingInfo") || !strings.Contains(string(body), `"accountName":"Renamed"`) {
		t.Fatalf("rename: %d %s", resp.StatusCode, body)
	}
	// Balance only while not connected.
	if _, err := c.SourceAccounts.Update(ctx, co.ID, conn.ID, "a1", bankfeeds.SourceAccountUpdate{Balance: dec("5")}); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("balance of a connected account: %v", err)
	}
	upd := must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Update(ctx, co.ID, conn.ID, "p1", bankfeeds.SourceAccountUpdate{Balance: dec("5.25")}))
	if upd.Balance.String() != "5.25" {
		t.Fatalf("balance %s", upd.Balance)
	}
	// Status only to disconnected.
	for _, body := range []string{`{"status":"connected"}`, `{"currency":"USD"}`, `{"id":"other","accountName":"x"}`, `{"accountName":""}`} {
		resp, b := raw(t, srv, http.MethodPatch, path+"a1", body)
		wantError(t, resp, b, 400)
	}
	upd = must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Update(ctx, co.ID, conn.ID, "a1", bankfeeds.SourceAccountUpdate{Status: bankfeeds.Ptr(bankfeeds.SourceAccountDisconnected)}))
	if upd.Status != bankfeeds.SourceAccountDisconnected || upd.AccountName != "Renamed" {
		t.Fatalf("disconnect %+v", upd)
	}
	resp, body = raw(t, srv, http.MethodPatch, path+"nope", `{"accountName":"x"}`)
	wantError(t, resp, body, 404)

	// Deleting an account frees its target for another.
	maps := must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, conn.ID))
	target := *maps[0].TargetAccountID
	if err := c.SourceAccounts.Delete(ctx, co.ID, conn.ID, "a1"); err != nil {
		t.Fatal(err)
	}
	r := must[*bankfeeds.AccountMappingResult](t)(c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "p1", TargetAccountID: &target}))
	if deref(r.Status) != "connecting" {
		t.Fatalf("remap %+v", r)
	}
	// Repeating an identical mapping succeeds.
	r = must[*bankfeeds.AccountMappingResult](t)(c.AccountMapping.Create(ctx, co.ID, conn.ID, bankfeeds.AccountMapping{SourceAccountID: "p1", TargetAccountID: &target}))
	if deref(r.TargetAccountID) != target {
		t.Fatalf("repeat %+v", r)
	}
	for _, m := range []bankfeeds.AccountMapping{{SourceAccountID: "ghost"}, {SourceAccountID: "p1", TargetAccountID: bankfeeds.Ptr("ghost")}} {
		if _, err := c.AccountMapping.Create(ctx, co.ID, conn.ID, m); !errors.Is(err, bankfeeds.ErrBadRequest) {
			t.Fatalf("mapping %+v: %v", m, err)
		}
	}
}

func TestManagedSyncs(t *testing.T) {
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(time.Hour))
	defer srv.Close()
	c := client(t, srv)
	ctx := t.Context()
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(ctx, co.ID, conn.ID, v2Account("p1", "GBP")))
	if _, err := c.ManagedSyncs.Latest(ctx, co.ID, conn.ID, "a1"); !errors.Is(err, bankfeeds.ErrNoSync) {
		t.Fatalf("latest without a sync: %v", err)
	}
	started := must[*bankfeeds.SyncStarted](t)(c.ManagedSyncs.Run(ctx, co.ID, conn.ID, "a1"))
	if _, err := c.ManagedSyncs.Run(ctx, co.ID, conn.ID, "a1"); !errors.Is(err, bankfeeds.ErrConflict) {
		t.Fatalf("a second sync while one runs: %v", err)
	}
	st := must[*bankfeeds.SyncStatus](t)(c.ManagedSyncs.Get(ctx, co.ID, conn.ID, "a1", started.SyncID))
	if st.Status != "Started" || st.SourceAccountID != "a1" || st.CompanyName != co.Name || st.ExecutionEndUTC != nil {
		t.Fatalf("sync %+v", st)
	}
	if _, err := c.ManagedSyncs.Run(ctx, co.ID, conn.ID, "p1"); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("sync of a pending account: %v", err)
	}
	if _, err := c.ManagedSyncs.Get(ctx, co.ID, conn.ID, "a1", "00000000-0000-4000-8000-000000000000"); !errors.Is(err, bankfeeds.ErrNotFound) {
		t.Fatalf("unknown sync: %v", err)
	}

	// With no delay the sync ends at once.
	srv2, c2 := sandbox(t)
	co2, conn2 := linked(t, srv2, c2, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	s1 := must[*bankfeeds.SyncStarted](t)(c2.ManagedSyncs.Run(ctx, co2.ID, conn2.ID, "a1"))
	latest := must[*bankfeeds.SyncStatus](t)(c2.ManagedSyncs.Latest(ctx, co2.ID, conn2.ID, "a1"))
	if latest.SyncID != s1.SyncID || latest.Status != "SuccessNoDataPushed" || latest.ExecutionEndUTC == nil {
		t.Fatalf("latest %+v", latest)
	}
	s2 := must[*bankfeeds.SyncStarted](t)(c2.ManagedSyncs.Run(ctx, co2.ID, conn2.ID, "a1"))
	second := must[*bankfeeds.SyncStatus](t)(c2.ManagedSyncs.Get(ctx, co2.ID, conn2.ID, "a1", s2.SyncID))
	if !second.PeriodStartUTC.Equal(latest.PeriodEndUTC.Time) {
		t.Fatalf("the next sync starts where the last ended: %v vs %v", second.PeriodStartUTC, latest.PeriodEndUTC)
	}
	if got := must[*bankfeeds.Connection](t)(c2.Connections.Get(ctx, co2.ID, conn2.ID)); got.LastSync == nil {
		t.Fatal("a finished sync sets the connection's lastSync")
	}
}

func TestTargetAccountsAndModels(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	page := must[*bankfeeds.Page[bankfeeds.BankAccount]](t)(c.BankAccounts.List(ctx, co.ID, conn.ID, &bankfeeds.ListOptions{Query: "accountType=Debit", OrderBy: "accountName"}))
	if page.TotalResults != 2 { // the seeded current account and a1's new target
		t.Fatalf("debit targets %d", page.TotalResults)
	}
	model := must[*bankfeeds.PushOption](t)(c.BankAccounts.CreateModel(ctx, co.ID, conn.ID))
	if model.Type != "Object" || !model.Properties["accountName"].Required {
		t.Fatalf("bank account model %+v", model)
	}
	tm := must[*bankfeeds.PushOption](t)(c.Transactions.CreateModel(ctx, co.ID, conn.ID, "a1"))
	lines := tm.Properties["transactions"].Properties["items"]
	if !lines.Properties["balance"].Required || !lines.Properties["date"].Required || tm.Validation == nil {
		t.Fatalf("transactions model %+v", tm)
	}
	if _, err := c.Transactions.CreateModel(ctx, co.ID, conn.ID, "ghost"); !errors.Is(err, bankfeeds.ErrNotFound) {
		t.Fatalf("model of an unknown account: %v", err)
	}
	op := must[*bankfeeds.PushOperation](t)(c.BankAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.BankAccount{
		AccountName: bankfeeds.Ptr("Savings"), AccountType: "Debit", Currency: "GBP", Balance: dec("12.00"),
	}, &bankfeeds.WriteOptions{TimeoutInMinutes: bankfeeds.Ptr(3)}))
	if op.Status != bankfeeds.PushStatusPending || op.DataType != "bankAccounts" {
		t.Fatalf("create answer %+v", op)
	}
	done := wait(t, c, co.ID, op.PushOperationKey)
	if done.Status != bankfeeds.PushStatusSuccess || len(done.Changes) != 1 || done.Changes[0].Type != "Created" {
		t.Fatalf("create %+v", done)
	}
	if n := must[*bankfeeds.Page[bankfeeds.BankAccount]](t)(c.BankAccounts.List(ctx, co.ID, conn.ID, &bankfeeds.ListOptions{Query: "accountName=Savings"})).TotalResults; n != 1 {
		t.Fatalf("created target %d", n)
	}
	if _, err := c.BankAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.BankAccount{AccountName: bankfeeds.Ptr("X"), AccountType: "Asset"}, nil); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("a bad account type: %v", err)
	}
	// On a connection that is not linked, the operation fails.
	pending := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformNetSuite))
	op = must[*bankfeeds.PushOperation](t)(c.BankAccounts.Create(ctx, co.ID, pending.ID, bankfeeds.BankAccount{AccountName: bankfeeds.Ptr("Y")}, nil))
	if done = wait(t, c, co.ID, op.PushOperationKey); done.Status != bankfeeds.PushStatusFailed {
		t.Fatalf("create on a pending connection: %s", done.Status)
	}
}

func TestLinkPagesForOtherPlatforms(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Free <Agent>"}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformFreeAgent))
	must[[]bankfeeds.SourceAccountResult](t)(c.SourceAccounts.CreateBatch(ctx, co.ID, conn.ID, []bankfeeds.SourceAccount{v2Account("a1", "GBP"), v2Account("a2", "GBP")}))
	sage := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformSageBankFeeds))

	st, html := page(t, http.MethodGet, co.Redirect, nil)
	if st != 200 || !strings.Contains(html, conn.LinkURL) || !strings.Contains(html, sage.ID) || strings.Contains(html, "<Agent>") {
		t.Fatalf("company page %d:\n%s", st, html)
	}
	st, html = page(t, http.MethodGet, conn.LinkURL, nil)
	if st != 200 || !strings.Contains(html, "Create new account") || !strings.Contains(html, "Business Current Account") {
		t.Fatalf("link page %d:\n%s", st, html)
	}
	maps := must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, conn.ID))
	existing := maps[0].TargetAccountOptions[0].ID
	// The user ticks a1 only, onto the existing account.
	form := map[string][]string{"account": {"a1"}, "target:a1": {existing}, "feedStartDate": {"2026-01-15"}}
	st, html = page(t, http.MethodPost, conn.LinkURL, form)
	if st != 200 || !strings.Contains(html, "1 source account(s) connected") {
		t.Fatalf("submit %d:\n%s", st, html)
	}
	maps = must[[]bankfeeds.BankFeedMapping](t)(c.AccountMapping.Get(ctx, co.ID, conn.ID))
	if maps[0].Status != "connected" || deref(maps[0].TargetAccountID) != existing || maps[0].FeedStartDate.Format("2006-01-02") != "2026-01-15" || maps[1].Status != "pending" {
		t.Fatalf("after the page: %+v", maps)
	}
	if got := must[*bankfeeds.Connection](t)(c.Connections.Get(ctx, co.ID, conn.ID)); got.Status != bankfeeds.ConnectionLinked {
		t.Fatalf("connection %s", got.Status)
	}
	// The same target cannot take a second feed.
	form = map[string][]string{"account": {"a2"}, "target:a2": {existing}}
	if st, _ := page(t, http.MethodPost, conn.LinkURL, form); st != 400 {
		t.Fatalf("second feed into one target: %d", st)
	}
	for _, bad := range []string{"/link/companies/nope", "/link/companies/" + co.ID + "/connections/nope/start", "/link/elsewhere", "/link/companies/" + co.ID + "/connections/" + conn.ID + "/other"} {
		if st, _ := page(t, http.MethodGet, srv.URL+bad, nil); st != 404 {
			t.Errorf("%s: %d, want 404", bad, st)
		}
	}
	if st, _ := page(t, http.MethodDelete, conn.LinkURL, nil); st != 405 {
		t.Errorf("DELETE on the link page: %d", st)
	}
	if st, _ := page(t, http.MethodPost, srv.URL+"/link/companies/"+co.ID+"/connections/"+conn.ID+"/credentials", map[string][]string{}); st != 404 {
		t.Errorf("credentials on FreeAgent: %d", st)
	}
}
