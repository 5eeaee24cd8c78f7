package bankfeedstest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bankfeeds-go/bankfeeds"
	"github.com/bankfeeds-go/bankfeeds/bankfeedstest"
	"github.com/bankfeeds-go/bankfeeds/webhooks"
)

func TestScenarioLongPendingEndsWhenTheClockAdvances(t *testing.T) {
	srv, c := sandbox(t, frozen(rulesNow), bankfeedstest.WithScenarios(bankfeedstest.Scenarios{Seed: 1, LongPending: 1, PendingFor: 3 * time.Hour}))
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	op := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(t.Context(), co.ID, conn.ID, "a1", []bankfeeds.BankTransaction{txn("t1", rulesNow.Add(-time.Hour), "1", "1")}, nil))
	time.Sleep(30 * time.Millisecond) // longer than any push delay
	if got := must[*bankfeeds.PushOperation](t)(c.Transactions.GetOperation(t.Context(), co.ID, op.PushOperationKey)); got.Status != bankfeeds.PushStatusPending {
		t.Fatalf("a long-pending push is %s", got.Status)
	}
	must[time.Time](t)(srv.Advance(3 * time.Hour))
	got := must[*bankfeeds.PushOperation](t)(c.Transactions.GetOperation(t.Context(), co.ID, op.PushOperationKey))
	if got.Status != bankfeeds.PushStatusSuccess || !got.CompletedOnUTC.Equal(rulesNow.Add(3*time.Hour)) {
		t.Fatalf("after the clock advanced: %s %v", got.Status, got.CompletedOnUTC)
	}
	if n := srv.ScenarioCounts().LongPending; n != 1 {
		t.Fatalf("counted %d", n)
	}
}

func TestScenarioTimedOutYetWritten(t *testing.T) {
	srv, c := sandbox(t, bankfeedstest.WithScenarios(bankfeedstest.Scenarios{Seed: 1, TimedOutWritten: 1}))
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	_, err := c.Transactions.PushAll(t.Context(), co.ID, conn.ID, "a1", []bankfeeds.BankTransaction{txn("t1", time.Now().Add(-time.Hour), "1", "1")}, nil)
	if err == nil || !strings.Contains(err.Error(), "TimedOut") {
		t.Fatalf("PushAll should report the timeout: %v", err)
	}
	if n := len(srv.Transactions(co.ID, conn.ID, "a1")); n != 1 {
		t.Fatalf("a timed-out push wrote %d lines, want 1 (Codat warns it may be written)", n)
	}
	ops := srv.PushOperations(co.ID)
	if len(ops) != 1 || ops[0].Status != bankfeeds.PushStatusTimedOut || ops[0].ErrorMessage == nil {
		t.Fatalf("push operations %+v", ops)
	}
	if n := srv.ScenarioCounts().TimedOutWritten; n != 1 {
		t.Fatalf("counted %d", n)
	}
}

// TestScenarioQBODisconnectsDaysAfterLinking also checks the events: the
// disconnected webhook (held against the document) and, once the last
// account is gone, connection.disconnected.
func TestScenarioQBODisconnectsDaysAfterLinking(t *testing.T) {
	srv, c := sandbox(t, frozen(rulesNow), bankfeedstest.WithScenarios(bankfeedstest.Scenarios{Seed: 5, QBODisconnect: 1, DisconnectAfter: 72 * time.Hour}))
	rcv := newReceiver(t, nil)
	if err := srv.SetWebhook(rcv.URL, rcv.secret); err != nil {
		t.Fatal(err)
	}
	co, conn := linked(t, srv, c, bankfeeds.PlatformQuickBooksOnlineBankFeeds, v2Account("a1", "USD"))
	must[time.Time](t)(srv.Advance(71 * time.Hour))
	if a := must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(t.Context(), co.ID, conn.ID)); a[0].Status != bankfeeds.SourceAccountConnected {
		t.Fatalf("after 71 hours: %s", a[0].Status)
	}
	must[time.Time](t)(srv.Advance(time.Hour))
	if a := must[[]bankfeeds.SourceAccount](t)(c.SourceAccounts.List(t.Context(), co.ID, conn.ID)); a[0].Status != bankfeeds.SourceAccountDisconnected {
		t.Fatalf("after 72 hours: %s", a[0].Status)
	}
	if got := must[*bankfeeds.Connection](t)(c.Connections.Get(t.Context(), co.ID, conn.ID)); got.Status != bankfeeds.ConnectionStatus("Unlinked") {
		t.Fatalf("a QBO connection with every account disconnected is %s", got.Status)
	}
	evs := rcv.waitEvents(t, 5)
	var types []string
	for _, e := range evs {
		types = append(types, string(e.Type))
	}
	want := []string{"connection.created", "connection.connected", "bankFeeds.sourceAccount.connected", "bankFeeds.sourceAccount.disconnected", "connection.disconnected"}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Fatalf("events %v, want %v", types, want)
	}
	if p := evs[4].Payload.(*webhooks.ConnectionPayload); p.Connection.ID != conn.ID || string(p.Connection.Status) != "Unlinked" {
		t.Fatalf("connection.disconnected payload %+v", p)
	}
	if n := srv.ScenarioCounts().QBODisconnected; n != 1 {
		t.Fatalf("counted %d", n)
	}
}

