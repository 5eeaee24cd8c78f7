package bankfeedstest_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

func TestAuthentication(t *testing.T) {
	srv, c := sandbox(t, bankfeedstest.WithAPIKey("my-test-key"))
	if srv.APIKey != "my-test-key" {
		t.Fatalf("APIKey %q", srv.APIKey)
	}
	for _, h := range []string{"", "Basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("other")), "Bearer " + base64.StdEncoding.EncodeToString([]byte("my-test-key")), "my-test-key"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/companies", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("Authorization %q: %d, want 401", h, resp.StatusCode)
		}
		if resp.Header.Get("X-Rate-Limit-Limit") == "" {
			t.Error("a 401 carries the rate-limit headers too")
		}
	}
	if _, err := c.Companies.List(t.Context(), nil); err != nil {
		t.Fatalf("the right key: %v", err)
	}
	wrong := must[*bankfeeds.Client](t)(bankfeeds.NewClient("wrong", bankfeeds.WithBaseURL(srv.URL)))
	if _, err := wrong.Companies.List(t.Context(), nil); !errors.Is(err, bankfeeds.ErrUnauthorized) {
		t.Fatalf("a wrong key: %v", err)
	}
	// The random default key works too.
	srv2, c2 := sandbox(t)
	if len(srv2.APIKey) < 20 {
		t.Fatalf("default key %q", srv2.APIKey)
	}
	if _, err := c2.Companies.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitHeadersAndDailyQuota(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 23, 59, 0, 0, time.UTC)}
	srv, _ := sandbox(t, bankfeedstest.WithDailyQuota(3), bankfeedstest.WithClock(clock.Now))
	for i := 1; i <= 3; i++ {
		resp, _ := raw(t, srv, http.MethodGet, "/companies", nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-Rate-Limit-Limit") != "3" || resp.Header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(3-i) {
			t.Fatalf("request %d: %d, limit %q remaining %q", i, resp.StatusCode, resp.Header.Get("X-Rate-Limit-Limit"), resp.Header.Get("X-Rate-Limit-Remaining"))
		}
		if resp.Header.Get("X-Rate-Limit-Reset") != "2026-03-03T00:00:00Z" {
			t.Fatalf("reset %q", resp.Header.Get("X-Rate-Limit-Reset"))
		}
	}
	resp, body := raw(t, srv, http.MethodGet, "/companies", nil)
	wantError(t, resp, body, http.StatusTooManyRequests)
	if ra := resp.Header.Get("Retry-After"); ra != "60" {
		t.Fatalf("Retry-After %q, want the seconds to midnight UTC", ra)
	}
	// A write over quota does not hold its Idempotency-Key.
	resp, _ = raw(t, srv, http.MethodPost, "/companies", `{"name":"Q"}`, "Idempotency-Key", "q")
	if resp.StatusCode != 429 {
		t.Fatalf("write over quota: %d", resp.StatusCode)
	}
	clock.Add(2 * time.Minute) // a new day
	resp, _ = raw(t, srv, http.MethodPost, "/companies", `{"name":"Q"}`, "Idempotency-Key", "q")
	if resp.StatusCode != 200 || resp.Header.Get("X-Rate-Limit-Remaining") != "2" {
		t.Fatalf("next day: %d, remaining %q", resp.StatusCode, resp.Header.Get("X-Rate-Limit-Remaining"))
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	srv, c := sandbox(t)
	const missing = "00000000-0000-4000-8000-000000000000"
	for _, p := range []string{
		"/companies/" + missing,
		"/companies/" + missing + "/connections",
		"/companies/" + missing + "/push/" + missing,
		"/nowhere",
	} {
		resp, body := raw(t, srv, http.MethodGet, p, nil)
		wantError(t, resp, body, 404)
	}
	co := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Here"}))
	for _, p := range []string{
		"/companies/" + co.ID + "/connections/" + missing,
		"/companies/" + co.ID + "/push/" + missing,
	} {
		resp, body := raw(t, srv, http.MethodGet, p, nil)
		wantError(t, resp, body, 404)
	}
	_, err := c.Connections.Get(t.Context(), co.ID, missing)
	var apiErr *bankfeeds.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.CorrelationID == "" || apiErr.Service != "PublicApi" {
		t.Fatalf("404 through the SDK: %v", err)
	}
	resp, body := raw(t, srv, http.MethodDelete, "/companies", nil)
	wantError(t, resp, body, 405)
	resp, body = raw(t, srv, http.MethodPost, "/companies", strings.Repeat("x", 10<<20+1))
	wantError(t, resp, body, http.StatusRequestEntityTooLarge)
}

