package otelbankfeeds_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/bankfeeds-go/bankfeeds"
)

// FuzzHooks feeds the hooks what the SDK reads from outside: a URL, a
// status, a push status and a correlation id from an answer, and an error.
// They must never panic, and url.full must never carry a query string, a
// fragment or user info.
func FuzzHooks(f *testing.F) {
	f.Add("https://api.codat.io/companies/abc", "GET", "/companies/{companyId}", 200, 1, "Success", "7f3c", "")
	f.Add("http://127.0.0.1:1/companies?page=2#x", "POST", "", 429, 3, "Pending", "", "boom")
	f.Add("https://user:pw@host:0/x?", "BREW", "unknown", 0, 0, "Weird", "\x00", "eof")
	f.Add("%", "", "", -1, -5, "", "", "")
	f.Fuzz(func(t *testing.T, rawURL, method, route string, status, attempt int, pushStatus, corr, errText string) {
		tm := newTelemetry(t)
		h := tm.hooks
		var err error
		if errText != "" {
			err = errors.New(errText)
		}
		info := &bankfeeds.CallInfo{Operation: "Transactions.Push", Method: method, Route: route, CompanyID: corr,
			Transactions: attempt, PushOperationKey: corr, PushStatus: bankfeeds.PushStatus(pushStatus)}
		ctx := h.CallStart(context.Background(), info)
		a := &bankfeeds.Attempt{Call: info, URL: rawURL, Attempt: attempt, Status: status, CorrelationID: corr, Err: err,
			RateLimit: bankfeeds.RateLimit{Known: status%2 == 0, Remaining: attempt}}
		actx, aerr := h.AttemptStart(ctx, a)
		if aerr != nil {
			t.Fatalf("AttemptStart refused: %v", aerr)
		}
		h.AttemptEnd(actx, a)
		h.CallEnd(ctx, info, err)
		info.Operation = "Transactions.PushAll"
		h.CallEnd(h.CallStart(context.Background(), info), info, err)
		for _, s := range tm.spans.GetSpans() {
			v := attrString(&s, "url.full")
			if v == "" {
				continue
			}
			u, err := url.Parse(v)
			if err != nil || strings.ContainsAny(v, "?#") || u.User != nil || u.Scheme == "" || u.Host == "" {
				t.Errorf("url.full %q from %q", v, rawURL)
			}
		}
		tm.metrics(t)
	})
}
