package bankfeedstest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
)

// rulesNow is the sandbox clock in the push rule tests.
var rulesNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// line is a raw transaction: a wall-clock date, an amount and a balance.
func line(id, date string, withBalance bool) map[string]any {
	m := map[string]any{"id": id, "date": date, "amount": 10.5, "description": "line " + id}
	if withBalance {
		m["balance"] = 110.5
	}
	return m
}

type ruleEnv struct {
	srv      *bankfeedstest.Server
	c        *bankfeeds.Client
	co, conn string
	t        *testing.T
}

func newRuleEnv(t *testing.T, platform string) *ruleEnv {
	srv, c := sandbox(t, bankfeedstest.WithClock(func() time.Time { return rulesNow }))
	co, conn := linked(t, srv, c, platform, v2Account("a1", "USD"))
	return &ruleEnv{srv: srv, c: c, co: co.ID, conn: conn.ID, t: t}
}

// push pushes raw lines to account a1 and waits for the operation.
func (e *ruleEnv) push(lines ...map[string]any) *bankfeeds.PushOperation {
	return e.pushTo("a1", lines...)
}

func (e *ruleEnv) pushTo(acct string, lines ...map[string]any) *bankfeeds.PushOperation {
	e.t.Helper()
	resp, body := pushRaw(e.t, e.srv, e.co, e.conn, acct, lines)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("push: %d %s", resp.StatusCode, body)
	}
	op := decode[bankfeeds.PushOperation](e.t, body)
	if op.Status != bankfeeds.PushStatusPending || op.Data == nil || len(op.Data.Transactions) != len(lines) || op.Data.AccountID != acct {
		e.t.Fatalf("push answer should be Pending and echo the body: %s", body)
	}
	return wait(e.t, e.c, e.co, op.PushOperationKey)
}

// wantFailed checks a Failed operation naming validator, and that nothing
// more landed than before.
func (e *ruleEnv) wantFailed(op *bankfeeds.PushOperation, validator string, landedBefore int) {
	e.t.Helper()
	if op.Status != bankfeeds.PushStatusFailed || op.StatusCode != 400 || op.ErrorMessage == nil || !hasValidator(op, validator) {
		e.t.Fatalf("want Failed by %s, got %s %+v", validator, op.Status, op.Validation)
	}
	if got := len(e.srv.Transactions(e.co, e.conn, "a1")); got != landedBefore {
		e.t.Fatalf("a failed push landed: %d transactions, want %d", got, landedBefore)
	}
}

func (e *ruleEnv) wantSuccess(op *bankfeeds.PushOperation) {
	e.t.Helper()
	if op.Status != bankfeeds.PushStatusSuccess {
		var msgs []string
		if op.Validation != nil {
			for _, v := range op.Validation.Errors {
				msgs = append(msgs, deref(v.Message))
			}
		}
		e.t.Fatalf("want Success, got %s: %s", op.Status, strings.Join(msgs, "; "))
	}
}

func at(d time.Duration) string { return wall(rulesNow.Add(d)) }

func TestPushFailsWhenAccountNotConnected(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	must[*bankfeeds.SourceAccount](t)(e.c.SourceAccounts.Create(t.Context(), e.co, e.conn, v2Account("p1", "USD")))
	op := e.pushTo("p1", line("t1", at(-time.Hour), true))
	if op.Status != bankfeeds.PushStatusFailed || !hasValidator(op, "BankFeedAccountStatusValidator") {
		t.Fatalf("push to a pending account: %s", op.Status)
	}
	if n := len(e.srv.Transactions(e.co, e.conn, "p1")); n != 0 {
		t.Fatalf("landed %d", n)
	}
	// A disconnected account refuses too.
	must[*bankfeeds.SourceAccount](t)(e.c.SourceAccounts.Update(t.Context(), e.co, e.conn, "a1", bankfeeds.SourceAccountUpdate{Status: bankfeeds.Ptr(bankfeeds.SourceAccountDisconnected)}))
	e.wantFailed(e.push(line("t2", at(-time.Hour), true)), "BankFeedAccountStatusValidator", 0)
}

func TestPushFailsOutOfOrderWithinRequest(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	e.wantFailed(e.push(line("t1", at(-time.Hour), true), line("t2", at(-2*time.Hour), true)), "BankTransactionsOrderValidator", 0)
	e.wantSuccess(e.push(line("t1", at(-2*time.Hour), true), line("t2", at(-2*time.Hour), true), line("t3", at(-time.Hour), true)))
}