func TestCompanies(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Company (Codat[1])", Description: "first", Tags: map[string]string{"region": "uk"}}))
	if co.Name != "Company Codat1" || deref(co.Description) != "first" || co.Tags["region"] != "uk" || co.Created == nil {
		t.Fatalf("created %+v", co)
	}
	if co.Redirect != srv.URL+"/link/companies/"+co.ID {
		t.Fatalf("redirect %q", co.Redirect)
	}
	got := must[*bankfeeds.Company](t)(c.Companies.Get(ctx, co.ID))
	if got.ID != co.ID || got.Name != co.Name {
		t.Fatalf("get %+v", got)
	}
	// PATCH changes only what is set.
	upd := must[*bankfeeds.Company](t)(c.Companies.Update(ctx, co.ID, bankfeeds.CompanyUpdate{Name: bankfeeds.Ptr("Renamed!")}))
	if upd.Name != "Renamed!" || deref(upd.Description) != "first" || upd.Tags["region"] != "uk" {
		t.Fatalf("update %+v", upd)
	}
	// PUT overwrites everything, even with empty values.
	rep := must[*bankfeeds.Company](t)(c.Companies.Replace(ctx, co.ID, bankfeeds.CompanyRequest{Name: "Replaced"}))
	if rep.Name != "Replaced" || rep.Description != nil || len(rep.Tags) != 0 {
		t.Fatalf("replace %+v", rep)
	}
	tok := must[*bankfeeds.CompanyAccessToken](t)(c.Companies.AccessToken(ctx, co.ID))
	if tok.ExpiresIn != 86400 || tok.TokenType != "Bearer" || tok.AccessToken == "" {
		t.Fatalf("token %+v", tok)
	}
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformXero))
	if got = must[*bankfeeds.Company](t)(c.Companies.Get(ctx, co.ID)); len(got.DataConnections) != 1 || got.DataConnections[0].ID != conn.ID {
		t.Fatalf("dataConnections %+v", got.DataConnections)
	}
	for _, body := range []string{`{"name":"((()))"}`, `{}`, `{"name":"ok","tags":{"` + strings.Repeat("k", 28) + `":"v"}}`, `{"name":"ok","tags":{"a":"` + strings.Repeat("v", 101) + `"}}`, `not json`} {
		resp, b := raw(t, srv, http.MethodPost, "/companies", body)
		wantError(t, resp, b, 400)
	}
	tooMany := map[string]string{}
	for i := 0; i < 11; i++ {
		tooMany["t"+strconv.Itoa(i)] = "v"
	}
	resp, b := raw(t, srv, http.MethodPatch, "/companies/"+co.ID, map[string]any{"tags": tooMany})
	wantError(t, resp, b, 400)
	if err := c.Companies.Delete(ctx, co.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Companies.Get(ctx, co.ID); !errors.Is(err, bankfeeds.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if err := c.Companies.Delete(ctx, co.ID); !errors.Is(err, bankfeeds.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if srv.PushOperations(co.ID) != nil || srv.Transactions(co.ID, conn.ID, "a") != nil {
		t.Fatal("a deleted company has nothing")
	}
}

func TestConnections(t *testing.T) {
	srv, c := sandbox(t)
	ctx := t.Context()
	co := must[*bankfeeds.Company](t)(c.Companies.Create(ctx, bankfeeds.CompanyRequest{Name: "Conns"}))
	resp, body := raw(t, srv, http.MethodPost, "/companies/"+co.ID+"/connections", `{"platformKey":"zzzz"}`)
	wantError(t, resp, body, 404)
	resp, body = raw(t, srv, http.MethodPost, "/companies/"+co.ID+"/connections", `{"platformKey":"XERO"}`)
	wantError(t, resp, body, 400)
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(ctx, co.ID, bankfeeds.PlatformNetSuite))
	if conn.PlatformName != "Oracle NetSuite" || conn.IntegrationID == "" || conn.SourceID == "" || conn.Created.IsZero() {
		t.Fatalf("connection %+v", conn)
	}
	if _, err := c.Connections.Unlink(ctx, co.ID, conn.ID); !errors.Is(err, bankfeeds.ErrBadRequest) {
		t.Fatalf("unlinking a PendingAuth connection: %v", err)
	}
	resp, body = raw(t, srv, http.MethodPatch, "/companies/"+co.ID+"/connections/"+conn.ID, `{"status":"Linked"}`)
	wantError(t, resp, body, 400)
	resp, body = raw(t, srv, http.MethodDelete, "/companies/"+co.ID+"/connections/"+conn.ID, nil)
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Fatalf("delete connection: %d %q", resp.StatusCode, body)
	}
	if _, err := c.Connections.Get(ctx, co.ID, conn.ID); !errors.Is(err, bankfeeds.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