func TestEventsForEveryChange(t *testing.T) {
	srv, c := sandbox(t)
	rcv := newReceiver(t, nil)
	if err := srv.SetWebhook(rcv.URL, rcv.secret); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	op := must[*bankfeeds.PushOperation](t)(c.BankAccounts.Create(ctx, co.ID, conn.ID, bankfeeds.BankAccount{AccountName: bankfeeds.Ptr("Savings"), AccountType: "Debit", Currency: "GBP"}, nil))
	wait(t, c, co.ID, op.PushOperationKey)
	must[*bankfeeds.SourceAccount](t)(c.SourceAccounts.Update(ctx, co.ID, conn.ID, "a1", bankfeeds.SourceAccountUpdate{Status: bankfeeds.Ptr(bankfeeds.SourceAccountDisconnected)}))
	must[*bankfeeds.Connection](t)(c.Connections.Unlink(ctx, co.ID, conn.ID))
	if err := c.Connections.Delete(ctx, co.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	evs := rcv.waitEvents(t, 7)
	var types []string
	for _, e := range evs {
		types = append(types, string(e.Type))
	}
	want := "connection.created connection.connected bankFeeds.sourceAccount.connected bankAccounts.write.successful bankFeeds.sourceAccount.disconnected connection.disconnected connection.deleted"
	if strings.Join(types, " ") != want {
		t.Fatalf("events\n %v\nwant\n %s", types, want)
	}
	if p := evs[3].Payload.(*webhooks.WritePayload); p.ID != op.PushOperationKey || evs[3].DataType() != "bankAccounts" {
		t.Fatalf("bankAccounts.write payload %+v", p)
	}
	if p := evs[4].Payload.(*webhooks.SourceAccountPayload); p.SourceAccount.ID != "a1" || p.SourceAccount.Status != bankfeeds.SourceAccountDisconnected {
		t.Fatalf("disconnected payload %+v", p)
	}
	// Subscribing to some types sends only those.
	only := newReceiver(t, nil)
	if err := srv.SetWebhook(only.URL, only.secret, webhooks.EventConnectionCreated); err != nil {
		t.Fatal(err)
	}
	linked(t, srv, c, bankfeeds.PlatformXero, v2Account("b1", "GBP"))
	if evs := only.waitEvents(t, 1); len(evs) != 1 || evs[0].Type != webhooks.EventConnectionCreated {
		t.Fatalf("subscribed to connection.created, got %v", evs)
	}
}

func TestDisconnectFromGo(t *testing.T) {
	srv, c := sandbox(t)
	co, conn := linked(t, srv, c, bankfeeds.PlatformXero, v2Account("a1", "GBP"))
	if err := srv.Disconnect(co.ID, conn.ID, "a1"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Disconnect(co.ID, conn.ID, "a1"); err != bankfeedstest.ErrNotConnected {
		t.Fatalf("twice: %v", err)
	}
	if err := srv.Disconnect(co.ID, conn.ID, "nope"); err == nil {
		t.Fatal("an unknown account")
	}
	op := must[*bankfeeds.PushOperation](t)(c.Transactions.Push(t.Context(), co.ID, conn.ID, "a1", []bankfeeds.BankTransaction{txn("t", time.Now().Add(-time.Hour), "1", "1")}, nil))
	if got := wait(t, c, co.ID, op.PushOperationKey); got.Status != bankfeeds.PushStatusFailed {
		t.Fatalf("a push to a disconnected account: %s", got.Status)
	}
}

// TestAdvanceCrossesTheIdempotencyWindow: the same key is replayed within
// 90 minutes and honoured afresh after, with no real waiting.
func TestAdvanceCrossesTheIdempotencyWindow(t *testing.T) {
	srv, _ := sandbox(t, frozen(rulesNow))
	first, b1 := raw(t, srv, http.MethodPost, "/companies", `{"name":"Once"}`, "Idempotency-Key", "k-1")
	must[time.Time](t)(srv.Advance(89 * time.Minute))
	again, b2 := raw(t, srv, http.MethodPost, "/companies", `{"name":"Once"}`, "Idempotency-Key", "k-1")
	if first.StatusCode != 200 || again.Header.Get("Idempotent-Replayed") != "true" || string(b1) != string(b2) {
		t.Fatalf("within 90 minutes: %d %q", again.StatusCode, again.Header.Get("Idempotent-Replayed"))
	}
	must[time.Time](t)(srv.Advance(time.Minute))
	late, b3 := raw(t, srv, http.MethodPost, "/companies", `{"name":"Once"}`, "Idempotency-Key", "k-1")
	if late.StatusCode != 200 || late.Header.Get("Idempotent-Replayed") != "" || string(b3) == string(b1) {
		t.Fatalf("after 90 minutes the key should be new: %d %q", late.StatusCode, late.Header.Get("Idempotent-Replayed"))
	}
	if now := srv.Now(); !now.Equal(rulesNow.Add(90 * time.Minute)) {
		t.Fatalf("Now %v", now)
	}
}