func TestPushFailsOlderThanNewestHeld(t *testing.T) {
	for _, platform := range []string{bankfeeds.PlatformQuickBooksOnlineBankFeeds, bankfeeds.PlatformSageBankFeeds} {
		t.Run(platform, func(t *testing.T) {
			e := newRuleEnv(t, platform)
			e.wantSuccess(e.push(line("t1", at(-3*time.Hour), true), line("t2", at(-time.Hour), true)))
			e.wantFailed(e.push(line("t3", at(-90*time.Minute), true)), "BankTransactionsHistoryValidator", 2)
			e.wantSuccess(e.push(line("t4", at(-time.Hour), true))) // the same date is not older
		})
	}
}

func TestPushFailsInTheFuture(t *testing.T) {
	cases := []struct {
		platform string
		slack    time.Duration // how far past the UTC now a wall clock may be
	}{
		{bankfeeds.PlatformXero, 14 * time.Hour},
		{bankfeeds.PlatformNetSuite, 14 * time.Hour},
		{bankfeeds.PlatformSageBankFeeds, 14 * time.Hour},
		{bankfeeds.PlatformQuickBooksOnlineBankFeeds, 0}, // US and Canada: no clock is ahead of UTC
	}
	for _, tc := range cases {
		t.Run(tc.platform, func(t *testing.T) {
			e := newRuleEnv(t, tc.platform)
			e.wantFailed(e.push(line("t1", at(tc.slack+time.Second), true)), "BankTransactionsFutureDateValidator", 0)
			e.wantSuccess(e.push(line("t2", at(tc.slack), true))) // the last second of the SMB's now
		})
	}
}

func TestPushDateOffsetIsDropped(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	// 23:30 at UTC-12 is 11:30 the next day in UTC, but Codat reads the wall
	// clock, 23:30 today: within 14 hours, so not in the future.
	e.wantSuccess(e.push(line("t1", "2026-03-10T23:30:00-12:00", true), line("t2", "2026-03-10T23:45:00.1234567Z", true)))
	got := e.srv.Transactions(e.co, e.conn, "a1")
	if len(got) != 2 || got[0].Date.Format("2006-01-02T15:04:05") != "2026-03-10T23:30:00" {
		t.Fatalf("landed %+v", got)
	}
	e.wantSuccess(e.push(line("t3", "2026-03-11", true))) // a bare date is midnight
}

// TestPushHistoryWindows holds each window's first accepted day. The sandbox
// clock is 2026-03-10T12:00Z: the furthest-behind SMB's today is 2026-03-10
// for QBO (UTC-10, 02:00) and for Xero (UTC-12, 00:00).
func TestPushHistoryWindows(t *testing.T) {
	cases := []struct {
		name, platform string
		now            time.Time
		line           string
		ok             bool
	}{
		{"qbo date-only 7 days back", bankfeeds.PlatformQuickBooksOnlineBankFeeds, rulesNow, "2026-03-03", true},
		{"qbo 7 days back with a time", bankfeeds.PlatformQuickBooksOnlineBankFeeds, rulesNow, "2026-03-03T00:00:01", true},
		{"qbo last second of day 8", bankfeeds.PlatformQuickBooksOnlineBankFeeds, rulesNow, "2026-03-02T23:59:59", false},
		{"qbo date-only 8 days back", bankfeeds.PlatformQuickBooksOnlineBankFeeds, rulesNow, "2026-03-02", false},
		// At 05:00Z it is still the 9th in Hawaii: its 7 days reach the 2nd.
		{"qbo hawaii's today", bankfeeds.PlatformQuickBooksOnlineBankFeeds, time.Date(2026, 3, 10, 5, 0, 0, 0, time.UTC), "2026-03-02", true},
		{"qbo at 10:00Z", bankfeeds.PlatformQuickBooksOnlineBankFeeds, time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC), "2026-03-02T23:59:59", false},
		{"xero a calendar year back", bankfeeds.PlatformXero, rulesNow, "2025-03-10", true},
		{"xero a year and a day back", bankfeeds.PlatformXero, rulesNow, "2025-03-09T23:59:59", false},
		// Across the leap day 2024-02-29: 366 days, still one calendar year.
		{"xero across a leap day", bankfeeds.PlatformXero, time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), "2023-03-01", true},
		{"xero across a leap day, a day more", bankfeeds.PlatformXero, time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), "2023-02-28T23:59:59", false},
		// A year back from 29 February is 28 February.
		{"xero from a leap day", bankfeeds.PlatformXero, time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), "2023-02-28", true},
		{"xero from a leap day, a day more", bankfeeds.PlatformXero, time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), "2023-02-27", false},
		// At 11:00Z it is still yesterday at UTC-12.
		{"xero utc-12's today", bankfeeds.PlatformXero, time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC), "2025-03-09", true},
		{"netsuite has no window", bankfeeds.PlatformNetSuite, rulesNow, "2020-01-01", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			srv, c := sandbox(t, bankfeedstest.WithClock(func() time.Time { return now }))
			co, conn := linked(t, srv, c, tc.platform, v2Account("a1", "USD"))
			e := &ruleEnv{srv: srv, c: c, co: co.ID, conn: conn.ID, t: t}
			op := e.push(line("t1", tc.line, true))
			if tc.ok {
				e.wantSuccess(op)
			} else {
				e.wantFailed(op, "BankTransactionsDateRangeValidator", 0)
			}
		})
	}
}

