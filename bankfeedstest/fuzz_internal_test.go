package bankfeedstest

import (
	"encoding/base64"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzAPI sends arbitrary bodies and paths to the operations of a linked
// connection: the sandbox must answer every one (never panic) and never with
// a server error of its own.
func FuzzAPI(f *testing.F) {
	for _, s := range []struct{ method, path, body string }{
		{"POST", "/push/bankAccounts/a1/bankTransactions", `{"accountId":"a1","transactions":[{"id":"t","date":"2026-01-01T10:00:00","amount":1.5,"balance":2}]}`},
		{"POST", "/push/bankAccounts/a1/bankTransactions", `{"accountId":"a1","transactions":[{"id":"t","date":"2026-01-01T10:00:00-05:00","amount":"1e3","transactionType":"Debit"}]}`},
		{"POST", "/connectionInfo/bankFeedAccounts/batch", `[{"id":"b","accountName":"n","accountType":"checking","accountNumber":"1","currency":"GBP","balance":0}]`},
		{"POST", "/connectionInfo/bankFeedAccounts", `{"id":"c","accountType":"Credit"}`},
		{"PATCH", "/connectionInfo/bankFeedAccounts/a1", `{"accountName":"x","balance":null}`},
		{"POST", "/bankFeedAccounts/mapping", `{"sourceAccountId":"a1","feedStartDate":"2026-01-01"}`},
		{"POST", "/push/bankAccounts?timeoutInMinutes=2", `{"accountName":"x","overdraftLimit":-1}`},
		{"GET", "/data/bankAccounts?query=balance>1&&{status=Active||currency~G}&orderBy=-balance", ``},
		{"PATCH", "", `{"status":"Unlinked"}`},
		{"POST", "/bankFeedAccounts/a1/managedBankFeeds/syncs", ``},
	} {
		f.Add(s.method, s.path, s.body)
	}
	s := NewHandler(WithPushDelay(0))
	defer s.Close()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.APIKey))
	do := func(method, target, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://sandbox.test"+target, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	co := do("POST", "/companies", `{"name":"Fuzz"}`)
	coID := strings.Split(strings.Split(co.Body.String(), `"id":"`)[1], `"`)[0]
	cn := do("POST", "/companies/"+coID+"/connections", `{"platformKey":"gbol"}`)
	cnID := strings.Split(strings.Split(cn.Body.String(), `"id":"`)[1], `"`)[0]
	base := "/companies/" + coID + "/connections/" + cnID
	do("POST", base+"/connectionInfo/bankFeedAccounts", `{"id":"a1","accountName":"n","accountType":"checking","accountNumber":"1","currency":"GBP","balance":0}`)
	if err := s.CompleteLink(coID, cnID); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		switch method {
		case "GET", "POST", "PATCH", "PUT", "DELETE":
		default:
			method = "POST"
		}
		if strings.ContainsAny(path, " \t\r\n#") || (path != "" && path[0] != '/' && path[0] != '?') {
			return
		}
		if _, err := url.ParseRequestURI("http://sandbox.test" + base + path); err != nil {
			return // not a request a client could send
		}
		rec := do(method, base+path, body)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
	})
}
