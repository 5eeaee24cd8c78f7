package bankfeedstest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// consoleGet fetches a console page (no API key).
func consoleGet(t *testing.T, srv *bankfeedstest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// consoleToken reads the token the console's forms carry.
func consoleToken(t *testing.T, srv *bankfeedstest.Server) string {
	t.Helper()
	_, page := consoleGet(t, srv, "/")
	const field = `name="token" value="`
	i := strings.Index(page, field)
	if i < 0 {
		t.Fatalf("the console's forms carry no token:\n%s", page)
	}
	tok := page[i+len(field):]
	return tok[:strings.IndexByte(tok, '"')]
}

// consolePost submits a console form, with the token the console's forms
// carry, without following the redirect.
func consolePost(t *testing.T, srv *bankfeedstest.Server, path string, form url.Values, headers ...string) *http.Response {
	t.Helper()
	f := url.Values{"token": {consoleToken(t, srv)}}
	for k, v := range form {
		f[k] = v
	}
	return consolePostRaw(t, srv, path, f, headers...)
}

// consolePostRaw submits a form as it is, without following the redirect.
func consolePostRaw(t *testing.T, srv *bankfeedstest.Server, path string, form url.Values, headers ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestConsoleEscapesWhatTheAPIStored(t *testing.T) {
	srv, c := sandbox(t)
	co := must[*bankfeeds.Company](t)(c.Companies.Create(t.Context(), bankfeeds.CompanyRequest{Name: "Shop", Description: `<img src=x onerror=alert(1)>`}))
	conn := must[*bankfeeds.Connection](t)(c.Connections.Create(t.Context(), co.ID, bankfeeds.PlatformXero))
	a := v2Account("a1", "GBP")
	a.AccountName = `<b>"bold"</b>`
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Create(t.Context(), co.ID, conn.ID, a))
	if err := srv.CompleteLink(co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	l := txn("t1", time.Now().Add(-time.Hour), "-5.00", "95.00")
	l.Description = bankfeeds.Ptr(`</td><script>x()</script>`)
	if _, err := c.Transactions.PushAll(t.Context(), co.ID, conn.ID, "a1", []bankfeeds.BankTransaction{l}, nil); err != nil {
		t.Fatal(err)
	}
	status, page := consoleGet(t, srv, "/")
	if status != 200 || strings.Contains(page, "<img src=x") || !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") || strings.Contains(page, `<b>"bold"`) {
		t.Fatalf("overview not escaped:\n%s", page)
	}
	i := strings.Index(page, `/console/companies/`+co.ID+`/connections/`+conn.ID+`/targets/`)
	if i < 0 {
		t.Fatalf("no register link:\n%s", page)
	}
	target := page[i : i+strings.IndexByte(page[i:], '"')]
	status, reg := consoleGet(t, srv, target)
	if status != 200 || strings.Contains(reg, "<script>x()") || !strings.Contains(reg, "&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;") || !strings.Contains(reg, `id="balance">95.00`) {
		t.Fatalf("register not escaped, or no balance:\n%s", reg)
	}
	for _, p := range []string{"/console/webhooks", "/console/companies/" + co.ID + "/pushes"} {
		if status, _ := consoleGet(t, srv, p); status != 200 {
			t.Fatalf("%s: %d", p, status)
		}
	}
	for _, p := range []string{"/console/nope", "/console/companies/nope/pushes", "/console/companies/" + co.ID + "/connections/" + conn.ID + "/targets/nope"} {
		if status, _ := consoleGet(t, srv, p); status != 404 {
			t.Fatalf("%s: %d, want 404", p, status)
		}
	}
}

func TestConsoleShowsRefusedLinesWithTheReason(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	e.wantFailed(e.push(line("late", at(-2*365*24*time.Hour), true)), "BankTransactionsDateRangeValidator", 0)
	_, page := consoleGet(t, e.srv, "/")
	i := strings.Index(page, "/targets/")
	target := page[strings.LastIndex(page[:i], `"`)+1 : i+strings.IndexByte(page[i:], '"')]
	_, reg := consoleGet(t, e.srv, target)
	if !strings.Contains(reg, `id="refused-lines"`) || !strings.Contains(reg, "is older than Xero accepts") {
		t.Fatalf("the refused line and its reason should show:\n%s", reg)
	}
}

func TestConsoleControls(t *testing.T) {
	srv, c := sandbox(t, frozen(rulesNow))
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))

	resp := consolePost(t, srv, "/console/clock", url.Values{"advance": {"36h"}})
	if resp.StatusCode != http.StatusSeeOther || !srv.Now().Equal(rulesNow.Add(36*time.Hour)) {
		t.Fatalf("advance: %d, now %v", resp.StatusCode, srv.Now())
	}
	if resp := consolePost(t, srv, "/console/clock", url.Values{"advance": {"-1h"}}); resp.StatusCode != 400 {
		t.Fatalf("a negative advance: %d", resp.StatusCode)
	}
	if resp := consolePost(t, srv, "/console/faults", url.Values{"seed": {"3"}, "serverErrorBefore": {"1"}, "paths": {"/connections"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("faults: %d", resp.StatusCode)
	}
	if _, err := c.Connections.Get(t.Context(), co.ID, conn.ID); apiStatus(err) != 500 {
		t.Fatalf("with the fault on: %v", err)
	}
	consolePost(t, srv, "/console/faults", url.Values{"clear": {"1"}})
	must[*bankfeeds.Connection](t)(c.Connections.Get(t.Context(), co.ID, conn.ID))
	if resp := consolePost(t, srv, "/console/faults", url.Values{"rateLimit": {"7"}}); resp.StatusCode != 400 {
		t.Fatalf("a probability of 7: %d", resp.StatusCode)
	}
	if resp := consolePost(t, srv, "/console/scenarios", url.Values{"timedOutWritten": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("scenarios: %d", resp.StatusCode)
	}
	consolePost(t, srv, "/console/scenarios", url.Values{"clear": {"1"}})

	disconnect := "/console/companies/" + co.ID + "/connections/" + conn.ID + "/accounts/a1/disconnect"
	if resp := consolePost(t, srv, disconnect, nil, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != 403 {
		t.Fatalf("a cross-site form: %d", resp.StatusCode)
	}
	if resp := consolePost(t, srv, disconnect, nil); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "disconnected") {
		t.Fatalf("disconnect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if a := must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(t.Context(), co.ID, conn.ID)); a[0].Status != bankfeeds.SourceAccountDisconnected {
		t.Fatalf("after the console's disconnect: %s", a[0].Status)
	}
	if resp := consolePost(t, srv, disconnect, nil); resp.StatusCode != 400 {
		t.Fatalf("disconnect twice: %d", resp.StatusCode)
	}
	if resp := consolePost(t, srv, "/console/webhooks/redeliver", url.Values{"since": {"yesterday"}}); resp.StatusCode != 400 {
		t.Fatalf("a bad time: %d", resp.StatusCode)
	}
}

func TestRedeliverWebhooks(t *testing.T) {
	srv, c := sandbox(t, frozen(rulesNow))
	rcv := newReceiver(t, nil)
	if err := srv.SetWebhook(rcv.URL, rcv.secret); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP")) // 3 events at rulesNow
	rcv.waitEvents(t, 3)
	must[time.Time](t)(srv.Advance(time.Hour))
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a2", "GBP")) // 3 more, an hour later
	rcv.waitEvents(t, 6)
	if resp := consolePost(t, srv, "/console/webhooks/redeliver", url.Values{"since": {rulesNow.Add(30 * time.Minute).Format("2006-01-02T15:04")}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("redeliver: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(rcv.all(t)) < 9 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	all := rcv.all(t)
	if len(all) != 9 || all[6].msgID != all[3].msgID || all[8].msgID != all[5].msgID {
		t.Fatalf("%d deliveries; the redelivered must be the last three, with their webhook-ids", len(all))
	}
	log := srv.WebhookLog()
	if len(log) != 6 || len(log[3].Attempts) != 2 || len(log[0].Attempts) != 1 || log[3].State != "delivered" || log[3].Attempts[1].Status != 200 {
		t.Fatalf("log %+v", log)
	}
	if n := srv.WebhookCounts().Redelivered; n != 3 {
		t.Fatalf("redelivered %d", n)
	}
}

func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"", "seed=1,serverErrorBefore=0.1", "stallFor=2s,stall=0.5,paths=/push", "latency=-1s", "x", "rateLimit=NaN", "seed=9e99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := bankfeedstest.ParseFaults(s)
		if err == nil {
			for _, p := range []float64{fl.ServerErrorBefore, fl.RateLimit, fl.LostAfterCommit, fl.ServerErrorAfter, fl.Stall, fl.WebhookDuplicate} {
				if !(p >= 0 && p <= 1) {
					t.Fatalf("%q gave probability %v", s, p)
				}
			}
			if fl.StallFor < 0 || fl.Latency < 0 || fl.RetryAfter < 0 {
				t.Fatalf("%q gave a negative duration: %+v", s, fl)
			}
		}
		sc, err := bankfeedstest.ParseScenarios(s)
		if err == nil && !(sc.LongPending >= 0 && sc.LongPending <= 1 && sc.QBODisconnect >= 0 && sc.QBODisconnect <= 1 && sc.TimedOutWritten >= 0 && sc.TimedOutWritten <= 1) {
			t.Fatalf("%q gave %+v", s, sc)
		}
	})
}