func TestPushFailsWithoutBalance(t *testing.T) {
	for _, platform := range []string{
		bankfeeds.PlatformXero, bankfeeds.PlatformSageBankFeeds, bankfeeds.PlatformNetSuite,
		bankfeeds.PlatformExact, bankfeeds.PlatformFreeAgent, bankfeeds.PlatformQuickBooksOnlineBankFeeds,
	} {
		t.Run(platform, func(t *testing.T) {
			e := newRuleEnv(t, platform)
			e.wantFailed(e.push(line("t1", at(-2*time.Hour), true), line("t2", at(-time.Hour), false)), "BankTransactionsBalanceValidator", 0)
		})
	}
}

func TestPushFailureListsEveryBrokenRule(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformQuickBooksOnlineBankFeeds)
	op := e.push(line("t1", at(-30*24*time.Hour), false), line("t2", at(20*time.Hour), true), line("t3", at(-time.Hour), true))
	e.wantFailed(op, "BankTransactionsDateRangeValidator", 0)
	for _, v := range []string{"BankTransactionsBalanceValidator", "BankTransactionsFutureDateValidator", "BankTransactionsOrderValidator"} {
		if !hasValidator(op, v) {
			t.Errorf("missing %s in %+v", v, op.Validation)
		}
	}
}

func TestPushSignWarning(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	l := line("t1", at(-time.Hour), true)
	l["transactionType"] = "Debit" // a positive Debit is a warning, not an error
	op := e.push(l)
	e.wantSuccess(op)
	if op.Validation == nil || len(op.Validation.Warnings) != 1 {
		t.Fatalf("want one warning, got %+v", op.Validation)
	}
}

func TestPushValidatedSynchronously(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	base := "/companies/" + e.co + "/connections/" + e.conn + "/push/bankAccounts/"
	many := make([]map[string]any, 1001)
	for i := range many {
		many[i] = line("t"+strconv.Itoa(i), at(-time.Hour), true)
	}
	cases := []struct {
		name, path string
		body       any
		status     int
		item       string
	}{
		{"bad json", base + "a1/bankTransactions", `{"accountId":`, 400, "body"},
		{"not an object", base + "a1/bankTransactions", `[1,2]`, 400, "body"},
		{"amount not a number", base + "a1/bankTransactions", `{"accountId":"a1","transactions":[{"id":"x","date":"2026-03-10","amount":"ten"}]}`, 400, "x"},
		{"amount an object", base + "a1/bankTransactions", `{"accountId":"a1","transactions":[{"id":"x","date":"2026-03-10","amount":{}}]}`, 400, "x"},
		{"more than 1000", base + "a1/bankTransactions", map[string]any{"accountId": "a1", "transactions": many}, 400, "transactions"},
		{"no transactions", base + "a1/bankTransactions", map[string]any{"accountId": "a1", "transactions": []any{}}, 400, "transactions"},
		{"accountId differs", base + "a1/bankTransactions", map[string]any{"accountId": "a2", "transactions": []any{line("t", at(-time.Hour), true)}}, 400, "accountId"},
		{"unknown account", base + "zz/bankTransactions", map[string]any{"accountId": "zz", "transactions": []any{line("t", at(-time.Hour), true)}}, 404, "zz"},
		{"missing date", base + "a1/bankTransactions", map[string]any{"accountId": "a1", "transactions": []any{map[string]any{"id": "t", "amount": 1}}}, 400, "t"},
		{"bad date", base + "a1/bankTransactions", map[string]any{"accountId": "a1", "transactions": []any{map[string]any{"id": "t", "amount": 1, "date": "yesterday"}}}, 400, "t"},
		{"missing amount", base + "a1/bankTransactions", map[string]any{"accountId": "a1", "transactions": []any{map[string]any{"id": "t", "date": "2026-03-10"}}}, 400, "t"},
		{"missing id", base + "a1/bankTransactions", map[string]any{"accountId": "a1", "transactions": []any{map[string]any{"amount": 1, "date": "2026-03-10"}}}, 400, "[0]"},
		{"bad type", base + "a1/bankTransactions", map[string]any{"accountId": "a1", "transactions": []any{map[string]any{"id": "t", "amount": 1, "date": "2026-03-10", "transactionType": "Gift"}}}, 400, "t"},
		{"bad timeout", base + "a1/bankTransactions?timeoutInMinutes=soon", map[string]any{"accountId": "a1", "transactions": []any{line("t", at(-time.Hour), true)}}, 400, "timeoutInMinutes"},
		{"bad allowSync", base + "a1/bankTransactions?allowSyncOnPushComplete=maybe", map[string]any{"accountId": "a1", "transactions": []any{line("t", at(-time.Hour), true)}}, 400, "allowSyncOnPushComplete"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := raw(t, e.srv, http.MethodPost, tc.path, tc.body)
			eb := wantError(t, resp, body, tc.status)
			if eb.Validation == nil || len(eb.Validation.Errors) == 0 || eb.Validation.Errors[0].ItemID != tc.item {
				t.Fatalf("validation items %s, want one for %q", body, tc.item)
			}
		})
	}
	if n := len(e.srv.PushOperations(e.co)); n != 0 {
		t.Fatalf("refused pushes made %d push operations", n)
	}
	// Through the SDK, the unknown account is ErrNotFound.
	_, err := e.c.Transactions.Push(t.Context(), e.co, e.conn, "zz", []bankfeeds.BankTransaction{txn("t", rulesNow.Add(-time.Hour), "1", "1")}, nil)
	if apiStatus(err) != 404 {
		t.Fatalf("push to an unknown account: %v", err)
	}
}

