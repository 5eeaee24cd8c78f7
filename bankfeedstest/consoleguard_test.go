package bankfeedstest_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// A console control runs only with the token of the console's own forms
// (or the API key): a page on another origin, another port of 127.0.0.1
// included, cannot press it.
func TestConsoleControlsNeedTheConsolesToken(t *testing.T) {
	srv, _ := sandbox(t, frozen(rulesNow))
	token := consoleToken(t, srv)
	apiKey := "Basic " + base64.StdEncoding.EncodeToString([]byte(srv.APIKey))
	advance := func(form url.Values, headers ...string) (int, time.Duration) {
		before := srv.Now()
		resp := consolePostRaw(t, srv, "/console/clock", form, headers...)
		return resp.StatusCode, srv.Now().Sub(before)
	}
	cases := []struct {
		name    string
		form    url.Values
		headers []string
		ok      bool
	}{
		{name: "no token", form: url.Values{"advance": {"1h"}}},
		{name: "a wrong token", form: url.Values{"advance": {"1h"}, "token": {token[:len(token)-1] + "x"}}},
		{name: "the token from another port of the same host", form: url.Values{"advance": {"1h"}, "token": {token}}, headers: []string{"Sec-Fetch-Site", "same-site"}},
		{name: "the token from another site", form: url.Values{"advance": {"1h"}, "token": {token}}, headers: []string{"Sec-Fetch-Site", "cross-site"}},
		{name: "the console's token", form: url.Values{"advance": {"1h"}, "token": {token}}, ok: true},
		{name: "the console's token from its own page", form: url.Values{"advance": {"1h"}, "token": {token}}, headers: []string{"Sec-Fetch-Site", "same-origin"}, ok: true},
		{name: "the API key", form: url.Values{"advance": {"1h"}}, headers: []string{"Authorization", apiKey}, ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, moved := advance(tc.form, tc.headers...)
			if tc.ok && (status != http.StatusSeeOther || moved != time.Hour) {
				t.Fatalf("status %d, the clock moved %v: want 303 and 1h", status, moved)
			}
			if !tc.ok && (status != http.StatusForbidden || moved != 0) {
				t.Fatalf("status %d, the clock moved %v: want 403 and nothing", status, moved)
			}
		})
	}
	// Every form of every page carries the token.
	for _, p := range []string{"/", "/console/webhooks"} {
		_, page := consoleGet(t, srv, p)
		if forms, tokens := strings.Count(page, "<form "), strings.Count(page, `name="token" value="`+token+`"`); forms == 0 || forms != tokens {
			t.Errorf("%s: %d forms, %d carry the token", p, forms, tokens)
		}
	}
}

// The console and the link pages answer only under the sandbox's own host
// names, loopback and the base URL's host, so that a DNS-rebinding page
// (its own name, the sandbox's address) cannot read them; the API, which
// needs the key anyway, answers under any.
func TestPagesAnswerOnlyTheSandboxsOwnHostNames(t *testing.T) {
	srv, c := sandbox(t, frozen(rulesNow))
	co := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Shop"}))
	embedded := bankfeedstest.NewHandler(bankfeedstest.WithBaseURL("https://sandbox.example:8443"))
	t.Cleanup(embedded.Close)
	get := func(h http.Handler, host, path string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct {
		h      http.Handler
		host   string
		path   string
		status int
	}{
		{srv.Handler(), "127.0.0.1:8080", "/", 200},
		{srv.Handler(), "localhost:8080", "/", 200},
		{srv.Handler(), "[::1]:8080", "/console/webhooks", 200},
		{srv.Handler(), "app.localhost", "/", 200},
		{srv.Handler(), "rebind.attacker.example:8080", "/", http.StatusMisdirectedRequest},
		{srv.Handler(), "rebind.attacker.example:8080", "/console/webhooks", http.StatusMisdirectedRequest},
		{srv.Handler(), "rebind.attacker.example:8080", "/link/companies/" + co.ID, http.StatusMisdirectedRequest},
		{srv.Handler(), "127.0.0.1.attacker.example", "/", http.StatusMisdirectedRequest},
		{srv.Handler(), "", "/", http.StatusMisdirectedRequest},
		{embedded.Handler(), "sandbox.example", "/", 200},
		{embedded.Handler(), "SANDBOX.example:8443", "/", 200},
		{embedded.Handler(), "127.0.0.1", "/", 200},
		{embedded.Handler(), "other.example", "/", http.StatusMisdirectedRequest},
	} {
		if got := get(tc.h, tc.host, tc.path); got != tc.status {
			t.Errorf("Host %q, %s: %d, want %d", tc.host, tc.path, got, tc.status)
		}
	}
	// A control under another host name does nothing either.
	before := srv.Now()
	if resp := consolePost(t, srv, "/console/clock", url.Values{"advance": {"1h"}}, "Host", "rebind.attacker.example"); resp.StatusCode != http.StatusMisdirectedRequest || !srv.Now().Equal(before) {
		t.Fatalf("a control under another host: %d", resp.StatusCode)
	}
	// The API answers under any host name.
	rec := serve(srv.Handler(), srv.APIKey, http.MethodGet, "http://rebind.attacker.example/companies", "")
	if rec.Code != 200 {
		t.Fatalf("the API under another host: %d", rec.Code)
	}
}

// The icon a browser asks for on every page load is answered without the
// API key and is not counted as an API request, so Served keeps matching
// the client's requests while the console is open.
func TestFaviconIsNotCountedAsAnAPIRequest(t *testing.T) {
	srv, c := sandbox(t)
	must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Shop"}))
	before := srv.RequestCounts().Served
	for i := 0; i < 3; i++ {
		consoleGet(t, srv, "/")
		resp, err := http.Get(srv.URL + "/favicon.ico")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 {
			t.Fatalf("/favicon.ico: %d", resp.StatusCode)
		}
	}
	if got := srv.RequestCounts().Served; got != before {
		t.Fatalf("Served went from %d to %d with only pages and icons asked for", before, got)
	}
}