func TestPushQueryParametersEchoed(t *testing.T) {
	e := newRuleEnv(t, bankfeeds.PlatformXero)
	resp, body := raw(t, e.srv, http.MethodPost, "/companies/"+e.co+"/connections/"+e.conn+"/push/bankAccounts/a1/bankTransactions?timeoutInMinutes=5&allowSyncOnPushComplete=false",
		map[string]any{"accountId": "a1", "transactions": []any{line("t", at(-time.Hour), true)}})
	op := decode[bankfeeds.PushOperation](t, body)
	if resp.StatusCode != 200 || op.TimeoutInMinutes == nil || *op.TimeoutInMinutes != 5 || op.DataType != "bankTransactions" || op.StatusCode != 202 {
		t.Fatalf("push answer %d %s", resp.StatusCode, body)
	}
	if !op.RequestedOnUTC.Equal(rulesNow) {
		t.Fatalf("requestedOnUtc %v, want the sandbox clock %v", op.RequestedOnUTC, rulesNow)
	}
}

func TestPushDelay(t *testing.T) {
	srv := bankfeedstest.NewServer(bankfeedstest.WithPushDelay(time.Hour))
	defer srv.Close()
	c := client(t, srv)
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "USD"))
	op := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(t.Context(), co.ID, conn.ID, "a1", []bankfeeds.BankTransaction{txn("t", time.Now().Add(-time.Hour), "1", "1")}, nil))
	got := must[*bankfeeds.PushOperation](t)(c.Transactions.GetOperation(t.Context(), co.ID, op.PushOperationKey))
	if got.Status != bankfeeds.PushStatusPending || got.CompletedOnUTC != nil || len(srv.Transactions(co.ID, conn.ID, "a1")) != 0 {
		t.Fatalf("with an hour's delay the push should still be Pending: %+v", got)
	}

	// The default delay is short: the push completes within a few polls.
	srv2, c2 := bankfeedstest.NewServer(), (*bankfeeds.Client)(nil)
	defer srv2.Close()
	c2 = client(t, srv2)
	co2, conn2 := linked(t, srv2, c2, bankfeeds.PlatformXero, v2Account("a1", "USD"))
	op = must[*bankfeeds.PushOperation](t)(c2.Transactions.Push(t.Context(), co2.ID, conn2.ID, "a1", []bankfeeds.BankTransaction{txn("t", time.Now().Add(-time.Hour), "1", "1")}, nil))
	if op.Status != bankfeeds.PushStatusPending {
		t.Fatalf("push answer %s", op.Status)
	}
	if done := wait(t, c2, co2.ID, op.PushOperationKey); done.Status != bankfeeds.PushStatusSuccess || done.CompletedOnUTC.Before(done.RequestedOnUTC.Time) {
		t.Fatalf("after the default delay: %+v", done)
	}
}
